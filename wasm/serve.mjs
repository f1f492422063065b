#!/usr/bin/env node
// Serve a built site (wasm/dist/app or wasm/dist/upload) to try it, e.g.
// on a phone on the same network. Uploads to /upload are received and
// listed, not kept.
//
//   node wasm/serve.mjs [wasm/dist/app] [--port 8080] [--lan] [--cert C --key K]
//
// --lan listens on every interface (default: this machine only). A phone
// needs a secure context for the service worker (offline use, install,
// share target): http://localhost (e.g. through `adb reverse tcp:8080
// tcp:8080` over USB) or HTTPS (--cert/--key with a certificate the phone
// trusts). Plain http://<LAN address> shows the app but cannot install it.

import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer } from './test/server.mjs';

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  if (at === -1) return undefined;
  const [, value] = args.splice(at, 2);
  return value;
};
const port = Number(option('--port') ?? 8080);
const cert = option('--cert');
const key = option('--key');
const lan = args.includes('--lan');
const root = resolve(args.find((a) => !a.startsWith('--')) ?? fileURLToPath(new URL('./dist/app', import.meta.url)));
const tls = cert && key ? { cert: readFileSync(cert), key: readFileSync(key) } : null;

const server = await startServer(root, { host: lan ? '0.0.0.0' : '127.0.0.1', port, tls });
const scheme = tls ? 'https' : 'http';
console.log(`serving ${root}`);
console.log(`  ${scheme}://localhost:${server.port}/`);
if (lan) {
  for (const list of Object.values(networkInterfaces())) {
    for (const address of list ?? []) {
      if (address.family === 'IPv4' && !address.internal) console.log(`  ${scheme}://${address.address}:${server.port}/`);
    }
  }
}
setInterval(() => {
  while (server.uploads.length) {
    const upload = server.uploads.shift();
    console.log(`received ${upload.filename} (${upload.type})`);
  }
}, 1000);
process.on('SIGINT', async () => {
  await server.close();
  process.exit(0);
});

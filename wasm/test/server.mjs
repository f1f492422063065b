// A static file server on 127.0.0.1 for the browser tests: serves a built
// site folder (wasm/dist/upload or wasm/dist/app), records every request,
// and stores what is POSTed to /upload (multipart, `files` parts) so a test
// can judge the bytes that would have left the visitor's machine.

import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { pipeline } from 'node:stream/promises';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Where `body` (a Buffer) has `needle`, from `from`. */
function find(body, needle, from) {
  return body.indexOf(needle, from);
}

/**
 * Split a multipart body held in a file into its parts, reading it in
 * windows so a large upload is never held whole in memory. Returns
 * `[{ name, filename, type, start, end }]` (byte ranges in the file).
 */
async function multipartParts(path, boundary) {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const delimiter = Buffer.from(`\r\n--${boundary}`);
    const positions = [];
    const window = 8 << 20;
    let offset = 0;
    // The body starts with `--boundary` (no CRLF): treat it as if it had one.
    const first = Buffer.from(`--${boundary}`);
    const head = Buffer.alloc(first.length);
    await handle.read(head, 0, head.length, 0);
    if (!head.equals(first)) throw new Error('multipart body does not start with its boundary');
    positions.push(-2);
    while (offset < size) {
      const length = Math.min(window + delimiter.length, size - offset);
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, offset);
      let at = 0;
      while ((at = find(chunk, delimiter, at)) !== -1) {
        if (offset + at > positions.at(-1)) positions.push(offset + at);
        at += 1;
      }
      offset += window;
    }
    const parts = [];
    for (let i = 0; i + 1 < positions.length; i++) {
      const start = positions[i] + delimiter.length + 2; // past `--boundary\r\n`
      const headerBytes = Buffer.alloc(Math.min(4096, positions[i + 1] - start));
      await handle.read(headerBytes, 0, headerBytes.length, start);
      const headerEnd = headerBytes.indexOf('\r\n\r\n');
      const headers = headerBytes.subarray(0, headerEnd).toString('utf8');
      const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
      parts.push({
        name: /name="([^"]*)"/i.exec(disposition)?.[1],
        filename: /filename="([^"]*)"/i.exec(disposition)?.[1],
        type: /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1],
        start: start + headerEnd + 4,
        end: positions[i + 1],
      });
    }
    return parts;
  } finally {
    await handle.close();
  }
}

/**
 * Start serving `root`. Returns `{ url, requests, uploads, close }`:
 * `requests` lists every request (method and path); `uploads` the files
 * received, each `{ field, filename, type, path }` written under a
 * temporary directory.
 */
export async function startServer(root, { headers = {}, host = '127.0.0.1', port = 0, tls = null } = {}) {
  const spool = await mkdtemp(join(tmpdir(), 'mediascrub-upload-'));
  const requests = [];
  const uploads = [];
  let count = 0;
  const handler = async (req, res) => {
    requests.push({ method: req.method, url: req.url });
    try {
      const url = new URL(req.url, 'http://127.0.0.1');
      if (req.method === 'POST' && url.pathname === '/upload') {
        const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(req.headers['content-type'] ?? '');
        if (!boundary) {
          res.writeHead(400).end('expected multipart/form-data');
          return;
        }
        const body = join(spool, `body-${++count}`);
        await pipeline(req, createWriteStream(body));
        for (const part of await multipartParts(body, boundary[1] ?? boundary[2])) {
          if (part.filename === undefined) continue;
          const path = join(spool, `${count}-${uploads.length}-${part.filename.replace(/[^\w.-]/g, '_')}`);
          if (part.end > part.start) {
            await pipeline(createReadStream(body, { start: part.start, end: part.end - 1 }), createWriteStream(path));
          } else {
            await pipeline(async function* () {}, createWriteStream(path));
          }
          uploads.push({ field: part.name, filename: part.filename, type: part.type, path });
        }
        await rm(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      let path = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
      if (path.endsWith('/')) path += 'index.html';
      const file = join(root, path);
      if (!file.startsWith(root)) {
        res.writeHead(403).end();
        return;
      }
      let stat;
      try {
        stat = statSync(file);
      } catch {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': stat.size,
        'cache-control': 'no-cache',
        ...headers,
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  };
  const server = tls ? createTlsServer(tls, handler) : createServer(handler);
  await new Promise((resolve) => server.listen(port, host, resolve));
  const bound = server.address().port;
  return {
    url: `${tls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}/`,
    port: bound,
    requests,
    uploads,
    async close() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
      await rm(spool, { recursive: true, force: true });
    },
  };
}

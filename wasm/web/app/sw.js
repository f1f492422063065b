// The app's service worker: caches the app (page, scripts, WebAssembly
// module, icons) so that it opens and cleans offline, and receives files
// shared to the app (the manifest's share_target POSTs them to ./share),
// holding them in memory until the page asks. Shared originals are never
// written to any cache.

importScripts('./precache.js');

const CACHE = `mediascrub-app-${self.PRECACHE_VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(self.PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('mediascrub-app-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// Shares waiting for their page: promises of File lists, oldest first.
const shares = [];
let handOver = null;

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin) return;
  if (event.request.method === 'POST' && url.pathname.endsWith('/share')) {
    const files = event.request.formData().then(
      (form) => form.getAll('media').filter((item) => item instanceof File),
      () => [],
    );
    shares.push(files);
    // Stay alive until the page has taken the files (or a minute passed).
    event.waitUntil(Promise.race([
      new Promise((resolve) => { handOver = resolve; }),
      new Promise((resolve) => setTimeout(resolve, 60_000)),
    ]));
    event.respondWith(Response.redirect(new URL('./?share', self.registration.scope).href, 303));
    return;
  }
  if (event.request.method !== 'GET') return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = event.request.mode === 'navigate'
      ? await cache.match('./', { ignoreSearch: true })
      : await cache.match(event.request, { ignoreSearch: true });
    return hit ?? fetch(event.request);
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type !== 'share-ready') return;
  const port = event.ports[0];
  event.waitUntil((async () => {
    const files = shares.length ? await shares.shift() : [];
    port.postMessage({ files });
    handOver?.();
  })());
});

// End-to-end test of the phone app (wasm/dist/app, built by wasm/build.sh)
// in Debian's Chromium with a Pixel-sized, touch viewport: the service
// worker installs; with the network cut the app still opens and cleans; a
// multipart POST to the share-target URL (what Android's share sheet
// sends) with a photo and a video carrying planted GPS shows findings, and
// the files shared on (captured from navigator.share) and saved (the
// download fallback) carry no sensitive tag and decode identically. No
// request leaves the app's origin during the whole test.
//
// Run: node --test wasm/test/app.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startServer } from './server.mjs';
import { DIST, SAMPLES, launch, mediaHash, missing, plantedIn, recordRequests, sensitiveTags } from './browser.mjs';

const TOOLS = ['exiftool', 'ffmpeg'];
const SHARED = ['photo-gps.jpg', 'phone-faststart.mp4'];

async function phone() {
  const { devices } = await import('playwright-core');
  const { viewport, userAgent, deviceScaleFactor, isMobile, hasTouch } = devices['Pixel 7'];
  return { viewport, userAgent, deviceScaleFactor, isMobile, hasTouch };
}

/** Replace navigator.share with one that records the files it is given. */
const CAPTURE_SHARE = () => {
  window.__shared = null;
  const toBase64 = (bytes) => {
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  };
  Object.defineProperty(navigator, 'canShare', { value: ({ files }) => Array.isArray(files) && files.length > 0 });
  Object.defineProperty(navigator, 'share', {
    value: async ({ files }) => {
      window.__shared = await Promise.all(files.map(async (file) => ({
        name: file.name, type: file.type, base64: toBase64(new Uint8Array(await file.arrayBuffer())),
      })));
    },
  });
};

async function settled(page, count) {
  await page.waitForFunction(
    (n) => document.querySelectorAll('#list .file').length === n &&
      document.querySelectorAll('#list .state-waiting, #list .state-cleaning').length === 0,
    count,
    { timeout: 60_000 },
  );
}

/** What Android's share sheet does: POST the files to the share target. */
async function shareToApp(page, paths) {
  await page.evaluate(() => {
    const form = document.createElement('form');
    form.method = 'post';
    form.enctype = 'multipart/form-data';
    form.action = './share';
    form.id = 'share-sheet';
    const input = document.createElement('input');
    input.type = 'file';
    input.name = 'media';
    input.multiple = true;
    form.append(input);
    document.body.append(form);
  });
  await page.setInputFiles('#share-sheet input', paths);
  await Promise.all([page.waitForURL(/\/$/), page.evaluate(() => document.getElementById('share-sheet').submit())]);
}

function judge(path, original) {
  assert.deepEqual(sensitiveTags(path), [], `${original}: exiftool still sees sensitive tags`);
  assert.deepEqual(plantedIn(path), [], `${original}: planted values survive`);
  assert.equal(mediaHash(path), mediaHash(join(SAMPLES, original)), `${original}: decoded media differ`);
}

test('phone app: installs, works offline, takes a share, shares on only cleaned files', async (t) => {
  const why = missing({ site: 'app', tools: TOOLS });
  if (why) return t.skip(why);
  const work = mkdtempSync(join(tmpdir(), 'mediascrub-app-test-'));
  const server = await startServer(join(DIST, 'app'));
  const context = await launch({ ...(await phone()) });
  const requests = recordRequests(context);
  try {
    await context.addInitScript(CAPTURE_SHARE);
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(server.url);
    // The service worker installs and takes control; the manifest is valid
    // enough for Chromium to see its share target.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
      }
    });
    const manifest = await page.evaluate(async () => (await fetch('manifest.webmanifest')).json());
    assert.equal(manifest.share_target.action, './share');
    assert.deepEqual(manifest.share_target.params.files[0].accept.slice(0, 2), ['image/*', 'video/*']);

    // Airplane mode from here on.
    await context.setOffline(true);
    const servedBefore = server.requests.length;
    await page.reload();
    assert.match(await page.textContent('h1'), /Clean before you post/);

    // A share from the gallery: a photo and a video with planted GPS.
    await shareToApp(page, SHARED.map((name) => join(SAMPLES, name)));
    await settled(page, SHARED.length);
    const cards = await page.$$eval('#list .file', (nodes) => nodes.map((node) => ({
      name: node.dataset.name, state: node.className, gist: node.querySelector('.gist')?.textContent ?? '',
    })));
    for (const card of cards) {
      assert.match(card.state, /state-cleaned/, card.name);
      assert.match(card.gist, /^Taken at 59\.4370 N, 24\.7536 E/, `${card.name}: ${card.gist}`);
    }
    assert.match(cards[0].gist, /Jane Planted/);

    if (process.env.MEDIASCRUB_SCREENSHOTS) {
      await page.click('#list .file[data-name="photo-gps.jpg"] summary');
      await page.evaluate(() => document.querySelector('#list .file .gist').scrollIntoView());
      await page.screenshot({ path: join(process.env.MEDIASCRUB_SCREENSHOTS, 'app-findings.png') });
      await page.click('#list .file[data-name="photo-gps.jpg"] summary');
    }

    // Share on: only cleaned bytes reach navigator.share.
    await page.click('#share');
    await page.waitForFunction(() => window.__shared !== null);
    const shared = await page.evaluate(() => window.__shared);
    assert.deepEqual(shared.map((f) => f.name), SHARED);
    assert.equal(shared[0].type, 'image/jpeg');
    for (const file of shared) {
      const path = join(work, `shared-${file.name}`);
      writeFileSync(path, Buffer.from(file.base64, 'base64'));
      judge(path, file.name);
    }
    if (process.env.MEDIASCRUB_SCREENSHOTS) {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(process.env.MEDIASCRUB_SCREENSHOTS, 'app-cleaned.png') });
    }

    // Save, the path where sharing files is not available: same bytes.
    const downloads = [];
    page.on('download', (download) => downloads.push(download));
    await page.click('#save');
    await page.waitForFunction(() => true, null, { timeout: 1000 }).catch(() => {});
    while (downloads.length < SHARED.length) await new Promise((resolve) => setTimeout(resolve, 100));
    for (const download of downloads) {
      const name = download.suggestedFilename();
      const path = join(work, `saved-${name}`);
      await download.saveAs(path);
      const sharedCopy = readFileSync(join(work, `shared-${name}`));
      assert.deepEqual(readFileSync(path), sharedCopy, `${name}: saved and shared bytes differ`);
    }

    // A file that cannot be cleaned is marked and never shared.
    const broken = join(work, 'broken.mp4');
    writeFileSync(broken, readFileSync(join(SAMPLES, 'phone-faststart.mp4')).subarray(0, 2000));
    await page.click('#clear');
    await page.setInputFiles('#files', [broken, join(SAMPLES, 'photo-gps.jpg')]);
    await settled(page, 2);
    assert.match(await page.getAttribute('#list .file[data-name="broken.mp4"]', 'class'), /state-refused/);
    assert.match(await page.textContent('#list .file[data-name="broken.mp4"] .error'), /malformed/);
    await page.evaluate(() => { window.__shared = null; });
    await page.click('#share');
    await page.waitForFunction(() => window.__shared !== null);
    assert.deepEqual(await page.evaluate(() => window.__shared.map((f) => f.name)), ['photo-gps.jpg']);

    // Offline means offline: the server saw nothing after the cut, and no
    // request ever went to another origin.
    // The one exception is the browser's own update check of the service
    // worker's scripts (Chromium makes it on navigation, outside the
    // page's emulated network); the app itself fetched nothing.
    const whileOffline = server.requests.slice(servedBefore)
      .filter(({ method, url }) => !(method === 'GET' && /^\/(sw|precache)\.js(\?|$)/.test(url)));
    assert.deepEqual(whileOffline, [], 'requests reached the server while offline');
    const foreign = requests.filter((url) => !url.startsWith(server.url) && !/^(blob|data):/.test(url));
    assert.deepEqual(foreign, [], 'requests left the app\'s origin');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
});

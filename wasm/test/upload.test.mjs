// End-to-end test of the upload page (wasm/dist/upload, built by
// wasm/build.sh) in Debian's Chromium, driven by playwright-core: files
// with planted metadata are chosen, the findings the page shows are
// checked, the upload the local server receives is judged with exiftool,
// ffmpeg and heif-convert, and a malformed file is refused and never sent.
// A video of over 300 MB goes through the large-file path while the
// browser's memory is sampled.
//
// Run: node --test wasm/test/upload.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startServer } from './server.mjs';
import {
  DIST, MiB, SAMPLES, launch, mediaHash, missing, plantedIn, recordRequests, sampleMemory, sensitiveTags,
} from './browser.mjs';

const TOOLS = ['exiftool', 'ffmpeg', 'heif-convert'];
const PHOTOS_AND_VIDEOS = [
  'photo-gps.jpg', 'photo-gps.png', 'photo-gps.webp', 'photo-gps.heic', 'motion-photo.jpg',
  'phone-faststart.mp4', 'drone-telemetry.mp4', 'rotated.mov', 'tagged.mkv', 'tagged.webm', 'info.avi',
];

async function openPage(server) {
  const context = await launch();
  const requests = recordRequests(context);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(server.url);
  return { context, page, requests, errors };
}

/** Wait until every card has left the waiting and cleaning states. */
async function settled(page, count, timeout = 120_000) {
  await page.waitForFunction(
    (n) => document.querySelectorAll('#list .file').length === n &&
      document.querySelectorAll('#list .state-waiting, #list .state-cleaning').length === 0,
    count,
    { timeout },
  );
}

function onlyOwnOrigin(requests, server) {
  const foreign = requests.filter((url) => !url.startsWith(server.url) && !url.startsWith('blob:') && !url.startsWith('data:'));
  assert.deepEqual(foreign, [], 'requests left the page\'s own origin');
}

test('upload page: findings shown, only cleaned bytes uploaded, malformed refused', async (t) => {
  const why = missing({ site: 'upload', tools: TOOLS });
  if (why) return t.skip(why);
  const work = mkdtempSync(join(tmpdir(), 'mediascrub-upload-test-'));
  const server = await startServer(join(DIST, 'upload'));
  const { context, page, requests, errors } = await openPage(server);
  try {
    // A JPEG cut inside its Exif segment and an MP4 cut inside its moov,
    // both holding planted values: refused, shown as not cleaned, never
    // uploaded.
    const broken = ['broken.jpg', 'broken.mp4'];
    writeFileSync(join(work, broken[0]), readFileSync(join(SAMPLES, 'photo-gps.jpg')).subarray(0, 300));
    writeFileSync(join(work, broken[1]), readFileSync(join(SAMPLES, 'phone-faststart.mp4')).subarray(0, 2000));
    const files = [...PHOTOS_AND_VIDEOS.map((name) => join(SAMPLES, name)), ...broken.map((name) => join(work, name))];

    // Once the page is open, cleaning needs no network.
    await page.waitForSelector('body[data-ready]');
    await context.setOffline(true);
    const served = server.requests.length;
    await page.setInputFiles('#files', files);
    await settled(page, files.length);
    assert.equal(server.requests.length, served, 'cleaning made requests');
    await context.setOffline(false);

    const cards = await page.$$eval('#list .file', (nodes) => nodes.map((node) => ({
      name: node.dataset.name,
      state: node.className,
      gist: node.querySelector('.gist')?.textContent ?? '',
      error: node.querySelector('.error')?.textContent ?? '',
      details: node.querySelector('.details')?.textContent ?? '',
    })));
    for (const card of cards) {
      if (broken.includes(card.name)) {
        assert.match(card.state, /state-refused/, `${card.name} is refused`);
        assert.match(card.error, /Not cleaned.*malformed .* at offset \d+: .*claims \d+ bytes/, card.error);
        if (card.details) assert.match(card.details, /not cleaned/, 'its findings say "not cleaned"');
        continue;
      }
      assert.match(card.state, /state-cleaned/, `${card.name}: ${card.error}`);
    }
    const gps = cards.find((c) => c.name === 'photo-gps.jpg');
    assert.match(gps.gist, /^Taken at 59\.4370 N, 24\.7536 E \(Tallinn\) on 6 May 2024 07:08 with a PlantedCam PC-1 Mark II \(body serial MSCRUB-SN-0042\) by Jane Planted; holds a hidden thumbnail/, gps.gist);
    assert.match(gps.gist, /Jane Planted/, gps.gist);
    assert.match(gps.gist, /MSCRUB-SN-0042|PlantedCam/, gps.gist);
    assert.match(gps.details, /GPS position/);
    // The hidden Exif thumbnail is shown as a picture that really decodes.
    const thumbnail = await page.$eval('#list .file[data-name="photo-gps.jpg"] .pictures img',
      (img) => img.decode().then(() => [img.naturalWidth, img.naturalHeight]));
    assert.deepEqual(thumbnail, [80, 60]);
    assert.match(gps.details, /Body serial number/);
    const video = cards.find((c) => c.name === 'phone-faststart.mp4');
    assert.match(video.gist, /^Taken at 59\.4370 N, 24\.7536 E/, video.gist);
    assert.match(await page.textContent('#summary'), /11 of 13 cleaned, 2 not cleaned/);

    await page.click('#send');
    await page.waitForFunction(() => /Uploaded/.test(document.querySelector('#upload-status').textContent), null, { timeout: 60_000 });

    const received = new Map(server.uploads.map((u) => [u.filename, u]));
    assert.deepEqual([...received.keys()].sort(), [...PHOTOS_AND_VIDEOS].sort(), 'exactly the cleaned files were uploaded');
    for (const name of broken) assert.ok(!received.has(name), `${name} was uploaded`);
    for (const name of PHOTOS_AND_VIDEOS) {
      const { path, field } = received.get(name);
      assert.equal(field, 'files');
      assert.deepEqual(sensitiveTags(path), [], `${name}: exiftool still sees sensitive tags`);
      assert.deepEqual(plantedIn(path), [], `${name}: planted values survive in the bytes`);
      assert.equal(mediaHash(path), mediaHash(join(SAMPLES, name)), `${name}: decoded media differ`);
    }
    // The download path gives the same bytes as the upload.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#list .file[data-name="photo-gps.jpg"] button.save'),
    ]);
    const saved = join(work, 'downloaded.jpg');
    await download.saveAs(saved);
    assert.deepEqual(readFileSync(saved), readFileSync(received.get('photo-gps.jpg').path));

    await page.screenshot({ path: join(work, 'upload-page.png'), fullPage: true });
    if (process.env.MEDIASCRUB_SCREENSHOTS) {
      // The top of the page after the batch, and its end: the refused
      // files and the upload's outcome.
      await page.setViewportSize({ width: 900, height: 1200 });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(process.env.MEDIASCRUB_SCREENSHOTS, 'upload-page.png') });
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.screenshot({ path: join(process.env.MEDIASCRUB_SCREENSHOTS, 'upload-page-end.png') });
    }
    assert.deepEqual(errors, []);
    onlyOwnOrigin(requests, server);
  } finally {
    await context.close();
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
});

test('upload page: a video over 300 MB is cleaned by ranges, in bounded memory', async (t) => {
  const why = missing({ site: 'upload', tools: TOOLS });
  if (why) return t.skip(why);
  const work = mkdtempSync(join(tmpdir(), 'mediascrub-large-test-'));
  const video = join(work, 'large.mov');
  // Uncompressed 720p frames: quick to make, and every byte is media.
  execFileSync('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-t', process.env.MEDIASCRUB_LARGE_VIDEO_SECONDS ?? '6',
    '-c:v', 'rawvideo', '-pix_fmt', 'uyvy422',
    '-metadata', 'location=+59.4370+024.7536/', '-metadata', 'artist=Jane Planted',
    '-metadata', 'make=PlantedCam', '-metadata', 'model=PC-1 Mark II', '-movflags', '+use_metadata_tags',
    video,
  ]);
  const size = statSync(video).size;
  assert.ok(size > 300 * MiB, `the test video is ${size} bytes`);
  // Cross-origin isolation, so that the page may measure its memory.
  const server = await startServer(join(DIST, 'upload'), {
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  });
  const { context, page, requests, errors } = await openPage(server);
  try {
    // A small photo first, so that the baseline includes the Worker and
    // the compiled module: what is measured is what the video costs.
    await page.setInputFiles('#files', [join(SAMPLES, 'photo-gps.jpg')]);
    await settled(page, 1);
    await page.click('#clear');
    const memory = sampleMemory();
    const started = Date.now();
    await page.setInputFiles('#files', [video]);
    await settled(page, 1, 300_000);
    const cleanMs = Date.now() - started;
    const { peak, baseline } = memory.stop();
    const state = await page.getAttribute('#list .file', 'class');
    assert.match(state, /state-cleaned/, await page.textContent('#list .file'));
    const gist = await page.textContent('#list .file .gist');
    assert.match(gist, /^Taken at 59\.4370 N, 24\.7536 E/, gist);
    const heap = await page.evaluate(async () => {
      if (!self.crossOriginIsolated || !performance.measureUserAgentSpecificMemory) return null;
      return (await performance.measureUserAgentSpecificMemory()).bytes;
    });

    const uploadStarted = Date.now();
    await page.click('#send');
    await page.waitForFunction(() => /Uploaded/.test(document.querySelector('#upload-status').textContent), null, { timeout: 300_000 });
    const uploadMs = Date.now() - uploadStarted;
    const [received] = server.uploads;
    assert.equal(statSync(received.path).size, size, 'same size: metadata blanked in place');
    assert.deepEqual(sensitiveTags(received.path), []);
    assert.deepEqual(plantedIn(received.path), []);
    assert.equal(mediaHash(received.path), mediaHash(video), 'decoded frames differ');
    const growth = peak - baseline;
    const line = `large video: ${(size / MiB).toFixed(0)} MiB cleaned in ${(cleanMs / 1000).toFixed(1)} s, ` +
      `uploaded in ${(uploadMs / 1000).toFixed(1)} s; renderer RSS ${(baseline / MiB).toFixed(0)} MiB before, ` +
      `peak ${(peak / MiB).toFixed(0)} MiB (+${(growth / MiB).toFixed(0)} MiB)` +
      (heap === null ? '' : `; measureUserAgentSpecificMemory ${(heap / MiB).toFixed(1)} MiB`);
    t.diagnostic(line);
    console.log(line);
    // Bounded whatever the file's size (the video is never copied into
    // memory): measured +52 to +93 MiB for 316 MiB and +124 MiB for
    // 633 MiB including the Worker's start, on a loaded 2-core machine.
    assert.ok(growth < 128 * MiB, line);
    assert.deepEqual(errors, []);
    onlyOwnOrigin(requests, server);
  } finally {
    await context.close();
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
});

// Shared by the browser tests: launching Debian's Chromium through
// playwright-core (no browser download), the independent oracles
// (exiftool, ffmpeg/ffprobe, heif-convert) and a sampler of the browser's
// memory.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const SAMPLES = fileURLToPath(new URL('../../samples/', import.meta.url));
export const DIST = fileURLToPath(new URL('../dist/', import.meta.url));

/** Values planted in samples/ by samples/make-samples.sh. */
export const PLANTED = [
  'Jane Planted', 'MSCRUB-SN-0042', 'LENS-SN-7731', 'PlantedCam', 'PC-1 Mark II',
  'PlantedSoft', '2024:05:06', '59.4370', '24.7536',
];

const have = (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/**
 * Why this test cannot run here (a missing browser, tool or build), or
 * null. Under CI (or without MEDIASCRUB_ALLOW_SKIP=1) a missing piece is a
 * failure, not a skip.
 */
export function missing({ site, tools = [] } = {}) {
  const lacks = [];
  if (!existsSync(CHROMIUM)) lacks.push(`${CHROMIUM} (apt install chromium)`);
  for (const tool of tools) if (!have(tool)) lacks.push(tool);
  if (site && !existsSync(join(DIST, site, 'index.html'))) lacks.push(`wasm/dist/${site} (run wasm/build.sh)`);
  if (lacks.length === 0) return null;
  const why = `missing: ${lacks.join(', ')}`;
  if (process.env.CI || process.env.MEDIASCRUB_ALLOW_SKIP !== '1') {
    throw new Error(`${why} (set MEDIASCRUB_ALLOW_SKIP=1 to skip locally)`);
  }
  return why;
}

/** The flags this machine's closed network needs, from the brief. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-blink-features=ForceEagerMeasureMemory',
];

export async function launch(options = {}) {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'mediascrub-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
    ...options,
  });
  const close = context.close.bind(context);
  context.close = async () => {
    await close();
    rmSync(profile, { recursive: true, force: true });
  };
  return context;
}

/** Every request the context makes, by URL. */
export function recordRequests(context) {
  const urls = [];
  context.on('request', (request) => urls.push(request.url()));
  return urls;
}

/** exiftool's view of a file: every tag, groups by family 1, embedded too. */
export function exiftool(path) {
  const out = execFileSync('exiftool', ['-j', '-a', '-G1', '-u', '-ee', path], { maxBuffer: 64 << 20 });
  return JSON.parse(out.toString())[0];
}

/** Tags that would identify: location, serials, owners, dates, device. */
const SENSITIVE = /gps|location|serial|owner|artist|author|copyright|make|model|creat(e|ion)date|datetime|date.?time|user.?comment|software|lens|xyz|uuid|unique/i;

/** Sensitive tags exiftool still sees, ignoring its own file-system ones. */
export function sensitiveTags(path) {
  const tags = exiftool(path);
  return Object.entries(tags).filter(([key, value]) => {
    const [group] = key.split(':');
    if (['SourceFile', 'ExifTool'].includes(key) || ['System', 'File', 'ExifTool', 'Composite'].includes(group)) return false;
    // The colour profile is kept on purpose; its own dates and maker name
    // describe the profile, not the camera (the core searches its text).
    if (group.startsWith('ICC')) return false;
    // Container dates zeroed by the cleaner read as 0000:00:00.
    if (/^0000:00:00 00:00:00/.test(String(value))) return false;
    return SENSITIVE.test(key);
  });
}

/** The planted values that survive anywhere in the bytes (UTF-8, UTF-16). */
export function plantedIn(path) {
  const bytes = readFileSync(path);
  const found = [];
  for (const text of PLANTED) {
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    if ([Buffer.from(text), le, be].some((form) => bytes.includes(form))) found.push(text);
  }
  return found;
}

/**
 * What must not change: the decoded pixels and samples, as per-frame MD5s
 * of what ffmpeg (or, for HEIF, heif-convert) decodes.
 */
export function mediaHash(path) {
  const name = path.toLowerCase();
  if (/\.(heic|heif|avif)$/.test(name)) {
    const dir = mkdtempSync(join(tmpdir(), 'mediascrub-heif-'));
    try {
      execFileSync('heif-convert', [path, join(dir, 'out.png')], { stdio: 'ignore' });
      const pngs = readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
      return pngs.map((png) => mediaHash(join(dir, png))).join('\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  // Decoded video frames (`V`: not attached cover pictures, which the
  // cleaner removes) and audio samples.
  const args = ['-v', 'error', '-i', path, '-map', '0:V', '-map', '0:a?', '-f', 'framemd5', '-'];
  const out = execFileSync('ffmpeg', args, { maxBuffer: 256 << 20 }).toString();
  // framemd5's header names the input's streams; keep only the hashes.
  return out.split('\n').filter((line) => line && !line.startsWith('#')).join('\n');
}

/** Resident memory of Chromium's renderer processes (page and its Workers). */
function rendererRss() {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmdline.startsWith(CHROMIUM) && !cmdline.includes('chromium')) continue;
      if (!cmdline.includes('--type=renderer')) continue;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // The process ended between listing and reading.
    }
  }
  return total;
}

/** Sample renderer memory every 50 ms until stopped; returns { peak, baseline }. */
export function sampleMemory() {
  const baseline = rendererRss();
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, rendererRss());
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, rendererRss());
      return { peak, baseline };
    },
  };
}

export const MiB = 1024 * 1024;

// Node tests of the npm package in wasm/pkg (build it first: wasm/build.sh).
// Run: node --test wasm/test/mediascrub.test.mjs
//
// The module is loaded with initSync from the .wasm bytes. The plan path
// (`cleanPlan`, Workers only in a browser) runs here against a minimal
// synchronous Blob and a FileReaderSync stand-in that count the reads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { initSync, inspect, clean, cleanPlan, assemble } from '../pkg/index.js';

const pkg = new URL('../pkg/', import.meta.url);
const samples = new URL('../../samples/', import.meta.url);
initSync({ module: readFileSync(new URL('mediascrub_wasm_bg.wasm', pkg)) });

const sample = (name) => new Uint8Array(readFileSync(new URL(name, samples)));

const PLANTED = [
  'Jane Planted',
  'MSCRUB-SN-0042',
  'LENS-SN-7731',
  'PlantedCam',
  'PC-1 Mark II',
  'PlantedSoft',
  '2024:05:06',
  '59.4370',
  '24.7536',
];

function forms(text) {
  const le = Buffer.from(text, 'utf16le');
  const be = Buffer.from(le);
  be.swap16();
  return [Buffer.from(text, 'utf8'), le, be];
}

function assertNoPlanted(bytes, name) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const text of PLANTED) {
    for (const form of forms(text)) {
      assert.equal(buf.indexOf(form), -1, `${name}: "${text}" survives`);
    }
  }
}

/** A Blob with synchronous reads, standing in for a File in a Worker. */
class SyncBlob {
  constructor(bytes) {
    this.bytes = bytes;
  }
  get size() {
    return this.bytes.length;
  }
  get type() {
    return '';
  }
  slice(start, end) {
    return new SyncBlob(this.bytes.subarray(start, end));
  }
}

const reads = { count: 0, largest: 0, total: 0 };
class FileReaderSync {
  readAsArrayBuffer(blob) {
    reads.count += 1;
    reads.total += blob.size;
    reads.largest = Math.max(reads.largest, blob.size);
    const { buffer, byteOffset, byteLength } = blob.bytes;
    return buffer.slice(byteOffset, byteOffset + byteLength);
  }
}

function fromPieces(pieces, input) {
  const parts = pieces.map((piece) => {
    if (piece.copy) {
      const [offset, len] = piece.copy;
      return Buffer.from(input.buffer, input.byteOffset + offset, len);
    }
    if (piece.data) return Buffer.from(piece.data);
    return Buffer.alloc(piece.zeros);
  });
  return Buffer.concat(parts);
}

for (const name of ['photo-gps.jpg', 'phone-faststart.mp4']) {
  test(`clean ${name}: no planted value survives, GPS is reported`, () => {
    const input = sample(name);
    const { bytes, report } = clean(input);
    assert.ok(bytes instanceof Uint8Array);
    assert.ok(bytes.length > 0 && bytes.length < input.length);
    assertNoPlanted(bytes, name);
    assert.ok(Array.isArray(report.findings));
    const gps = report.findings.find((f) => f.category === 'location');
    assert.ok(gps, `${name}: no location finding in ${JSON.stringify(report)}`);
    assert.equal(gps.fate, 'removed');
    assert.equal(report.error, null);
    // Cleaning the output again finds nothing to remove.
    const again = inspect(bytes);
    assert.equal(again.format, report.format);
    assert.ok(!again.findings.some((f) => f.fate === 'removed'), JSON.stringify(again));
  });

  test(`cleanPlan ${name}: the pieces assemble to clean's bytes`, async () => {
    const input = sample(name);
    const { bytes } = clean(input);
    globalThis.FileReaderSync = FileReaderSync;
    Object.assign(reads, { count: 0, largest: 0, total: 0 });
    let plan;
    try {
      plan = cleanPlan(new SyncBlob(input));
    } finally {
      delete globalThis.FileReaderSync;
    }
    assert.ok(reads.count > 0);
    // Copied ranges are read in chunks of at most 256 KiB.
    assert.ok(reads.largest <= 256 * 1024, `largest read ${reads.largest}`);
    assert.ok(plan.pieces.some((p) => p.copy), 'no copied range');
    assert.deepEqual(plan.report, clean(input).report);
    const assembled = fromPieces(plan.pieces, input);
    assert.ok(assembled.equals(Buffer.from(bytes)), `${name}: plan output differs from clean`);
    // The same through the package's assemble() and Node's real Blob.
    const blob = assemble(plan.pieces, new Blob([input]));
    assert.ok(Buffer.from(await blob.arrayBuffer()).equals(assembled));
    console.log(
      `${name}: ${input.length} -> ${assembled.length} bytes, ${plan.pieces.length} pieces, ` +
        `${reads.count} reads of ${reads.total} bytes (largest ${reads.largest})`,
    );
  });
}

test('inspect reports without cleaning', () => {
  const report = inspect(sample('photo-gps.jpg'));
  assert.equal(report.format, 'jpeg');
  assert.ok(report.findings.some((f) => f.category === 'location' && f.fate === 'removed'));
  assert.ok(report.findings.some((f) => f.fate === 'kept'), 'orientation is kept by default');
  const strict = inspect(sample('photo-gps.jpg'), { keep: 'none' });
  assert.ok(!strict.findings.some((f) => f.fate === 'kept'));
  assert.deepEqual(inspect(sample('photo-gps.jpg'), 'none'), strict);
  // The sentence the CLI prints, and the hidden thumbnail as bytes.
  assert.match(report.summary, /^Taken at 59\.4370 N, 24\.7536 E \(Tallinn\) on 6 May 2024 07:08/);
  assert.equal(report.pictures.length, 1);
  const [thumbnail] = report.pictures;
  assert.equal(thumbnail.mime, 'image/jpeg');
  assert.ok(thumbnail.bytes instanceof Uint8Array);
  assert.deepEqual([...thumbnail.bytes.subarray(0, 2)], [0xff, 0xd8]);
  assert.equal(inspect(clean(sample('photo-gps.jpg')).bytes).summary, null, 'a cleaned file gives nothing away');
});

test('malformed and unsupported input throws an Error', () => {
  const photo = sample('photo-gps.jpg');
  assert.throws(() => clean(photo.subarray(0, 200)), (e) => {
    assert.ok(e instanceof Error);
    assert.match(e.message, /^malformed .* at offset \d+: /);
    return true;
  });
  assert.throws(() => inspect(photo.subarray(0, 200)), /malformed/);
  assert.throws(() => clean(new TextEncoder().encode('just some text, not a photo')), {
    message: 'unsupported format: not a recognised photo or video format',
  });
  assert.throws(() => clean(photo, { keep: 'gps' }), /gps/);
  assert.throws(() => clean(photo, { kep: 'none' }), /unknown option `kep`/);
  assert.throws(() => clean(photo, { keep: 7 }), /invalid options/);
});

test('cleanPlan outside a Worker says so', () => {
  assert.equal(globalThis.FileReaderSync, undefined);
  assert.throws(() => cleanPlan(new SyncBlob(sample('photo-gps.jpg'))), /Web Workers/);
});

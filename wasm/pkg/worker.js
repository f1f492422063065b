// The Web Worker behind `cleanFile`: `cleanPlan` reads the file with
// FileReaderSync (Workers only), verifies the planned output, and the
// cleaned Blob is assembled from slices of the original file.

import init, { cleanPlan } from './mediascrub_wasm.js';
import { assemble } from './assemble.js';

const ready = init();

self.onmessage = async (event) => {
  const { id, file, options } = event.data;
  try {
    await ready;
    const { pieces, report } = cleanPlan(file, options);
    self.postMessage({ id, blob: assemble(pieces, file), report });
  } catch (error) {
    self.postMessage({ id, error: String(error?.message ?? error) });
  }
};

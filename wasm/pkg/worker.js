// The Web Worker behind `cleanFile` and `inspectFile`: the core reads the
// file with FileReaderSync (Workers only) in ranges, builds the cleaned
// Blob from slices of the original, and verifies it by reading it back.

import init, { cleanBlob, inspectBlob } from './mediascrub_wasm.js';

const ready = init();

self.onmessage = async (event) => {
  const { id, op, file, options, progress } = event.data;
  try {
    await ready;
    let result;
    if (op === 'ready') {
      result = true;
    } else if (op === 'inspect') {
      result = inspectBlob(file, options);
    } else {
      const onProgress = progress
        ? (phase, done, total) => self.postMessage({ id, progress: { phase, done, total } })
        : undefined;
      result = cleanBlob(file, options, onProgress);
    }
    self.postMessage({ id, result });
  } catch (error) {
    self.postMessage({ id, error: String(error?.message ?? error) });
  }
};

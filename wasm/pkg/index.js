// mediascrub: losslessly remove identifying metadata from photos and videos,
// in the browser, before upload.

export { default as init, initSync, inspect, clean, cleanPlan } from './mediascrub_wasm.js';
export { assemble } from './assemble.js';

/**
 * Clean a File or Blob in a Web Worker, without copying it into
 * WebAssembly memory. Resolves to `{ blob, report }`; rejects with an
 * Error carrying the reason when the file cannot be cleaned and verified.
 *
 * @param {Blob} file
 * @param {{keep?: string} | string} [options]
 * @returns {Promise<{blob: Blob, report: object}>}
 */
export function cleanFile(file, options) {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => {
      worker.terminate();
      if (data.error !== undefined) reject(new Error(data.error));
      else resolve({ blob: data.blob, report: data.report });
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(event.message || 'mediascrub worker failed'));
    };
    worker.postMessage({ id: 0, file, options });
  });
}

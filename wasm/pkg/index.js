// mediascrub: losslessly remove identifying metadata from photos and videos,
// in the browser, before upload.

export {
  default as init,
  initSync,
  inspect,
  clean,
  cleanPlan,
  cleanBlob,
  inspectBlob,
} from './mediascrub_wasm.js';
export { assemble } from './assemble.js';

// One Worker serves every cleanFile/inspectFile call, one file at a time:
// the module is compiled once, and memory stays that of one file's
// metadata however many files are queued.
let worker = null;
let nextId = 1;
const pending = new Map();

function fail(error) {
  for (const { reject } of pending.values()) reject(error);
  pending.clear();
  worker?.terminate();
  worker = null;
}

function startWorker() {
  if (worker === null) {
    worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = ({ data }) => {
      const request = pending.get(data.id);
      if (request === undefined) return;
      if (data.progress !== undefined) {
        try {
          request.onProgress?.(data.progress);
        } catch {
          // A failing progress callback must not fail the cleaning.
        }
        return;
      }
      pending.delete(data.id);
      if (data.error !== undefined) request.reject(new Error(data.error));
      else request.resolve(data.result);
    };
    worker.onerror = (event) => {
      event.preventDefault?.();
      fail(new Error(`mediascrub worker failed: ${event.message || 'could not start'}`));
    };
  }
  return worker;
}

/**
 * Start the Worker and load the module now rather than at the first file,
 * so that a page loaded online keeps cleaning if the network goes away.
 * Resolves once the module is ready in the Worker.
 *
 * @returns {Promise<void>}
 */
export function preload() {
  startWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: () => resolve(), reject });
    worker.postMessage({ id, op: 'ready' });
  });
}

function call(op, file, options) {
  if (!(file instanceof Blob)) {
    return Promise.reject(new TypeError('mediascrub: expected a File or Blob'));
  }
  const { onProgress, ...rest } = typeof options === 'object' && options !== null ? options : {};
  const forwarded = typeof options === 'string' ? options : rest;
  startWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress });
    worker.postMessage({ id, op, file, options: forwarded, progress: typeof onProgress === 'function' });
  });
}

/**
 * Clean a File or Blob in a Web Worker, without copying it into
 * WebAssembly memory: the result is a Blob made of slices of the original
 * and the few new bytes, read back and verified before it is returned.
 * Rejects with an Error carrying the reason when the file cannot be
 * cleaned and verified.
 *
 * @param {Blob} file
 * @param {{keep?: string, onProgress?: (p: {phase: string, done: number, total: number}) => void} | string} [options]
 * @returns {Promise<{blob: Blob, report: object}>}
 */
export function cleanFile(file, options) {
  return call('clean', file, options);
}

/**
 * List what a File or Blob holds, in the Worker, reading it by ranges.
 *
 * @param {Blob} file
 * @param {{keep?: string} | string} [options]
 * @returns {Promise<object>} the report
 */
export function inspectFile(file, options) {
  return call('inspect', file, options);
}

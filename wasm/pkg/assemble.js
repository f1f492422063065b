// Assemble the cleaned file from the pieces of a plan returned by
// `cleanPlan`: copied ranges are slices of the original file (no bytes are
// read or copied for them), new bytes and zero runs are small arrays.

const ZERO_CHUNK = 1 << 20;

/**
 * @param {Array<{copy: [number, number]} | {data: Uint8Array} | {zeros: number}>} pieces
 * @param {Blob} file the file the plan was made for
 * @param {string} [type] MIME type of the result (the file's by default)
 * @returns {Blob}
 */
export function assemble(pieces, file, type = file.type) {
  const parts = [];
  let zero = null;
  for (const piece of pieces) {
    if (piece.copy) {
      const [offset, len] = piece.copy;
      parts.push(file.slice(offset, offset + len));
    } else if (piece.data) {
      parts.push(piece.data);
    } else if (typeof piece.zeros === 'number') {
      zero ??= new Uint8Array(Math.min(piece.zeros, ZERO_CHUNK));
      for (let left = piece.zeros; left > 0; left -= zero.length) {
        if (left < zero.length) {
          parts.push(zero.subarray(0, left));
          break;
        }
        parts.push(zero);
      }
    } else {
      throw new Error('mediascrub: unknown plan piece ' + JSON.stringify(Object.keys(piece)));
    }
  }
  return new Blob(parts, { type });
}

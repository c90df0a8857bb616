// Next-item targets of one sample into one row of a batch (SASRec's objective): a window of
// n items s_0 .. s_{n-1} becomes the input s_0 .. s_{n-2}, left-padded to L, with the target
// s_{t+1} at the position of s_t, so every real position predicts the item after it.
import { IGNORE_INDEX } from './masking.js';

/**
 * Writes window seq[start .. start+len) into row [0, L) (len - 1 <= L inputs): ids, keyMask
 * (1 real, 0 pad) and targets (IGNORE_INDEX on padding). Returns the target positions t
 * (0-based within the row), ascending.
 */
export function nextItemRow(seq: Int32Array, start: number, len: number, L: number, ids: Int32Array, targets: Int32Array, keyMask: Int32Array, rowOffset: number): number[] {
  const n = len - 1; // inputs
  if (n > L) throw new RangeError(`nextItemRow: a window of ${len} items needs width >= ${n}, got ${L}`);
  const pad = L - Math.max(0, n);
  for (let t = 0; t < pad; t++) {
    ids[rowOffset + t] = 0;
    targets[rowOffset + t] = IGNORE_INDEX;
    keyMask[rowOffset + t] = 0;
  }
  const positions: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = pad + k;
    ids[rowOffset + t] = seq[start + k];
    targets[rowOffset + t] = seq[start + k + 1];
    keyMask[rowOffset + t] = 1;
    positions.push(t);
  }
  return positions;
}

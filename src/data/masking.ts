// Cloze masking of one sample into one row of a batch.
import type { Rng } from './rng.js';

export const IGNORE_INDEX = -1;

/**
 * Writes seq[start .. start+len) left-padded into row [0, L): ids (PAD = 0 on the left),
 * keyMask (1 real, 0 pad) and targets (IGNORE_INDEX except at masked positions).
 * maskLast: only the last item is masked. Otherwise each item is masked independently with
 * probability maskProb; when none was, one position drawn uniformly is masked (>= 1 per row).
 * Returns the masked positions t (0-based within the row), ascending.
 */
export function maskRow(
  seq: Int32Array, start: number, len: number, L: number, maskLast: boolean, maskProb: number, maskId: number, rng: Rng,
  ids: Int32Array, targets: Int32Array, keyMask: Int32Array, rowOffset: number,
): number[] {
  const pad = L - len;
  for (let t = 0; t < pad; t++) {
    ids[rowOffset + t] = 0;
    targets[rowOffset + t] = IGNORE_INDEX;
    keyMask[rowOffset + t] = 0;
  }
  const masked: number[] = [];
  const threshold = Math.floor(maskProb * 4294967296); // masked when u32 < p * 2^32
  for (let k = 0; k < len; k++) {
    const t = pad + k;
    const item = seq[start + k];
    keyMask[rowOffset + t] = 1;
    const m = maskLast ? k === len - 1 : rng.nextU32() < threshold;
    ids[rowOffset + t] = m ? maskId : item;
    targets[rowOffset + t] = m ? item : IGNORE_INDEX;
    if (m) masked.push(t);
  }
  if (masked.length === 0 && len > 0) {
    const t = pad + rng.nextInt(len);
    targets[rowOffset + t] = ids[rowOffset + t];
    ids[rowOffset + t] = maskId;
    masked.push(t);
  }
  return masked;
}

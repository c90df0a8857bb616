// A synthetic BERT4Rec training batch at the benchmark shape, as host arrays both sides
// upload: B sequences of length L, left-padded, ids in 1..V, exactly R masked positions
// (ids replaced by MASK = V + 1, targets = the original items), as src/data/batches.ts makes.
import type { TrainBatch } from '../../src/data/batches.js';
import { Rng } from '../../src/data/rng.js';

export const TRAIN_SHAPE = { B: 64, L: 200, V: 3418, R: 2560 } as const;

export function syntheticBatch(B: number, L: number, V: number, R: number, seed = 7): TrainBatch {
  const rng = new Rng(seed);
  const ids = new Int32Array(B * L);
  const keyMask = new Int32Array(B * L);
  const targets = new Int32Array(B * L).fill(-1);
  const real: number[] = [];
  for (let b = 0; b < B; b++) {
    const pad = (b * 7) % 40; // sequence b: first `pad` positions are padding
    for (let t = pad; t < L; t++) {
      ids[b * L + t] = 1 + Math.floor(rng.next() * V);
      keyMask[b * L + t] = 1;
      real.push(b * L + t);
    }
  }
  if (R > real.length) throw new RangeError(`syntheticBatch: ${R} masked rows but only ${real.length} real positions`);
  // Partial Fisher-Yates: the first R of `real` become the masked rows.
  for (let i = 0; i < R; i++) {
    const j = i + Math.floor(rng.next() * (real.length - i));
    [real[i], real[j]] = [real[j], real[i]];
  }
  const maskedRows = Int32Array.from(real.slice(0, R)).sort();
  const maskedTargets = new Int32Array(R);
  maskedRows.forEach((row, i) => {
    maskedTargets[i] = ids[row];
    targets[row] = ids[row];
    ids[row] = V + 1;
  });
  return { size: B, maxLen: L, ids, targets, keyMask, maskedRows, maskedTargets, users: Int32Array.from({ length: B }, (_, i) => i) };
}

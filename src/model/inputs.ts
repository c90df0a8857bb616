// Host batches -> device tensors. Both backends' pools reuse storage by size class
// (runtime/pool-size.ts), so shapes are not padded for the pool's sake:
//   - the batch dimension is always `batchSize` (a short last batch is padded with empty rows:
//     ids 0, key mask 0, no masked positions), as the model's kernels see [B, L];
//   - the number of gathered rows R is rounded up to a multiple of ROW_MULTIPLE = 4, so the
//     weight gradients (whose inner dimension is R) keep the vec4 matmul kernels; padding rows
//     repeat the last masked row (the rows stay ascending) and have target -1 (ignored by the loss).
import type { Runtime, Tensor } from '../../runtime/index.js';
import type { LossKind } from '../config.js';
import type { TrainBatch } from '../data/batches.js';
import { bceNegatives, sampledCandidates } from '../data/loss-samples.js';
import { IGNORE_INDEX } from '../data/masking.js';
import type { Rng } from '../data/rng.js';
import type { EvalBatch } from '../eval/inputs.js';
import type { LossInputs } from './loss.js';
import type { ModelInputs } from './recommender.js';

export const ROW_MULTIPLE = 4;

export function roundUp(n: number, multiple: number): number {
  return Math.max(multiple, Math.ceil(n / multiple) * multiple);
}

export interface DeviceBatch {
  inputs: ModelInputs;
  /** [R] i32 targets, -1 on padding rows (for 'sampled' and 'bce': see LossInputs). */
  targets: Tensor;
  /** What the loss reads besides the model's outputs (targets included). */
  loss: LossInputs;
  /** Real sequences in the batch (before padding). */
  size: number;
  /** Real masked positions (before padding). */
  maskedCount: number;
  dispose(): void;
}

function upload(rt: Runtime, ids: Int32Array, keyMask: Int32Array, rows: Int32Array, B: number, L: number): ModelInputs {
  return {
    ids: rt.tensor(ids, [B, L], 'i32'),
    keyMask: rt.tensor(new Uint32Array(keyMask.buffer, keyMask.byteOffset, keyMask.length), [B, L], 'u32'),
    rows: rt.tensor(rows, [rows.length], 'i32'),
    positions: rt.tensor(positionsFromStart(keyMask, B, L), [B, L], 'i32'),
  };
}

/** [B, L]: each real position's index counted from the first real position of its row, 0 on padding. */
export function positionsFromStart(keyMask: Int32Array, B: number, L: number): Int32Array {
  const out = new Int32Array(B * L);
  for (let b = 0; b < B; b++) {
    let next = 0;
    for (let t = b * L; t < (b + 1) * L; t++) if (keyMask[t]) out[t] = next++;
  }
  return out;
}

function disposeInputs(inputs: ModelInputs): void {
  inputs.ids.dispose();
  inputs.keyMask.dispose();
  inputs.rows.dispose();
  inputs.positions.dispose();
}

/** How a sampled loss draws its items (absent: the full cross-entropy). */
export interface LossSampling {
  kind: LossKind;
  numItems: number;
  /** Uniform negatives per batch ('sampled'). */
  negatives: number;
  rng: Rng;
}

/** A training batch on the device, padded to batchSize rows and R rounded up to ROW_MULTIPLE. */
export function trainBatchToDevice(rt: Runtime, batch: TrainBatch, batchSize: number, rowMultiple = ROW_MULTIPLE, sampling?: LossSampling): DeviceBatch {
  const L = batch.maxLen;
  if (batch.size > batchSize) throw new RangeError(`trainBatchToDevice: batch of ${batch.size} exceeds batchSize ${batchSize}`);
  const n = batchSize * L;
  const ids = new Int32Array(n);
  const keyMask = new Int32Array(n);
  ids.set(batch.ids);
  keyMask.set(batch.keyMask);
  const R = roundUp(batch.maskedRows.length, rowMultiple);
  // padding rows repeat the last masked row, so the rows stay ascending (the last layer's
  // attention finds each sequence's queries by binary search); their targets are ignored
  const rows = new Int32Array(R).fill(batch.maskedRows.at(-1) ?? 0);
  const targets = new Int32Array(R).fill(IGNORE_INDEX);
  rows.set(batch.maskedRows);
  for (let r = 1; r < rows.length; r++) {
    if (rows[r] < rows[r - 1]) throw new RangeError(`trainBatchToDevice: masked rows must ascend (row ${r}: ${rows[r]} after ${rows[r - 1]})`);
  }
  const extra: Tensor[] = [];
  const i32 = (a: Int32Array) => {
    const x = rt.tensor(a, [a.length], 'i32');
    extra.push(x);
    return x;
  };
  const kind = sampling?.kind ?? 'ce';
  let loss: LossInputs;
  if (kind === 'sampled') {
    const s = sampledCandidates(batch.maskedTargets, sampling!.numItems, sampling!.negatives, sampling!.rng);
    targets.set(s.targets);
    loss = { targets: i32(targets), candidates: i32(s.candidates) };
  } else if (kind === 'bce') {
    const negatives = new Int32Array(R);
    const positives = new Int32Array(R);
    const negativeTargets = new Int32Array(R).fill(IGNORE_INDEX);
    negatives.set(bceNegatives(batch.ids, L, batch.maskedRows, batch.maskedTargets, sampling!.numItems, sampling!.rng));
    positives.set(batch.maskedTargets);
    targets.fill(0, 0, batch.maskedRows.length);
    negativeTargets.fill(1, 0, batch.maskedRows.length);
    loss = { targets: i32(targets), positives: i32(positives), negatives: i32(negatives), negativeTargets: i32(negativeTargets) };
  } else {
    targets.set(batch.maskedTargets);
    loss = { targets: i32(targets) };
  }
  const inputs = upload(rt, ids, keyMask, rows, batchSize, L);
  return {
    inputs,
    targets: loss.targets,
    loss,
    size: batch.size,
    maskedCount: batch.maskedRows.length,
    dispose() {
      disposeInputs(inputs);
      for (const x of extra) x.dispose();
    },
  };
}

/**
 * An evaluation batch on the device, padded to batchSize rows (a padding row holds only MASK
 * in its last position); rows = the last position of every row, so R = batchSize.
 */
export function evalBatchToDevice(rt: Runtime, batch: EvalBatch, batchSize: number, maskId: number): ModelInputs & { dispose(): void } {
  const L = batch.maxLen;
  const ids = new Int32Array(batchSize * L);
  const keyMask = new Int32Array(batchSize * L);
  ids.set(batch.ids);
  keyMask.set(batch.keyMask);
  const rows = new Int32Array(batchSize);
  for (let b = 0; b < batchSize; b++) {
    rows[b] = b * L + L - 1;
    if (b >= batch.size) {
      ids[rows[b]] = maskId;
      keyMask[rows[b]] = 1;
    }
  }
  const inputs = upload(rt, ids, keyMask, rows, batchSize, L);
  return {
    ...inputs,
    dispose() {
      disposeInputs(inputs);
    },
  };
}

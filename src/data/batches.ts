// Epoch batching: shuffled samples, masks drawn afresh per epoch, model-ready Int32Arrays.
import { maskRow } from './masking.js';
import { nextItemRow } from './next-item.js';
import { mixSeeds, Rng } from './rng.js';
import { sampleWindow, type TrainingSamples } from './samples.js';

export interface BatchOptions {
  batchSize: number;
  /** Cloze probability (default 0.2). */
  maskProb?: number;
  /** MASK token id (V + 1). */
  maskId: number;
  seed: number;
  epoch: number;
  /** Shuffle sample order each epoch (default true). */
  shuffle?: boolean;
  /** Leave out a last, smaller batch (default false). */
  dropLast?: boolean;
  /**
   * Length bucketing (default 0 = off: every batch is L wide, in plain shuffled order).
   * When > 0, the shuffled samples are sorted by length within chunks of CHUNK_BATCHES
   * batches, the batches are taken from that order and yielded in a shuffled order, and each
   * batch is only as wide as its longest sample rounded up to a multiple of lengthBucket
   * (at most L). Left padding keeps every sample's last item in the last column.
   */
  lengthBucket?: number;
  /** Skip this many batches of the epoch's order (resuming inside an epoch; default 0). */
  startBatch?: number;
  /**
   * 'cloze' (default, BERT4Rec): masked positions predict their own item. 'next-item' (SASRec):
   * the samples' windows are of up to L + 1 items (buildSamples with maxLen L + 1), every input
   * position predicts the item after it (src/data/next-item.ts), and a batch is at most L wide.
   */
  objective?: 'cloze' | 'next-item';
}

/** Batches per chunk sorted by length when bucketing: enough to find similar lengths, small enough to keep the order random. */
export const CHUNK_BATCHES = 64;

/** What the model consumes. All [B, L] arrays are row-major, B = size, L = maxLen. */
export interface TrainBatch {
  size: number;
  /** Width of this batch (the samples' L, or less with length bucketing). */
  maxLen: number;
  ids: Int32Array;
  /** Target item at masked positions, IGNORE_INDEX (-1) elsewhere. */
  targets: Int32Array;
  /** 1 for real positions, 0 for padding. */
  keyMask: Int32Array;
  /** Flat row indices b * L + t of the masked positions, ascending. */
  maskedRows: Int32Array;
  /** Target item of each masked row (same order). */
  maskedTargets: Int32Array;
  /** Dense user index of each batch row. */
  users: Int32Array;
}

export function batchCount(samples: TrainingSamples, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(samples.count / batchSize) : Math.ceil(samples.count / batchSize);
}

/**
 * Batches of one epoch. Each sample's mask comes from its own RNG stream seeded by
 * (seed, epoch, sample index), so masks are deterministic, differ between epochs, and do
 * not depend on batch size or order; the order is a Fisher-Yates shuffle seeded by (seed, epoch).
 */
export function* epochBatches(samples: TrainingSamples, o: BatchOptions): Generator<TrainBatch> {
  const B = o.batchSize;
  const p = o.maskProb ?? 0.2;
  if (!(p > 0 && p <= 1)) throw new RangeError(`epochBatches: maskProb must be in (0, 1], got ${p}`);
  const { order, batchOrder, windowOf, len, bucket, width } = epochPlan(samples, o);
  const nextItem = o.objective === 'next-item';
  const startBatch = o.startBatch ?? 0;
  if (!Number.isInteger(startBatch) || startBatch < 0 || startBatch > batchOrder.length) throw new RangeError(`epochBatches: startBatch must be an integer in [0, ${batchOrder.length}], got ${startBatch}`);
  for (const b of batchOrder.subarray(startBatch)) {
    const rows = Math.min(B, samples.count - b * B);
    let L = width;
    if (bucket > 0) {
      let longest = 1;
      for (let r = 0; r < rows; r++) longest = Math.max(longest, len(order[b * B + r]));
      L = Math.min(L, Math.ceil(longest / bucket) * bucket);
    }
    const ids = new Int32Array(rows * L);
    const targets = new Int32Array(rows * L);
    const keyMask = new Int32Array(rows * L);
    const users = new Int32Array(rows);
    const maskedRows: number[] = [];
    const maskedTargets: number[] = [];
    for (let r = 0; r < rows; r++) {
      const s = order[b * B + r];
      const w = windowOf[s];
      const u = samples.user[w];
      users[r] = u;
      const masked = nextItem
        ? nextItemRow(samples.sequences[u], samples.start[w], samples.length[w], L, ids, targets, keyMask, r * L)
        : maskRow(samples.sequences[u], samples.start[w], samples.length[w], L, s >= samples.windows, p, o.maskId, new Rng(o.seed, o.epoch, s), ids, targets, keyMask, r * L);
      for (const t of masked) {
        maskedRows.push(r * L + t);
        maskedTargets.push(targets[r * L + t]);
      }
    }
    yield { size: rows, maxLen: L, ids, targets, keyMask, maskedRows: Int32Array.from(maskedRows), maskedTargets: Int32Array.from(maskedTargets), users };
  }
}

/** The epoch's sample order, batch order and each sample's window (what epochBatches draws from). */
function epochPlan(samples: TrainingSamples, o: BatchOptions) {
  const B = o.batchSize;
  if (!Number.isInteger(B) || B < 1) throw new RangeError(`epochBatches: batchSize must be a positive integer, got ${B}`);
  const bucket = o.lengthBucket ?? 0;
  if (!Number.isInteger(bucket) || bucket < 0) throw new RangeError(`epochBatches: lengthBucket must be a non-negative integer, got ${bucket}`);
  const order = new Int32Array(samples.count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const shuffle = o.shuffle ?? true;
  if (shuffle) new Rng(o.seed, o.epoch, 0xffffffff).shuffle(order);
  // This epoch's window of every sample (samples from samples.windows on are mask-last).
  const windowOf = new Int32Array(samples.count);
  for (let s = 0; s < samples.count; s++) windowOf[s] = sampleWindow(samples, o.epoch, s).window;
  // A next-item window of n items is n - 1 inputs wide.
  const inputs = o.objective === 'next-item' ? 1 : 0;
  const width = samples.maxLen - inputs;
  const len = (s: number): number => Math.max(1, samples.length[windowOf[s]] - inputs);
  const nb = batchCount(samples, B, o.dropLast);
  const batchOrder = new Int32Array(nb);
  for (let b = 0; b < nb; b++) batchOrder[b] = b;
  if (bucket > 0) {
    // Within each chunk, by length; equal lengths keep their shuffled order. (Breaking ties by
    // sample index instead put all cloze samples of a length before all mask-last samples of
    // that length, so the many windows of exactly L items formed batches of mask-last samples
    // only: each one a full optimizer step on the same 64 fixed targets, which the model
    // memorised, with a lower training loss and worse validation, 2026-12-01.)
    const chunk = B * CHUNK_BATCHES;
    for (let from = 0; from < order.length; from += chunk) {
      const part = order.subarray(from, Math.min(order.length, from + chunk));
      const positions = Array.from(part.keys()).sort((i, j) => len(part[i]) - len(part[j]) || i - j);
      part.set(positions.map((i) => part[i]));
    }
    if (shuffle) new Rng(o.seed, o.epoch, 0xfffffffe).shuffle(batchOrder);
  }
  return { order, batchOrder, windowOf, len, bucket, width };
}

/**
 * A 32-bit hex digest of the epoch's batches: sample order, batch order and each sample's
 * window. Equal digests mean a resumed run draws the same batches (masks follow from the
 * seed, the epoch and the sample index).
 */
export function epochOrderDigest(samples: TrainingSamples, o: BatchOptions): string {
  const { order, batchOrder, windowOf } = epochPlan(samples, o);
  let h = mixSeeds(o.batchSize, order.length, batchOrder.length);
  for (const xs of [order, batchOrder, windowOf]) for (let i = 0; i < xs.length; i++) h = mixSeeds(h, xs[i]);
  return h.toString(16).padStart(8, '0');
}

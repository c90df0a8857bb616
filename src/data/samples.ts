// Training samples: windows of at most L items over each training sequence.
//
// Sliding windows (as the original BERT4Rec gen_data_fin.py): a sequence of n <= L items is
// one window; a longer one gets windows ending at the last item and stepping back by
// `stride` (default floor(L/2), the paper's ML-1M prop_sliding_window 0.5), plus one window
// starting at item 0.
//
// An epoch holds one cloze sample per window (random masks, redrawn each epoch) followed by
// `maskLastPerEpoch` samples that mask only their window's last item (the next-item
// prediction used at evaluation time): by default one per window (maskLastFraction 1). The
// original code pairs dupe_factor = 10 cloze copies of each window with one mask-last copy
// (fraction 0.1, the training default: train.maskLastFraction in src/config.ts).
// With a fraction below 1 they rotate through the windows from epoch to epoch (epoch e uses
// windows e*M, e*M+1, ... mod N), so over 1/fraction epochs every window gets one.

export interface SampleOptions {
  maxLen: number;
  stride?: number;
  /** Mask-last samples per epoch as a fraction of the windows, in [0, 1] (default 1: one per window). */
  maskLastFraction?: number;
  /**
   * Next-item windows (SASRec) instead of the sliding ones: windows of up to maxLen items ending
   * at the sequence's end and stepping back by maxLen - 1, so consecutive windows share one item
   * and every item but the first is a next-item target exactly once (stride is ignored).
   */
  nextItem?: boolean;
  /** Only the window that ends at the sequence's last item (one sample per sequence). */
  latestOnly?: boolean;
}

export const DEFAULT_MASK_LAST_FRACTION = 1;

export interface TrainingSamples {
  maxLen: number;
  stride: number;
  /** Samples per epoch: windows + maskLastPerEpoch. */
  count: number;
  /** Number of windows N (samples 0..N-1 of an epoch are their cloze samples). */
  windows: number;
  /** Mask-last samples per epoch M (samples N..N+M-1). */
  maskLastPerEpoch: number;
  sequences: Int32Array[];
  /** Per window: user index (into sequences), window start, window length. */
  user: Int32Array;
  start: Int32Array;
  length: Int32Array;
}

/** Window start offsets for a sequence of n items: ascending, the last one is n - L. */
export function windowStarts(n: number, maxLen: number, stride: number): number[] {
  if (n <= maxLen) return n > 0 ? [0] : [];
  const starts: number[] = [];
  for (let b = n - maxLen; b > 0; b -= stride) starts.push(b);
  starts.push(0);
  return starts.reverse();
}

/** Next-item window starts for n items, ascending: windows [b, min(b + L, n)) overlapping by one item. */
export function nextItemWindowStarts(n: number, maxLen: number): number[] {
  if (maxLen < 2) throw new RangeError(`nextItemWindowStarts: windows need at least 2 items, got maxLen ${maxLen}`);
  const starts: number[] = [];
  for (let end = n; end > 1; end -= maxLen - 1) starts.push(Math.max(0, end - maxLen));
  return starts.reverse();
}

export function buildSamples(sequences: Int32Array[], options: SampleOptions): TrainingSamples {
  const L = options.maxLen;
  if (!Number.isInteger(L) || L < 1) throw new RangeError(`buildSamples: maxLen must be a positive integer, got ${L}`);
  const stride = options.stride ?? Math.max(1, Math.floor(L / 2));
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`buildSamples: stride must be a positive integer, got ${stride}`);
  const fraction = options.maskLastFraction ?? DEFAULT_MASK_LAST_FRACTION;
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`buildSamples: maskLastFraction must be in [0, 1], got ${fraction}`);
  const user: number[] = [];
  const start: number[] = [];
  const length: number[] = [];
  for (let u = 0; u < sequences.length; u++) {
    const n = sequences[u].length;
    const all = options.nextItem ? nextItemWindowStarts(n, L) : windowStarts(n, L, stride);
    const starts = options.latestOnly ? all.slice(-1) : all;
    starts.forEach((b, i) => {
      user.push(u);
      start.push(b);
      // A next-item window ends one item after the next window's start (they share that item).
      length.push(options.nextItem && i + 1 < starts.length ? starts[i + 1] + 1 - b : Math.min(L, n - b));
    });
  }
  const windows = user.length;
  const maskLastPerEpoch = Math.min(windows, Math.ceil(windows * fraction));
  return {
    maxLen: L, stride, count: windows + maskLastPerEpoch, windows, maskLastPerEpoch, sequences,
    user: Int32Array.from(user), start: Int32Array.from(start), length: Int32Array.from(length),
  };
}

/** The window of sample s (0 <= s < count) in an epoch, and whether it is a mask-last sample. */
export function sampleWindow(samples: TrainingSamples, epoch: number, s: number): { window: number; maskLast: boolean } {
  const N = samples.windows;
  if (s < N) return { window: s, maskLast: false };
  const M = samples.maskLastPerEpoch;
  // (epoch * M) mod N first, so large epochs cannot overflow 2^53.
  return { window: ((epoch % N) * M + (s - N)) % N, maskLast: true };
}

// Training samples: windows of at most L items over each training sequence.
//
// Sliding windows (as the original BERT4Rec gen_data_fin.py): a sequence of n <= L items is
// one window; a longer one gets windows ending at the last item and stepping back by
// `stride` (default floor(L/2), the paper's ML-1M prop_sliding_window 0.5), plus one window
// starting at item 0. Every window yields a cloze sample (random masks, redrawn each epoch)
// and, with maskLast (default), a sample that masks only its last item, matching the
// next-item prediction used at evaluation time.

export interface SampleOptions {
  maxLen: number;
  stride?: number;
  maskLast?: boolean;
}

export interface TrainingSamples {
  maxLen: number;
  stride: number;
  count: number;
  sequences: Int32Array[];
  /** Per sample: user index (into sequences), window start, window length, 1 = mask-last sample. */
  user: Int32Array;
  start: Int32Array;
  length: Int32Array;
  maskLast: Uint8Array;
}

/** Window start offsets for a sequence of n items: ascending, the last one is n - L. */
export function windowStarts(n: number, maxLen: number, stride: number): number[] {
  if (n <= maxLen) return n > 0 ? [0] : [];
  const starts: number[] = [];
  for (let b = n - maxLen; b > 0; b -= stride) starts.push(b);
  starts.push(0);
  return starts.reverse();
}

export function buildSamples(sequences: Int32Array[], options: SampleOptions): TrainingSamples {
  const L = options.maxLen;
  if (!Number.isInteger(L) || L < 1) throw new RangeError(`buildSamples: maxLen must be a positive integer, got ${L}`);
  const stride = options.stride ?? Math.max(1, Math.floor(L / 2));
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`buildSamples: stride must be a positive integer, got ${stride}`);
  const withLast = options.maskLast ?? true;
  const user: number[] = [];
  const start: number[] = [];
  const length: number[] = [];
  const last: number[] = [];
  for (let u = 0; u < sequences.length; u++) {
    const n = sequences[u].length;
    for (const b of windowStarts(n, L, stride)) {
      const len = Math.min(L, n - b);
      for (let k = 0; k < (withLast ? 2 : 1); k++) {
        user.push(u);
        start.push(b);
        length.push(len);
        last.push(k);
      }
    }
  }
  return {
    maxLen: L, stride, count: user.length, sequences,
    user: Int32Array.from(user), start: Int32Array.from(start), length: Int32Array.from(length), maskLast: Uint8Array.from(last),
  };
}

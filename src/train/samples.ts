// The training samples of a run from its configs (platform-neutral: the CLI, the demo, Deno).
import type { Bert4RecConfig, TrainConfig } from '../config.js';
import { buildSamples, type TrainingSamples } from '../data/samples.js';
import { trainingSequences, type LeaveOneOutSplit } from '../data/split.js';

/**
 * This run's training samples. SASRec: next-item windows (below). BERT4Rec: the training
 * prefixes in sliding windows (stride train.windowStride, 0 = floor(L/2)), each window `train.dupeFactor` times as a cloze sample
 * (every copy is a separate sample index, so it gets its own mask), plus the mask-last samples
 * (train.maskLastFraction of all cloze samples). With train.windows 'latest', only each
 * sequence's last window.
 */
export function trainingSamples(split: LeaveOneOutSplit, mc: Bert4RecConfig, tc: TrainConfig): TrainingSamples {
  const prefixes = trainingSequences(split, false);
  const latestOnly = tc.windows === 'latest';
  const sequences = tc.dupeFactor > 1 ? Array.from({ length: tc.dupeFactor }, () => prefixes).flat() : prefixes;
  if (mc.architecture === 'sasrec') {
    // Next-item windows of L + 1 items (L inputs, each with the next item as its target) that
    // overlap by one item, so each training item but a user's first is a target once per epoch.
    return buildSamples(sequences, { maxLen: mc.maxLen + 1, maskLastFraction: 0, nextItem: true, latestOnly });
  }
  return buildSamples(sequences, { maxLen: mc.maxLen, stride: tc.windowStride > 0 ? tc.windowStride : undefined, maskLastFraction: tc.maskLastFraction, latestOnly });
}

/** The batch objective of an architecture: BERT4Rec's cloze masks, SASRec's next items. */
export function objectiveOf(mc: Bert4RecConfig): 'cloze' | 'next-item' {
  return mc.architecture === 'sasrec' ? 'next-item' : 'cloze';
}

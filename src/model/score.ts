// Scoring for evaluation and recommendation: the model in eval mode (no dropout) under
// noGrad (no tape), logits of the MASK appended after each user's history.
import { scope } from '../../runtime/index.js';
import type { EvalBatch } from '../eval/inputs.js';
import type { Scorer } from '../eval/evaluate.js';
import type { SequenceRecommender } from './recommender.js';
import { evalBatchToDevice } from './inputs.js';

/**
 * Row-major [batch.size, V+2] scores (column i = item i; 0 = PAD and V+1 = MASK are
 * ignored by the ranking). Every device batch has `batchSize` rows (padded), so the shapes
 * and pooled buffers are the same for every call.
 */
export function modelScorer(model: SequenceRecommender, batchSize: number): Scorer {
  return async (batch: EvalBatch) => {
    const out = new Float32Array(batch.size * model.vocab);
    for (let from = 0; from < batch.size; from += batchSize) {
      const part = sliceEvalBatch(batch, from, Math.min(batch.size, from + batchSize));
      const scores = await scoreBatch(model, part, batchSize);
      out.set(scores.subarray(0, part.size * model.vocab), from * model.vocab);
    }
    return out;
  };
}

/** Logits [batchSize * (V+2)] for a batch of at most batchSize rows. */
export async function scoreBatch(model: SequenceRecommender, batch: EvalBatch, batchSize: number): Promise<Float32Array> {
  const wasTraining = model.training;
  model.eval();
  const inputs = evalBatchToDevice(model.rt, model.scoringInput(batch), batchSize, model.numItems + 1);
  try {
    return await model.rt.noGradAsync(async () => {
      const logits = scope(() => model.logits(inputs));
      try {
        return (await logits.data()) as Float32Array;
      } finally {
        logits.dispose();
      }
    });
  } finally {
    inputs.dispose();
    model.train(wasTraining);
  }
}

function sliceEvalBatch(b: EvalBatch, from: number, to: number): EvalBatch {
  if (from === 0 && to === b.size) return b;
  const L = b.maxLen;
  const rows = new Int32Array(to - from);
  for (let k = 0; k < rows.length; k++) rows[k] = k * L + L - 1;
  return {
    size: to - from,
    maxLen: L,
    ids: b.ids.subarray(from * L, to * L),
    keyMask: b.keyMask.subarray(from * L, to * L),
    rows,
    index: b.index.subarray(from, to),
  };
}

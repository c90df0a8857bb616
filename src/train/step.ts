// One optimisation step: forward (recorded), backward, read the loss back, and only when it
// is finite: clip + AdamW update. A NaN/Inf loss leaves the parameters untouched.
import { backward, scope } from '../../runtime/index.js';
import type { LossKind } from '../config.js';
import type { DeviceBatch } from '../model/inputs.js';
import { recommendationLoss } from '../model/loss.js';
import type { SequenceRecommender } from '../model/recommender.js';
import type { TrainOptimizer } from './optimizer.js';

export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(`training diverged: the loss is ${loss} at step ${step}; the update of that step was not applied`);
  }
}

/** Runs step `step` (1-based) on `batch`; returns the loss. Throws NonFiniteLossError on NaN/Inf. */
export async function trainStep(model: SequenceRecommender, opt: TrainOptimizer, batch: DeviceBatch, step: number, lossKind: LossKind = 'ce'): Promise<number> {
  model.train();
  model.seeds.setStep(step);
  opt.zeroGrad();
  const loss = scope(() => recommendationLoss(model, batch.inputs, batch.loss, lossKind));
  try {
    backward(loss);
    const value = await loss.item();
    if (!Number.isFinite(value)) throw new NonFiniteLossError(step, value);
    opt.step();
    return value;
  } finally {
    loss.dispose();
  }
}

// Our side of the training-step comparison: the real model (src/model/bert4rec.ts), the real
// optimizer (src/train/optimizer.ts: AdamW, clipping, schedule) and the real step
// (src/train/step.ts: forward, backward, loss readback, update), on a fixed device batch.
import { constantLr, type Runtime } from '../../runtime/index.js';
import { DEFAULT_MODEL, DEFAULT_TRAIN, type Bert4RecConfig, type TrainConfig } from '../../src/config.js';
import type { TrainBatch } from '../../src/data/batches.js';
import { Bert4Rec } from '../../src/model/bert4rec.js';
import { trainBatchToDevice } from '../../src/model/inputs.js';
import { createOptimizer } from '../../src/train/optimizer.js';
import { trainStep } from '../../src/train/step.js';

export interface TrainStepBench {
  /** One full training step; resolves when its work (and the loss readback) is done. */
  step(): Promise<number>;
  dispose(): void;
}

/**
 * Builds our BERT4Rec training step on `rt` for `batch` (numItems real items). Throws what the
 * model or optimizer throws when they cannot be built (e.g. while they are unfinished).
 */
export function createOursTrainStep(rt: Runtime, batch: TrainBatch, numItems: number, model: Bert4RecConfig = DEFAULT_MODEL, train: TrainConfig = DEFAULT_TRAIN): TrainStepBench {
  const net = new Bert4Rec(rt, numItems, { ...model, maxLen: batch.maxLen }, train.seed);
  const dev = trainBatchToDevice(rt, batch, batch.size);
  let opt: ReturnType<typeof createOptimizer> | null = null;
  try {
    opt = createOptimizer(net, train, constantLr(train.lr));
  } catch (e) {
    dev.dispose();
    net.dispose();
    throw e;
  }
  let n = 0;
  return {
    step: () => trainStep(net, opt!, dev, ++n),
    dispose() {
      opt!.dispose();
      dev.dispose();
      net.dispose();
    },
  };
}

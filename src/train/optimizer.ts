// AdamW for BERT4Rec: two parameter groups (weight decay on weights and embeddings; none on
// biases and LayerNorm), global-norm clipping on the device, a learning-rate schedule, and
// the state (m, v per parameter + step) for checkpoints.
import { AdamW, type LrSchedule, type Module } from '../../runtime/index.js';
import type { OptimizerSnapshot } from '../checkpoint.js';
import type { TrainConfig } from '../config.js';
import { decayGroups } from '../model/bert4rec.js';

export interface TrainOptimizer {
  readonly adamw: AdamW;
  zeroGrad(): void;
  step(): void;
  /** Named state tensors (live, owned by the optimizer: 'm.<param>', 'v.<param>') and the step count. */
  snapshot(): OptimizerSnapshot;
  restore(s: OptimizerSnapshot): Promise<void>;
  dispose(): void;
}

export function createOptimizer(model: Module, tc: TrainConfig, lr: LrSchedule): TrainOptimizer {
  model.namedParameters(); // sets each parameter's name: the state keys
  const { decay, noDecay } = decayGroups(model);
  const adamw = new AdamW(
    [
      { params: decay, weightDecay: tc.weightDecay },
      { params: noDecay, weightDecay: 0 },
    ],
    { lr, betas: [tc.beta1, tc.beta2], eps: tc.adamEps, clipNorm: tc.clipNorm > 0 ? tc.clipNorm : undefined },
  );
  return {
    adamw,
    zeroGrad: () => adamw.zeroGrad(),
    step: () => adamw.step(),
    snapshot: () => adamw.stateDict(),
    restore: (s) => adamw.loadStateDict(s),
    dispose: () => adamw.dispose(),
  };
}

// Plain SGD, p -= lr * grad, from generic ops (scale, add, device copy). A baseline and a
// test tool; AdamW (adamw.ts) is the optimizer the model trains with.
import { add } from '../ops/binary.js';
import { scale } from '../ops/scale.js';
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import type { LrSchedule } from './schedule.js';

/**
 * Plain SGD, p -= lr * grad, for parameters that have a gradient; lr is a constant or a
 * schedule of the 1-based step. A baseline and test tool (AdamW is what models train with).
 */
export class SGD {
  stepCount = 0;
  private readonly schedule: LrSchedule;

  constructor(
    readonly params: Tensor[],
    { lr }: { lr: number | LrSchedule },
  ) {
    this.schedule = typeof lr === 'number' ? () => lr : lr;
  }

  step(): void {
    this.stepCount++;
    const lr = this.schedule(this.stepCount);
    scope(() => {
      for (const p of this.params) {
        if (!p.grad || p.size === 0) continue;
        const next = add(p, scale(p.grad, -lr));
        p.backend.copy(next.storage('SGD'), p.storage('SGD'), p.size * 4);
      }
    });
  }

  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }
}

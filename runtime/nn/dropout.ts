// Dropout module: a fresh seed per call from its own seeded generator; identity in eval mode.
import type { Tensor } from '../tensor.js';
import { dropout } from './functional/dropout.js';
import { Module } from './module.js';
import { Rng } from './rng.js';

/**
 * Inverted dropout with drop probability p in [0, 1): kept values are scaled by 1 / (1 - p).
 * Each training call draws a fresh kernel seed from its own Rng (options.seed, default 0); eval: identity.
 */
export class Dropout extends Module {
  private readonly rng: Rng;

  constructor(
    readonly p: number,
    { seed = 0 }: { seed?: number } = {},
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw new RangeError(`Dropout: p must be in [0, 1), got ${p}`);
    this.rng = new Rng(seed);
  }

  /** Training: inverted dropout with the next seed. Eval (or p = 0): a view of x. */
  forward(x: Tensor): Tensor {
    return dropout(x, this.training ? this.p : 0, this.training && this.p > 0 ? this.rng.u32() : 0);
  }
}

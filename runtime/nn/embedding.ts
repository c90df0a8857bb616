// Embedding module: a [num, dim] table looked up by i32 ids.
import type { Tensor } from '../tensor.js';
import { embedding } from './functional/embedding.js';
import { truncatedNormal, type Initializer } from './init.js';
import { Module, type ParamHost } from './module.js';
import { Rng } from './rng.js';

/** Options of the Embedding constructor. */
export interface EmbeddingOptions {
  /** Default truncated normal, std 0.02 (BERT). */
  init?: Initializer;
  /** Seeded generator for the initial values (default: seed 0). */
  rng?: Rng;
}

/** A lookup table: parameter `weight` [num, dim], read by i32 ids (forward: ids [...S] -> [...S, dim]). */
export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(
    host: ParamHost,
    readonly num: number,
    readonly dim: number,
    { init = truncatedNormal(0.02), rng = new Rng(0) }: EmbeddingOptions = {},
  ) {
    super();
    this.weight = this.createParameter(host, 'weight', [num, dim], init, rng);
  }

  /** ids i32 [...S] -> [...S, dim]. */
  forward(ids: Tensor): Tensor {
    return embedding(this.weight, ids);
  }
}

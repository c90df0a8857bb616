// Basic layers: Linear, LayerNorm (more in embedding.ts, dropout.ts).
import type { Tensor } from '../tensor.js';
import { layerNorm } from './functional/layernorm.js';
import { linear, type LinearActivation } from './functional/linear.js';
import { ones, truncatedNormal, zeros, type Initializer } from './init.js';
import { Module, type ParamHost } from './module.js';
import { Rng } from './rng.js';

/** Options of the Linear constructor. */
export interface LinearOptions {
  /** Default true. */
  bias?: boolean;
  /** Weight initialiser; default truncated normal, std 0.02 (BERT). */
  init?: Initializer;
  /** Seeded generator for the initial values (default: seed 0). */
  rng?: Rng;
  /** Activation fused into the matmul (default 'none'). */
  activation?: LinearActivation;
}

/** y = act(x @ W^T + b); weight [out, in], bias [out]. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly activation: LinearActivation;

  constructor(
    host: ParamHost,
    readonly inFeatures: number,
    readonly outFeatures: number,
    { bias = true, init = truncatedNormal(0.02), rng = new Rng(0), activation = 'none' }: LinearOptions = {},
  ) {
    super();
    this.activation = activation;
    this.weight = this.createParameter(host, 'weight', [outFeatures, inFeatures], init, rng);
    this.bias = bias ? this.createParameter(host, 'bias', [outFeatures], zeros, rng) : null;
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias, this.activation);
  }
}

/** Options of the LayerNorm module's constructor. */
export interface LayerNormModuleOptions {
  /** Default 1e-12 (BERT). */
  eps?: number;
}

/** Layer norm over the last dim with learned gamma (ones) and beta (zeros). */
export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly eps: number;

  constructor(host: ParamHost, readonly dim: number, { eps = 1e-12 }: LayerNormModuleOptions = {}) {
    super();
    const rng = new Rng(0);
    this.weight = this.createParameter(host, 'weight', [dim], ones, rng);
    this.bias = this.createParameter(host, 'bias', [dim], zeros, rng);
    this.eps = eps;
  }

  /** LayerNorm(x + residual) when residual is given (fused). */
  forward(x: Tensor, residual?: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, { eps: this.eps, residual });
  }
}

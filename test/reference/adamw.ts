// Float64 reference of one AdamW step (PyTorch's AdamW, decoupled weight decay, bias correction).

export interface RefAdamWOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  step: number;
  gradScale?: number;
}

/** Updates param, m, v in place. */
export function refAdamW(param: Float64Array, grad: Float64Array, m: Float64Array, v: Float64Array, o: RefAdamWOptions): void {
  const bc1 = 1 - Math.pow(o.beta1, o.step);
  const bc2 = 1 - Math.pow(o.beta2, o.step);
  const s = o.gradScale ?? 1;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] * s;
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
    param[i] *= 1 - o.lr * o.weightDecay;
    param[i] -= (o.lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + o.eps);
  }
}

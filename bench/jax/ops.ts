// The reference computations in jax-js (numpy/nn ops and autograd), written the way a jax-js
// user would: unfused source, jit() to compile (and fuse what its compiler fuses), vjp for
// backward passes. Each mirrors one op of ours (and bench/tfjs/ops.ts);
// test/bench-jax.test.ts checks they agree with ours on small shapes.
//
// jax-js's ownership rule applies: every function consumes each array argument once (pass
// `x.ref` to keep using x).
import type { Array as JaxArray } from '@jax-js/jax';
import type { Jax } from './setup.js';

/**
 * Rows of `table` [N, d] at int32 `indices` [R] -> [R, d] (np.take), times the scalar 1 held in
 * the array `one`. jax-js 0.1.25's jit fails ('routine primitive scatter input is not imm')
 * when the gradient reaching a gather is a view (e.g. a reshape of a matmul output): the
 * scatter routine of its transpose needs a materialised input. The product makes that input an
 * elementwise result, which jit materialises; it costs one pass over the gathered rows.
 */
export function gatherRows(jax: Jax, table: JaxArray, indices: JaxArray, one: JaxArray): JaxArray {
  return jax.numpy.take(table, indices, 0).mul(one);
}

/** Additive key-padding bias [B, 1, 1, L] from a float32 keyMask [B, L]: 0 for a real key, -1e9 for padding. */
export function maskBias(keyMask: JaxArray): JaxArray {
  const [B, L] = keyMask.shape;
  return keyMask.sub(1).mul(1e9).reshape([B, 1, 1, L]);
}

/** Inverted dropout with jax-js's PRNG: keep with probability 1 - p, scale by 1 / (1 - p). Consumes `key`. */
export function dropout(jax: Jax, x: JaxArray, p: number, key: JaxArray | null): JaxArray {
  if (!(p > 0) || !key) {
    key?.dispose();
    return x;
  }
  const keep = jax.random.bernoulli(key, 1 - p, x.shape);
  return jax.numpy.where(keep, x.mul(1 / (1 - p)), 0);
}

/**
 * Multi-head attention, unfused: softmax(q k^T / sqrt(dh) + bias) v per head, with optional
 * dropout on the probabilities. q: [B, Lq, d] (Lq = L, or gathered queries), k, v: [B, L, d];
 * bias [B, 1, 1, L] from maskBias() -> [B, Lq, d]. The ops of nn.dotProductAttention (which has no dropout), written with batched
 * matmuls: its einsum needs iterator helpers (Iterator.prototype.map), missing in Node 20.
 */
export function attention(jax: Jax, q: JaxArray, k: JaxArray, v: JaxArray, bias: JaxArray, heads: number, p = 0, key: JaxArray | null = null): JaxArray {
  const np = jax.numpy;
  const [B, Lq, d] = q.shape; // Lq: the queries per sequence (L, or fewer: gathered queries)
  const dh = d / heads;
  const split = (x: JaxArray, perm: number[]) => x.reshape([B, x.shape[1], heads, dh]).transpose(perm);
  const scores = np.matmul(split(q, [0, 2, 1, 3]), split(k, [0, 2, 3, 1])).mul(1 / Math.sqrt(dh)).add(bias); // [B, h, Lq, L]
  const probs = dropout(jax, jax.nn.softmax(scores, -1), p, key);
  return np.matmul(probs, split(v, [0, 2, 1, 3])).transpose([0, 2, 1, 3]).reshape([B, Lq, d]);
}

/** Layer norm over the last dim (biased variance): (x - mean) / sqrt(var + eps) * gamma + beta. */
export function layerNorm(jax: Jax, x: JaxArray, gamma: JaxArray, beta: JaxArray, eps: number): JaxArray {
  const np = jax.numpy;
  const mean = np.mean(x.ref, -1, { keepdims: true });
  const xc = x.sub(mean);
  const variance = np.mean(np.square(xc.ref), -1, { keepdims: true });
  return xc.mul(np.reciprocal(np.sqrt(variance.add(eps)))).mul(gamma).add(beta);
}

/** GELU, erf form (jax-js's nn.gelu with approximate: false). */
export function gelu(jax: Jax, x: JaxArray): JaxArray {
  return jax.nn.gelu(x, { approximate: false });
}

/**
 * Mean softmax cross-entropy of logits [R, V] against int32 targets [R]; rows whose target is
 * outside [0, V) (e.g. -1) are ignored (no loss, not counted), as in our softmaxCrossEntropy.
 * Not nn.oneHot: jax-js 0.1.25 builds it as the rows of eye(V) taken at the targets, so -1
 * gives a row of ones (JAX's one_hot gives zeros outside [0, V)).
 */
export function softmaxCrossEntropy(jax: Jax, logits: JaxArray, targets: JaxArray): JaxArray {
  const np = jax.numpy;
  const V = logits.shape[1];
  const classes = np.arange(0, V, 1, { dtype: np.int32 }).reshape([1, V]);
  const onehot = np.equal(targets.reshape([-1, 1]), classes).astype(np.float32);
  const count = np.maximum(onehot.ref.sum(), 1);
  return onehot.mul(jax.nn.logSoftmax(logits, -1)).sum().neg().div(count);
}

type Fn = (...args: JaxArray[]) => JaxArray[];
export type Jitted = ((...args: JaxArray[]) => JaxArray[]) & { dispose(): void };

/** jit of forward + vjp: (inputs..., cotangent) -> [output, gradients w.r.t. the first `nDiff` inputs...]. */
function forwardBackward(jax: Jax, f: (...xs: JaxArray[]) => JaxArray, nDiff: number): Jitted {
  const body: Fn = (...args) => {
    const ct = args.pop()!;
    const fixed = args.slice(nDiff);
    const [out, vjpFn] = jax.vjp((...xs: JaxArray[]) => f(...xs, ...fixed), args.slice(0, nDiff));
    const grads = vjpFn(ct) as JaxArray[];
    vjpFn.dispose();
    return [out, ...grads];
  };
  return jax.jit(body) as unknown as Jitted;
}

/** (q, k, v, bias, dOut) -> [out, dq, dk, dv]. */
export function attentionForwardBackward(jax: Jax, heads: number): Jitted {
  return forwardBackward(jax, (q, k, v, bias) => attention(jax, q, k, v, bias, heads), 3);
}

/** (x, gamma, beta, dy) -> [y, dx, dgamma, dbeta]. */
export function layerNormForwardBackward(jax: Jax, eps: number): Jitted {
  return forwardBackward(jax, (x, gamma, beta) => layerNorm(jax, x, gamma, beta, eps), 3);
}

/** (logits, targets) -> [loss, dlogits]. */
export function softmaxCrossEntropyForwardBackward(jax: Jax): Jitted {
  const f = jax.jit((logits: JaxArray, targets: JaxArray) => jax.valueAndGrad((x: JaxArray) => softmaxCrossEntropy(jax, x, targets))(logits));
  return f as unknown as Jitted;
}

// The reference computations in TensorFlow.js (tfjs-core ops only), written the way a TFJS
// user would: unfused, with autograd (tf.valueAndGrads) for backward passes. Each mirrors
// one op of ours; test/bench-compare.test.ts checks they agree on small shapes.
import type * as TF from '@tensorflow/tfjs-core';
import type { Tf } from './setup.js';

/**
 * Rows of `table` [N, d] at int32 `indices` (any shape) -> [...indices.shape, d], differentiable
 * in table. tf.gather's own gradient needs the UnsortedSegmentSum kernel, which
 * tfjs-backend-wasm 4.22 lacks; there the gradient is a scatterND (it sums duplicate indices).
 */
export function gatherRows(tf: Tf, table: TF.Tensor, indices: TF.Tensor): TF.Tensor {
  if (tf.getKernel('UnsortedSegmentSum', tf.getBackend())) return tf.gather(table, indices);
  const d = table.shape[1]!;
  const f = tf.customGrad((...args: Array<TF.Tensor | TF.GradSaveFunc>) => {
    const [t, idx, save] = args as [TF.Tensor, TF.Tensor, TF.GradSaveFunc];
    save([idx]);
    return {
      value: tf.gather(t, idx),
      gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => [
        tf.scatterND(tf.reshape(saved[0], [-1, 1]), tf.reshape(dy, [-1, d]), table.shape),
        tf.zerosLike(saved[0]),
      ],
    };
  });
  return f(table, indices);
}

/** Additive key-padding bias [B, 1, 1, L]: 0 where keyMask is 1 (a real key), -1e9 where 0. */
export function maskBias(tf: Tf, keyMask: TF.Tensor2D): TF.Tensor4D {
  return tf.tidy(() => {
    const [B, L] = keyMask.shape;
    return tf.reshape(tf.mul(tf.sub(1, tf.cast(keyMask, 'float32')), -1e9), [B, 1, 1, L]) as TF.Tensor4D;
  });
}

/** [B, L, d] -> [B, h, L, dh] */
function splitHeads(tf: Tf, x: TF.Tensor, heads: number): TF.Tensor4D {
  const [B, L, d] = x.shape;
  return tf.transpose(tf.reshape(x, [B, L, heads, d / heads]), [0, 2, 1, 3]);
}

/** [B, h, L, dh] -> [B, L, d] */
function mergeHeads(tf: Tf, x: TF.Tensor): TF.Tensor3D {
  const [B, h, L, dh] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [B, L, h * dh]);
}

/**
 * Multi-head attention, unfused: softmax(q k^T / sqrt(dh) + bias) v per head.
 * q, k, v: [B, L, d]; bias from maskBias(). Optional dropout on the probabilities.
 */
export function attention(tf: Tf, q: TF.Tensor, k: TF.Tensor, v: TF.Tensor, bias: TF.Tensor, heads: number, dropout = 0): TF.Tensor3D {
  const dh = q.shape[2]! / heads;
  const s = tf.add(tf.mul(tf.matMul(splitHeads(tf, q, heads), splitHeads(tf, k, heads), false, true), 1 / Math.sqrt(dh)), bias);
  let p: TF.Tensor = tf.softmax(s);
  if (dropout > 0) p = tf.dropout(p, dropout);
  return mergeHeads(tf, tf.matMul(p as TF.Tensor4D, splitHeads(tf, v, heads)));
}

/** Attention forward and backward: out and (dq, dk, dv) for the upstream gradient dOut. */
export function attentionForwardBackward(tf: Tf, q: TF.Tensor, k: TF.Tensor, v: TF.Tensor, bias: TF.Tensor, dOut: TF.Tensor, heads: number) {
  const f = (a: TF.Tensor, b: TF.Tensor, c: TF.Tensor): TF.Tensor => attention(tf, a, b, c, bias, heads);
  const { value, grads } = tf.valueAndGrads(f)([q, k, v], dOut);
  return { out: value, dq: grads[0], dk: grads[1], dv: grads[2] };
}

/** Layer norm over the last dim (biased variance): (x - mean) / sqrt(var + eps) * gamma + beta. */
export function layerNorm(tf: Tf, x: TF.Tensor, gamma: TF.Tensor, beta: TF.Tensor, eps: number): TF.Tensor {
  const axis = x.rank - 1;
  const { mean, variance } = tf.moments(x, axis, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

/** Layer norm forward and backward for the upstream gradient dy. */
export function layerNormForwardBackward(tf: Tf, x: TF.Tensor, gamma: TF.Tensor, beta: TF.Tensor, dy: TF.Tensor, eps: number) {
  const { value, grads } = tf.valueAndGrads((a: TF.Tensor, g: TF.Tensor, b: TF.Tensor) => layerNorm(tf, a, g, b, eps))([x, gamma, beta], dy);
  return { y: value, dx: grads[0], dgamma: grads[1], dbeta: grads[2] };
}

/** GELU, erf form: x/2 * (1 + erf(x / sqrt 2)). (tfjs-core has no gelu op.) */
export function gelu(tf: Tf, x: TF.Tensor): TF.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/**
 * Mean softmax cross-entropy of logits [R, V] against int32 targets [R]; rows whose target is
 * outside [0, V) (e.g. -1) are ignored (no loss, not counted), as in our softmaxCrossEntropy.
 */
export function softmaxCrossEntropy(tf: Tf, logits: TF.Tensor, targets: TF.Tensor): TF.Scalar {
  const V = logits.shape[1]!;
  const onehot = tf.oneHot(tf.cast(targets, 'int32') as TF.Tensor1D, V); // all-zero row for -1
  const count = tf.maximum(tf.sum(onehot), 1);
  const nll = tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1));
  return tf.div(tf.sum(nll), count) as TF.Scalar;
}

/** Softmax cross-entropy forward and backward: the loss and dlogits. */
export function softmaxCrossEntropyForwardBackward(tf: Tf, logits: TF.Tensor, targets: TF.Tensor) {
  const { value, grad } = tf.valueAndGrad((x: TF.Tensor) => softmaxCrossEntropy(tf, x, targets))(logits);
  return { loss: value, dlogits: grad };
}

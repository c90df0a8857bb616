// The expert TFJS variant of the training step's matrix products. tfjs-backend-wasm hands a
// matMul to XNNPACK only when it is 2D in effect (batch 1 on both sides) and has no transpose
// flag (src/cc/batch_mat_mul_impl.cc); anything else, including the transposed products that
// matMul's own gradient asks for and every batched (per-head) product, runs a scalar blocked
// loop. Here every product is such a plain 2D matMul, in the forward and in the backward:
// transposes are materialised with tf.transpose, matMul's gradient is replaced (tf.customGrad)
// by dA = dY B^T and dB = A^T dY with materialised transposes, and attention runs head by head
// on [L, dh] slices. On TFJS-webgpu the same code runs; there it only adds the transposes.
import type * as TF from '@tensorflow/tfjs-core';
import type { Tf } from './setup.js';

export type MatMul2D = (a: TF.Tensor2D, b: TF.Tensor2D) => TF.Tensor2D;

/** a @ b for 2D a [M, K], b [K, N], forward and backward as plain (XNNPACK) products. */
export function plainMatMul(tf: Tf): MatMul2D {
  const f = tf.customGrad((...args: Array<TF.Tensor | TF.GradSaveFunc>) => {
    const [a, b, save] = args as [TF.Tensor2D, TF.Tensor2D, TF.GradSaveFunc];
    save([a, b]);
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => {
        const [sa, sb] = saved as TF.Tensor2D[];
        return [tf.matMul(dy as TF.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as TF.Tensor2D)];
      },
    };
  });
  return (a, b) => f(a, b) as TF.Tensor2D;
}

/**
 * Multi-head attention as in ops.ts attention(), one (sequence, head) slice at a time so that
 * every product is a plain 2D matMul: q [B, Lq, d] (Lq = L, or gathered queries), k, v
 * [B, L, d]; bias [B, 1, 1, L] from maskBias() -> [B, Lq, d].
 */
export function attentionBySlices(tf: Tf, mm: MatMul2D, q: TF.Tensor, k: TF.Tensor, v: TF.Tensor, bias: TF.Tensor, heads: number, dropout = 0): TF.Tensor3D {
  const [B, Lq, d] = q.shape as [number, number, number];
  const L = k.shape[1]!;
  const dh = d / heads;
  // [B, n, d] -> B * heads slices [n, dh], sequence-major
  const slices = (x: TF.Tensor) => {
    const n = x.shape[1]!;
    return tf.unstack(tf.reshape(tf.transpose(tf.reshape(x, [B, n, heads, dh]), [0, 2, 1, 3]), [B * heads, n, dh])) as TF.Tensor2D[];
  };
  const qs = slices(q);
  const ks = slices(k);
  const vs = slices(v);
  const biasRows = tf.unstack(tf.reshape(bias, [B, 1, L])) as TF.Tensor2D[];
  const outs = qs.map((qi, i) => {
    const s = tf.add(tf.mul(mm(qi, tf.transpose(ks[i]) as TF.Tensor2D), 1 / Math.sqrt(dh)), biasRows[Math.floor(i / heads)]);
    let p: TF.Tensor = tf.softmax(s);
    if (dropout > 0) p = tf.dropout(p, dropout);
    return mm(p as TF.Tensor2D, vs[i]);
  });
  return tf.reshape(tf.transpose(tf.reshape(tf.stack(outs), [B, heads, Lq, dh]), [0, 2, 1, 3]), [B, Lq, d]) as TF.Tensor3D;
}

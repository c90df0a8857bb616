// Differentiable fused multi-head attention (bidirectional or causal, key padding mask).
import { applyOp, defineOp } from '../../autograd/op.js';
import { attention as rawAttention, attentionBackward, type AttentionOptions } from '../../ops/attention.js';
import type { Tensor } from '../../tensor.js';

/**
 * q, k, v [B, L, d] f32, keyMask [B, L] u32 (1 = may be attended to) -> [B, L, d].
 * Saves q, k, v, the mask, the output and the row log-sum-exps; the backward recomputes the
 * probabilities (and the dropout mask, from the seed) block by block.
 */
export const attentionOp = defineOp<AttentionOptions>({
  name: 'attention',
  inputs: [{ name: 'q' }, { name: 'k' }, { name: 'v' }, { name: 'keyMask', grad: false }],
  forward: ([q, k, v, keyMask], opts) => {
    const { out, lse } = rawAttention(q!, k!, v!, keyMask!, opts);
    return { out, extras: [lse] };
  },
  save: ([q, k, v, keyMask], out, [lse]) => [q, k, v, keyMask, out, lse],
  backward: (g, [q, k, v, keyMask, out, lse], needs, opts) => {
    const { dq, dk, dv } = attentionBackward(g, q!, k!, v!, keyMask!, out!, lse!, opts);
    return [needs[0] ? dq : null, needs[1] ? dk : null, needs[2] ? dv : null, null];
  },
});

/**
 * q, k, v [B, L, d] f32, keyMask [B, L] u32 (1 = may be attended to) -> [B, L, d], fused (the
 * probabilities are recomputed block by block in the backward). The options are copied, so
 * later changes to them do not reach the backward.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, keyMask: Tensor, options: AttentionOptions): Tensor {
  const opts: AttentionOptions = { heads: options.heads, dropout: options.dropout ? { ...options.dropout } : undefined, causal: options.causal === true };
  return applyOp(attentionOp, [q, k, v, keyMask], opts);
}

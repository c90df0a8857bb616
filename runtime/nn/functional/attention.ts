// Differentiable fused multi-head attention (bidirectional or causal, key padding mask).
import { record, needsGrad } from '../../autograd/tape.js';
import { attention as rawAttention, attentionBackward, type AttentionOptions } from '../../ops/attention.js';
import type { Tensor } from '../../tensor.js';

/**
 * q, k, v [B, L, d] f32, keyMask [B, L] u32 (1 = may be attended to) -> [B, L, d].
 * Saves q, k, v, the mask, the output and the row log-sum-exps; the backward recomputes the
 * probabilities (and the dropout mask, from the seed) block by block.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, keyMask: Tensor, options: AttentionOptions): Tensor {
  const opts: AttentionOptions = { heads: options.heads, dropout: options.dropout ? { ...options.dropout } : undefined, causal: options.causal === true };
  const { out, lse } = rawAttention(q, k, v, keyMask, opts);
  if (needsGrad(q, k, v)) {
    record('attention', [q, k, v, null], [out], [q, k, v, keyMask, out, lse], ([g], [sq, sk, sv, sm, so, sl], needs) => {
      const { dq, dk, dv } = attentionBackward(g!, sq, sk, sv, sm, so, sl, opts);
      return [needs[0] ? dq : null, needs[1] ? dk : null, needs[2] ? dv : null, null];
    });
  }
  lse.dispose();
  return out;
}

// Differentiable fused multi-head attention (bidirectional or causal, key padding mask,
// optionally only at some query rows).
import { applyOp, defineOp } from '../../autograd/op.js';
import { attention as rawAttention, attentionBackward, type AttentionOptions } from '../../ops/attention.js';
import type { Tensor } from '../../tensor.js';

/** The options of F.attention; queryRows is an input of the op, not an attribute. */
type Attrs = Omit<AttentionOptions, 'queryRows'>;

const withRows = (opts: Attrs, queryRows: Tensor | null): AttentionOptions => (queryRows ? { ...opts, queryRows } : opts);

/**
 * q, k, v [B, L, d] f32, keyMask [B, L] u32 (1 = may be attended to) [, queryRows [R]] ->
 * [B, L, d] (or [R, d]). Saves q, k, v, the mask, the rows, the output and the row
 * log-sum-exps; the backward recomputes the probabilities (and the dropout mask, from the
 * seed) block by block.
 */
export const attentionOp = defineOp<Attrs>({
  name: 'attention',
  inputs: [{ name: 'q' }, { name: 'k' }, { name: 'v' }, { name: 'keyMask', grad: false }, { name: 'queryRows', grad: false, optional: true }],
  forward: ([q, k, v, keyMask, queryRows], opts) => {
    const { out, lse } = rawAttention(q!, k!, v!, keyMask!, withRows(opts, queryRows));
    return { out, extras: [lse] };
  },
  save: ([q, k, v, keyMask, queryRows], out, [lse]) => [q, k, v, keyMask, out, lse, queryRows],
  backward: (g, [q, k, v, keyMask, out, lse, queryRows], needs, opts) => {
    const { dq, dk, dv } = attentionBackward(g, q!, k!, v!, keyMask!, out!, lse!, withRows(opts, queryRows));
    return [needs[0] ? dq : null, needs[1] ? dk : null, needs[2] ? dv : null, null, null];
  },
});

/**
 * q, k, v [B, L, d] f32, keyMask [B, L] u32 (1 = may be attended to) -> [B, L, d], fused (the
 * probabilities are recomputed block by block in the backward). With options.queryRows (i32
 * [R], ascending flat indices b * L + i), q is [R, d] (the queries at those rows) and so is the
 * result: the same as those rows of the full attention, at R / (B L) of the cost. The options
 * are copied, so later changes to them do not reach the backward.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, keyMask: Tensor, options: AttentionOptions): Tensor {
  const opts: Attrs = { heads: options.heads, dropout: options.dropout ? { ...options.dropout } : undefined, causal: options.causal === true };
  return applyOp(attentionOp, [q, k, v, keyMask, options.queryRows ?? null], opts);
}

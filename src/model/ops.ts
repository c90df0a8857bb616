// The differentiable ops the model needs beyond Linear/LayerNorm/GELU/dropout, in one place
// (all from the runtime's public API: F = runtime/nn/functional).
import { F, type Tensor } from '../../runtime/index.js';

/** q, k, v [B, L, d], keyMask u32 [B, L] -> [B, L, d] (fused multi-head attention). */
export const attention = F.attention;

/** table [V, d], ids i32 [B, L] -> [B, L, d]; the backward scatter-adds into the table. */
export const embedding = F.embedding;

/** x [N, d] (or [..., d]), rows i32 [R] -> [R, d]. */
export const gatherRows = F.gatherRows;

/** logits [R, V], targets i32 [R] -> mean loss [1] over rows whose target is not -1. */
export function softmaxCrossEntropy(logits: Tensor, targets: Tensor): Tensor {
  return F.softmaxCrossEntropy(logits, targets, { ignoreIndex: -1 });
}

// Differentiable row gathers: embedding lookups and gathers of selected rows (e.g. the
// masked positions of a [B*L, d] activation). The backward scatter-adds the rows back.
import { applyOp, defineOp } from '../../autograd/op.js';
import { describeArgs, OpArgumentError } from '../../errors.js';
import { embeddingGather, embeddingScatterAdd } from '../../ops/embedding.js';
import type { Tensor } from '../../tensor.js';
import { reshape } from './reshape.js';

/** table [V, d], ids i32 [...S] -> [...S, d]; saves the ids, and the backward scatter-adds g into [V, d]. */
export const embeddingOp = defineOp({
  name: 'embedding',
  inputs: [{ name: 'table' }, { name: 'ids', grad: false }],
  forward: ([table, ids]) => ({ out: embeddingGather(table!, ids!) }),
  save: ([, ids]) => [ids],
  backward: (g, [ids], _needs, _attrs, [tableShape]) => [embeddingScatterAdd(g, ids!, tableShape[0]), null],
});

/** table [V, d], ids i32 [...S] -> [...S, d]. Ids outside [0, V) give zero rows (and no gradient). */
export const embedding = (table: Tensor, ids: Tensor): Tensor => applyOp(embeddingOp, [table, ids], undefined);

/** x [..., d] viewed as rows [R, d]; rowIdx i32 [n] -> [n, d] = rows rowIdx. */
export function gatherRows(x: Tensor, rowIdx: Tensor): Tensor {
  if (x.rank < 2) throw new OpArgumentError('gatherRows', `x must have rank >= 2 (${describeArgs({ x, rowIdx })})`);
  if (rowIdx.rank !== 1) throw new OpArgumentError('gatherRows', `rowIdx must be [n] (${describeArgs({ x, rowIdx })})`);
  const d = x.shape[x.rank - 1];
  const rows = reshape(x, [-1, d]);
  const out = embedding(rows, rowIdx);
  rows.dispose();
  return out;
}

// Gradient of a trailing broadcast: an operand of shape `shape` that was repeated over
// leading rows gets the sum of the upstream gradient over those rows.
import { OpArgumentError } from '../../errors.js';
import { sumRows } from '../../ops/sum_rows.js';
import { formatShape, sizeOf, type Shape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';

/** Sums g [rows * size(shape)] over its leading rows; returns a tensor of `shape` (g itself when no reduction is needed). */
export function reduceTo(g: Tensor, shape: Shape): Tensor {
  const n = sizeOf(shape);
  if (g.size === n) return g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i]) ? g : g.view(shape);
  if (n === 0 || g.size % n !== 0) throw new OpArgumentError('reduceTo', `cannot reduce ${formatShape(g.shape)} to ${formatShape(shape)}`);
  // [rows, n] summed over its rows (the rows that repeated the broadcast operand).
  const rows = g.view([g.size / n, n]);
  const s = sumRows(rows);
  rows.dispose();
  const out = s.view(shape);
  s.dispose();
  return out;
}

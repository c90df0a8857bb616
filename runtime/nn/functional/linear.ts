// Differentiable fully connected layer: y = x @ W^T + b, W stored [out, in] (PyTorch layout).
import type { Tensor } from '../../tensor.js';
import { OpArgumentError } from '../../errors.js';
import { describeArgs } from '../../errors.js';
import { add } from './elementwise.js';
import { matmul } from './matmul.js';
import { reshape } from './reshape.js';

/** x [..., in], weight [out, in], bias [out] -> [..., out]. Leading dims are flattened into rows. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.rank !== 2 || x.rank < 1 || x.shape[x.rank - 1] !== weight.shape[1] || (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0]))) {
    throw new OpArgumentError('linear', `expected x [..., in], weight [out, in], bias [out] (${describeArgs({ x, weight, bias: bias ?? undefined })})`);
  }
  const [outF, inF] = weight.shape;
  const x2 = reshape(x, [-1, inF]);
  const y = matmul(x2, weight, { transB: true });
  x2.dispose();
  const yb = bias ? add(y, bias) : y;
  if (yb !== y) y.dispose();
  const out = reshape(yb, [...x.shape.slice(0, -1), outF]);
  yb.dispose();
  return out;
}

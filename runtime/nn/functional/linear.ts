// Differentiable fully connected layer y = act(x @ W^T + b), W stored [out, in] (PyTorch
// layout), fused into one matmul kernel (bias and GELU in its epilogue, which also writes the
// slope act'(pre)). Backward:
//   dpre = slope * dy,  db = column sums of dpre,  dx = dpre @ W,  dW = dpre^T @ x.
import { applyOp, defineOp } from '../../autograd/op.js';
import { describeArgs, OpArgumentError } from '../../errors.js';
import { mul } from '../../ops/binary.js';
import { matmul as rawMatmul, matmulBiasActivation } from '../../ops/matmul.js';
import { sumRows } from '../../ops/sum_rows.js';
import type { Tensor } from '../../tensor.js';
import { matmulGrads } from './matmul.js';

/** Activations fused into linear(). */
export type LinearActivation = 'none' | 'gelu_tanh' | 'gelu_erf';

const FLAGS = { transA: false, transB: true };

/**
 * act(x W^T + b) as one matmul with an epilogue; saves x as rows [R, in], the weight and,
 * with an activation, its slope act'(x W^T + b).
 */
export const linearOp = defineOp<LinearActivation>({
  name: 'linear',
  inputs: [{ name: 'x' }, { name: 'weight' }, { name: 'bias', optional: true }],
  forward: ([x, weight, bias], activation) => {
    if (weight!.rank !== 2 || x!.rank < 1 || x!.shape[x!.rank - 1] !== weight!.shape[1] || (bias && (bias.rank !== 1 || bias.shape[0] !== weight!.shape[0]))) {
      throw new OpArgumentError('linear', `expected x [..., in], weight [out, in], bias [out] (${describeArgs({ x: x!, weight: weight!, bias: bias ?? undefined })})`);
    }
    if (activation !== 'none' && activation !== 'gelu_tanh' && activation !== 'gelu_erf') {
      throw new OpArgumentError('linear', `unknown activation '${String(activation)}' (expected none, gelu_tanh or gelu_erf)`);
    }
    const [outF, inF] = weight!.shape;
    const rows = x!.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const x2 = x!.view([rows, inF]);
    let y: Tensor;
    let slope: Tensor | null = null;
    if (activation === 'none') y = rawMatmul(x2, weight!, { ...FLAGS, bias });
    else ({ out: y, slope } = matmulBiasActivation(x2, weight!, bias, activation, FLAGS));
    const out = y.view([...x!.shape.slice(0, -1), outF]);
    y.dispose();
    return { out, extras: slope ? [x2, slope] : [x2] };
  },
  save: ([, weight], _out, [x2, slope]) => [x2, weight, slope ?? null],
  backward: (g, [x2, weight, slope], needs) => {
    const g2 = g.view([x2!.shape[0], weight!.shape[0]]);
    const dpre = slope ? mul(g2, slope) : g2;
    // dx comes back as rows [R, in]; backward() views it as x's shape.
    const [dx, dw] = matmulGrads(dpre, x2!, weight!, FLAGS, needs[0], needs[1]);
    return [dx, dw, needs[2] ? sumRows(dpre) : null];
  },
});

/** x [..., in], weight [out, in], bias [out] -> act(x W^T + b) [..., out]. Leading dims are flattened into rows. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null, activation: LinearActivation = 'none'): Tensor {
  return applyOp(linearOp, [x, weight, bias], activation);
}

// Differentiable batched matmul C = op(A) @ op(B), op = optional transpose of the last two
// dims. The backward uses the kernel's transpose flags, never a transpose kernel:
//   C = A B       dA = dC B^T         dB = A^T dC
//   C = A^T B     dA = B dC^T         dB = A dC
//   C = A B^T     dA = dC B           dB = dC^T A
//   C = A^T B^T   dA = B^T dC^T       dB = dC^T A^T
// An operand shared across the batch (no batch dims) gets its gradient summed over the batch.
import { applyOp, defineOp } from '../../autograd/op.js';
import { matmul as rawMatmul, matmulBackward } from '../../ops/matmul.js';
import type { Tensor } from '../../tensor.js';
import { reduceTo } from './reduce_to.js';

/** Transpose flags of F.matmul() and matmulGrads(): use the transpose of A's / B's last two dims. Default false. */
export interface MatmulFlags {
  transA?: boolean;
  transB?: boolean;
}

/** Gradients of op(A) @ op(B) for the operands that need them. */
export function matmulGrads(dC: Tensor, a: Tensor, b: Tensor, { transA = false, transB = false }: MatmulFlags, needA: boolean, needB: boolean): [Tensor | null, Tensor | null] {
  if (needA && needB) {
    const { da, db } = matmulBackward(dC, a, b, { transA, transB });
    return [da, db];
  }
  let da: Tensor | null = null;
  let db: Tensor | null = null;
  if (needA) {
    da = !transA
      ? rawMatmul(dC, b, { transB: !transB })
      : rawMatmul(b, dC, { transA: transB, transB: true });
    da = reduceTo(da, a.shape);
  }
  if (needB) {
    db = !transB
      ? rawMatmul(a, dC, { transA: !transA })
      : rawMatmul(dC, a, { transA: true, transB: transA });
    db = reduceTo(db, b.shape);
  }
  return [da, db];
}

/** C = op(A) @ op(B) with transpose flags; saves A and B (dA reads B, dB reads A). */
export const matmulOp = defineOp<Required<MatmulFlags>>({
  name: 'matmul',
  inputs: [{ name: 'a' }, { name: 'b' }],
  forward: ([a, b], flags) => ({ out: rawMatmul(a!, b!, flags) }),
  save: ([a, b]) => [a, b],
  backward: (g, [a, b], needs, flags) => matmulGrads(g, a!, b!, flags, needs[0], needs[1]),
});

/** Batched matmul with transpose flags (see runtime/ops/matmul.ts for the shapes). */
export function matmul(a: Tensor, b: Tensor, flags: MatmulFlags = {}): Tensor {
  return applyOp(matmulOp, [a, b], { transA: !!flags.transA, transB: !!flags.transB });
}

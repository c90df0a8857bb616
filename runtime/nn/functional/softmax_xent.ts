// Differentiable softmax cross-entropy (mean over counted rows). The fused kernel computes
// dlogits in the forward; the tape saves it and the backward scales it by the upstream
// gradient (skipped when that is the unit seed of backward(loss)).
import { applyOp, defineOp } from '../../autograd/op.js';
import { isUnitGradient } from '../../autograd/tape.js';
import { mul } from '../../ops/binary.js';
import { softmaxCrossEntropy as rawXent } from '../../ops/softmax_xent.js';
import type { Tensor } from '../../tensor.js';

/** Options of F.softmaxCrossEntropy(). */
export interface SoftmaxCrossEntropyArgs {
  /** Rows whose target equals this are ignored (the kernel's default is -1). */
  ignoreIndex?: number;
}

/** logits [R, V], targets i32 [R] -> loss [1]; dlogits computed in the forward when recording, and saved. */
export const softmaxCrossEntropyOp = defineOp<SoftmaxCrossEntropyArgs>({
  name: 'softmaxCrossEntropy',
  inputs: [{ name: 'logits' }, { name: 'targets', grad: false }],
  forward: ([logits, targets], { ignoreIndex }, recording) => {
    const { loss, rowLoss, dlogits } = rawXent(logits!, targets!, { ignoreIndex, computeGrad: recording });
    rowLoss.dispose();
    return { out: loss, extras: dlogits ? [dlogits] : [] };
  },
  save: (_inputs, _loss, [dlogits]) => [dlogits],
  backward: (g, [dlogits]) => [isUnitGradient(g) ? dlogits : mul(dlogits!, g), null],
});

/** logits [R, V], targets i32 [R] -> loss [1] (mean over rows with a valid target). */
export function softmaxCrossEntropy(logits: Tensor, targets: Tensor, { ignoreIndex }: SoftmaxCrossEntropyArgs = {}): Tensor {
  return applyOp(softmaxCrossEntropyOp, [logits, targets], { ignoreIndex });
}

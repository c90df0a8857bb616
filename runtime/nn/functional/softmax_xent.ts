// Differentiable softmax cross-entropy (mean over counted rows). The fused kernel computes
// dlogits in the forward; the tape saves it and the backward scales it by the upstream
// gradient (skipped when that is the unit seed of backward(loss)).
import { isUnitGradient, record, needsGrad } from '../../autograd/tape.js';
import { mul } from '../../ops/binary.js';
import { softmaxCrossEntropy as rawXent } from '../../ops/softmax_xent.js';
import type { Tensor } from '../../tensor.js';

/** Options of F.softmaxCrossEntropy(). */
export interface SoftmaxCrossEntropyArgs {
  /** Rows whose target equals this are ignored (the kernel's default is -1). */
  ignoreIndex?: number;
}

/** logits [R, V], targets i32 [R] -> loss [1] (mean over rows with a valid target). */
export function softmaxCrossEntropy(logits: Tensor, targets: Tensor, { ignoreIndex }: SoftmaxCrossEntropyArgs = {}): Tensor {
  const grad = needsGrad(logits);
  const { loss, rowLoss, dlogits } = rawXent(logits, targets, { ignoreIndex, computeGrad: grad });
  rowLoss.dispose();
  if (grad && dlogits) {
    record('softmaxCrossEntropy', [logits], [loss], [dlogits], ([g], [dl]) => [isUnitGradient(g!) ? dl : mul(dl, g!)]);
    dlogits.dispose();
  }
  return loss;
}

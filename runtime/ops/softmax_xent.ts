// Fused softmax cross-entropy (forward + backward) over rows of logits.
import softmaxXentWgsl from '../../wgsl/softmax_xent.wgsl';
import softmaxXentRowsWgsl from '../../wgsl/softmax_xent_rows.wgsl';
import softmaxXentCountWgsl from '../../wgsl/softmax_xent_count.wgsl';
import softmaxXentMeanWgsl from '../../wgsl/softmax_xent_mean.wgsl';
import { describeArgs, OpArgumentError } from '../errors.js';
import { defineKernel, grid1d } from '../kernel.js';
import type { ParallelKernelDef } from '../wasm/parallel.js';
import type { Tensor } from '../tensor.js';
import { fill } from './fill.js';
import { commonBackend, emptyTensor, expectTensor } from './util.js';
import { prefersCpuKernels } from './variants.js';

/** count[0] = number of counted rows (f32). One workgroup. */
export const softmaxXentCountKernel = defineKernel({
  name: 'softmax_xent_count',
  wgsl: softmaxXentCountWgsl,
  inputs: 1, // targets
  outputs: 1, // count [1]
  params: ['u32', 'u32', 'i32'], // R, V, ignoreIndex
  workgroups: () => [1],
});

/** WebGPU variant for CPU adapters (prefersCpuKernels), V % 4 == 0: one row per invocation. */
export const softmaxXentRowsKernel = defineKernel({
  name: 'softmax_xent_rows',
  wgsl: softmaxXentRowsWgsl,
  inputs: 3,
  outputs: 2,
  params: ['u32', 'u32', 'i32'],
  constants: ['GRAD'],
  workgroups: ([R]) => grid1d(R, 16),
});

/** One workgroup per row: rowLoss and (GRAD = 1) dlogits. On WASM, rows split across threads. */
export const softmaxXentKernel: ParallelKernelDef = {
  ...defineKernel({
    name: 'softmax_xent',
    wgsl: softmaxXentWgsl,
    inputs: 3, // logits, targets, count
    outputs: 2, // rowLoss, dlogits
    params: ['u32', 'u32', 'i32'], // R, V, ignoreIndex
    constants: ['GRAD'],
    workgroups: ([R]) => grid1d(R, 1),
    variants: [{ kernel: softmaxXentRowsKernel, needs: prefersCpuKernels, fits: ([, V]) => V % 4 === 0 }],
  }),
  // ~20 operations per logit (max, exp, scaling)
  wasmParallel: { items: ([R]) => R, cost: ([R, V]) => 20 * R * V, scratchExport: 'no_scratch_bytes' },
};

/** loss[0] = sum(rowLoss) / count. One workgroup. */
export const softmaxXentMeanKernel = defineKernel({
  name: 'softmax_xent_mean',
  wgsl: softmaxXentMeanWgsl,
  inputs: 2, // rowLoss, count
  outputs: 1, // loss [1]
  params: ['u32'], // R
  workgroups: () => [1],
});

/** Options of ops.softmaxCrossEntropy. */
export interface SoftmaxCrossEntropyOptions {
  /** Rows whose target equals this are ignored (loss 0, gradient 0, not counted). Default -1. */
  ignoreIndex?: number;
  /** Also compute dlogits (the gradient of the mean loss). Default true. */
  computeGrad?: boolean;
}

/** What ops.softmaxCrossEntropy returns: the mean loss, the per-row losses and (optionally) dlogits. */
export interface SoftmaxCrossEntropyResult {
  /** [1]: mean of rowLoss over the counted rows; 0 when no row counts. */
  loss: Tensor;
  /** [R]: logsumexp(logits[r]) - logits[r, t_r]; 0 for ignored rows. */
  rowLoss: Tensor;
  /** [R, V]: (softmax(logits[r]) - onehot(t_r)) / count; zero rows for ignored rows. Null without computeGrad. */
  dlogits: Tensor | null;
}

/**
 * Softmax cross-entropy of logits [R, V] (V >= 1) against integer targets [R] (i32),
 * forward and backward fused: one pass per row computes the max, the log-sum-exp
 * (max-subtracted, so logits of +-1e4 stay finite), the row loss and dlogits.
 *
 * A row counts when its target t satisfies t != ignoreIndex and 0 <= t < V. Targets out of
 * range are NOT an error (checking them would need a readback): they are treated exactly like
 * ignoreIndex (loss 0, zero gradient row, not counted) and are never read out of bounds.
 * The count is computed on the device by a pre-pass kernel and the mean by a one-workgroup
 * tree reduction (deterministic), so nothing is read back.
 */
export function softmaxCrossEntropy(logits: Tensor, targets: Tensor, options: SoftmaxCrossEntropyOptions = {}): SoftmaxCrossEntropyResult {
  const op = 'softmaxCrossEntropy';
  const { ignoreIndex = -1, computeGrad = true } = options;
  expectTensor(op, 'logits', logits);
  expectTensor(op, 'targets', targets, ['i32']);
  const backend = commonBackend(op, { logits, targets });
  if (logits.rank !== 2) throw new OpArgumentError(op, `logits must be [R, V] (${describeArgs({ logits, targets })})`);
  const [R, V] = logits.shape;
  if (targets.rank !== 1 || targets.shape[0] !== R) throw new OpArgumentError(op, `targets must be [${R}] (${describeArgs({ logits, targets })})`);
  if (V < 1 && R > 0) throw new OpArgumentError(op, `logits need at least one class (${describeArgs({ logits, targets })})`);
  if (!Number.isInteger(ignoreIndex) || ignoreIndex < -(2 ** 31) || ignoreIndex >= 2 ** 31) {
    throw new OpArgumentError(op, `ignoreIndex must be a 32-bit integer, got ${ignoreIndex}`);
  }

  const loss = emptyTensor(backend, [1], 'f32');
  const rowLoss = emptyTensor(backend, [R], 'f32');
  const dlogits = computeGrad ? emptyTensor(backend, [R, V], 'f32') : null;
  if (R === 0) {
    fill(loss, 0);
    return { loss, rowLoss, dlogits };
  }
  const count = backend.alloc(4);
  // Without a gradient the kernel still needs a binding for dlogits (a vec4 in the rows variant); it does not write it.
  const dummy = dlogits ? null : backend.alloc(16);
  try {
    const params = [R, V, ignoreIndex];
    backend.run({ kernel: softmaxXentCountKernel, inputs: [targets.storage(op)], outputs: [count], params });
    backend.run({
      kernel: softmaxXentKernel,
      inputs: [logits.storage(op), targets.storage(op), count],
      outputs: [rowLoss.storage(op), dlogits ? dlogits.storage(op) : dummy!],
      params,
      constants: [computeGrad ? 1 : 0],
    });
    backend.run({ kernel: softmaxXentMeanKernel, inputs: [rowLoss.storage(op), count], outputs: [loss.storage(op)], params: [R] });
  } finally {
    backend.free(count);
    if (dummy) backend.free(dummy);
  }
  return { loss, rowLoss, dlogits };
}

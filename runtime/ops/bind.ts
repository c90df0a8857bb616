// Raw ops that are one kernel call, made from a binding: which tensors go to the kernel, the
// shapes of its outputs, its params and constants. The generated op checks the arguments
// (tensors, dtypes, one backend, then the binding's own checks), allocates the outputs and
// runs the kernel; an empty result runs nothing.
import type { DType } from '../dtype.js';
import type { KernelDef } from '../kernel.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { commonBackend, emptyTensor, expectTensor } from './util.js';

/** How a raw op's tensors and attributes map onto one kernel call. */
export interface KernelBinding<A> {
  /** The op name in errors. */
  readonly op: string;
  readonly kernel: KernelDef;
  /** The kernel's inputs, in binding order, with the dtypes each accepts (default f32). */
  readonly inputs: readonly { readonly name: string; readonly dtypes?: readonly DType[] }[];
  /** Checks the arguments (throwing OpArgumentError) and returns the shapes of the kernel's outputs (f32). */
  outputs(inputs: readonly Tensor[], attrs: A): readonly Shape[];
  /** The uniform params, in the kernel's order. */
  params(inputs: readonly Tensor[], attrs: A): readonly number[];
  /** The override constants, in the kernel's order. Default none. */
  constants?(attrs: A): readonly number[];
}

/** The raw op of a binding: tensors and attributes in, the kernel's outputs out. */
export function bindKernel<A>(binding: KernelBinding<A>): (inputs: readonly Tensor[], attrs: A) => Tensor[] {
  const { op, kernel } = binding;
  return (inputs, attrs) => {
    binding.inputs.forEach((spec, i) => expectTensor(op, spec.name, inputs[i], spec.dtypes));
    const backend = commonBackend(op, Object.fromEntries(binding.inputs.map((spec, i) => [spec.name, inputs[i]])));
    const shapes = binding.outputs(inputs, attrs);
    const params = binding.params(inputs, attrs);
    const constants = binding.constants?.(attrs);
    const outputs = shapes.map((shape) => emptyTensor(backend, shape, 'f32'));
    if (outputs[0].size === 0) return outputs;
    backend.run({ kernel, inputs: inputs.map((t) => t.storage(op)), outputs: outputs.map((t) => t.storage(op)), params, constants });
    return outputs;
  };
}

import type { Backend } from '../backend.js';
import type { DType } from '../dtype.js';
import { describeArgs, OpArgumentError } from '../errors.js';
import { checkShape, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Checks that `t` is a live tensor of an allowed dtype; returns it. */
export function expectTensor(op: string, name: string, t: unknown, dtypes: readonly DType[] = ['f32']): Tensor {
  if (!(t instanceof Tensor)) throw new OpArgumentError(op, `${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (t.isDisposed) t.storage(op);
  if (!dtypes.includes(t.dtype)) {
    throw new OpArgumentError(op, `${name} must have dtype ${dtypes.join(' or ')}, got ${t.dtype} (${describeArgs({ [name]: t })})`);
  }
  return t;
}

/** Checks that all tensors live on one backend; returns it. */
export function commonBackend(op: string, tensors: Record<string, Tensor>): Backend {
  const list = Object.values(tensors);
  const backend = list[0].backend;
  for (const t of list) {
    if (t.backend !== backend) throw new OpArgumentError(op, `tensors live on different backends (${describeArgs(tensors)})`);
  }
  return backend;
}

/** Allocates an uninitialised tensor on a backend. */
export function emptyTensor<D extends DType>(backend: Backend, shape: Shape, dtype: D): Tensor<D> {
  checkShape(shape);
  let size = 1;
  for (const d of shape) size *= d;
  return new Tensor(backend, [...shape], dtype, backend.alloc(size * 4));
}

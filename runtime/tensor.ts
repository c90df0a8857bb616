import type { Backend, Storage } from './backend.js';
import { typedArrayCtor, type DType, type TypedArrayFor } from './dtype.js';
import { OpArgumentError } from './errors.js';
import { formatShape, sizeOf, type Shape } from './shape.js';
import { trackInScope } from './scope.js';

let nextTensorId = 1;

/**
 * An n-dimensional array in a backend's memory. Row-major, contiguous.
 * Tensors own their storage and must be disposed (directly or by a scope).
 */
export class Tensor<D extends DType = DType> {
  readonly id = nextTensorId++;
  readonly size: number;
  private storageRef: Storage | null;
  /** Set by the autograd when this tensor takes part in a differentiated computation. */
  requiresGrad = false;
  /** Accumulated gradient, filled by backward(). */
  grad: Tensor<'f32'> | null = null;
  /** Optional name (parameters), used in messages. */
  name?: string;

  constructor(
    readonly backend: Backend,
    readonly shape: Shape,
    readonly dtype: D,
    storage: Storage,
  ) {
    this.size = sizeOf(shape);
    this.storageRef = storage;
    trackInScope(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.storageRef === null;
  }

  /** The backing storage; throws naming `op` when the tensor was disposed. */
  storage(op = 'use'): Storage {
    if (this.storageRef === null) {
      throw new OpArgumentError(op, `tensor #${this.id} ${formatShape(this.shape)} ${this.dtype}${this.name ? ` '${this.name}'` : ''} was disposed`);
    }
    return this.storageRef;
  }

  /** Reads the tensor back to the host. */
  async data(): Promise<TypedArrayFor<D>> {
    const storage = this.storage('data');
    const bytes = await this.backend.read(storage, this.size * 4);
    const Ctor = typedArrayCtor(this.dtype);
    return new Ctor(bytes, 0, this.size) as TypedArrayFor<D>;
  }

  /** Reads a scalar (size-1) tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new OpArgumentError('item', `expected a single element, got shape ${formatShape(this.shape)}`);
    return (await this.data())[0];
  }

  /** Frees the storage. Safe to call twice. */
  dispose(): void {
    if (this.storageRef === null) return;
    this.backend.free(this.storageRef);
    this.storageRef = null;
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /** A tensor sharing nothing with this one, with a new shape of the same size (a device copy). */
  toString(): string {
    return `Tensor#${this.id}(${formatShape(this.shape)}, ${this.dtype}${this.isDisposed ? ', disposed' : ''})`;
  }
}

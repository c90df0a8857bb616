import type { Backend, Storage } from './backend.js';
import { typedArrayCtor, type DType, type TypedArrayFor } from './dtype.js';
import { OpArgumentError } from './errors.js';
import { checkShape, formatShape, sizeOf, type Shape } from './shape.js';
import { trackInScope } from './scope.js';

let nextTensorId = 1;

/**
 * A storage shared by one or more tensors (a tensor and its views, or the autograd
 * tape's handles on saved activations). Freed when the last tensor using it is disposed.
 */
export class SharedStorage {
  refs = 1;
  constructor(readonly storage: Storage) {}
}

/**
 * An n-dimensional array in a backend's memory. Row-major, contiguous.
 * Tensors own their storage and must be disposed (directly or by a scope).
 */
export class Tensor<D extends DType = DType> {
  readonly id = nextTensorId++;
  readonly size: number;
  private storageRef: SharedStorage | null;
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
    storage: Storage | SharedStorage,
  ) {
    this.size = sizeOf(shape);
    this.storageRef = storage instanceof SharedStorage ? storage : new SharedStorage(storage);
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
    return this.storageRef.storage;
  }

  /**
   * A new tensor with `shape` (same element count) sharing this tensor's storage (no copy).
   * Each view is disposed on its own; the storage is freed when the last one is.
   */
  view(shape: Shape = this.shape): Tensor<D> {
    const ref = this.storageRef;
    if (ref === null) this.storage('view');
    checkShape(shape, 'view shape');
    if (sizeOf(shape) !== this.size) {
      throw new OpArgumentError('view', `cannot view ${formatShape(this.shape)} (${this.size} elements) as ${formatShape(shape)}`);
    }
    ref!.refs++;
    return new Tensor(this.backend, [...shape], this.dtype, ref!);
  }

  /** Whether two tensors use the same storage (views of each other). */
  sharesStorageWith(other: Tensor): boolean {
    return this.storageRef !== null && this.storageRef === other.storageRef;
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
    const ref = this.storageRef;
    this.storageRef = null;
    if (--ref.refs === 0) this.backend.free(ref.storage);
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  toString(): string {
    return `Tensor#${this.id}(${formatShape(this.shape)}, ${this.dtype}${this.isDisposed ? ', disposed' : ''})`;
  }
}

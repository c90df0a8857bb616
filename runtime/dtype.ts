/** Element types a tensor can hold. All are 4 bytes wide. */
export type DType = 'f32' | 'i32' | 'u32';

export type TypedArrayFor<D extends DType> = D extends 'f32'
  ? Float32Array
  : D extends 'i32'
    ? Int32Array
    : Uint32Array;

/** Host arrays a tensor's data can come from or be read into: one per DType (f32, i32, u32). */
export type AnyTypedArray = Float32Array | Int32Array | Uint32Array;

export const BYTES_PER_ELEMENT = 4;

export function typedArrayCtor(dtype: DType) {
  switch (dtype) {
    case 'f32':
      return Float32Array;
    case 'i32':
      return Int32Array;
    case 'u32':
      return Uint32Array;
  }
}

export function dtypeOf(data: AnyTypedArray): DType {
  if (data instanceof Float32Array) return 'f32';
  if (data instanceof Int32Array) return 'i32';
  if (data instanceof Uint32Array) return 'u32';
  throw new TypeError(`unsupported typed array: ${(data as object)?.constructor?.name}`);
}

export function isDType(x: unknown): x is DType {
  return x === 'f32' || x === 'i32' || x === 'u32';
}

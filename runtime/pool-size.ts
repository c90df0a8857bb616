// Size classes of the two backends' memory pools (WebGPU buffers, WASM heap blocks).

/** Up to this many bytes a block is pooled by its exact (aligned) size (biases, norms: no rounding). */
export const POOL_EXACT_BYTES = 256;
/** Classes per power of two above EXACT_UP_TO: a block is at most 1/STEPS (12.5%) larger than asked. */
const STEPS = 8;

/**
 * The size a pool hands out for a request of `bytes`: rounded up to `align`, and above
 * POOL_EXACT_BYTES to the next of 8 classes per power of two. Requests of nearby sizes (the masked rows of one
 * batch and the next) then share a class and reuse each other's blocks, so callers need not
 * pad their shapes to keep pooled memory from growing.
 */
export function poolSizeClass(bytes: number, align: number): number {
  const exact = Math.max(align, Math.ceil(bytes / align) * align);
  if (exact <= POOL_EXACT_BYTES) return exact;
  let power = POOL_EXACT_BYTES;
  while (power < exact) power *= 2; // exact in (power / 2, power]
  const step = power / 2 / STEPS;
  return Math.ceil(exact / step) * step;
}

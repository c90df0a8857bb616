// Elementwise kernels split across the WASM worker threads in chunks of ELEMENTWISE_CHUNK
// elements (work items); runtime/wasm/parallel.ts elementwiseParallel() mirrors the constant.
export const ELEMENTWISE_CHUNK: u32 = 4096;

/** Scratch bytes per thread of kernels that need none. */
export function no_scratch_bytes(): u32 {
  return 0;
}

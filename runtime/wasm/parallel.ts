import type { KernelDef } from '../kernel.js';

/**
 * How the WASM backend may split one kernel call across threads. The kernel's WASM
 * export takes three trailing arguments after its constants: (itemStart, itemEnd,
 * scratch): it processes work items [itemStart, itemEnd) (independent outputs) using
 * `scratch`, a private per-thread buffer of scratchBytes bytes.
 */
export interface WasmParallelSpec {
  /** Number of independent work items. */
  items(params: readonly number[], constants: readonly number[]): number;
  /** Rough cost of the whole call in flops; calls below MIN_PARALLEL_COST stay on one thread. */
  cost(params: readonly number[], constants: readonly number[]): number;
  /**
   * Name of a WASM export giving the scratch bytes one thread needs; it is called with the
   * call's params (an export may take none, or the leading ones it sizes by).
   */
  scratchExport: string;
}

export interface ParallelKernelDef extends KernelDef {
  readonly wasmParallel: WasmParallelSpec;
}

/** Work (flops) below which waking the worker threads costs more than it saves. */
export const MIN_PARALLEL_COST = 1 << 21;

export function parallelSpec(kernel: KernelDef): WasmParallelSpec | undefined {
  return (kernel as Partial<ParallelKernelDef>).wasmParallel;
}

/** Splits [0, items) into `parts` contiguous ranges of near-equal size. */
export function splitRange(items: number, parts: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < parts; i++) out.push([Math.floor((items * i) / parts), Math.floor((items * (i + 1)) / parts)]);
  return out;
}

/** Elements per work item of the elementwise kernels (ELEMENTWISE_CHUNK in kernels/parallel.ts). */
export const ELEMENTWISE_CHUNK = 4096;

/**
 * An elementwise kernel whose element count is params[0], split in chunks of ELEMENTWISE_CHUNK;
 * `flopsPerElement` sizes the call for the MIN_PARALLEL_COST threshold. Its WASM export takes
 * (..., itemStart, itemEnd, scratch) and processes elements [itemStart, itemEnd) * CHUNK.
 */
export function elementwiseParallel(flopsPerElement: number): WasmParallelSpec {
  return {
    items: ([n]) => Math.ceil(n / ELEMENTWISE_CHUNK),
    cost: ([n]) => n * flopsPerElement,
    scratchExport: 'no_scratch_bytes',
  };
}

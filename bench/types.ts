import type { Runtime } from '../runtime/index.js';

/** One benchmark: a kernel (or a composite step) at one shape. */
export interface BenchCase {
  /** e.g. 'matmul 1024x1024x1024' */
  name: string;
  /** e.g. 'matmul', 'attention', 'train-step' */
  group: string;
  /** Floating-point operations per run (multiply-add = 2). */
  flops: number;
  /** Bytes necessarily moved per run (inputs read + outputs written, once). */
  bytes: number;
  /** Backends this case applies to (default both). */
  backends?: Array<'webgpu' | 'wasm'>;
  /** Builds inputs; returns a run() that records/executes one iteration and a dispose(). */
  setup(rt: Runtime): Promise<{ run(): void | Promise<void>; dispose(): void }>;
}

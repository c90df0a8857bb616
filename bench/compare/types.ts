// One comparison: the same computation on our runtime and on TensorFlow.js, same inputs.
import type { Runtime } from '../../runtime/index.js';
import type { TfjsEnv } from '../tfjs/setup.js';

export type CompareBackend = 'wasm' | 'webgpu';

/** One side of a comparison, set up and ready: iterate() runs once and waits for completion. */
export interface Side {
  iterate(): Promise<void>;
  dispose(): void;
  /** Live memory now (bytes or tensors), to check it stays flat over the timed runs. */
  memory(): number;
}

export interface CompareCase {
  /** e.g. 'matmul 1024x1024 @ 1024x1024' */
  name: string;
  group: string;
  /** Nominal floating-point operations per run (multiply-add = 2), for GFLOP/s; 0 when not meaningful. */
  flops: number;
  /** Default: both. */
  backends?: CompareBackend[];
  ours(rt: Runtime): Promise<Side>;
  theirs(env: TfjsEnv): Promise<Side>;
}

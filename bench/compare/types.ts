// One comparison: the same computation on our runtime and on its peers (TensorFlow.js, and
// jax-js where it has a side), same inputs.
import type { Runtime } from '../../runtime/index.js';
import type { JaxEnv } from '../jax/setup.js';
import type { TfjsEnv } from '../tfjs/setup.js';

export type CompareBackend = 'wasm' | 'webgpu';

/**
 * The peers a comparison can run: TensorFlow.js (wasm and webgpu), its expert variant of the
 * training step (bench/tfjs/expert.ts; same backend) and jax-js (its wasm device only).
 */
export type PeerName = 'tfjs' | 'tfjs-expert' | 'jax';

/** One side of a comparison, set up and ready: iterate() runs once and waits for completion. */
export interface Side {
  iterate(): Promise<void>;
  dispose(): void;
  /** Live memory now (bytes or tensors; NaN when the side cannot tell), to check it stays flat over the timed runs. */
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
  /** The TensorFlow.js side. */
  theirs(env: TfjsEnv): Promise<Side>;
  /** The expert TensorFlow.js side (every product a plain 2D matMul); absent: the case has none. */
  tfjsExpert?(env: TfjsEnv): Promise<Side>;
  /** The jax-js side (compared on the wasm backend only); absent: the case has none. */
  jax?(env: JaxEnv): Promise<Side>;
  /** At least this many rounds for every side (capped by --samples), past the time budget. */
  minSamples?: number;
}

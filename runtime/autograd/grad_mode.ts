// Autograd state, one per backend (so per Runtime): the tape and the grad mode. Two runtimes
// record on two tapes, and noGrad on one leaves the other recording. Runtime.noGrad() turns
// recording off for evaluation (no tape nodes, no saved activations).
import type { Backend } from '../backend.js';
import type { TapeNode } from './tape.js';

export interface AutogradState {
  /** Nodes recorded and not yet consumed by backward(), in execution order. */
  readonly tape: TapeNode[];
  /** Depth of noGrad() calls in progress; recording is on at 0. */
  disabledDepth: number;
}

const states = new WeakMap<Backend, AutogradState>();

/** The autograd state of the runtime on `backend` (created on first use). */
export function autogradState(backend: Backend): AutogradState {
  let s = states.get(backend);
  if (!s) states.set(backend, (s = { tape: [], disabledDepth: 0 }));
  return s;
}

/** True unless inside noGrad()/noGradAsync() of this backend's runtime. */
export function isGradEnabled(backend: Backend): boolean {
  return autogradState(backend).disabledDepth === 0;
}

/** Runs fn with recording off on `backend`: ops on its tensors inside create no tape nodes and save nothing. */
export function noGrad<T>(backend: Backend, fn: () => T): T {
  const s = autogradState(backend);
  s.disabledDepth++;
  try {
    return fn();
  } finally {
    s.disabledDepth--;
  }
}

/**
 * Async variant of noGrad(). Recording stays off until the promise settles, for every
 * op on this backend called in the meantime (do not run training steps concurrently with it).
 */
export async function noGradAsync<T>(backend: Backend, fn: () => Promise<T>): Promise<T> {
  const s = autogradState(backend);
  s.disabledDepth++;
  try {
    return await fn();
  } finally {
    s.disabledDepth--;
  }
}

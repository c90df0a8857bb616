// Grad mode: whether differentiable ops record on the tape. noGrad() turns recording off
// for evaluation (no tape nodes, no saved activations).

let disabledDepth = 0;

/** True unless inside noGrad()/noGradAsync(). */
export function isGradEnabled(): boolean {
  return disabledDepth === 0;
}

/** Runs fn with recording off: ops inside create no tape nodes and save nothing. */
export function noGrad<T>(fn: () => T): T {
  disabledDepth++;
  try {
    return fn();
  } finally {
    disabledDepth--;
  }
}

/**
 * Async variant of noGrad(). Recording stays off until the promise settles, for every
 * op called in the meantime (do not run training steps concurrently with it).
 */
export async function noGradAsync<T>(fn: () => Promise<T>): Promise<T> {
  disabledDepth++;
  try {
    return await fn();
  } finally {
    disabledDepth--;
  }
}

// Assertions usable outside vitest (Deno, browsers): plain functions that throw.

export interface Tolerance {
  /** Absolute tolerance. */
  atol: number;
  /** Relative tolerance (to |expected|). */
  rtol: number;
}

/** |actual - expected| <= atol + rtol * |expected| elementwise; NaN never passes unless both NaN. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what = 'values'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != expected ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    const excess = Math.abs(a - e) - (tol.atol + tol.rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${tol.atol}, rtol ${tol.rtol})`);
  }
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

export function assertEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new Error(`${what}: got ${String(actual)}, expected ${String(expected)}`);
}

/** Expects fn to throw an error whose message contains every fragment. */
export function assertThrows(fn: () => unknown, fragments: string[], what: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (!err) throw new Error(`${what}: expected an error, none was thrown`);
  const msg = err instanceof Error ? err.message : String(err);
  for (const f of fragments) if (!msg.includes(f)) throw new Error(`${what}: error "${msg}" does not mention "${f}"`);
}

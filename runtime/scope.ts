import type { Tensor } from './tensor.js';

/**
 * Scoped disposal: every tensor created inside `scope(fn)` is disposed when fn
 * returns, except the tensors fn returns (a tensor, or tensors inside arrays and
 * plain objects) and tensors passed to keep(). Scopes nest; a kept or returned
 * tensor moves to the enclosing scope.
 */
const scopeStack: Set<Tensor>[] = [];

export function trackInScope(t: Tensor): void {
  const top = scopeStack[scopeStack.length - 1];
  if (top) top.add(t);
}

/** Removes a tensor from the current scope so the scope does not dispose it. */
export function keep<T extends Tensor>(t: T): T {
  for (let i = scopeStack.length - 1; i >= 0; i--) scopeStack[i].delete(t);
  return t;
}

function collectTensors(value: unknown, out: Set<Tensor>, depth = 0): void {
  if (value == null || depth > 8) return;
  if (typeof value === 'object' && 'backend' in (value as object) && 'shape' in (value as object) && typeof (value as Tensor).dispose === 'function') {
    out.add(value as Tensor);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, out, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, out, depth + 1);
  } else if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value as object)) collectTensors(v, out, depth + 1);
  }
}

function endScope(result: unknown): void {
  const tracked = scopeStack.pop()!;
  const survivors = new Set<Tensor>();
  collectTensors(result, survivors);
  for (const t of tracked) {
    if (survivors.has(t)) continue;
    t.dispose();
  }
  const parent = scopeStack[scopeStack.length - 1];
  if (parent) for (const t of survivors) if (tracked.has(t)) parent.add(t);
}

/** Runs fn in a disposal scope (synchronous fn). */
export function scope<T>(fn: () => T): T {
  scopeStack.push(new Set());
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endScope(undefined);
    throw e;
  }
  if (result instanceof Promise) {
    scopeStack.pop();
    throw new Error('scope(): fn returned a Promise; use scopeAsync() for async work');
  }
  endScope(result);
  return result;
}

/**
 * Async variant. Tensors created while the scope is on top of the stack are
 * tracked; do not interleave two scopeAsync calls concurrently.
 */
export async function scopeAsync<T>(fn: () => Promise<T>): Promise<T> {
  scopeStack.push(new Set());
  const depth = scopeStack.length;
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    if (scopeStack.length === depth) endScope(undefined);
    throw e;
  }
  if (scopeStack.length !== depth) throw new Error('scopeAsync(): scopes were interleaved');
  endScope(result);
  return result;
}

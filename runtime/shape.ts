/** A tensor's dimensions, outermost first (tensors are row-major, contiguous); each a non-negative integer. */
export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkShape(shape: Shape, what = 'shape'): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`${what} ${formatShape(shape)} has an invalid dimension ${d}`);
    }
  }
}

/** Resolves a possibly negative axis against a rank. */
export function normalizeAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new RangeError(`${op}: axis ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

// Embedding gather and its deterministic scatter-add backward at BERT4Rec's input shape:
// n = 64 x 200 = 12800 token ids, V = 3420, d = 64. The ids mimic a batch: ~30% PAD (id 0),
// ~15% MASK (id 3419), the rest spread over the items.
import { embeddingGather, embeddingScatterAdd, scope, type Runtime } from '../../runtime/internal.js';
import type { BenchCase } from '../types.js';

const n = 12800;
const V = 3420;
const d = 64;

function ids(rt: Runtime) {
  return rt.tensor(
    Int32Array.from({ length: n }, (_, i) => {
      const u = (i * 0.6180339887) % 1;
      return u < 0.3 ? 0 : u < 0.45 ? V - 1 : 1 + ((i * 2654435761) >>> 0) % (V - 2);
    }),
    [n],
  );
}

function floats(rt: Runtime, shape: number[]) {
  const size = shape.reduce((a, b) => a * b, 1);
  return rt.tensor(Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37 + 0.2)), shape);
}

// Reads n ids and n rows of the table, writes n rows.
const gather: BenchCase = {
  name: `embeddingGather n=${n} V=${V} d=${d}`,
  group: 'embedding',
  flops: 0,
  bytes: 4 * (2 * n * d + n),
  async setup(rt) {
    const [table, idx] = [floats(rt, [V, d]), ids(rt)];
    return { run: () => scope(() => void embeddingGather(table, idx)), dispose: () => [table, idx].forEach((t) => t.dispose()) };
  },
};

// Reads dOut (nd) and the ids, writes dTable (Vd); n*d additions. (The sort's index arrays
// and the chunk partials, ~ (n/64 + V) * d floats, are not counted.)
const scatter: BenchCase = {
  name: `embeddingScatterAdd n=${n} V=${V} d=${d}`,
  group: 'embedding',
  flops: n * d,
  bytes: 4 * (n * d + n + V * d),
  async setup(rt) {
    const [dOut, idx] = [floats(rt, [n, d]), ids(rt)];
    return { run: () => scope(() => void embeddingScatterAdd(dOut, idx, V)), dispose: () => [dOut, idx].forEach((t) => t.dispose()) };
  },
};

export const benchCases: BenchCase[] = [gather, scatter];

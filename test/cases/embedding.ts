// embeddingGather / embeddingScatterAdd on the runtime's backend against the float64
// reference (test/reference/embedding.ts), plus a finite-difference check of the backward.
import { embeddingGather, embeddingScatterAdd, scope, type Runtime } from '../../runtime/internal.js';
import { refEmbeddingGather, refEmbeddingScatterAdd } from '../reference/embedding.js';
import { numericalGradient, sampleIndices, pick } from '../reference/gradcheck.js';
import { randomArray, rng } from '../reference/random.js';
import { assert, assertClose, assertEqual, assertThrows } from './assert.js';
import type { PortableCase } from './types.js';

// Tolerances. The gather is a copy: exact. The scatter-add sums up to k rows of values in
// [-1, 1] in f32: atol 1e-6 * k (k = the most rows hitting one id), rtol 1e-5.
const EXACT = { atol: 0, rtol: 0 };
const scatterTol = (k: number) => ({ atol: 1e-6 * Math.max(1, k), rtol: 1e-5 });

const f32 = (x: Float64Array) => Float32Array.from(x);

export async function runGather(rt: Runtime, table: Float64Array, V: number, d: number, ids: Int32Array, idsShape = [ids.length]): Promise<Float32Array> {
  const out = scope(() => embeddingGather(rt.tensor(f32(table), [V, d]), rt.tensor(ids, idsShape)));
  assertEqual(out.shape.join(','), [...idsShape, d].join(','), 'gather output shape');
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

export async function runScatter(rt: Runtime, dOut: Float64Array, ids: Int32Array, V: number, d: number): Promise<Float32Array> {
  const out = scope(() => embeddingScatterAdd(rt.tensor(f32(dOut), [ids.length, d]), rt.tensor(ids, [ids.length]), V));
  assertEqual(out.shape.join(','), `${V},${d}`, 'scatter output shape');
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

/** n ids in [0, V) with a fraction `hot` of them equal to `hotId`, plus optional out-of-range ones. */
export function makeIds(n: number, V: number, seed: number, hot = 0, hotId = 0, bad = 0): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => {
    const u = r();
    if (u < hot) return hotId;
    if (u < hot + bad) return r() < 0.5 ? -1 - Math.floor(r() * 3) : V + Math.floor(r() * 3);
    return Math.floor(r() * V);
  });
}

function maxHits(ids: Int32Array): number {
  const m = new Map<number, number>();
  for (const i of ids) m.set(i, (m.get(i) ?? 0) + 1);
  return Math.max(0, ...m.values());
}

const cases: PortableCase[] = [];

// [n, V, d, hot fraction, bad fraction]
const gatherShapes: Array<[number, number, number, number]> = [
  [0, 5, 3, 0],
  [1, 1, 1, 0],
  [7, 10, 3, 0.3],
  [300, 50, 65, 0.1],
  [1000, 3420, 64, 0.05],
];
for (const [n, V, d, bad] of gatherShapes) {
  cases.push({
    name: `embeddingGather n=${n} V=${V} d=${d}${bad ? ' with out-of-range ids' : ''}`,
    async run(rt) {
      const table = randomArray(V * d, 31 + n);
      const ids = makeIds(n, V, 32 + n, 0, 0, bad);
      assertClose(await runGather(rt, table, V, d, ids), refEmbeddingGather(table, ids, V, d), EXACT, 'gather');
    },
  });
}

cases.push({
  name: 'embeddingGather ids of shape [2,3] and out-of-range ids give zero rows',
  async run(rt) {
    const V = 4;
    const d = 5;
    const table = randomArray(V * d, 33, 1, 2); // no zeros in the table
    const ids = Int32Array.from([3, -1, 4, 0, 2147483647, -2147483648]);
    const out = await runGather(rt, table, V, d, ids, [2, 3]);
    assertClose(out, refEmbeddingGather(table, ids, V, d), EXACT, 'gather');
    for (const r of [1, 2, 4, 5]) assert(out.subarray(r * d, (r + 1) * d).every((x) => x === 0), `row ${r} must be zeros`);
  },
});

// [n, V, d, hot fraction (rows hitting id `hotId`), bad fraction]
const scatterShapes: Array<[number, number, number, number, number]> = [
  [1, 1, 1, 0, 0],
  [5, 3, 4, 0, 0],
  [255, 7, 3, 0, 0],
  [300, 40, 65, 0.5, 0.05], // 150 rows on one id: 3 chunks of 64; several 256-id blocks
  [1000, 2, 5, 0.9, 0], // almost every row on id 1
  [2000, 3420, 64, 0.2, 0.01], // BERT4Rec-like: a MASK-like hot id, unhit rows
  [600, 30000, 8, 0.1, 0],
];
for (const [n, V, d, hot, bad] of scatterShapes) {
  cases.push({
    name: `embeddingScatterAdd n=${n} V=${V} d=${d} hot=${hot}${bad ? ' with out-of-range ids' : ''}`,
    async run(rt) {
      const dOut = randomArray(n * d, 41 + n);
      const ids = makeIds(n, V, 42 + n, hot, V - 1, bad);
      const out = await runScatter(rt, dOut, ids, V, d);
      assertClose(out, refEmbeddingScatterAdd(dOut, ids, V, d), scatterTol(maxHits(ids)), 'scatter-add');
    },
  });
}

cases.push({
  name: 'embeddingScatterAdd with n=0 gives zeros; V=0 or d=0 give empty tables',
  async run(rt) {
    const out = await runScatter(rt, new Float64Array(0), new Int32Array(0), 6, 3);
    assert(out.length === 18 && out.every((x) => x === 0), 'zeros');
    assertEqual((await runScatter(rt, new Float64Array(3), new Int32Array(3), 0, 1)).length, 0, 'V = 0');
    assertEqual((await runScatter(rt, new Float64Array(0), new Int32Array(4), 5, 0)).length, 0, 'd = 0');
  },
});

cases.push({
  name: 'embeddingScatterAdd is deterministic (bitwise equal on repeat) with a hot id',
  async run(rt) {
    const n = 3000;
    const V = 100;
    const d = 16;
    const dOut = randomArray(n * d, 51, -100, 100);
    const ids = makeIds(n, V, 52, 0.6, 7);
    const a = await runScatter(rt, dOut, ids, V, d);
    const b = await runScatter(rt, dOut, ids, V, d);
    assertClose(a, b, EXACT, 'repeat');
  },
});

cases.push({
  name: 'embeddingScatterAdd equals finite differences of the reference gather',
  async run(rt) {
    const n = 40;
    const V = 9;
    const d = 3;
    const table = randomArray(V * d, 61);
    const ids = makeIds(n, V, 62, 0.3, 2, 0.1);
    const dy = randomArray(n * d, 63);
    const f = (inputs: Float64Array[]) => refEmbeddingGather(inputs[0], ids, V, d);
    const idx = sampleIndices(V * d, V * d);
    const num = numericalGradient(f, [table], 0, dy, 1e-3, idx);
    const out = await runScatter(rt, dy, ids, V, d);
    assertClose(pick(out, idx), pick(num, idx), { atol: 1e-5, rtol: 1e-5 }, 'scatter-add vs finite differences');
  },
});

cases.push({
  name: 'embedding argument errors name the op and shapes',
  async run(rt) {
    scope(() => {
      const ids = rt.tensor(new Int32Array(4), [4]);
      assertThrows(() => embeddingGather(rt.zeros([12]), ids), ['embeddingGather', '[12]'], 'table rank');
      assertThrows(() => embeddingGather(rt.zeros([3, 4]), rt.zeros([4])), ['embeddingGather', 'i32'], 'ids dtype');
      assertThrows(() => embeddingScatterAdd(rt.zeros([5, 2]), ids, 3), ['embeddingScatterAdd', '[5,2]', '[4]'], 'dOut rows');
      assertThrows(() => embeddingScatterAdd(rt.zeros([4, 2]), ids, -1), ['embeddingScatterAdd', 'V'], 'V < 0');
    });
  },
});

export const embeddingCases = cases;

// Fused attention (forward, backward) and the unfused path, against the float64 reference.
// Runs under vitest (test/attention.test.ts), Deno and Chromium (test/portable/).
import { attention, attentionBackward, attentionUnfused, maskedSoftmax, matmul, transpose, scope, type Runtime, type Tensor } from '../../runtime/internal.js';
import { numericalGradient, pick, sampleIndices } from '../reference/gradcheck.js';
import { randomArray, rng } from '../reference/random.js';
import { refAttention, refAttentionBackward, refMaskedSoftmax, type RefAttentionDims } from '../reference/attention.js';
import { assertClose, assertEqual, assertThrows, type Tolerance } from './assert.js';
import type { PortableCase } from './types.js';

const f32 = (x: Float64Array) => Float32Array.from(x);

// Tolerances (measured errors are ~20x below them on both backends). Outputs are convex
// combinations of v (|v| <= 1) from f32 dot products and exp: errors ~1e-7; lse to ~1e-7
// relative. Gradients (|g| < 0.3 here) sum L terms: ~1e-7.
const OUT_TOL: Tolerance = { atol: 5e-6, rtol: 1e-4 };
const LSE_TOL: Tolerance = { atol: 5e-6, rtol: 1e-5 };
const GRAD_TOL: Tolerance = { atol: 1e-5, rtol: 1e-3 };
// q, k scaled by 30: scores reach |s| ~ 5000 and the f32 rounding of s (~1e-7 |s| per term)
// moves exp(s - lse) by ~1e-4 relative (measured: out 2e-5, lse 2e-4, grads 2e-4 of |g| ~ 4).
// The main check is that nothing overflows or goes NaN.
const BIG_OUT_TOL: Tolerance = { atol: 5e-4, rtol: 1e-3 };
const BIG_LSE_TOL: Tolerance = { atol: 2e-3, rtol: 1e-6 };
const BIG_GRAD_TOL: Tolerance = { atol: 3e-3, rtol: 1e-3 };
// Kernel backward (f32) vs central differences of the float64 forward (error ~h^2).
const FD_TOL: Tolerance = { atol: 2e-4, rtol: 2e-3 };

export interface AttnCase extends RefAttentionDims {
  name: string;
  /** Multiplies q and k (large-magnitude scores). */
  qkScale?: number;
  /** Sequences whose keys are all padding (b indices). */
  emptyRows?: number[];
  /** Pads at the front of each sequence (SASRec's layout): with causal, the queries before the
   * first valid key read no key at all. */
  leftPad?: boolean;
  seed: number;
}

export interface AttnInputs {
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  dOut: Float64Array;
  mask: Uint32Array;
}

/** Random q, k, v, dOut and a mask: each sequence has a random number of trailing pads (leading
 * with leftPad) plus a few holes. */
export function makeInputs(c: AttnCase): AttnInputs {
  const { B, L, d, seed } = c;
  const n = B * L * d;
  const s = c.qkScale ?? 1;
  const q = randomArray(n, seed).map((x) => Math.fround(x * s));
  const k = randomArray(n, seed + 1).map((x) => Math.fround(x * s));
  const v = randomArray(n, seed + 2);
  const dOut = randomArray(n, seed + 3);
  const r = rng(seed + 4);
  const mask = new Uint32Array(B * L);
  for (let b = 0; b < B; b++) {
    const valid = Math.max(1, L - Math.floor(r() * (L / 2)));
    for (let j = 0; j < L; j++) mask[b * L + j] = j < valid && (L < 4 || r() > 0.15) ? 1 : 0;
    if (!mask.subarray(b * L, b * L + L).some((x) => x)) mask[b * L] = 1;
    if (c.leftPad) mask.subarray(b * L, b * L + L).reverse();
    if (c.emptyRows?.includes(b)) mask.fill(0, b * L, b * L + L);
  }
  return { q, k, v, dOut, mask };
}

export const attnCases: AttnCase[] = [
  { name: 'L=1 d=4 h=1', B: 2, L: 1, d: 4, heads: 1, seed: 10 },
  { name: 'L=7 d=12 h=2 (dh 6)', B: 3, L: 7, d: 12, heads: 2, seed: 20, emptyRows: [1] },
  { name: 'L=33 d=10 h=2 (dh 5)', B: 2, L: 33, d: 10, heads: 2, seed: 30 },
  { name: 'L=70 d=64 h=2 (dh 32, two tiles)', B: 2, L: 70, d: 64, heads: 2, seed: 40, emptyRows: [1] },
  { name: 'L=5 d=3 h=3 (dh 1)', B: 2, L: 5, d: 3, heads: 3, seed: 50 },
  { name: 'L=131 d=128 h=1 (dh 128)', B: 1, L: 131, d: 128, heads: 1, seed: 60 },
  { name: 'L=65 d=36 h=4 (dh 9)', B: 2, L: 65, d: 36, heads: 4, seed: 70 },
  { name: 'dropout L=37 d=24 h=2', B: 2, L: 37, d: 24, heads: 2, seed: 80, dropout: { p: 0.3, seed: 12345 } },
  { name: 'dropout L=66 d=14 h=2 (dh 7)', B: 2, L: 66, d: 14, heads: 2, seed: 90, dropout: { p: 0.1, seed: 7 }, emptyRows: [0] },
  { name: 'large scores (q, k x 30) L=50 d=64 h=2', B: 2, L: 50, d: 64, heads: 2, seed: 100, qkScale: 30 },
  // Large enough for the WASM backend to split the (b, head) pairs over its threads (10 items, cut inside b = 2).
  { name: 'threaded: B=5 L=97 d=64 h=2 dropout', B: 5, L: 97, d: 64, heads: 2, seed: 110, dropout: { p: 0.1, seed: 99 }, emptyRows: [2] },
  // Causal (SASRec): block sizes that do and do not divide L, the diagonal tiles, the skipped ones.
  { name: 'causal L=1 d=4 h=1', B: 2, L: 1, d: 4, heads: 1, seed: 120, causal: true },
  { name: 'causal L=7 d=12 h=2 (dh 6)', B: 3, L: 7, d: 12, heads: 2, seed: 130, emptyRows: [1], causal: true },
  // Left padding (SASRec's layout): the queries before a sequence's first valid key read nothing.
  { name: 'causal left-padded L=70 d=64 h=2 (dh 32, two tiles)', B: 2, L: 70, d: 64, heads: 2, seed: 140, causal: true, leftPad: true },
  { name: 'causal left-padded L=65 d=36 h=4 (dh 9)', B: 2, L: 65, d: 36, heads: 4, seed: 150, causal: true, leftPad: true },
  { name: 'causal left-padded L=131 d=128 h=1 (dh 128)', B: 1, L: 131, d: 128, heads: 1, seed: 160, causal: true, leftPad: true },
  { name: 'causal left-padded dropout L=66 d=14 h=2 (dh 7)', B: 2, L: 66, d: 14, heads: 2, seed: 170, dropout: { p: 0.2, seed: 5 }, causal: true, leftPad: true },
  { name: 'causal left-padded threaded: B=3 L=150 d=64 h=1 dropout', B: 3, L: 150, d: 64, heads: 1, seed: 180, dropout: { p: 0.2, seed: 31 }, emptyRows: [1], causal: true, leftPad: true },
  { name: 'causal left-padded L=130 d=32 h=4 (dh 8)', B: 3, L: 130, d: 32, heads: 4, seed: 190, emptyRows: [2], causal: true, leftPad: true },
  { name: 'causal L=65 d=20 h=4 (dh 5, trailing pads)', B: 2, L: 65, d: 20, heads: 4, seed: 200, causal: true },
];

/** Uploads inputs; returns the tensors (caller disposes). */
export function upload(rt: Runtime, c: AttnCase, x: AttnInputs) {
  const shape = [c.B, c.L, c.d];
  return {
    q: rt.tensor(f32(x.q), shape),
    k: rt.tensor(f32(x.k), shape),
    v: rt.tensor(f32(x.v), shape),
    dOut: rt.tensor(f32(x.dOut), shape),
    mask: rt.tensor(x.mask, [c.B, c.L], 'u32'),
  };
}

/** Runs the fused forward and backward; returns host copies. */
export async function runFused(rt: Runtime, c: AttnCase, x: AttnInputs) {
  const t = upload(rt, c, x);
  const opts = { heads: c.heads, dropout: c.dropout, causal: c.causal };
  const { out, lse } = attention(t.q, t.k, t.v, t.mask, opts);
  const g = attentionBackward(t.dOut, t.q, t.k, t.v, t.mask, out, lse, opts);
  const res = {
    out: await out.data(), lse: await lse.data(), dq: await g.dq.data(), dk: await g.dk.data(), dv: await g.dv.data(),
  };
  for (const tensor of [...Object.values(t), out, lse, g.dq, g.dk, g.dv] as Tensor[]) tensor.dispose();
  return res;
}

const cases: PortableCase[] = [];

for (const c of attnCases) {
  const big = !!c.qkScale;
  cases.push({
    name: `attention forward+backward ${c.name} B=${c.B}`,
    async run(rt) {
      const x = makeInputs(c);
      const res = await runFused(rt, c, x);
      const ref = refAttention(x.q, x.k, x.v, x.mask, c);
      assertClose(res.out, ref.out, big ? BIG_OUT_TOL : OUT_TOL, 'out');
      assertClose(res.lse, ref.lse, big ? BIG_LSE_TOL : LSE_TOL, 'lse');
      const g = refAttentionBackward(x.dOut, x.q, x.k, x.v, x.mask, c);
      assertClose(res.dq, g.dq, big ? BIG_GRAD_TOL : GRAD_TOL, 'dq');
      assertClose(res.dk, g.dk, big ? BIG_GRAD_TOL : GRAD_TOL, 'dk');
      assertClose(res.dv, g.dv, big ? BIG_GRAD_TOL : GRAD_TOL, 'dv');
      for (const [name, arr] of Object.entries(res)) {
        if (!arr.every(Number.isFinite)) throw new Error(`${name} has non-finite values`);
      }
      // Causal: a query with no valid key at or before it (left padding) gives exact zeros, lse 0.
      if (c.causal) {
        let empty = 0;
        for (let b = 0; b < c.B; b++)
          for (let i = 0; i < c.L; i++) {
            if (x.mask.subarray(b * c.L, b * c.L + i + 1).some((m) => m)) continue;
            empty++;
            const at = (b * c.L + i) * c.d;
            assertClose(res.out.subarray(at, at + c.d), new Float32Array(c.d), { atol: 0, rtol: 0 }, `out of query ${i} (no key before it) in sequence ${b}`);
            assertClose(res.dq.subarray(at, at + c.d), new Float32Array(c.d), { atol: 0, rtol: 0 }, `dq of query ${i} (no key before it) in sequence ${b}`);
            for (let h = 0; h < c.heads; h++) assertEqual(res.lse[(b * c.heads + h) * c.L + i], 0, `lse of query ${i} (no key before it)`);
          }
        if (c.leftPad && c.L > 1 && empty === 0) throw new Error('left-padded causal case without a query that reads no key');
      }
      // Sequences with no valid key: zero output and gradients, lse 0.
      for (const b of c.emptyRows ?? []) {
        const row = (a: ArrayLike<number> & { subarray(s: number, e: number): ArrayLike<number> }) => a.subarray(b * c.L * c.d, (b + 1) * c.L * c.d);
        for (const name of ['out', 'dq', 'dk', 'dv'] as const) assertClose(row(res[name]), new Float32Array(c.L * c.d), { atol: 0, rtol: 0 }, `${name} of padded sequence ${b}`);
        assertClose(res.lse.subarray(b * c.heads * c.L, (b + 1) * c.heads * c.L), new Float32Array(c.heads * c.L), { atol: 0, rtol: 0 }, 'lse of padded sequence');
      }
    },
  });
}

// Finite differences of the float64 forward vs the kernels' dq, dk, dv (sampled elements).
for (const c of [attnCases[1], attnCases[7], attnCases[12], attnCases[16]]) {
  cases.push({
    name: `attention gradcheck ${c.name}`,
    async run(rt) {
      const x = makeInputs(c);
      const res = await runFused(rt, c, x);
      const f = ([q, k, v]: Float64Array[]) => refAttention(q, k, v, x.mask, c).out;
      const inputs = [x.q.slice(), x.k.slice(), x.v.slice()];
      (['dq', 'dk', 'dv'] as const).forEach((name, which) => {
        const idx = sampleIndices(inputs[which].length, 24, which + 1);
        const num = numericalGradient(f, inputs, which, x.dOut, 1e-4, idx);
        assertClose(pick(res[name], idx), pick(num, idx), FD_TOL, `${name} vs finite differences`);
      });
    },
  });
}

// The unfused path (transposes + matmul + maskedSoftmax + matmul) against the same reference.
for (const c of [attnCases[0], attnCases[1], attnCases[3], attnCases[7], attnCases[8], attnCases[12], attnCases[16]]) {
  cases.push({
    name: `attentionUnfused and maskedSoftmax ${c.name}`,
    async run(rt) {
      const x = makeInputs(c);
      const t = upload(rt, c, x);
      const opts = { heads: c.heads, dropout: c.dropout, causal: c.causal };
      const out = attentionUnfused(t.q, t.k, t.v, t.mask, opts);
      assertClose(await out.data(), refAttention(x.q, x.k, x.v, x.mask, c).out, OUT_TOL, 'unfused out');
      const dh = c.d / c.heads;
      const probs = scope(() => {
        const qt = transpose(t.q).view([c.B * c.heads, dh, c.L]);
        const kt = transpose(t.k).view([c.B * c.heads, dh, c.L]);
        return maskedSoftmax(matmul(qt, kt, { transA: true }), t.mask, { heads: c.heads, scale: 1 / Math.sqrt(dh), dropout: c.dropout, causal: c.causal });
      });
      assertClose(await probs.data(), refMaskedSoftmax(x.q, x.k, x.mask, c), { atol: 1e-6, rtol: 1e-4 }, 'maskedSoftmax');
      for (const tensor of [...Object.values(t), out, probs]) tensor.dispose();
    },
  });
}

// ---- Query rows: attention at some queries only (BERT4Rec's last layer) ----

/** Random ascending query rows: each position with probability `share`; sequence `none` gets none. */
export function makeQueryRows(c: AttnCase, share: number, none = -1): Int32Array {
  const r = rng(c.seed + 7);
  const rows: number[] = [];
  for (let b = 0; b < c.B; b++) for (let i = 0; i < c.L; i++) if (b !== none && r() < share) rows.push(b * c.L + i);
  return Int32Array.from(rows);
}

/** Rows `rows` of a [B*L, d] array, [R, d]. */
function gather(x: ArrayLike<number>, rows: Int32Array, d: number): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((row, r) => {
    for (let e = 0; e < d; e++) out[r * d + e] = x[row * d + e];
  });
  return out;
}

/** The float64 reference at the query rows: the full attention's rows; the gradients with dOut zero elsewhere. */
export function refAtRows(c: AttnCase, x: AttnInputs, rows: Int32Array, dOutRows: Float64Array) {
  const R = rows.length;
  const full = refAttention(x.q, x.k, x.v, x.mask, c);
  const lse = new Float64Array(c.heads * R);
  rows.forEach((row, r) => {
    const b = Math.floor(row / c.L);
    for (let h = 0; h < c.heads; h++) lse[h * R + r] = full.lse[(b * c.heads + h) * c.L + (row % c.L)];
  });
  const dOut = new Float64Array(x.dOut.length);
  rows.forEach((row, r) => dOut.set(dOutRows.subarray(r * c.d, (r + 1) * c.d), row * c.d));
  const g = refAttentionBackward(dOut, x.q, x.k, x.v, x.mask, c);
  return { out: gather(full.out, rows, c.d), lse, dq: gather(g.dq, rows, c.d), dk: g.dk, dv: g.dv };
}

/** Runs the fused forward and backward at the query rows: q and dOut are those rows of x's (dOut 0 where withGradient(r) is false). */
export async function runFusedAtRows(rt: Runtime, c: AttnCase, x: AttnInputs, rows: Int32Array, withGradient: (r: number) => boolean = () => true) {
  const t = upload(rt, c, x);
  const R = rows.length;
  const qRows = rt.tensor(f32(gather(x.q, rows, c.d)), [R, c.d]);
  const dOutHost = f32(gather(x.dOut, rows, c.d));
  for (let r = 0; r < R; r++) if (!withGradient(r)) dOutHost.fill(0, r * c.d, (r + 1) * c.d);
  const dOutRows = rt.tensor(dOutHost, [R, c.d]);
  const queryRows = rt.tensor(rows, [R], 'i32');
  const opts = { heads: c.heads, dropout: c.dropout, causal: c.causal, queryRows };
  const { out, lse } = attention(qRows, t.k, t.v, t.mask, opts);
  const g = attentionBackward(dOutRows, qRows, t.k, t.v, t.mask, out, lse, opts);
  const res = {
    out: await out.data(), lse: await lse.data(), dq: await g.dq.data(), dk: await g.dk.data(), dv: await g.dv.data(),
  };
  for (const tensor of [...Object.values(t), qRows, dOutRows, queryRows, out, lse, g.dq, g.dk, g.dv] as Tensor[]) tensor.dispose();
  return res;
}

// Cases for query rows: one to two tiles, dh 9 / 32, dropout, causal with left padding,
// threaded, a sequence without queries, and a sequence with more queries than a block holds.
export const queryRowCases: { c: AttnCase; share: number; none?: number }[] = [
  { c: attnCases[1], share: 0.4, none: 0 },
  { c: attnCases[3], share: 0.25 },
  { c: attnCases[6], share: 0.3, none: 1 },
  { c: attnCases[7], share: 0.3 },
  { c: attnCases[10], share: 0.2, none: 3 },
  { c: attnCases[12], share: 0.5 },
  { c: attnCases[13], share: 0.3 },
  { c: attnCases[17], share: 0.25 },
  { c: attnCases[5], share: 0.9 },
];

for (const { c, share, none } of queryRowCases) {
  cases.push({
    name: `attention at query rows (${share} of positions${none !== undefined ? `, none in sequence ${none}` : ''}) ${c.name} B=${c.B}`,
    async run(rt) {
      const x = makeInputs(c);
      const rows = makeQueryRows(c, share, none);
      const res = await runFusedAtRows(rt, c, x, rows);
      const ref = refAtRows(c, x, rows, gather(x.dOut, rows, c.d));
      assertEqual(res.out.length, rows.length * c.d, 'out size');
      assertClose(res.out, ref.out, OUT_TOL, 'out');
      assertClose(res.lse, ref.lse, LSE_TOL, 'lse');
      assertClose(res.dq, ref.dq, GRAD_TOL, 'dq');
      assertClose(res.dk, ref.dk, GRAD_TOL, 'dk');
      assertClose(res.dv, ref.dv, GRAD_TOL, 'dv');
    },
  });
}

cases.push({
  name: 'attention at repeated query rows: more queries in a sequence than positions or than one workgroup takes',
  async run(rt) {
    // Each row 5 times (as the model pads its rows by repeating the last one); the copies after
    // the first get dOut 0, as padding rows do, so their dq is 0 and the rest is the full
    // attention's. L = 70: ~300 queries per sequence, past the WebGPU grid's 256 (forward) and
    // 128 (dQ), and past L (the WASM scratch).
    for (const c of [attnCases[3], attnCases[17]]) {
      const x = makeInputs(c);
      const unique = makeQueryRows(c, 0.9);
      const rows = Int32Array.from(Array.from(unique).flatMap((r) => [r, r, r, r, r]));
      const res = await runFusedAtRows(rt, c, x, rows, (r) => r % 5 === 0);
      const ref = refAtRows(c, x, unique, gather(x.dOut, rows, c.d).filter((_, e) => Math.floor(e / c.d) % 5 === 0));
      const every5 = (a: ArrayLike<number>, width: number) => Float64Array.from({ length: unique.length * width }, (_, e) => a[(Math.floor(e / width) * 5) * width + (e % width)]);
      assertClose(every5(res.out, c.d), ref.out, OUT_TOL, `${c.name}: out`);
      for (let r = 0; r < rows.length; r++) {
        assertClose(res.out.subarray(r * c.d, (r + 1) * c.d), res.out.subarray((r - (r % 5)) * c.d, (r - (r % 5) + 1) * c.d), { atol: 0, rtol: 0 }, `${c.name}: out of copy ${r}`);
        if (r % 5 !== 0) assertClose(res.dq.subarray(r * c.d, (r + 1) * c.d), new Float32Array(c.d), { atol: 0, rtol: 0 }, `${c.name}: dq of copy ${r}`);
      }
      assertClose(every5(res.dq, c.d), ref.dq, GRAD_TOL, `${c.name}: dq`);
      assertClose(res.dk, ref.dk, GRAD_TOL, `${c.name}: dk`);
      assertClose(res.dv, ref.dv, GRAD_TOL, `${c.name}: dv`);
    }
  },
});

cases.push({
  name: 'attention at query rows: gradcheck (finite differences, dropout)',
  async run(rt) {
    const c = attnCases[7];
    const x = makeInputs(c);
    const rows = makeQueryRows(c, 0.3);
    const res = await runFusedAtRows(rt, c, x, rows);
    const qFull = x.q;
    // f(q rows, k, v): the full attention's rows, with q's other rows as they are
    const f = ([qr, k, v]: Float64Array[]) => {
      const q = qFull.slice();
      rows.forEach((row, r) => q.set(qr.subarray(r * c.d, (r + 1) * c.d), row * c.d));
      return gather(refAttention(q, k, v, x.mask, c).out, rows, c.d);
    };
    const inputs = [gather(x.q, rows, c.d), x.k.slice(), x.v.slice()];
    const dOut = gather(x.dOut, rows, c.d);
    (['dq', 'dk', 'dv'] as const).forEach((name, which) => {
      const idx = sampleIndices(inputs[which].length, 24, which + 1);
      const num = numericalGradient(f, inputs, which, dOut, 1e-4, idx);
      assertClose(pick(res[name], idx), pick(num, idx), FD_TOL, `${name} vs finite differences`);
    });
  },
});

cases.push({
  name: 'attention at no query rows: empty output, zero key and value gradients',
  async run(rt) {
    const c = attnCases[3];
    const x = makeInputs(c);
    const res = await runFusedAtRows(rt, c, x, new Int32Array(0));
    assertEqual(res.out.length, 0, 'out size');
    assertClose(res.dk, new Float32Array(c.B * c.L * c.d), { atol: 0, rtol: 0 }, 'dk');
    assertClose(res.dv, new Float32Array(c.B * c.L * c.d), { atol: 0, rtol: 0 }, 'dv');
  },
});

cases.push({
  name: 'causal attention differs from bidirectional (the flag is read), and equals it on the last query',
  async run(rt) {
    const c = attnCases[13];
    const x = makeInputs(c);
    x.mask.fill(1);
    const causal = await runFused(rt, c, x);
    const both = await runFused(rt, { ...c, causal: false }, x);
    let differs = 0;
    for (let i = 0; i < causal.out.length; i++) if (Math.abs(causal.out[i] - both.out[i]) > 1e-4) differs++;
    if (differs < causal.out.length / 2) throw new Error(`causal and bidirectional outputs differ in only ${differs} of ${causal.out.length} entries`);
    // The last query reads every key either way.
    for (let b = 0; b < c.B; b++) {
      const at = ((b + 1) * c.L - 1) * c.d;
      assertClose(causal.out.subarray(at, at + c.d), both.out.subarray(at, at + c.d), { atol: 1e-6, rtol: 1e-5 }, 'last query');
    }
  },
});

cases.push({
  name: 'attention with an empty batch returns empty tensors',
  async run(rt) {
    scope(() => {
      const z = rt.zeros([0, 5, 8]);
      const { out, lse } = attention(z, z, z, rt.zeros([0, 5], 'u32'), { heads: 2 });
      assertEqual(out.shape.join(','), '0,5,8', 'out shape');
      assertEqual(lse.shape.join(','), '0,2,5', 'lse shape');
      const g = attentionBackward(z, z, z, z, rt.zeros([0, 5], 'u32'), out, lse, { heads: 2 });
      assertEqual(g.dk.shape.join(','), '0,5,8', 'dk shape');
    });
  },
});

cases.push({
  name: 'attention bad calls name the op and the shapes',
  async run(rt) {
    scope(() => {
      const q = rt.zeros([2, 5, 8]);
      const mask = rt.zeros([2, 5], 'u32');
      assertThrows(() => attention(q, q, q, mask, { heads: 3 }), ['attention', 'heads = 3', '[2,5,8]'], 'heads not dividing d');
      assertThrows(() => attention(q, rt.zeros([2, 4, 8]), q, mask, { heads: 2 }), ['attention', 'k', '[2,4,8]'], 'k shape');
      assertThrows(() => attention(q, q, q, rt.zeros([2, 5]), { heads: 2 }), ['attention', 'keyMask', 'u32'], 'mask dtype');
      assertThrows(() => attention(q, q, q, rt.zeros([5], 'u32'), { heads: 2 }), ['attention', 'keyMask', '[5]'], 'mask shape');
      assertThrows(() => attention(rt.zeros([1, 2, 258]), rt.zeros([1, 2, 258]), rt.zeros([1, 2, 258]), rt.zeros([1, 2], 'u32'), { heads: 2 }), ['attention', '129', '128'], 'dh too big');
      assertThrows(() => attention(q, q, q, mask, { heads: 2, dropout: { p: 1, seed: 1 } }), ['attention', 'dropout.p'], 'p = 1');
      const { out, lse } = attention(q, q, q, mask, { heads: 2 });
      assertThrows(() => attentionBackward(q, q, q, q, mask, out, rt.zeros([2, 5]), { heads: 2 }), ['attentionBackward', 'lse', '[2,5]'], 'lse shape');
      assertThrows(() => maskedSoftmax(rt.zeros([3, 5, 5]), mask, { heads: 2 }), ['maskedSoftmax', '[3,5,5]'], 'softmax shape');
      const rows = rt.tensor(Int32Array.of(1, 7), [2], 'i32');
      assertThrows(() => attention(q, q, q, mask, { heads: 2, queryRows: rows }), ['attention', 'q must be [R, d] = [2,8]', '[2,5,8]'], 'q not gathered');
      assertThrows(() => attention(rt.zeros([2, 8]), q, q, mask, { heads: 2, queryRows: rt.zeros([2]) }), ['attention', 'queryRows', 'i32 or u32'], 'rows dtype');
      assertThrows(() => attention(rt.zeros([2, 8]), q, q, mask, { heads: 2, queryRows: rt.zeros([2, 1], 'i32') }), ['attention', 'queryRows must be [R]'], 'rows rank');
    });
  },
});

export const attentionCases = cases;

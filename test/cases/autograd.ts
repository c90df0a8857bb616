// Autograd cases: gradients of composite graphs built from the differentiable ops
// (runtime/nn/functional) against central finite differences of a float64 reference of
// the same graph. Runs under vitest (test/autograd.test.ts), Deno and Chromium.
import { backward, F, scope, type Runtime, type Tensor } from '../../runtime/index.js';
import { numericalGradient } from '../reference/gradcheck.js';
import { randomArray } from '../reference/random.js';
import { refMatmul } from '../reference/ops.js';
import { dropoutKeeps } from '../reference/rng.js';
import { assert, assertClose, assertEqual, assertThrows, type Tolerance } from './assert.js';
import { opTableCases } from './op-table.js';
import type { PortableCase } from './types.js';

// ---------------------------------------------------------------------------------------
// Float64 reference building blocks (row-major, shapes passed explicitly).

export const ref = {
  matmul: (a: Float64Array, b: Float64Array, M: number, K: number, N: number, transA = false, transB = false) =>
    refMatmul(a, b, 1, 1, M, N, K, transA, transB),
  /** x [R, C] + b [C] */
  addRow: (x: Float64Array, b: Float64Array) => x.map((v, i) => v + b[i % b.length]),
  mulRow: (x: Float64Array, b: Float64Array) => x.map((v, i) => v * b[i % b.length]),
  sum: (x: Float64Array) => x.reduce((s, v) => s + v, 0),
  /** Sum over the middle axis of [outer, len, inner]. */
  sumAxis: (x: Float64Array, outer: number, len: number, inner: number) => {
    const out = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++) for (let k = 0; k < len; k++) for (let i = 0; i < inner; i++) out[o * inner + i] += x[(o * len + k) * inner + i];
    return out;
  },
  geluErf: (x: Float64Array) => x.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))),
  geluTanh: (x: Float64Array) => x.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))),
  /** Row-wise layer norm of x [R, C]. */
  layerNorm: (x: Float64Array, gamma: Float64Array, beta: Float64Array, C: number, eps: number) => {
    const out = new Float64Array(x.length);
    for (let r = 0; r < x.length / C; r++) {
      let mean = 0;
      for (let c = 0; c < C; c++) mean += x[r * C + c];
      mean /= C;
      let v = 0;
      for (let c = 0; c < C; c++) v += (x[r * C + c] - mean) ** 2;
      const rstd = 1 / Math.sqrt(v / C + eps);
      for (let c = 0; c < C; c++) out[r * C + c] = (x[r * C + c] - mean) * rstd * gamma[c] + beta[c];
    }
    return out;
  },
  /**
   * Multi-head attention of q, k, v [B, L, d] with key mask [B, L] (1 = valid); dropout on the
   * probabilities keeps (b, h, i, j) when dropoutKeeps(seed, ((b*H+h)*L+i)*L+j, p).
   */
  attention: (q: Float64Array, k: Float64Array, v: Float64Array, mask: ArrayLike<number>, B: number, L: number, d: number, H: number, drop?: { p: number; seed: number }) => {
    const dh = d / H;
    const out = new Float64Array(B * L * d);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < H; h++)
        for (let i = 0; i < L; i++) {
          const s = new Float64Array(L).fill(-Infinity);
          let m = -Infinity;
          for (let j = 0; j < L; j++) {
            if (!mask[b * L + j]) continue;
            let acc = 0;
            for (let c = 0; c < dh; c++) acc += q[(b * L + i) * d + h * dh + c] * k[(b * L + j) * d + h * dh + c];
            s[j] = acc / Math.sqrt(dh);
            m = Math.max(m, s[j]);
          }
          if (m === -Infinity) continue;
          let z = 0;
          for (let j = 0; j < L; j++) z += mask[b * L + j] ? Math.exp(s[j] - m) : 0;
          for (let j = 0; j < L; j++) {
            if (!mask[b * L + j]) continue;
            let pr = Math.exp(s[j] - m) / z;
            if (drop) pr = dropoutKeeps(drop.seed, ((b * H + h) * L + i) * L + j, drop.p) ? pr / (1 - drop.p) : 0;
            for (let c = 0; c < dh; c++) out[(b * L + i) * d + h * dh + c] += pr * v[(b * L + j) * d + h * dh + c];
          }
        }
    return out;
  },
  /** Mean softmax cross-entropy over rows whose target is not ignoreIndex. */
  softmaxXent: (logits: Float64Array, targets: ArrayLike<number>, C: number, ignoreIndex = -100) => {
    let total = 0;
    let count = 0;
    for (let r = 0; r < targets.length; r++) {
      if (targets[r] === ignoreIndex) continue;
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, logits[r * C + c]);
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp(logits[r * C + c] - m);
      total += m + Math.log(s) - logits[r * C + targets[r]];
      count++;
    }
    return count ? total / count : 0;
  },
};

/** erf to ~1e-15 (series / continued fraction), for the float64 GELU reference. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series.
    let term = x;
    let s = x;
    for (let n = 1; n < 60; n++) {
      term *= (-x * x) / n;
      s += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * s;
  }
  // erfc continued fraction (Lentz) for large |x|.
  let f = ax;
  let C = ax;
  let D = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    D = ax + an * D;
    D = 1 / D;
    C = ax + an / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

// ---------------------------------------------------------------------------------------
// Harness.

export interface InputSpec {
  shape: number[];
  /** Whether the runtime tensor requires grad (its gradient is checked). */
  grad: boolean;
  lo?: number;
  hi?: number;
}

export interface GradCheck {
  name: string;
  inputs: InputSpec[];
  /** Builds the scalar loss on the runtime with F.* ops. */
  build(xs: Tensor[], rt: Runtime): Tensor;
  /** The same loss in float64. */
  ref(xs: Float64Array[]): number;
  /** Tolerance of the loss value and of the gradients. */
  tol: Tolerance;
  /** Finite-difference step (float64). */
  h?: number;
}

const f32 = (x: Float64Array) => Float32Array.from(x);

/** Loss value and gradients of every input with grad: true, checked against finite differences. */
export async function runGradCheck(rt: Runtime, c: GradCheck, seed = 11): Promise<Float32Array[]> {
  const liveBefore = rt.memory().liveCount;
  const data = c.inputs.map((s, i) => randomArray(s.shape.reduce((a, b) => a * b, 1), seed + 7 * i, s.lo ?? -1, s.hi ?? 1));
  const xs = c.inputs.map((s, i) => {
    const t = rt.tensor(f32(data[i]), s.shape);
    t.requiresGrad = s.grad;
    return t;
  });
  const loss = scope(() => c.build(xs, rt));
  assertEqual(loss.size, 1, `${c.name}: loss size`);
  assertClose([await loss.item()], [c.ref(data)], c.tol, `${c.name}: loss`);
  backward(loss);
  loss.dispose();
  assertEqual(rt.tapeLength(), 0, `${c.name}: tape length after backward`);
  const grads: Float32Array[] = [];
  const fn = (inputs: Float64Array[]) => new Float64Array([c.ref(inputs)]);
  for (let i = 0; i < xs.length; i++) {
    if (!c.inputs[i].grad) {
      assert(xs[i].grad === null, `${c.name}: input ${i} without requiresGrad got a gradient`);
      continue;
    }
    const g = xs[i].grad;
    assert(g !== null, `${c.name}: input ${i} has no gradient`);
    assertEqual(g.shape.join(','), xs[i].shape.join(','), `${c.name}: gradient ${i} shape`);
    const got = await g.data();
    const expected = numericalGradient(fn, data, i, new Float64Array([1]), c.h ?? 1e-6);
    assertClose(got, expected, c.tol, `${c.name}: gradient of input ${i}`);
    grads.push(got);
  }
  for (const x of xs) x.dispose();
  await rt.sync();
  assertEqual(rt.memory().liveCount, liveBefore, `${c.name}: live tensors after disposing inputs (leak)`);
  return grads;
}

// ---------------------------------------------------------------------------------------
// Gradient checks of the core differentiable ops and their compositions.

const TOL = { atol: 2e-4, rtol: 2e-3 };
/** Key mask of the attention checks: sequence 0 fully valid, sequence 1 with two padded keys. */
const ATTN_MASK = [1, 1, 1, 1, 1, 0, 1, 1, 0, 1];
const EMB_IDS = [3, 1, 3, 0, 5, 3];
const XENT_TARGETS = [2, -1, 8, 0];
const BERT_IDS = [1, 2, 6, 3, 4, 0, 5, 6, 0, 2];
const BERT_ROWS = [2, 6, 9];
const BERT_TARGETS = [3, -1, 5];

export const gradChecks: GradCheck[] = [
  {
    name: 'add/sub/mul with trailing broadcast, scale, sum',
    inputs: [
      { shape: [3, 4, 5], grad: true },
      { shape: [5], grad: true },
      { shape: [4, 5], grad: true },
    ],
    build: ([a, b, c]) => {
      const y = F.mul(F.sub(F.add(a, b), c), F.scale(a, 0.5, 0.25)); // ((a + b) - c) * (0.5 a + 0.25)
      return F.sumAll(F.mul(y, c));
    },
    ref: ([a, b, c]) => {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += (a[i] + b[i % 5] - c[i % 20]) * (0.5 * a[i] + 0.25) * c[i % 20];
      return s;
    },
    tol: TOL,
  },
  {
    name: 'the same tensor used twice (x * x + x), scalar broadcast operand',
    inputs: [
      { shape: [7, 3], grad: true },
      { shape: [1], grad: true },
    ],
    build: ([x, s]) => F.sumAll(F.mul(F.add(F.mul(x, x), x), s)),
    ref: ([x, s]) => x.reduce((acc, v) => acc + (v * v + v) * s[0], 0),
    tol: TOL,
  },
  {
    name: 'sum over each axis and mean',
    inputs: [{ shape: [2, 3, 4], grad: true }],
    build: ([x]) => {
      const a = F.sum(F.mul(x, x), 1); // [2, 4]
      const b = F.mean(x, 2, true); // [2, 3, 1]
      const c = F.sum(x, 0); // [3, 4]
      return F.add(F.add(F.sumAll(F.mul(a, a)), F.sumAll(F.mul(b, b))), F.sumAll(F.mul(c, F.scale(c, 1, 1))));
    },
    ref: ([x]) => {
      const sq = x.map((v) => v * v);
      const a = ref.sumAxis(sq, 2, 3, 4);
      const b = ref.sumAxis(x, 6, 4, 1).map((v) => v / 4);
      const c = ref.sumAxis(x, 1, 2, 12);
      return ref.sum(a.map((v) => v * v)) + ref.sum(b.map((v) => v * v)) + ref.sum(c.map((v) => v * (v + 1)));
    },
    tol: TOL,
  },
  ...([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const).map(
    ([transA, transB]): GradCheck => ({
      name: `matmul transA=${transA} transB=${transB} with a reshape and a row bias`,
      inputs: [
        { shape: transA ? [5, 6] : [6, 5], grad: true }, // A: M=6, K=5
        { shape: transB ? [3, 5] : [5, 3], grad: true }, // B: N=3
        { shape: [3], grad: true },
      ],
      build: ([a, b, bias]) => {
        const y = F.add(F.matmul(a, b, { transA, transB }), bias); // [6, 3]
        const r = F.reshape(y, [2, -1]); // [2, 9]
        return F.sumAll(F.mul(r, r));
      },
      ref: ([a, b, bias]) => ref.sum(ref.addRow(ref.matmul(a, b, 6, 5, 3, transA, transB), bias).map((v) => v * v)),
      tol: TOL,
    }),
  ),
  {
    name: 'batched matmul with a shared weight (gradient summed over the batch)',
    inputs: [
      { shape: [3, 4, 5], grad: true },
      { shape: [5, 2], grad: true },
    ],
    build: ([a, w]) => {
      const y = F.matmul(a, w); // [3, 4, 2]
      return F.sumAll(F.mul(y, y));
    },
    ref: ([a, w]) => {
      let s = 0;
      for (let b = 0; b < 3; b++) {
        const y = ref.matmul(a.subarray(b * 20, b * 20 + 20), w, 4, 5, 2);
        s += ref.sum(y.map((v) => v * v));
      }
      return s;
    },
    tol: TOL,
  },
  {
    name: 'inputs without requiresGrad get no gradient (data x into a linear layer)',
    inputs: [
      { shape: [4, 3], grad: false },
      { shape: [3, 2], grad: true },
    ],
    build: ([x, w]) => {
      const y = F.matmul(x, w);
      return F.sumAll(F.mul(y, y));
    },
    ref: ([x, w]) => ref.sum(ref.matmul(x, w, 4, 3, 2).map((v) => v * v)),
    tol: TOL,
  },
  ...(['tanh', 'erf'] as const).map(
    (approx): GradCheck => ({
      name: `gelu (${approx}) and biasGelu`,
      inputs: [
        { shape: [5, 7], grad: true, lo: -3, hi: 3 },
        { shape: [7], grad: true },
      ],
      build: ([x, b]) => {
        const g = F.gelu(x, approx);
        const h = F.biasGelu(x, b, approx);
        return F.sumAll(F.mul(g, h));
      },
      ref: ([x, b]) => {
        const gf = approx === 'tanh' ? ref.geluTanh : ref.geluErf;
        const g = gf(x);
        const h = gf(ref.addRow(x, b));
        return ref.sum(g.map((v, i) => v * h[i]));
      },
      tol: TOL,
    }),
  ),
  {
    name: 'layerNorm with a residual (x and the residual get the same gradient)',
    inputs: [
      { shape: [2, 3, 9], grad: true },
      { shape: [2, 3, 9], grad: true },
      { shape: [9], grad: true, lo: 0.5, hi: 1.5 },
      { shape: [9], grad: true },
      { shape: [2, 3, 9], grad: false }, // weights of the loss
    ],
    build: ([x, r, gamma, beta, w]) => F.sumAll(F.mul(F.layerNorm(x, gamma, beta, { eps: 1e-5, residual: r }), w)),
    ref: ([x, r, gamma, beta, w]) => {
      const y = ref.layerNorm(x.map((v, i) => v + r[i]), gamma, beta, 9, 1e-5);
      return ref.sum(y.map((v, i) => v * w[i]));
    },
    tol: TOL,
  },
  {
    name: 'dropout (mask regenerated in the backward)',
    inputs: [
      { shape: [6, 11], grad: true },
      { shape: [6, 11], grad: false },
    ],
    build: ([x, w]) => F.sumAll(F.mul(F.dropout(F.mul(x, x), 0.3, 1234), w)),
    ref: ([x, w]) => {
      let s = 0;
      for (let i = 0; i < x.length; i++) if (dropoutKeeps(1234, i, 0.3)) s += ((x[i] * x[i]) / 0.7) * w[i];
      return s;
    },
    tol: TOL,
  },
  {
    name: 'MLP: linear -> biasGelu -> layerNorm(+residual) -> linear, squared loss',
    inputs: [
      { shape: [2, 5, 6], grad: false }, // x [B, L, d]
      { shape: [8, 6], grad: true, lo: -0.5, hi: 0.5 }, // W1 [hidden, d]
      { shape: [8], grad: true }, // b1
      { shape: [6, 8], grad: true, lo: -0.5, hi: 0.5 }, // W2 [d, hidden]
      { shape: [6], grad: true }, // b2
      { shape: [6], grad: true, lo: 0.5, hi: 1.5 }, // gamma
      { shape: [6], grad: true }, // beta
      { shape: [3, 6], grad: true }, // W3 [3, d]
    ],
    build: ([x, w1, b1, w2, b2, gamma, beta, w3]) => {
      const h = F.biasGelu(F.linear(x, w1), b1); // [2, 5, 8]
      const y = F.layerNorm(F.linear(h, w2, b2), gamma, beta, { residual: x }); // [2, 5, 6]
      const o = F.linear(y, w3); // [2, 5, 3]
      return F.mean(F.reshape(F.mul(o, o), [-1]), 0);
    },
    ref: ([x, w1, b1, w2, b2, gamma, beta, w3]) => {
      const h = ref.geluTanh(ref.addRow(ref.matmul(x, w1, 10, 6, 8, false, true), b1));
      const z = ref.addRow(ref.matmul(h, w2, 10, 8, 6, false, true), b2);
      const y = ref.layerNorm(z.map((v, i) => v + x[i]), gamma, beta, 6, 1e-12);
      const o = ref.matmul(y, w3, 10, 6, 3, false, true);
      return ref.sum(o.map((v) => v * v)) / 30;
    },
    tol: TOL,
  },
  ...[undefined, { p: 0.25, seed: 77 }].map(
    (drop): GradCheck => ({
      name: `attention, 2 heads, padded keys${drop ? ', dropout 0.25' : ''}`,
      inputs: [
        { shape: [2, 5, 8], grad: true },
        { shape: [2, 5, 8], grad: true },
        { shape: [2, 5, 8], grad: true },
        { shape: [2, 5, 8], grad: false }, // loss weights
      ],
      build: ([q, k, v, w], rt) => {
        const mask = rt.tensor(new Uint32Array(ATTN_MASK), [2, 5]);
        return F.sumAll(F.mul(F.attention(q, k, v, mask, { heads: 2, dropout: drop }), w));
      },
      ref: ([q, k, v, w]) => ref.sum(ref.attention(q, k, v, ATTN_MASK, 2, 5, 8, 2, drop).map((x, i) => x * w[i])),
      tol: TOL,
    }),
  ),
  ...(['none', 'gelu_tanh', 'gelu_erf'] as const).map(
    (act): GradCheck => ({
      name: `linear on [2, 3, 5] rows with bias and fused activation ${act}`,
      inputs: [
        { shape: [2, 3, 5], grad: true, lo: -2, hi: 2 },
        { shape: [4, 5], grad: true },
        { shape: [4], grad: true },
        { shape: [2, 3, 4], grad: false }, // loss weights
      ],
      build: ([x, w, b, lw]) => F.sumAll(F.mul(F.linear(x, w, b, act), lw)),
      ref: ([x, w, b, lw]) => {
        const pre = ref.addRow(ref.matmul(x, w, 6, 5, 4, false, true), b);
        const y = act === 'none' ? pre : act === 'gelu_tanh' ? ref.geluTanh(pre) : ref.geluErf(pre);
        return ref.sum(y.map((v, i) => v * lw[i]));
      },
      tol: TOL,
    }),
  ),
  {
    name: 'embedding (repeated ids) and gatherRows',
    inputs: [
      { shape: [6, 4], grad: true }, // table
      { shape: [3, 2, 4], grad: false }, // loss weights
    ],
    build: ([table, w], rt) => {
      const ids = rt.tensor(new Int32Array(EMB_IDS), [3, 2]);
      const rows = rt.tensor(new Int32Array([5, 0, 5, 2]), [4]);
      const e = F.embedding(table, ids); // [3, 2, 4]
      const g = F.gatherRows(F.mul(e, w), rows); // [4, 4]
      return F.sumAll(F.mul(g, g));
    },
    ref: ([table, w]) => {
      const ew = new Float64Array(24);
      for (let r = 0; r < 6; r++) for (let c = 0; c < 4; c++) ew[r * 4 + c] = table[EMB_IDS[r] * 4 + c] * w[r * 4 + c];
      return [5, 0, 5, 2].reduce((acc, r) => acc + [0, 1, 2, 3].reduce((a, c) => a + ew[r * 4 + c] ** 2, 0), 0);
    },
    tol: TOL,
  },
  {
    name: 'softmaxCrossEntropy with an ignored row, scaled upstream gradient',
    inputs: [{ shape: [4, 9], grad: true, lo: -3, hi: 3 }],
    build: ([logits], rt) => {
      const t = rt.tensor(new Int32Array(XENT_TARGETS), [4]);
      return F.scale(F.softmaxCrossEntropy(logits, t, { ignoreIndex: -1 }), 2.5);
    },
    ref: ([logits]) => 2.5 * ref.softmaxXent(logits, XENT_TARGETS, 9, -1),
    tol: TOL,
  },
  {
    name: 'mini BERT4Rec: embeddings -> layerNorm -> attention -> layerNorm(+res) -> masked rows -> tied-weight softmax CE',
    inputs: [
      { shape: [7, 8], grad: true }, // E (items, tied with the output layer)
      { shape: [5, 8], grad: true }, // positional embeddings
      { shape: [8], grad: true, lo: 0.5, hi: 1.5 }, // ln1 gamma
      { shape: [8], grad: true }, // ln1 beta
      { shape: [8, 8], grad: true, lo: -0.5, hi: 0.5 }, // Wq
      { shape: [8, 8], grad: true, lo: -0.5, hi: 0.5 }, // Wk
      { shape: [8, 8], grad: true, lo: -0.5, hi: 0.5 }, // Wv
      { shape: [8], grad: true, lo: 0.5, hi: 1.5 }, // ln2 gamma
      { shape: [8], grad: true }, // ln2 beta
      { shape: [7], grad: true }, // output bias
    ],
    build: ([E, P, g1, b1, wq, wk, wv, g2, b2, ob], rt) => {
      const ids = rt.tensor(new Int32Array(BERT_IDS), [2, 5]);
      const mask = rt.tensor(new Uint32Array(ATTN_MASK), [2, 5]);
      const rows = rt.tensor(new Int32Array(BERT_ROWS), [3]);
      const targets = rt.tensor(new Int32Array(BERT_TARGETS), [3]);
      const h1 = F.layerNorm(F.add(F.embedding(E, ids), P), g1, b1, { eps: 1e-6 });
      const a = F.attention(F.linear(h1, wq), F.linear(h1, wk), F.linear(h1, wv), mask, { heads: 2 });
      const h2 = F.layerNorm(a, g2, b2, { eps: 1e-6, residual: h1 });
      const logits = F.add(F.matmul(F.gatherRows(h2, rows), E, { transB: true }), ob); // [3, 7]
      return F.softmaxCrossEntropy(logits, targets);
    },
    ref: ([E, P, g1, b1, wq, wk, wv, g2, b2, ob]) => {
      const x = new Float64Array(80);
      for (let r = 0; r < 10; r++) for (let c = 0; c < 8; c++) x[r * 8 + c] = E[BERT_IDS[r] * 8 + c] + P[(r % 5) * 8 + c];
      const h1 = ref.layerNorm(x, g1, b1, 8, 1e-6);
      const lin = (w: Float64Array) => ref.matmul(h1, w, 10, 8, 8, false, true);
      const a = ref.attention(lin(wq), lin(wk), lin(wv), ATTN_MASK, 2, 5, 8, 2);
      const h2 = ref.layerNorm(a.map((v, i) => v + h1[i]), g2, b2, 8, 1e-6);
      const sel = new Float64Array(24);
      BERT_ROWS.forEach((r, i) => sel.set(h2.subarray(r * 8, r * 8 + 8), i * 8));
      const logits = ref.addRow(ref.matmul(sel, E, 3, 8, 7, false, true), ob);
      return ref.softmaxXent(logits, BERT_TARGETS, 7, -1);
    },
    tol: TOL,
  },
];

// ---------------------------------------------------------------------------------------
// Tape semantics.

const semantics: PortableCase[] = [
  {
    name: 'gradients accumulate across two backward() calls',
    async run(rt) {
      const w = rt.tensor(new Float32Array([1, -2, 3]), [3]);
      w.requiresGrad = true;
      const x1 = rt.tensor(new Float32Array([0.5, 1, 2]), [3]);
      const x2 = rt.tensor(new Float32Array([-1, 4, 0.25]), [3]);
      for (const x of [x1, x2]) {
        const loss = scope(() => F.sumAll(F.mul(w, x))); // d/dw = x
        backward(loss);
        loss.dispose();
      }
      assertClose(await w.grad!.data(), [-0.5, 5, 2.25], { atol: 0, rtol: 0 }, 'accumulated gradient');
      for (const t of [w, x1, x2]) t.dispose();
    },
  },
  {
    name: 'noGrad records nothing and saves nothing',
    async run(rt) {
      const w = rt.tensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
      w.requiresGrad = true;
      await rt.sync();
      const before = rt.memory().liveCount;
      const y = rt.noGrad(() => scope(() => F.sumAll(F.mul(F.matmul(w, w), w))));
      assertEqual(rt.tapeLength(), 0, 'tape length under noGrad');
      assertEqual(y.requiresGrad, false, 'output requiresGrad under noGrad');
      assertEqual(rt.memory().liveCount, before + 1, 'live tensors (only the result)');
      assertThrows(() => backward(y), ['backward', 'does not require grad'], 'backward of a noGrad result');
      y.dispose();
      // With grad on, the same graph records (and backward consumes) nodes.
      const z = scope(() => F.sumAll(F.mul(F.matmul(w, w), w)));
      assert(rt.tapeLength() > 0, 'tape records with grad on');
      backward(z);
      assertEqual(rt.tapeLength(), 0, 'tape consumed');
      z.dispose();
      w.dispose();
    },
  },
  {
    name: 'saved activations survive the forward scope and are freed by backward',
    async run(rt) {
      const w = rt.tensor(f32(randomArray(16, 3)), [4, 4]);
      w.requiresGrad = true;
      await rt.sync();
      const base = rt.memory().liveCount;
      // Intermediates are disposed by the scope; the tape keeps their storage alive.
      const loss = scope(() => F.sumAll(F.mul(F.matmul(w, w), F.matmul(w, w))));
      const during = rt.memory().liveCount;
      assert(during > base + 1, `saved activations are alive during the step (${during} vs ${base})`);
      backward(loss);
      loss.dispose();
      assertEqual(rt.memory().liveCount, base + 1, 'after backward only w.grad remains');
      w.dispose();
      assertEqual(rt.memory().liveCount, base - 1, 'disposing w frees its gradient');
    },
  },
  {
    name: 'a second backward through a consumed graph is an error naming the op',
    async run(rt) {
      const w = rt.tensor(new Float32Array([1, 2]), [2]);
      w.requiresGrad = true;
      const h = F.scale(w, 3);
      const l1 = F.sumAll(h);
      backward(l1);
      const l2 = F.sumAll(F.mul(h, h));
      assertThrows(() => backward(l2), ['backward', "'scale'", 'already consumed'], 'backward through a consumed graph');
      assertEqual(rt.tapeLength(), 0, 'tape cleared after the error');
      for (const t of [w, h, l1, l2]) t.dispose();
    },
  },
  {
    name: 'backward of a non-scalar needs gradOutput',
    async run(rt) {
      const w = rt.tensor(new Float32Array([1, 2, 3]), [3]);
      w.requiresGrad = true;
      const y = F.scale(w, 2);
      assertThrows(() => backward(y), ['backward', 'one element', '[3]'], 'non-scalar loss');
      const dy = rt.tensor(new Float32Array([1, 10, 100]), [3]);
      backward(y, dy);
      assertClose(await w.grad!.data(), [2, 20, 200], { atol: 0, rtol: 0 }, 'gradient with gradOutput');
      for (const t of [w, y, dy]) t.dispose();
    },
  },
  {
    name: 'reshape is a view: disposing either side keeps the other readable',
    async run(rt) {
      const x = rt.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
      const y = F.reshape(x, [3, -1]);
      assertEqual(y.shape.join(','), '3,2', 'reshape -1');
      const live = rt.memory().liveCount;
      x.dispose();
      assertEqual(rt.memory().liveCount, live, 'storage kept while the view lives');
      assertClose(await y.data(), [1, 2, 3, 4, 5, 6], { atol: 0, rtol: 0 }, 'view data');
      y.dispose();
      assertEqual(rt.memory().liveCount, live - 1, 'storage freed with the last view');
      scope(() => assertThrows(() => F.reshape(rt.zeros([4]), [3, -1]), ['reshape', '[3,-1]'], 'bad reshape'));
    },
  },
];

export const autogradCases: PortableCase[] = [
  ...gradChecks.map((c): PortableCase => ({ name: `gradcheck: ${c.name}`, run: (rt) => runGradCheck(rt, c).then(() => {}) })),
  ...semantics,
  ...opTableCases,
];

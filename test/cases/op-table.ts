// The op table's checks: every differentiable op described in runtime/nn/functional/table.ts
// gets, from its entry here, a float64 forward check and a finite-difference check of the
// gradient of every input that takes one, run through applyOp (the same path as F.*), with a
// leak check. An op in the table without an entry here (or an entry without an op) fails.
// Runs under vitest (test/autograd.test.ts) on both backends, in Deno and in Chromium.
import { applyOp, backward, OP_TABLE, type Runtime, type Tensor } from '../../runtime/internal.js';
import { refAttention } from '../reference/attention.js';
import { refDropoutMask } from '../reference/dropout.js';
import { refEmbeddingGather } from '../reference/embedding.js';
import { refGelu } from '../reference/gelu.js';
import { numericalGradient, pick, sampleIndices } from '../reference/gradcheck.js';
import { refLayerNorm } from '../reference/layernorm.js';
import { refActivate } from '../reference/matmul.js';
import { refBinary, refMatmul, refScale, refSum } from '../reference/ops.js';
import { randomArray } from '../reference/random.js';
import { refSoftmaxXent } from '../reference/softmax_xent.js';
import { assert, assertClose, assertEqual, type Tolerance } from './assert.js';
import type { PortableCase } from './types.js';

/** One tensor argument of a sample: random f32 in [lo, hi], fixed integer values, or left out. */
interface SampleInput {
  shape: number[];
  dtype?: 'f32' | 'i32' | 'u32';
  /** Integer inputs (ids, targets, masks): their values. */
  values?: number[];
  lo?: number;
  hi?: number;
  /** An optional argument left out (null). */
  absent?: boolean;
}

interface OpSample {
  label: string;
  inputs: SampleInput[];
  attrs: unknown;
}

interface OpCheck {
  samples: OpSample[];
  /** The op's result in float64, from the inputs (integer ones as numbers) and the sample. */
  reference(x: Float64Array[], sample: OpSample): Float64Array;
  /** Forward and gradient tolerance (f32 kernels against float64, gradients against central differences). */
  tol: Tolerance;
  /** Finite-difference step. Default 1e-5. */
  h?: number;
}

const TOL: Tolerance = { atol: 1e-4, rtol: 1e-3 };
const shapeSize = (s: number[]) => s.reduce((a, b) => a * b, 1);
const f = (shape: number[], lo = -1, hi = 1): SampleInput => ({ shape, lo, hi });
const binaryCheck = (op: 'add' | 'sub' | 'mul'): OpCheck => ({
  samples: [
    { label: 'same shape', inputs: [f([3, 5]), f([3, 5])], attrs: undefined },
    { label: 'b repeats over rows', inputs: [f([2, 3, 4]), f([4])], attrs: undefined },
    { label: 'b one element', inputs: [f([6]), f([1])], attrs: undefined },
  ],
  reference: ([a, b]) => refBinary(op, a, b),
  tol: TOL,
});

export const OP_CHECKS: Record<string, OpCheck> = {
  add: binaryCheck('add'),
  sub: binaryCheck('sub'),
  mul: binaryCheck('mul'),
  scale: {
    samples: [{ label: 'alpha -1.5, beta 0.25', inputs: [f([4, 3])], attrs: { alpha: -1.5, beta: 0.25 } }],
    reference: ([x], s) => {
      const { alpha, beta } = s.attrs as { alpha: number; beta: number };
      return refScale(x, alpha, beta);
    },
    tol: TOL,
  },
  sum: {
    samples: [0, 1, 2, -1].map((axis) => ({ label: `axis ${axis}`, inputs: [f([2, 3, 4])], attrs: { axis, keepDims: axis === 1 } })),
    reference: ([x], s) => refSum(x, [2, 3, 4], ((s.attrs as { axis: number }).axis + 3) % 3),
    tol: TOL,
  },
  reshape: {
    samples: [{ label: '[2,6] -> [3,4]', inputs: [f([2, 6])], attrs: { shape: [3, 4] } }],
    reference: ([x]) => Float64Array.from(x),
    tol: TOL,
  },
  matmul: {
    samples: ([[false, false], [true, false], [false, true], [true, true]] as const).map(([transA, transB]) => ({
      label: `batched A, shared B, transA=${transA} transB=${transB}`,
      inputs: [f(transA ? [2, 4, 3] : [2, 3, 4]), f(transB ? [5, 4] : [4, 5])],
      attrs: { transA, transB },
    })),
    reference: ([a, b], s) => {
      const { transA, transB } = s.attrs as { transA: boolean; transB: boolean };
      return refMatmul(a, b, 2, 1, 3, 5, 4, transA, transB);
    },
    tol: TOL,
  },
  linear: {
    samples: (['none', 'gelu_tanh', 'gelu_erf'] as const).flatMap((act) => [
      { label: `${act}, with bias`, inputs: [f([2, 3, 4]), f([5, 4]), f([5])], attrs: act },
      { label: `${act}, no bias`, inputs: [f([3, 4]), f([5, 4]), { shape: [5], absent: true }], attrs: act },
    ]),
    reference: ([x, w, b], s) => {
      const R = x.length / 4;
      const pre = refMatmul(x, w, 1, 1, R, 5, 4, false, true);
      return pre.map((v, i) => refActivate(v + (b ? b[i % 5] : 0), s.attrs as 'none' | 'gelu_tanh' | 'gelu_erf'));
    },
    tol: TOL,
  },
  gelu: {
    samples: (['tanh', 'erf'] as const).map((approx) => ({ label: approx, inputs: [f([3, 7], -4, 4)], attrs: approx })),
    reference: ([x], s) => refGelu(x, s.attrs as 'tanh' | 'erf'),
    tol: TOL,
  },
  biasGelu: {
    samples: (['tanh', 'erf'] as const).map((approx) => ({ label: approx, inputs: [f([4, 6], -3, 3), f([6])], attrs: approx })),
    // pre = x + bias in float64 (refBiasGelu rounds it to f32, as the kernel, which finite differences cannot step through)
    reference: ([x, b], s) => refGelu(x.map((v, i) => v + b[i % b.length]), s.attrs as 'tanh' | 'erf'),
    tol: TOL,
  },
  layerNorm: {
    samples: [
      { label: 'x only', inputs: [f([3, 8], -2, 2), f([8], 0.5, 1.5), f([8]), { shape: [3, 8], absent: true }], attrs: { eps: 1e-5 } },
      { label: 'x + residual', inputs: [f([3, 8], -2, 2), f([8], 0.5, 1.5), f([8]), f([3, 8])], attrs: { eps: 1e-5 } },
    ],
    reference: ([x, gamma, beta, residual], s) => refLayerNorm(x, gamma, beta, 3, 8, (s.attrs as { eps: number }).eps, residual ?? undefined).y,
    tol: TOL,
  },
  dropout: {
    samples: [{ label: 'p 0.3', inputs: [f([5, 8])], attrs: { p: 0.3, seed: 1234 } }],
    reference: ([x], s) => {
      const { p, seed } = s.attrs as { p: number; seed: number };
      const mask = refDropoutMask(x.length, p, seed);
      return x.map((v, i) => (mask[i] ? v / (1 - p) : 0));
    },
    tol: TOL,
  },
  attention: {
    samples: [
      { label: '2 heads, padded keys', attrs: { heads: 2, causal: false } },
      { label: 'causal, 1 head', attrs: { heads: 1, causal: true } },
      { label: 'dropout 0.2', attrs: { heads: 2, causal: false, dropout: { p: 0.2, seed: 77 } } },
    ].map(({ label, attrs }) => ({
      label,
      inputs: [f([2, 4, 8]), f([2, 4, 8]), f([2, 4, 8]), { shape: [2, 4], dtype: 'u32' as const, values: [1, 1, 1, 1, 1, 1, 0, 1] }],
      attrs,
    })),
    reference: ([q, k, v, mask], s) => {
      const a = s.attrs as { heads: number; causal: boolean; dropout?: { p: number; seed: number } };
      return refAttention(q, k, v, mask, { B: 2, L: 4, d: 8, heads: a.heads, causal: a.causal, dropout: a.dropout }).out;
    },
    tol: TOL,
  },
  embedding: {
    samples: [{ label: 'repeated and out-of-range ids', inputs: [f([6, 3]), { shape: [2, 4], dtype: 'i32', values: [3, 1, 3, 0, 5, -1, 6, 3] }], attrs: undefined }],
    reference: ([table, ids]) => refEmbeddingGather(table, ids, 6, 3),
    tol: TOL,
  },
  softmaxCrossEntropy: {
    samples: [{ label: 'an ignored row', inputs: [f([4, 9], -3, 3), { shape: [4], dtype: 'i32', values: [2, -1, 8, 0] }], attrs: {} }],
    reference: ([logits, targets]) => Float64Array.of(refSoftmaxXent(logits, targets, 4, 9).loss),
    tol: TOL,
  },
};

/** Forward against the reference, then every input gradient against central differences. */
async function runOpCheck(rt: Runtime, name: string, check: OpCheck, sample: OpSample, seed: number): Promise<void> {
  const op = OP_TABLE.find((o) => o.name === name)!;
  const what = `${name} (${sample.label})`;
  const liveBefore = rt.memory().liveCount;
  // Float inputs rounded to f32 first, so the reference sees what the kernels see.
  const data = sample.inputs.map((s, i) =>
    s.absent ? new Float64Array(0) : s.values ? Float64Array.from(s.values) : Float64Array.from(Float32Array.from(randomArray(shapeSize(s.shape), seed + 7 * i, s.lo, s.hi))),
  );
  const inputs = sample.inputs.map((s, i): Tensor | null => {
    if (s.absent) return null;
    const dtype = s.dtype ?? 'f32';
    const t = rt.tensor(dtype === 'f32' ? Float32Array.from(data[i]) : dtype === 'i32' ? Int32Array.from(data[i]) : Uint32Array.from(data[i]), s.shape, dtype);
    t.requiresGrad = dtype === 'f32' && op.inputs[i].grad !== false;
    return t;
  });
  const refArgs = (x: Float64Array[]) => x.map((v, i) => (sample.inputs[i].absent ? (null as unknown as Float64Array) : v));
  const out = applyOp(op, inputs, sample.attrs);
  const want = check.reference(refArgs(data), sample);
  assertClose(await out.data(), want, check.tol, `${what}: forward`);
  const dy = Float64Array.from(Float32Array.from(randomArray(out.size, seed + 99)));
  const dyT = rt.tensor(Float32Array.from(dy), out.shape);
  backward(out, dyT);
  assertEqual(rt.tapeLength(), 0, `${what}: tape consumed`);
  const refFn = (x: Float64Array[]) => check.reference(refArgs(x), sample);
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    if (!t) continue;
    if (!t.requiresGrad) {
      assert(t.grad === null, `${what}: ${op.inputs[i].name} takes no gradient but got one`);
      continue;
    }
    assert(t.grad !== null, `${what}: no gradient for ${op.inputs[i].name}`);
    assertEqual(t.grad!.shape.join(','), t.shape.join(','), `${what}: gradient shape of ${op.inputs[i].name}`);
    const idx = sampleIndices(t.size, 48, seed + i);
    const expected = pick(numericalGradient(refFn, data, i, dy, check.h ?? 1e-5, idx), idx);
    assertClose(pick(await t.grad!.data(), idx), expected, check.tol, `${what}: gradient of ${op.inputs[i].name}`);
  }
  for (const t of [out, dyT, ...inputs]) t?.dispose();
  await rt.sync();
  assertEqual(rt.memory().liveCount, liveBefore, `${what}: live tensors after disposing everything (leak)`);
}

export const opTableCases: PortableCase[] = [
  {
    name: 'op table: every described op has a check, and every check an op',
    async run() {
      const described = OP_TABLE.map((o) => o.name).sort();
      const checked = Object.keys(OP_CHECKS).sort();
      assertEqual(described.join(','), checked.join(','), 'ops in runtime/nn/functional/table.ts vs checks in test/cases/op-table.ts');
      assertEqual(new Set(described).size, described.length, 'op names are unique');
    },
  },
  ...Object.entries(OP_CHECKS).flatMap(([name, check]) =>
    check.samples.map(
      (sample, k): PortableCase => ({
        name: `op table: ${name} ${sample.label}: forward and gradients vs float64`,
        run: (rt) => runOpCheck(rt, name, check, sample, 100 + 10 * k),
      }),
    ),
  ),
];

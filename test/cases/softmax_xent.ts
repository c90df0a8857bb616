// softmaxCrossEntropy on the runtime's backend against the float64 reference
// (test/reference/softmax_xent.ts), plus finite differences of the reference loss.
import { scope, softmaxCrossEntropy, type Runtime, type Tensor } from '../../runtime/internal.js';
import { numericalGradient, pick, sampleIndices } from '../reference/gradcheck.js';
import { randomArray, rng } from '../reference/random.js';
import { refSoftmaxXent } from '../reference/softmax_xent.js';
import { assert, assertClose, assertEqual, assertThrows } from './assert.js';
import type { PortableCase } from './types.js';

// Tolerances. Logits are f32 values; the kernel's log-sum-exp is exact up to a few f32 ulps of
// the row's magnitude (and the sum of V exps in f32), so rows losses (|loss| <~ 20 here) get
// atol 1e-5 + rtol 1e-5, huge logits (+-1e4) rtol 1e-6 of the magnitude. dlogits = p / count
// with p accurate to ~1e-6 relative: atol 1e-6 / count + rtol 1e-4.
const LOSS_TOL = { atol: 1e-5, rtol: 1e-5 };
const gradTol = (count: number) => ({ atol: 1e-6 / Math.max(1, count), rtol: 1e-4 });

const f32 = (x: Float64Array) => Float32Array.from(x);

export interface XentRun {
  loss: Float32Array;
  rowLoss: Float32Array;
  dlogits: Float32Array | null;
}

/** Runs the op and reads everything back. */
export async function runXent(rt: Runtime, logits: Float64Array, targets: Int32Array, R: number, V: number, ignoreIndex = -1, computeGrad = true): Promise<XentRun> {
  const res = scope(() => {
    const r = softmaxCrossEntropy(rt.tensor(f32(logits), [R, V]), rt.tensor(targets, [R]), { ignoreIndex, computeGrad });
    return [r.loss, r.rowLoss, ...(r.dlogits ? [r.dlogits] : [])] as Tensor[];
  });
  try {
    const [loss, rowLoss, dlogits] = await Promise.all(res.map((t) => t.data() as Promise<Float32Array>));
    assertEqual(res[1].shape.join(','), `${R}`, 'rowLoss shape');
    if (res[2]) assertEqual(res[2].shape.join(','), `${R},${V}`, 'dlogits shape');
    return { loss, rowLoss, dlogits: dlogits ?? null };
  } finally {
    for (const t of res) t.dispose();
  }
}

/** Random targets in [0, V), with every `ignoreEvery`-th row set to ignoreIndex. */
export function randomTargets(R: number, V: number, seed: number, ignoreEvery = 0, ignoreIndex = -1): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: R }, (_, i) => (ignoreEvery > 0 && i % ignoreEvery === ignoreEvery - 1 ? ignoreIndex : Math.floor(r() * V)));
}

async function checkAgainstRef(rt: Runtime, logits: Float64Array, targets: Int32Array, R: number, V: number, ignoreIndex = -1, lossTol = LOSS_TOL): Promise<XentRun> {
  const out = await runXent(rt, logits, targets, R, V, ignoreIndex);
  const ref = refSoftmaxXent(logits, targets, R, V, ignoreIndex);
  assertClose(out.rowLoss, ref.rowLoss, lossTol, 'rowLoss');
  assertClose(out.loss, [ref.loss], lossTol, 'loss');
  assertClose(out.dlogits!, ref.dlogits, gradTol(ref.count), 'dlogits');
  return out;
}

const cases: PortableCase[] = [];

// [R, V, ignoreEvery]: V not a multiple of 4 or of the 256-thread workgroup, V = 1, R = 1,
// the BERT4Rec vocabulary (3420) and a 30k vocabulary.
const shapes: Array<[number, number, number]> = [
  [1, 1, 0],
  [3, 1, 0],
  [1, 7, 0],
  [5, 5, 2],
  [37, 300, 3],
  [4, 257, 0],
  [9, 1030, 4],
  [16, 3420, 5],
  [21, 4, 3],
  [2, 30000, 0],
];
for (const [R, V, ignoreEvery] of shapes) {
  cases.push({
    name: `softmaxCrossEntropy [${R},${V}] ignore every ${ignoreEvery || 'none'}`,
    async run(rt) {
      const logits = randomArray(R * V, 11 + R + V, -4, 4);
      await checkAgainstRef(rt, logits, randomTargets(R, V, 3 + V, ignoreEvery), R, V);
    },
  });
}

cases.push({
  name: 'softmaxCrossEntropy R=0',
  async run(rt) {
    const out = await runXent(rt, new Float64Array(0), new Int32Array(0), 0, 9);
    assertEqual(out.rowLoss.length, 0, 'rowLoss length');
    assertEqual(out.dlogits!.length, 0, 'dlogits length');
    assertEqual(out.loss[0], 0, 'loss of no rows');
  },
});

cases.push({
  name: 'softmaxCrossEntropy all rows ignored: loss 0, zero gradient',
  async run(rt) {
    const R = 6;
    const V = 300;
    const logits = randomArray(R * V, 5, -3, 3);
    const out = await runXent(rt, logits, new Int32Array(R).fill(-1), R, V);
    assertEqual(out.loss[0], 0, 'loss');
    assert(out.rowLoss.every((x) => x === 0), 'rowLoss must be all 0');
    assert(out.dlogits!.every((x) => x === 0), 'dlogits must be all 0');
  },
});

cases.push({
  name: 'softmaxCrossEntropy custom ignoreIndex and out-of-range targets (treated as ignored)',
  async run(rt) {
    const R = 8;
    const V = 11;
    const logits = randomArray(R * V, 6, -2, 2);
    // 0 is the ignore index here (PAD); 11, -1, -7 and 1e6 are out of range.
    const targets = Int32Array.from([0, 3, 11, -1, 10, -7, 1_000_000, 5]);
    const out = await checkAgainstRef(rt, logits, targets, R, V, 0);
    for (const r of [0, 2, 3, 5, 6]) {
      assertEqual(out.rowLoss[r], 0, `rowLoss[${r}] of an ignored row`);
      assert(out.dlogits!.subarray(r * V, (r + 1) * V).every((x) => x === 0), `dlogits row ${r} must be 0`);
    }
  },
});

// V = 512: the row-per-invocation variant (V % 4 == 0) on CPU adapters; 513: the portable kernel.
for (const V of [513, 512]) cases.push({
  name: `softmaxCrossEntropy huge logits (+-1e4) stay finite V=${V}`,
  async run(rt) {
    const R = 6;
    const r = rng(8);
    const logits = Float64Array.from({ length: R * V }, () => Math.fround((r() < 0.5 ? -1e4 : 1e4) * (r() < 0.1 ? 1 : r())));
    logits[0] = 1e4;
    logits[V + 7] = -1e4;
    const targets = randomTargets(R, V, 9);
    targets[1] = 7; // the target is the smallest logit: loss ~ 2e4
    const out = await checkAgainstRef(rt, logits, targets, R, V, -1, { atol: 1e-3, rtol: 1e-6 });
    assert([...out.rowLoss, ...out.loss, ...out.dlogits!].every(Number.isFinite), 'all outputs must be finite');
  },
});

for (const V of [777, 776]) cases.push({
  name: `softmaxCrossEntropy computeGrad=false gives the same loss and no dlogits V=${V}`,
  async run(rt) {
    const R = 10;
    const logits = randomArray(R * V, 12, -5, 5);
    const targets = randomTargets(R, V, 13, 4);
    const withGrad = await runXent(rt, logits, targets, R, V);
    const noGrad = await runXent(rt, logits, targets, R, V, -1, false);
    assertEqual(noGrad.dlogits, null, 'dlogits');
    assertClose(noGrad.rowLoss, withGrad.rowLoss, { atol: 0, rtol: 0 }, 'rowLoss with and without grad');
    assertClose(noGrad.loss, withGrad.loss, { atol: 0, rtol: 0 }, 'loss with and without grad');
  },
});

cases.push({
  name: 'softmaxCrossEntropy dlogits vs finite differences of the reference loss',
  async run(rt) {
    const R = 5;
    const V = 263;
    const logits = randomArray(R * V, 14, -3, 3);
    const targets = randomTargets(R, V, 15, 3); // row 2 ignored
    const out = await runXent(rt, logits, targets, R, V);
    const idx = sampleIndices(R * V, 60, 3);
    for (let r = 0; r < R; r++) if (targets[r] >= 0) idx.push(r * V + targets[r]); // the target entries
    const lossOf = (inputs: Float64Array[]) => Float64Array.of(refSoftmaxXent(inputs[0], targets, R, V).loss);
    const num = numericalGradient(lossOf, [logits], 0, Float64Array.of(1), 1e-5, idx);
    // Central differences in float64 are accurate to ~1e-9 here; the bound is the kernel's f32.
    assertClose(pick(out.dlogits!, idx), pick(num, idx), { atol: 2e-7, rtol: 1e-4 }, 'dlogits vs finite differences');
  },
});

cases.push({
  name: 'softmaxCrossEntropy argument errors name the op and shapes',
  async run(rt) {
    scope(() => {
      const logits = rt.zeros([3, 4]);
      assertThrows(() => softmaxCrossEntropy(logits, rt.tensor(new Int32Array(2), [2])), ['softmaxCrossEntropy', '[3,4]', '[2]'], 'targets length');
      assertThrows(() => softmaxCrossEntropy(logits, rt.zeros([3])), ['softmaxCrossEntropy', 'i32'], 'targets dtype');
      assertThrows(() => softmaxCrossEntropy(rt.zeros([12]), rt.tensor(new Int32Array(3), [3])), ['softmaxCrossEntropy', '[R, V]'], 'logits rank');
      assertThrows(() => softmaxCrossEntropy(rt.zeros([3, 0]), rt.tensor(new Int32Array(3), [3])), ['softmaxCrossEntropy', 'class'], 'V = 0');
    });
  },
});

export const softmaxXentCases = cases;

// countNonFinite / nonFiniteCounts / checkFinite on the runtime's backend against a plain
// TypeScript count (Number.isFinite over the f32 values). Counts are integers: exact.
import { checkFinite, countNonFinite, nonFiniteCounts, SGD, type Tensor } from '../../runtime/internal.js';
import { randomArray, rng } from '../reference/random.js';
import { assert, assertEqual, assertThrows } from './assert.js';
import { Mlp, toyData, trainStep } from './nn.js';
import type { PortableCase } from './types.js';

const NAN_BITS = [0x7fc00000, 0x7f800001, 0xffffffff, 0xffc00000, 0x7fbfffff]; // quiet, signalling, negative NaNs
const SPECIAL_FINITE = [3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, -0, 0, 1.1754943508222875e-38];

/** Random f32 data of length n with about `fraction` of the elements NaN/±Inf (payloads vary); first/last included when asked. */
function poisoned(n: number, seed: number, fraction: number, ends = false): Float32Array {
  const r = rng(seed);
  const data = Float32Array.from(randomArray(n, seed, -3, 3));
  const bits = new Uint32Array(data.buffer);
  const poison = (i: number) => {
    const k = Math.floor(r() * 7);
    if (k < 5) bits[i] = NAN_BITS[k];
    else data[i] = k === 5 ? Infinity : -Infinity;
  };
  for (let i = 0; i < n; i++) {
    if (r() < fraction) poison(i);
    else if (r() < 0.05) data[i] = SPECIAL_FINITE[Math.floor(r() * SPECIAL_FINITE.length)];
  }
  if (ends && n > 0) {
    poison(0);
    poison(n - 1);
  }
  return data;
}

const refCount = (a: Float32Array) => a.reduce((c, v) => c + (Number.isFinite(v) ? 0 : 1), 0);

const cases: PortableCase[] = [];

// Sizes around the SIMD width (4), the workgroup (256) and the block (4096), and several blocks.
for (const [n, fraction, ends] of [
  [1, 1, false], [3, 0.5, false], [4, 0, true], [5, 0.3, true], [255, 0.01, true], [256, 0, false],
  [4095, 0.001, true], [4096, 0.02, false], [4097, 0, true], [70001, 0.0005, true], [70001, 1, false],
] as const) {
  cases.push({
    name: `countNonFinite n=${n}, ~${fraction * 100}% NaN/Inf${ends ? ' (first and last too)' : ''}`,
    async run(rt) {
      const data = poisoned(n, n * 7 + 1, fraction, ends);
      const x = rt.tensor(data);
      const counts = countNonFinite([x]);
      assertEqual(counts.dtype, 'u32', 'dtype');
      assertEqual(counts.shape.join(','), '1', 'shape');
      assertEqual((await counts.data())[0], refCount(data), `non-finite count of ${n} elements`);
      x.dispose();
      counts.dispose();
    },
  });
}

cases.push({
  name: 'countNonFinite over many tensors: one slot each, integer and empty tensors count 0, same tensor twice',
  async run(rt) {
    const arrays = [poisoned(1000, 1, 0.01), poisoned(17, 2, 0), poisoned(5000, 3, 0.003, true), new Float32Array(0), poisoned(9, 4, 0.5)];
    const ts: Tensor[] = arrays.map((a) => rt.tensor(a));
    ts.push(rt.tensor(new Int32Array([0x7fc00000, -1, 0x7f800000]), [3], 'i32')); // NaN bit patterns, but integers
    ts.push(ts[0]);
    const counts = countNonFinite(ts);
    const want = [...arrays.map(refCount), 0, refCount(arrays[0])];
    assertEqual(Array.from(await counts.data()).join(','), want.join(','), 'counts');
    assert(want[0] > 0 && want[2] > 0 && want[1] === 0, 'the data mix finite and non-finite tensors');
    counts.dispose();
    for (const t of new Set(ts)) t.dispose();
  },
});

cases.push({
  name: 'checkFinite names the first non-finite tensor in the order given (Record or Map); null when all are finite',
  async run(rt) {
    const a = rt.tensor(poisoned(300, 5, 0));
    const b = rt.tensor(poisoned(300, 6, 0, true));
    const c = rt.tensor(poisoned(300, 7, 0.1));
    assertEqual(await checkFinite({ a, b, c }), 'b', 'first of a, b, c');
    assertEqual(await checkFinite({ a, c, b }), 'c', 'first of a, c, b');
    assertEqual(await checkFinite(new Map([['x', a], ['y', c]])), 'y', 'Map');
    assertEqual(await checkFinite({ a }), null, 'all finite');
    assertEqual(await checkFinite({}), null, 'nothing to check');
    const counts = await nonFiniteCounts({ a, b });
    assertEqual(JSON.stringify(counts), JSON.stringify([{ name: 'a', count: 0, size: 300 }, { name: 'b', count: 2, size: 300 }]), 'nonFiniteCounts');
    const live = rt.memory().liveBytes;
    await checkFinite({ a, b, c });
    assertEqual(rt.memory().liveBytes, live, 'live bytes after checkFinite (its counts are freed)');
    for (const t of [a, b, c]) t.dispose();
  },
});

cases.push({
  name: 'countNonFinite rejects bad arguments naming the op',
  async run(rt) {
    assertThrows(() => countNonFinite([]), ['countNonFinite', 'non-empty array'], 'empty list');
    const t = rt.tensor(new Float32Array([1]));
    t.dispose();
    assertThrows(() => countNonFinite([t]), ['countNonFinite', 'was disposed'], 'disposed tensor');
    assertThrows(() => countNonFinite([null as unknown as Tensor]), ['countNonFinite', 'tensors[0] must be a Tensor'], 'not a tensor');
  },
});

cases.push({
  name: 'a diverging training loop stops at the first step where a tensor went non-finite, naming it',
  async run(rt) {
    const model = new Mlp(rt, 8, 16, 3, 0);
    const { x, y } = toyData(rt, 16, 8);
    const opt = new SGD(model.parameters(), { lr: 1e12 }); // far too large: the weights blow up
    let stop: { step: number; name: string } | null = null;
    for (let step = 1; step <= 20 && !stop; step++) {
      const loss = trainStep(model, opt, x, y);
      const watched: Record<string, Tensor> = { loss };
      for (const [n, p] of model.namedParameters()) {
        watched[n] = p;
        if (p.grad) watched[`grad.${n}`] = p.grad;
      }
      const name = await checkFinite(watched);
      if (name) {
        stop = { step, name };
        // It is the first non-finite one: every tensor before it is finite, it is not.
        const names = Object.keys(watched);
        for (const n of names.slice(0, names.indexOf(name))) assertEqual(refCount((await watched[n].data()) as Float32Array), 0, `'${n}' before '${name}'`);
        assert(refCount((await watched[name].data()) as Float32Array) > 0, `'${name}' holds a NaN/Inf`);
      }
      loss.dispose();
    }
    assert(stop !== null, 'the loop diverged within 20 steps');
    opt.zeroGrad();
    model.dispose();
    x.dispose();
    y.dispose();
  },
});

export const nonfiniteCases = cases;

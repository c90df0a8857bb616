// Dropout on the runtime's backend: masks bit-exact with the reference RNG (so WebGPU, WASM
// and test/reference/rng.ts agree), kept fraction, scaling, p = 0 / p = 1, and the backward.
import { dropout, dropoutBackward, scopeAsync } from '../../runtime/internal.js';
import { randomArray } from '../reference/random.js';
import { refDropout, refDropoutMask } from '../reference/dropout.js';
import { numericalGradient } from '../reference/gradcheck.js';
import { assert, assertClose, assertEqual, assertThrows } from './assert.js';
import type { PortableCase } from './types.js';

const f32 = (x: Float64Array) => Float32Array.from(x);
const EXACT = { atol: 0, rtol: 0 };

const cases: PortableCase[] = [];

for (const [n, p, seed] of [
  [1, 0.5, 1],
  [7, 0.3, 2],
  [1001, 0.1, 3],
  [4099, 0.9, 0xffffffff],
  [65536 * 4 + 3, 0.25, 12345],
  [4096, 0.3, 77], // a multiple of 4: WebGPU's vec4 kernel
] as Array<[number, number, number]>) {
  cases.push({
    name: `dropout n=${n} p=${p} seed=${seed}: values and mask bit-exact with the reference`,
    async run(rt) {
      const x = randomArray(n, n);
      const dy = randomArray(n, n + 1);
      const got = await scopeAsync(async () => ({
        y: await dropout(rt.tensor(f32(x), [n]), p, seed).data(),
        dx: await dropoutBackward(rt.tensor(f32(dy), [n]), p, seed).data(),
      }));
      assertClose(got.y, refDropout(x, p, seed), EXACT, 'dropout values');
      // The backward regenerates the same mask: dx = dy * mask / (1 - p).
      assertClose(got.dx, refDropout(dy, p, seed), EXACT, 'dropoutBackward values');
    },
  });
}

for (const p of [0.1, 0.5, 0.9]) {
  cases.push({
    name: `dropout p=${p}: kept fraction of 100k within 4 sigma, mask equals the reference`,
    async run(rt) {
      const n = 100_000;
      const seed = 777 + Math.round(p * 10);
      const y = await scopeAsync(async () => (await dropout(rt.full([n], 1), p, seed).data()) as Float32Array);
      const mask = refDropoutMask(n, p, seed);
      let kept = 0;
      for (let i = 0; i < n; i++) {
        const k = y[i] !== 0;
        if (k !== (mask[i] === 1)) throw new Error(`mask differs from the reference at element ${i}`);
        if (k) kept++;
      }
      const sigma = Math.sqrt(n * p * (1 - p));
      assert(Math.abs(kept - n * (1 - p)) <= 4 * sigma, `kept ${kept} of ${n}, expected ${n * (1 - p)} +- ${4 * sigma}`);
      // Kept values carry the inverted-dropout scale.
      const scale = Math.fround(1 / (1 - p));
      assert(y.every((v) => v === 0 || v === scale), 'kept values must equal 1 / (1 - p)');
    },
  });
}

// The bits of neighbouring indices are independent: attention draws index (row * L + j), so
// pairs at distance 1 (the next key) and L (the next query) both matter, as do nearby seeds
// (one per layer and step). Each pair count within 4 sigma of n (1 - p)^2.
cases.push({
  name: 'dropout p=0.5: pairs at distances 1, 200, 4096 and across seeds s, s + 1 kept together (1 - p)^2 of the time',
  async run(rt) {
    const n = 200_000;
    const p = 0.5;
    const [a, b] = await scopeAsync(async () => [
      (await dropout(rt.full([n], 1), p, 2024).data()) as Float32Array,
      (await dropout(rt.full([n], 1), p, 2025).data()) as Float32Array,
    ]);
    const check = (label: string, pairs: number, both: number) => {
      const q = (1 - p) * (1 - p);
      const sigma = Math.sqrt(pairs * q * (1 - q));
      assert(Math.abs(both - pairs * q) <= 4 * sigma, `${label}: ${both} of ${pairs} pairs kept together, expected ${pairs * q} +- ${4 * sigma}`);
    };
    for (const dist of [1, 200, 4096]) {
      let both = 0;
      for (let i = 0; i + dist < n; i++) if (a[i] !== 0 && a[i + dist] !== 0) both++;
      check(`distance ${dist}`, n - dist, both);
    }
    let both = 0;
    for (let i = 0; i < n; i++) if (a[i] !== 0 && b[i] !== 0) both++;
    check('seeds 2024 and 2025', n, both);
  },
});

cases.push({
  name: 'dropout p=0 keeps all (identity), p=1 drops all, different seeds differ',
  async run(rt) {
    const n = 999;
    const x = randomArray(n, 5);
    const got = await scopeAsync(async () => {
      const xt = rt.tensor(f32(x), [3, 333]);
      const y0 = dropout(xt, 0, 42);
      assertEqual(y0.shape.join(','), '3,333', 'shape');
      return {
        y0: await y0.data(),
        y1: await dropout(xt, 1, 42).data(),
        d1: await dropoutBackward(xt, 1, 42).data(),
        a: await dropout(xt, 0.5, 1).data(),
        b: await dropout(xt, 0.5, 2).data(),
        e: await dropout(rt.zeros([0]), 0.5, 1).data(),
      };
    });
    assertClose(got.y0, f32(x), EXACT, 'p = 0');
    assertClose(got.y1, new Float32Array(n), EXACT, 'p = 1');
    assertClose(got.d1, new Float32Array(n), EXACT, 'p = 1 backward');
    assertEqual(got.e.length, 0, 'empty');
    let same = 0;
    for (let i = 0; i < n; i++) if ((got.a[i] === 0) === (got.b[i] === 0)) same++;
    assert(same < 0.6 * n, `masks of seeds 1 and 2 agree on ${same} of ${n} elements`);
  },
});

cases.push({
  name: 'dropoutBackward vs finite differences of the (fixed-mask) forward',
  async run(rt) {
    const n = 50;
    const p = 0.4;
    const seed = 9;
    const x = randomArray(n, 11);
    const dy = randomArray(n, 12);
    const dx = await scopeAsync(async () => (await dropoutBackward(rt.tensor(f32(dy), [n]), p, seed).data()) as Float32Array);
    const mask = refDropoutMask(n, p, seed);
    const f = (v: Float64Array[]) => v[0].map((xv, i) => (mask[i] ? xv / (1 - p) : 0));
    assertClose(dx, numericalGradient(f, [Float64Array.from(x)], 0, dy), { atol: 1e-6, rtol: 1e-6 }, 'dx vs finite differences');
  },
});

cases.push({
  name: 'dropout bad calls name the op',
  async run(rt) {
    await scopeAsync(async () => {
      const x = rt.zeros([4]);
      assertThrows(() => dropout(x, 1.5, 1), ['dropout', 'p must be in [0, 1]', '1.5'], 'p > 1');
      assertThrows(() => dropout(x, 0.5, -1), ['dropout', 'seed'], 'negative seed');
      assertThrows(() => dropoutBackward(x, NaN, 1), ['dropoutBackward', 'p'], 'NaN p');
    });
  },
});

export const dropoutCases = cases;

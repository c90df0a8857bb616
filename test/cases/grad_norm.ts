// gradNormSquared / clipScale / gradNorm on the runtime's backend against float64 references.
import { clipScale, gradNorm, gradNormSquared, readGradNorm, scope, type Runtime } from '../../runtime/internal.js';
import { refClipScale, refGradNormSquared } from '../reference/grad_norm.js';
import { randomArray } from '../reference/random.js';
import { assertClose, assertEqual, assertThrows } from './assert.js';
import type { PortableCase } from './types.js';

// Tolerance: a sum of squares of N values in f32 with blocked tree accumulation: rtol 1e-5
// (all terms are >= 0, so the error is relative to the result).
const SUMSQ_TOL = { atol: 1e-12, rtol: 1e-5 };

/** normSq, norm, clip factor (maxNorm) for tensors of the given sizes. */
export async function runGradNorm(rt: Runtime, sizes: number[], seed: number, maxNorm: number): Promise<{ got: number[]; want: number[] }> {
  const grads = sizes.map((n, i) => randomArray(n, seed + i, -2, 2));
  const outs = scope(() => {
    const normSq = gradNormSquared(grads.map((g) => rt.tensor(Float32Array.from(g))));
    return [normSq, gradNorm(normSq), clipScale(normSq, maxNorm)];
  });
  try {
    const got = await Promise.all(outs.map((t) => t.item()));
    const nsq = refGradNormSquared(grads);
    return { got, want: [nsq, Math.sqrt(nsq), refClipScale(nsq, maxNorm)] };
  } finally {
    for (const t of outs) t.dispose();
  }
}

const cases: PortableCase[] = [];

const lists: number[][] = [
  [1],
  [7, 0, 3],
  [4095, 4096, 4097],
  [33 * 65, 1, 10000, 255],
  // BERT4Rec-like: embedding, positions, a layer's weights and biases, LayerNorm.
  [3420 * 64, 200 * 64, 64 * 64, 64, 64 * 256, 256, 256 * 64, 64, 64, 64],
];
for (const sizes of lists) {
  for (const maxNorm of [0.5, 1e6]) {
    cases.push({
      name: `gradNormSquared sizes ${JSON.stringify(sizes.length > 5 ? `${sizes.length} tensors, ${sizes.reduce((a, b) => a + b, 0)} values` : sizes)} maxNorm=${maxNorm}`,
      async run(rt) {
        const { got, want } = await runGradNorm(rt, sizes, 80 + sizes.length, maxNorm);
        assertClose([got[0]], [want[0]], SUMSQ_TOL, 'normSq');
        assertClose([got[1]], [want[1]], SUMSQ_TOL, 'norm');
        assertClose([got[2]], [want[2]], { atol: 1e-7, rtol: 1e-5 }, 'clip factor');
        if (maxNorm > 1e5) assertEqual(got[2], 1, 'clip factor when not clipping');
      },
    });
  }
}

cases.push({
  name: 'gradNormSquared of only empty tensors is 0 (clip factor 1); readGradNorm; errors',
  async run(rt) {
    const [nsq, scale] = scope(() => {
      const n = gradNormSquared([rt.zeros([0]), rt.zeros([3, 0])]);
      return [n, clipScale(n, 1)];
    });
    assertEqual(await nsq.item(), 0, 'normSq');
    assertEqual(await scale.item(), 1, 'clip factor');
    nsq.dispose();
    scale.dispose();
    const t = rt.tensor([3, 4]);
    const n2 = gradNormSquared([t]);
    assertClose([await readGradNorm(n2)], [5], { atol: 1e-6, rtol: 1e-6 }, 'readGradNorm');
    t.dispose();
    n2.dispose();
    assertThrows(() => gradNormSquared([]), ['gradNormSquared', 'non-empty'], 'empty list');
    scope(() => {
      assertThrows(() => clipScale(rt.zeros([2]), 1), ['clipScale', '[2]'], 'normSq size');
      assertThrows(() => clipScale(rt.zeros([1]), 0), ['clipScale', 'maxNorm'], 'maxNorm 0');
      assertThrows(() => gradNormSquared([rt.zeros([2]), rt.tensor(new Int32Array(2))]), ['gradNormSquared', 'grads[1]', 'f32'], 'dtype');
    });
  },
});

export const gradNormCases = cases;

// adamW (fused step) on the runtime's backend against a float64 reference Adam
// (test/reference/adamw.ts) over several steps, with weight decay on/off and a device gradScale.
import { adamW, clipScale, gradNormSquared, scope, type Runtime, type Tensor } from '../../runtime/internal.js';
import { refAdamW } from '../reference/adamw.js';
import { refClipScale, refGradNormSquared } from '../reference/grad_norm.js';
import { randomArray } from '../reference/random.js';
import { assertClose, assertThrows } from './assert.js';
import type { PortableCase } from './types.js';

// Tolerances. Each step is a handful of f32 operations on values of order 1 (param) and
// lr (update), and the moments are exponential averages: after 6 steps param and m are within
// ~1e-6 relative of float64, v within ~1e-6 relative (v ~ g^2, so rtol matters, atol tiny).
const PARAM_TOL = { atol: 2e-6, rtol: 1e-5 };
const M_TOL = { atol: 1e-7, rtol: 1e-5 };
const V_TOL = { atol: 1e-9, rtol: 1e-5 };

const f32 = (x: Float64Array) => Float32Array.from(x);

export interface AdamWRunOptions {
  n: number;
  steps: number;
  lr: number;
  weightDecay: number;
  eps?: number;
  beta1?: number;
  beta2?: number;
  /** A constant gradient scale passed as a device tensor. */
  gradScale?: number;
  /** Clip the gradient's norm to this on the device (gradNormSquared + clipScale). */
  clipNorm?: number;
  seed: number;
}

/** Runs `steps` steps on rt and in float64; returns both (param, m, v). */
export async function runAdamW(rt: Runtime, o: AdamWRunOptions): Promise<{ got: Float32Array[]; want: Float64Array[] }> {
  const { n, steps, lr, weightDecay, eps = 1e-8, beta1 = 0.9, beta2 = 0.999 } = o;
  const p0 = randomArray(n, o.seed);
  const [param, m, v] = [rt.tensor(f32(p0)), rt.zeros([n]), rt.zeros([n])];
  const want = [Float64Array.from(p0), new Float64Array(n), new Float64Array(n)];
  try {
    for (let step = 1; step <= steps; step++) {
      // Gradients of mixed magnitudes, fresh each step.
      const g = randomArray(n, o.seed * 100 + step, -1, 1).map((x, i) => Math.fround(x * (i % 5 === 0 ? 10 : i % 7 === 0 ? 1e-3 : 1)));
      let scale = o.gradScale;
      if (o.clipNorm !== undefined) scale = Math.fround(refClipScale(refGradNormSquared([g]), o.clipNorm));
      scope(() => {
        const grad = rt.tensor(f32(g));
        let gradScale: Tensor | undefined;
        if (o.clipNorm !== undefined) gradScale = clipScale(gradNormSquared([grad]), o.clipNorm);
        else if (o.gradScale !== undefined) gradScale = rt.tensor([o.gradScale]);
        adamW(param, grad, m, v, { lr, beta1, beta2, eps, weightDecay, step, gradScale });
      });
      refAdamW(want[0], g, want[1], want[2], { lr, beta1, beta2, eps, weightDecay, step, gradScale: scale === undefined ? undefined : Math.fround(scale) });
    }
    const got = (await Promise.all([param.data(), m.data(), v.data()])) as Float32Array[];
    return { got, want };
  } finally {
    param.dispose();
    m.dispose();
    v.dispose();
  }
}

const cases: PortableCase[] = [];

const configs: AdamWRunOptions[] = [
  { n: 1, steps: 3, lr: 1e-3, weightDecay: 0, seed: 1 },
  { n: 7, steps: 6, lr: 1e-3, weightDecay: 0.01, seed: 2 },
  { n: 1000, steps: 6, lr: 1e-3, weightDecay: 0, seed: 3 },
  { n: 4099, steps: 6, lr: 1e-2, weightDecay: 0.1, seed: 4 },
  { n: 513, steps: 6, lr: 1e-3, weightDecay: 0.01, gradScale: 0.37, seed: 5 },
  { n: 300, steps: 4, lr: 1e-4, weightDecay: 0.01, eps: 1e-6, beta1: 0.8, beta2: 0.99, seed: 6 },
  { n: 2050, steps: 5, lr: 5e-2, weightDecay: 0.2, clipNorm: 5, seed: 7 }, // norms ~ 100: clipped
  { n: 33, steps: 3, lr: 1e-3, weightDecay: 0, clipNorm: 1e6, seed: 8 }, // not clipped (scale 1)
];
for (const c of configs) {
  const extra = [c.gradScale !== undefined ? `gradScale=${c.gradScale}` : '', c.clipNorm !== undefined ? `clipNorm=${c.clipNorm}` : '', c.eps ? `eps=${c.eps}` : ''].filter(Boolean).join(' ');
  cases.push({
    name: `adamW n=${c.n} ${c.steps} steps lr=${c.lr} wd=${c.weightDecay} ${extra}`.trim(),
    async run(rt) {
      const { got, want } = await runAdamW(rt, c);
      assertClose(got[0], want[0], PARAM_TOL, 'param');
      assertClose(got[1], want[1], M_TOL, 'm');
      assertClose(got[2], want[2], V_TOL, 'v');
    },
  });
}

cases.push({
  name: 'adamW empty tensors are a no-op; argument errors name the op and shapes',
  async run(rt) {
    scope(() => {
      const e = () => rt.zeros([0]);
      adamW(e(), e(), e(), e(), { lr: 1e-3, step: 1 });
      const [p, g, m, v] = [rt.zeros([4]), rt.zeros([4]), rt.zeros([4]), rt.zeros([4])];
      assertThrows(() => adamW(p, rt.zeros([5]), m, v, { lr: 1e-3, step: 1 }), ['adamW', '[4]', '[5]'], 'shape mismatch');
      assertThrows(() => adamW(p, g, m, v, { lr: 1e-3, step: 0 }), ['adamW', 'step'], 'step 0');
      assertThrows(() => adamW(p, g, m, v, { lr: 1e-3, step: 1, gradScale: rt.zeros([2]) }), ['adamW', 'gradScale'], 'gradScale size');
      assertThrows(() => adamW(p, g, m, m, { lr: 1e-3, step: 1 }), ['adamW', 'distinct'], 'aliasing');
      assertThrows(() => adamW(p, g, m, v, { lr: 1e-3, step: 1, beta1: 1 }), ['adamW', 'betas'], 'beta1 = 1');
    });
  },
});

export const adamwCases = cases;

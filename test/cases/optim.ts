// AdamW cases: one step against a float64 reference (groups, weight decay, clipping),
// training a toy regression, flat memory, and checkpoint resume through the state dicts.
// Runs under vitest (test/nn-optim.test.ts), Deno and Chromium.
import { AdamW, linearWarmupDecay, type Runtime, type Tensor } from '../../runtime/index.js';
import { randomArray } from '../reference/random.js';
import { assert, assertClose, assertEqual, assertThrows } from './assert.js';
import { Mlp, toyData, trainStep } from './nn.js';
import type { PortableCase } from './types.js';

export interface AdamWRefOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  step: number;
  gradScale: number;
}

/**
 * One AdamW update in float64 (decoupled weight decay, bias-corrected moments), in place:
 *   g = grad * gradScale, m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
 *   p -= lr * (m / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps) + wd * p)
 */
export function refAdamW(p: Float64Array, grad: Float64Array, m: Float64Array, v: Float64Array, o: AdamWRefOptions): void {
  const c1 = 1 - o.beta1 ** o.step;
  const c2 = 1 - o.beta2 ** o.step;
  for (let i = 0; i < p.length; i++) {
    const g = grad[i] * o.gradScale;
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
    p[i] -= o.lr * (m[i] / c1 / (Math.sqrt(v[i] / c2) + o.eps) + o.weightDecay * p[i]);
  }
}

/** Global-norm clipping factor: min(1, maxNorm / (||g|| + 1e-6)) (PyTorch's clip_grad_norm_). */
export function refClipScale(grads: Float64Array[], maxNorm: number): number {
  let sq = 0;
  for (const g of grads) for (const x of g) sq += x * x;
  return Math.min(1, maxNorm / (Math.sqrt(sq) + 1e-6));
}

const f32 = (x: Float64Array) => Float32Array.from(x);
const f64 = (x: ArrayLike<number>) => Float64Array.from(x);

/** Sets p.grad from host values (as backward() would). */
function setGrad(rt: Runtime, p: Tensor, g: Float64Array): void {
  p.grad?.dispose();
  p.grad = rt.tensor(f32(g), p.shape) as Tensor<'f32'>;
}

async function adamWAgainstReference(rt: Runtime, clipNorm: number | undefined): Promise<void> {
  const shapes = [[3, 5], [5], [7]];
  const wds = [0.01, 0, 0.1];
  const host = shapes.map((s, i) => randomArray(s.reduce((a, b) => a * b, 1), 30 + i));
  const params = shapes.map((s, i) => {
    const t = rt.tensor(f32(host[i]), s);
    t.requiresGrad = true;
    t.name = `p${i}`;
    return t;
  });
  const opt = new AdamW(
    [
      { params: [params[0], params[1]], weightDecay: 0.01 },
      { params: [params[2]], weightDecay: 0.1 },
    ],
    { lr: linearWarmupDecay({ peakLr: 0.01, warmupSteps: 2, totalSteps: 10 }), betas: [0.9, 0.98], eps: 1e-6, clipNorm },
  );
  const wd = [wds[0], wds[0], wds[2]];
  const m = host.map((h) => new Float64Array(h.length));
  const v = host.map((h) => new Float64Array(h.length));
  const ps = host.map((h) => f64(h));
  for (let step = 1; step <= 3; step++) {
    // Gradients large enough that clipping (maxNorm 0.5) is active.
    const grads = host.map((h, i) => randomArray(h.length, 100 * step + i, -2, 2));
    params.forEach((p, i) => setGrad(rt, p, grads[i]));
    const lr = opt.lr;
    assertClose([lr], [0.01 * Math.min(step / 2, (10 - step) / 8)], { atol: 1e-12, rtol: 1e-9 }, `lr at step ${step}`);
    opt.step();
    const scale = clipNorm === undefined ? 1 : refClipScale(grads, clipNorm);
    ps.forEach((p, i) => refAdamW(p, grads[i], m[i], v[i], { lr, beta1: 0.9, beta2: 0.98, eps: 1e-6, weightDecay: wd[i], step, gradScale: scale }));
    for (let i = 0; i < params.length; i++) {
      assertClose(await params[i].data(), ps[i], { atol: 1e-6, rtol: 1e-5 }, `step ${step}: param ${i}`);
    }
    if (clipNorm !== undefined) {
      const sq = grads.reduce((s, g) => s + g.reduce((a, x) => a + x * x, 0), 0);
      assertClose([await opt.lastGradNormSquared!.item()], [sq], { atol: 1e-4, rtol: 1e-5 }, 'grad norm squared');
      assert(scale < 1, 'clipping is active in this test');
    }
  }
  const state = opt.stateDict();
  assertEqual(state.step, 3, 'state step');
  assertClose(await state.tensors.get('m.p2')!.data(), m[2], { atol: 1e-6, rtol: 1e-5 }, 'first moment');
  assertClose(await state.tensors.get('v.p0')!.data(), v[0], { atol: 1e-7, rtol: 1e-5 }, 'second moment');
  opt.zeroGrad();
  opt.dispose();
  for (const p of params) p.dispose();
}

export const optimCases: PortableCase[] = [
  {
    name: 'AdamW: 3 steps with two groups and a schedule vs float64',
    run: (rt) => adamWAgainstReference(rt, undefined),
  },
  {
    name: 'AdamW: global-norm clipping on the device vs float64',
    run: (rt) => adamWAgainstReference(rt, 0.5),
  },
  {
    name: 'AdamW skips parameters without a gradient; bad groups are errors',
    async run(rt) {
      const a = rt.tensor(new Float32Array([1, 2]), [2]);
      const b = rt.tensor(new Float32Array([3]), [1]);
      a.requiresGrad = b.requiresGrad = true;
      a.name = 'a';
      b.name = 'b';
      const opt = new AdamW([{ params: [a, b], weightDecay: 0 }], { lr: 0.1 });
      setGrad(rt, a, f64([1, -1]));
      opt.step();
      assertClose(await b.data(), [3], { atol: 0, rtol: 0 }, 'b untouched');
      // First bias-corrected Adam step moves each element by lr * sign(g) (up to eps).
      assertClose(await a.data(), [0.9, 2.1], { atol: 1e-6, rtol: 0 }, 'a updated');
      assertThrows(() => new AdamW([{ params: [a, a], weightDecay: 0 }], { lr: 1 }), ['AdamW', "'a'", 'twice'], 'duplicate');
      const c = rt.zeros([2]);
      assertThrows(() => new AdamW([{ params: [c], weightDecay: 0 }], { lr: 1 }), ['AdamW', 'requiresGrad'], 'not a parameter');
      opt.zeroGrad();
      opt.dispose();
      for (const t of [a, b, c]) t.dispose();
    },
  },
  {
    name: 'AdamW trains the MLP; live and peak memory flat over 50 steps',
    async run(rt) {
      const model = new Mlp(rt, 8, 16, 3);
      const { x, y } = toyData(rt, 32, 8);
      const named = model.namedParameters();
      const opt = new AdamW(
        [
          { params: named.filter(([n]) => n.endsWith('weight') && !n.startsWith('norm')).map(([, p]) => p), weightDecay: 0.01 },
          { params: named.filter(([n]) => !n.endsWith('weight') || n.startsWith('norm')).map(([, p]) => p), weightDecay: 0 },
        ],
        { lr: linearWarmupDecay({ peakLr: 0.01, warmupSteps: 5, totalSteps: 50 }), clipNorm: 1 },
      );
      const losses: number[] = [];
      const live: number[] = [];
      const peaks: number[] = [];
      for (let i = 0; i < 50; i++) {
        if (i === 2) rt.backend.resetPeak();
        const loss = trainStep(model, opt, x, y);
        losses.push(await loss.item());
        loss.dispose();
        assertEqual(rt.tapeLength(), 0, 'tape after a step');
        live.push(rt.memory().liveBytes);
        peaks.push(rt.memory().peakLiveBytes);
      }
      for (let i = 2; i < 50; i++) {
        assertEqual(live[i], live[1], `live bytes after step ${i + 1}`);
        assertEqual(peaks[i], peaks[2], `peak bytes by step ${i + 1}`);
      }
      const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
      const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
      assert(last < 0.5 * first, `loss decreases (${first.toFixed(4)} -> ${last.toFixed(4)})`);
      opt.zeroGrad();
      opt.dispose();
      model.dispose();
      x.dispose();
      y.dispose();
    },
  },
  {
    name: 'checkpoint resume: model + optimizer state dicts continue training identically',
    async run(rt) {
      const { x, y } = toyData(rt, 16, 8);
      const make = () => {
        const model = new Mlp(rt, 8, 12, 5, 0);
        const opt = new AdamW([{ params: model.parameters(), weightDecay: 0.01 }], { lr: linearWarmupDecay({ peakLr: 0.01, warmupSteps: 2, totalSteps: 20 }) });
        return { model, opt };
      };
      const a = make();
      for (let i = 0; i < 3; i++) trainStep(a.model, a.opt, x, y).dispose();
      // Snapshot to host (as a checkpoint file would).
      const modelHost = new Map<string, Float32Array>();
      for (const [n, t] of a.model.stateDict()) modelHost.set(n, (await t.data()) as Float32Array);
      const st = a.opt.stateDict();
      const optHost = new Map<string, Float32Array>();
      for (const [n, t] of st.tensors) optHost.set(n, (await t.data()) as Float32Array);
      const step = st.step;
      for (let i = 0; i < 3; i++) trainStep(a.model, a.opt, x, y).dispose();

      const b = make();
      await b.model.loadStateDict(modelHost);
      await b.opt.loadStateDict({ step, tensors: optHost });
      assertEqual(b.opt.stepCount, 3, 'restored step');
      for (let i = 0; i < 3; i++) trainStep(b.model, b.opt, x, y).dispose();
      for (const [n, t] of a.model.stateDict()) {
        assertClose(await b.model.stateDict().get(n)!.data(), await t.data(), { atol: 0, rtol: 0 }, `resumed ${n}`);
      }
      let msg = '';
      await b.opt.loadStateDict({ step: 1, tensors: new Map([['m.fc1.weight', new Float32Array(3)]]) }).catch((e: Error) => (msg = e.message));
      for (const f of ['AdamW.loadStateDict', "'m.fc1.weight'", "missing key 'v.fc1.weight'"]) assert(msg.includes(f), `error "${msg}" mentions ${f}`);
      for (const s of [a, b]) {
        s.opt.zeroGrad();
        s.opt.dispose();
        s.model.dispose();
      }
      x.dispose();
      y.dispose();
    },
  },
];

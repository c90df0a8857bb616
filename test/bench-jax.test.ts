// The jax-js side of `npm run bench -- --compare` computes what ours computes: each reference
// computation in bench/jax/ops.ts agrees with our op on small inputs, and the jax-js BERT4Rec
// (bench/jax/bert4rec.ts), given our model's initial weights, agrees with our model
// (src/model/bert4rec.ts) on a tiny config with dropout 0: the loss, every parameter's
// gradient, and full training steps (clip + AdamW) through src/train/step.ts. Ours runs on the
// WASM backend; jax-js on its wasm device with 2 worker threads (the Web Worker adapter of
// bench/jax/setup.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Array as JaxArray } from '@jax-js/jax';
import { backward, constantLr, scope } from '../runtime/index.js';
import { attention, attentionBackward, layerNorm, layerNormBackward, matmul, softmaxCrossEntropy, type Tensor } from '../runtime/internal.js';
import { DEFAULT_MODEL, DEFAULT_TRAIN } from '../src/config.js';
import { Bert4Rec } from '../src/model/bert4rec.js';
import { trainBatchToDevice } from '../src/model/inputs.js';
import { createOptimizer } from '../src/train/optimizer.js';
import { trainStep } from '../src/train/step.js';
import { syntheticBatch } from '../bench/compare/batch.js';
import { hostData, keyMaskData, targetData } from '../bench/compare/cases.js';
import { createJaxBert4Rec, initialWeights, type HostBatch } from '../bench/jax/bert4rec.js';
import * as ref from '../bench/jax/ops.js';
import { initJax, jaxWorkerCount, type JaxEnv } from '../bench/jax/setup.js';
import { destroyRuntimes, getRuntime } from './backends.js';

// Tolerances (float32 on both sides, different summation orders and fusions; measured on this
// machine: loss 5e-7, gradients 1.2e-6 relative, weights after a step 1.6e-6, ops < 1e-6):
/** Ops, as test/bench-compare.test.ts for TFJS: max |ours - jax|. */
const TOL = 1e-4;
/** Loss: absolute. */
const LOSS_TOL = 1e-5;
/** Gradient of a parameter: max |ours - jax| <= GRAD_TOL * max(1e-3, max |ours|). */
const GRAD_TOL = 1e-4;
/** Weights after one AdamW step: max |ours - jax| (lr 2e-3: the step moves weights by up to ~lr). */
const STEP_TOL = 1e-5;

let env: JaxEnv;

beforeAll(async () => {
  env = await initJax({ threads: 2 });
});
afterAll(async () => {
  await env?.shutdown();
  await destroyRuntimes();
});

/** max |ours - theirs| (consumes the jax array). */
async function opDiff(ours: Tensor, theirs: JaxArray): Promise<number> {
  expect(ours.shape.filter((d) => d !== 1)).toEqual(theirs.shape.filter((d) => d !== 1));
  return maxDiff((await ours.data()) as Float32Array, (await theirs.data()) as Float32Array);
}

const maxAbs = (a: Float32Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const config = { ...DEFAULT_MODEL, maxLen: 12, hidden: 16, ffn: 32, dropout: 0 };
const V = 40;
const train = { ...DEFAULT_TRAIN };
/** 4 sequences of 12 (padded), 8 masked rows, one of them ignored (target -1). */
function batch() {
  const b = syntheticBatch(4, 12, V, 8, 3);
  b.maskedTargets[5] = -1;
  return b;
}
const hostBatch = (b: ReturnType<typeof batch>): HostBatch => ({ ...b });

describe('bench/jax (jax-js)', () => {
  it('runs on the wasm device with 2 worker threads', async () => {
    expect(env.description).toMatch(/^jax-js 0\.1\.\d+ wasm \(jit, 2 worker threads\)$/);
    const { numpy: np } = env.jax;
    const x = np.array(new Float32Array(4096).fill(0.5), { shape: [64, 64] });
    const y = np.matmul(x.ref, x).sum();
    expect((await y.data())[0]).toBeCloseTo(64 * 64 * 64 * 0.25, 0);
    expect(jaxWorkerCount()).toBe(2);
  });

  it('ops agree with ours: matmul (plain and transB, jitted)', async () => {
    const rt = await getRuntime('wasm');
    const { numpy: np, jit } = env.jax;
    for (const transB of [false, true]) {
      const [M, K, N] = [13, 7, 5];
      const bShape: [number, number] = transB ? [N, K] : [K, N];
      const [a, b] = [hostData(M * K, 0.1), hostData(N * K, 1.7)];
      const ours = matmul(rt.tensor(a, [M, K]), rt.tensor(b, bShape), { transB });
      const f = jit((x: JaxArray, y: JaxArray) => np.matmul(x, transB ? y.transpose() : y));
      expect(await opDiff(ours, f(np.array(a as Float32Array<ArrayBuffer>, { shape: [M, K] }), np.array(b as Float32Array<ArrayBuffer>, { shape: bShape })))).toBeLessThan(TOL);
      f.dispose();
    }
  });

  it('ops agree with ours: softmax cross-entropy forward and backward (with an ignored row)', async () => {
    const rt = await getRuntime('wasm');
    const np = env.jax.numpy;
    const [R, V] = [6, 11];
    const logits = hostData(R * V, 0.3, 3);
    const targets = targetData(R, V);
    targets[2] = -1;
    const ours = softmaxCrossEntropy(rt.tensor(logits, [R, V]), rt.tensor(targets, [R], 'i32'));
    const f = ref.softmaxCrossEntropyForwardBackward(env.jax);
    const [loss, dlogits] = f(np.array(logits as Float32Array<ArrayBuffer>, { shape: [R, V] }), np.array(targets as Int32Array<ArrayBuffer>, { shape: [R], dtype: np.int32 }));
    expect(await opDiff(ours.loss, loss)).toBeLessThan(TOL);
    const d = (await dlogits.ref.data()) as Float32Array;
    expect(d.slice(2 * V, 3 * V).every((x) => x === 0)).toBe(true); // the ignored row
    expect(await opDiff(ours.dlogits!, dlogits)).toBeLessThan(TOL);
    f.dispose();
  });

  it('ops agree with ours: attention forward and backward (key padding mask, 2 heads)', async () => {
    const rt = await getRuntime('wasm');
    const np = env.jax.numpy;
    const [B, L, d, heads] = [3, 7, 8, 2];
    const data = [0.1, 1.3, 2.7, 4.1].map((p) => hostData(B * L * d, p));
    // As in test/bench-compare.test.ts: every sequence keeps its last key real.
    const mask = keyMaskData(B, L);
    for (let b = 0; b < B; b++) mask[b * L + L - 1] = 1;
    const [q, k, v, dOut] = data.map((x) => rt.tensor(x, [B, L, d]));
    const m = rt.tensor(mask, [B, L], 'u32');
    const fw = attention(q, k, v, m, { heads });
    const g = attentionBackward(dOut, q, k, v, m, fw.out, fw.lse, { heads });
    const f = ref.attentionForwardBackward(env.jax, heads);
    const [jq, jk, jv, jdOut] = data.map((x) => np.array(x as Float32Array<ArrayBuffer>, { shape: [B, L, d] }));
    const bias = ref.maskBias(np.array(Float32Array.from(mask), { shape: [B, L] }));
    const [out, dq, dk, dv] = f(jq, jk, jv, bias, jdOut);
    expect(await opDiff(fw.out, out)).toBeLessThan(TOL);
    expect(await opDiff(g.dq, dq)).toBeLessThan(TOL);
    expect(await opDiff(g.dk, dk)).toBeLessThan(TOL);
    expect(await opDiff(g.dv, dv)).toBeLessThan(TOL);
    f.dispose();
  });

  it('ops agree with ours: layer norm forward and backward', async () => {
    const rt = await getRuntime('wasm');
    const np = env.jax.numpy;
    const [R, d, eps] = [5, 12, 1e-5];
    const [x, dy, gamma, beta] = [hostData(R * d, 1), hostData(R * d, 5), hostData(d, 3), hostData(d, 4)];
    const fw = layerNorm(rt.tensor(x, [R, d]), rt.tensor(gamma, [d]), rt.tensor(beta, [d]), { eps });
    const g = layerNormBackward(rt.tensor(dy, [R, d]), fw.input, rt.tensor(gamma, [d]), fw.mean, fw.rstd);
    const f = ref.layerNormForwardBackward(env.jax, eps);
    const arr = (a: Float32Array, shape: number[]) => np.array(a as Float32Array<ArrayBuffer>, { shape });
    const [y, dx, dgamma, dbeta] = f(arr(x, [R, d]), arr(gamma, [d]), arr(beta, [d]), arr(dy, [R, d]));
    expect(await opDiff(fw.y, y)).toBeLessThan(TOL);
    expect(await opDiff(g.dx, dx)).toBeLessThan(TOL);
    expect(await opDiff(g.dgamma, dgamma)).toBeLessThan(TOL);
    expect(await opDiff(g.dbeta, dbeta)).toBeLessThan(TOL);
    f.dispose();
  });

  it('has our parameters (names and sizes) and initial weights of our distributions', async () => {
    const rt = await getRuntime('wasm');
    const ours = new Bert4Rec(rt, V, config, 1);
    try {
      const w = initialWeights({ ...config, numItems: V }, 1);
      const ourSizes = new Map([...ours.namedParameters()].map(([k, t]) => [k, t.size]));
      expect([...w.keys()].sort()).toEqual([...ourSizes.keys()].sort());
      for (const [k, a] of w) expect(a.length).toBe(ourSizes.get(k));
      // Truncated normal: |x| <= 2 std (initStd for embeddings, 1/sqrt(fan_in) for dense weights).
      expect(maxAbs(w.get('embeddings.item')!)).toBeLessThanOrEqual(2 * config.initStd + 1e-7);
      expect(maxAbs(w.get('layers.0.ffn.output.weight')!)).toBeLessThanOrEqual(2 / Math.sqrt(config.ffn) + 1e-7);
      expect(maxAbs(w.get('layers.0.ffn.output.weight')!)).toBeGreaterThan(1 / Math.sqrt(config.ffn));
      expect(maxAbs(w.get('head.output_bias')!)).toBe(0);
    } finally {
      ours.dispose();
    }
  });

  it('from our weights: the same loss, gradients and training step as ours (dropout 0)', async () => {
    const rt = await getRuntime('wasm');
    const ours = new Bert4Rec(rt, V, config, 1);
    const b = batch();
    const dev = trainBatchToDevice(rt, b, b.size);
    const start = new Map<string, Float32Array>();
    for (const [name, p] of ours.namedParameters()) start.set(name, Float32Array.from((await p.data()) as Float32Array));
    const theirs = createJaxBert4Rec(env.jax, { ...config, numItems: V }, train, start);
    const opt = createOptimizer(ours, train, constantLr(train.lr));
    try {
      // Forward and gradients.
      ours.train();
      opt.zeroGrad();
      const loss = scope(() => ours.loss(dev.inputs, dev.targets));
      backward(loss);
      const ourLoss = await loss.item();
      loss.dispose();
      const j = await theirs.lossAndGrads(hostBatch(b));
      const report: string[] = [`loss ours ${ourLoss} jax ${j.loss} diff ${Math.abs(ourLoss - j.loss).toExponential(2)}`];
      expect(Math.abs(ourLoss - j.loss)).toBeLessThan(LOSS_TOL);
      expect(Math.abs(ourLoss - Math.log(V + 2))).toBeLessThan(0.1);
      let worst = 0;
      for (const [name, p] of ours.namedParameters()) {
        const g = Float32Array.from((await p.grad!.data()) as Float32Array);
        const rel = maxDiff(g, j.grads.get(name)!) / Math.max(1e-3, maxAbs(g));
        worst = Math.max(worst, rel);
        expect(rel, name).toBeLessThan(GRAD_TOL);
      }
      report.push(`gradients: worst max|diff| / max|g| ${worst.toExponential(2)}`);
      opt.zeroGrad();

      // One training step each from the same weights (ours: src/train/step.ts).
      const hb = theirs.upload(hostBatch(b));
      const [ourStep, theirStep] = [await trainStep(ours, opt, dev, 1), await theirs.trainStep(hb)];
      expect(Math.abs(ourStep - theirStep)).toBeLessThan(LOSS_TOL);
      const after = await theirs.weights();
      let worstStep = 0;
      let moved = 0;
      for (const [name, p] of ours.namedParameters()) {
        const w = Float32Array.from((await p.data()) as Float32Array);
        const diff = maxDiff(w, after.get(name)!);
        worstStep = Math.max(worstStep, diff);
        moved = Math.max(moved, maxDiff(w, start.get(name)!));
        expect(diff, name).toBeLessThan(STEP_TOL);
      }
      report.push(`after one step: weights moved up to ${moved.toExponential(2)}, max|ours - jax| ${worstStep.toExponential(2)}`);
      expect(moved).toBeGreaterThan(0.5 * train.lr);
      // The next step's loss (the updated weights' loss) agrees too.
      const [ourNext, theirNext] = [await trainStep(ours, opt, dev, 2), await theirs.trainStep(hb)];
      report.push(`step 2 loss ours ${ourNext} jax ${theirNext} diff ${Math.abs(ourNext - theirNext).toExponential(2)}`);
      expect(Math.abs(ourNext - theirNext)).toBeLessThan(LOSS_TOL);
      expect(ourNext).toBeLessThan(ourLoss);
      console.log(`bench-jax agreement: ${report.join('; ')}`);
      hb.dispose();
    } finally {
      opt.dispose();
      dev.dispose();
      ours.dispose();
      theirs.dispose();
    }
  });

  it('trains with dropout (jax-js PRNG) and the loss falls', async () => {
    const theirs = createJaxBert4Rec(env.jax, { ...config, dropout: 0.1, numItems: V }, { ...train, lr: 1e-2 }, undefined, 5);
    try {
      const hb = theirs.upload(hostBatch(batch()));
      const first = await theirs.loss(hostBatch(batch()));
      const a = await theirs.loss(hostBatch(batch()), true);
      expect(Math.abs(a - first)).toBeGreaterThan(0); // dropout changes the loss
      let last = Infinity;
      for (let i = 0; i < 5; i++) last = await theirs.trainStep(hb);
      expect(Number.isFinite(last)).toBe(true);
      expect(await theirs.loss(hostBatch(batch()))).toBeLessThan(first - 0.1);
      hb.dispose();
    } finally {
      theirs.dispose();
    }
  });
});

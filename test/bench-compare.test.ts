// The TensorFlow.js side of `npm run bench -- --compare` computes what ours computes: each
// reference computation in bench/tfjs/ is checked against our op on the same small inputs
// (shapes that are not multiples of any tile), on both of our backends, so the benchmark
// compares like with like. TFJS runs on its wasm backend (single-threaded here).
import type * as TF from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attention, attentionBackward, layerNorm, layerNormBackward, matmul, softmaxCrossEntropy, type Tensor } from '../runtime/internal.js';
import { DEFAULT_MODEL, DEFAULT_TRAIN } from '../src/config.js';
import { Bert4Rec } from '../src/model/bert4rec.js';
import { syntheticBatch } from '../bench/compare/batch.js';
import { hostData, keyMaskData, targetData } from '../bench/compare/cases.js';
import { createTfBert4Rec, toTfBatch } from '../bench/tfjs/bert4rec.js';
import * as ref from '../bench/tfjs/ops.js';
import { initTfjs, type TfjsEnv } from '../bench/tfjs/setup.js';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';

const TOL = 1e-4;

let env: TfjsEnv;
let tf: TfjsEnv['tf'];

beforeAll(async () => {
  env = await initTfjs('wasm', { threads: false });
  tf = env.tf;
});
afterAll(() => destroyRuntimes());

async function maxDiff(ours: Tensor, theirs: TF.Tensor): Promise<number> {
  expect(ours.shape.filter((d) => d !== 1)).toEqual(theirs.shape.filter((d) => d !== 1));
  const a = (await ours.data()) as Float32Array;
  const b = (await theirs.data()) as Float32Array;
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('bench/tfjs reference computations', () => {
  it('TFJS runs on its wasm backend with gradients registered', async () => {
    expect(env.active).toBe('wasm');
    expect(env.description).toMatch(/TensorFlow\.js 4\.\d+\.\d+ wasm \(SIMD, 1 thread\)/);
    const g = tf.grad((x: TF.Tensor) => tf.sum(tf.div(x, 2)))(tf.tensor1d([1, 2]));
    expect(Array.from(await g.data())).toEqual([0.5, 0.5]);
  });

  it('gatherRows: gradient sums duplicate indices (scatterND path on wasm)', async () => {
    const table = tf.tensor2d(hostData(5 * 3, 0.4), [5, 3]);
    const idx = tf.tensor1d([4, 1, 4, 0, 4], 'int32');
    const dy = tf.tensor2d(hostData(5 * 3, 2.2), [5, 3]);
    const grad = tf.grad((t: TF.Tensor) => tf.sum(tf.mul(ref.gatherRows(tf, t, idx), dy)))(table);
    const d = hostData(15, 2.2);
    const expected = new Float32Array(15);
    [4, 1, 4, 0, 4].forEach((row, i) => {
      for (let j = 0; j < 3; j++) expected[row * 3 + j] += d[i * 3 + j];
    });
    const got = await grad.data();
    for (let i = 0; i < 15; i++) expect(got[i]).toBeCloseTo(expected[i], 5);
    tf.dispose([table, idx, dy, grad]);
  });

  for (const backend of BACKENDS) {
    describe(`agrees with ours on ${backend}`, () => {
      it('matmul (plain and transB)', async () => {
        const rt = await getRuntime(backend);
        for (const transB of [false, true]) {
          const [M, K, N] = [13, 7, 5];
          const bShape: [number, number] = transB ? [N, K] : [K, N];
          const a = hostData(M * K, 0.1);
          const b = hostData(N * K, 1.7);
          const ours = matmul(rt.tensor(a, [M, K]), rt.tensor(b, bShape), { transB });
          const theirs = tf.matMul(tf.tensor2d(a, [M, K]), tf.tensor2d(b, bShape), false, transB);
          expect(await maxDiff(ours, theirs)).toBeLessThan(TOL);
        }
      });

      it('softmax cross-entropy forward and backward (with an ignored row)', async () => {
        const rt = await getRuntime(backend);
        const [R, V] = [6, 11];
        const logits = hostData(R * V, 0.3, 3);
        const targets = targetData(R, V);
        targets[2] = -1;
        const ours = softmaxCrossEntropy(rt.tensor(logits, [R, V]), rt.tensor(targets, [R], 'i32'));
        const theirs = ref.softmaxCrossEntropyForwardBackward(tf, tf.tensor2d(logits, [R, V]), tf.tensor1d(targets, 'int32'));
        expect(await maxDiff(ours.loss, theirs.loss)).toBeLessThan(TOL);
        expect(await maxDiff(ours.dlogits!, theirs.dlogits)).toBeLessThan(TOL);
        // The ignored row's gradient is zero on both sides.
        expect(Array.from((await theirs.dlogits.data()).slice(2 * V, 3 * V)).every((x) => x === 0)).toBe(true);
      });

      it('attention forward and backward (key padding mask, 2 heads)', async () => {
        const rt = await getRuntime(backend);
        const [B, L, d, heads] = [3, 7, 8, 2];
        const data = [0.1, 1.3, 2.7, 4.1].map((p) => hostData(B * L * d, p));
        // Sequences 1 and 2 would be all padding (7 and 14 padded positions); a sequence without
        // a real key is undefined behaviour (ours: zeros, TFJS: the mean of v), so each keeps its
        // last key: sequence 0 has no padding, 1 and 2 one real key.
        const mask = keyMaskData(B, L);
        for (let b = 0; b < B; b++) mask[b * L + L - 1] = 1;
        const [q, k, v, dOut] = data.map((x) => rt.tensor(x, [B, L, d]));
        const m = rt.tensor(mask, [B, L], 'u32');
        const f = attention(q, k, v, m, { heads });
        const g = attentionBackward(dOut, q, k, v, m, f.out, f.lse, { heads });
        const [tq, tk, tv, tdOut] = data.map((x) => tf.tensor3d(x, [B, L, d]));
        const bias = ref.maskBias(tf, tf.tensor2d(Int32Array.from(mask), [B, L], 'int32'));
        const r = ref.attentionForwardBackward(tf, tq, tk, tv, bias, tdOut, heads);
        expect(await maxDiff(f.out, r.out)).toBeLessThan(TOL);
        expect(await maxDiff(g.dq, r.dq)).toBeLessThan(TOL);
        expect(await maxDiff(g.dk, r.dk)).toBeLessThan(TOL);
        expect(await maxDiff(g.dv, r.dv)).toBeLessThan(TOL);
      });

      it('layer norm forward and backward', async () => {
        const rt = await getRuntime(backend);
        const [R, d, eps] = [5, 12, 1e-5];
        const [x, dy, gamma, beta] = [hostData(R * d, 1), hostData(R * d, 5), hostData(d, 3), hostData(d, 4)];
        const f = layerNorm(rt.tensor(x, [R, d]), rt.tensor(gamma, [d]), rt.tensor(beta, [d]), { eps });
        const g = layerNormBackward(rt.tensor(dy, [R, d]), f.input, rt.tensor(gamma, [d]), f.mean, f.rstd);
        const r = ref.layerNormForwardBackward(tf, tf.tensor2d(x, [R, d]), tf.tensor1d(gamma), tf.tensor1d(beta), tf.tensor2d(dy, [R, d]), eps);
        expect(await maxDiff(f.y, r.y)).toBeLessThan(TOL);
        expect(await maxDiff(g.dx, r.dx)).toBeLessThan(TOL);
        expect(await maxDiff(g.dgamma, r.dgamma)).toBeLessThan(TOL);
        expect(await maxDiff(g.dbeta, r.dbeta)).toBeLessThan(TOL);
      });
    });
  }

  it('the TFJS BERT4Rec has our model’s parameters, starts at ln(V+2) and learns', async () => {
    const rt = await getRuntime('wasm');
    const config = { ...DEFAULT_MODEL, maxLen: 12, hidden: 16, ffn: 32, dropout: 0 };
    const V = 40;
    const ours = new Bert4Rec(rt, V, config, 1);
    const theirs = createTfBert4Rec(tf, { ...config, numItems: V }, { ...DEFAULT_TRAIN, lr: 1e-2 }, 1);
    try {
      const sizes = (m: Iterable<[string, { size: number }]>) => new Map([...m].map(([k, t]) => [k, t.size]));
      const ourSizes = sizes(ours.namedParameters());
      const theirSizes = sizes(theirs.variables);
      // Same parameter names and sizes (TFJS weights are [in, out], ours [out, in]).
      expect([...theirSizes.keys()].sort()).toEqual([...ourSizes.keys()].sort());
      for (const [k, n] of ourSizes) expect(theirSizes.get(k)).toBe(n);

      const host = syntheticBatch(4, 12, V, 8, 3);
      const batch = toTfBatch(tf, host);
      const l0 = theirs.loss(batch, false);
      expect(Math.abs((await l0.data())[0] - Math.log(V + 2))).toBeLessThan(0.05);
      let last = Infinity;
      const tensorsAfter: number[] = [];
      for (let i = 0; i < 5; i++) {
        const l = theirs.trainStep(batch);
        last = (await l.data())[0];
        l.dispose();
        tensorsAfter.push(tf.memory().numTensors);
      }
      // Adam creates its moments in the first step; after that the step leaks nothing.
      expect(new Set(tensorsAfter.slice(1)).size).toBe(1);
      expect(last).toBeLessThan((await l0.data())[0] - 0.1);
      tf.dispose([l0, ...Object.values(batch)]);
    } finally {
      ours.dispose();
      theirs.dispose();
    }
  });

  it('the expert TFJS step: the same loss, gradients and updates as the idiomatic one, every product a plain 2D matMul', async () => {
    // ffn 24 and dh 8 against L 12: products and their transposes have different shapes.
    const config = { ...DEFAULT_MODEL, maxLen: 12, hidden: 16, ffn: 24, heads: 2, dropout: 0, numItems: 40 };
    const train = { ...DEFAULT_TRAIN, lr: 1e-2 };
    const plain = createTfBert4Rec(tf, config, train, 5);
    const expert = createTfBert4Rec(tf, { ...config, expert: true }, train, 5);
    const host = syntheticBatch(4, 12, 40, 8, 3);
    const batch = toTfBatch(tf, host);
    // BatchMatMul kernels that are not a plain 2D product (batched, or shapes that need a transpose flag).
    const notPlain = async (f: () => TF.Tensor) => {
      const info = await tf.profile(() => tf.tidy(() => tf.variableGrads(f as () => TF.Scalar).value));
      return info.kernels.filter((k) => k.name === 'BatchMatMul').filter((k) => {
        const [a, b] = k.inputShapes.map((sh) => (sh.length === 3 && sh[0] === 1 ? sh.slice(1) : sh));
        const out = k.outputShapes[0].length === 3 && k.outputShapes[0][0] === 1 ? k.outputShapes[0].slice(1) : k.outputShapes[0];
        return a.length !== 2 || b.length !== 2 || a[1] !== b[0] || out[0] !== a[0] || out[1] !== b[1];
      }).length;
    };
    try {
      expect(await notPlain(() => plain.loss(batch, true))).toBeGreaterThan(0); // the check can fail
      expect(await notPlain(() => expert.loss(batch, true))).toBe(0);
      const grads = (net: typeof plain) => tf.variableGrads(() => net.loss(batch, true), [...net.variables.values()]);
      const gp = grads(plain);
      const ge = grads(expert);
      expect(Math.abs((await gp.value.data())[0] - (await ge.value.data())[0])).toBeLessThan(1e-5);
      // (grads are keyed by the TFJS variable names, which differ per model)
      for (const [name, v] of plain.variables) {
        const a = await gp.grads[v.name].data();
        const b = await ge.grads[expert.variables.get(name)!.name].data();
        let m = 0;
        let scale = 0;
        for (let i = 0; i < a.length; i++) {
          m = Math.max(m, Math.abs(a[i] - b[i]));
          scale = Math.max(scale, Math.abs(a[i]));
        }
        expect(m, name).toBeLessThanOrEqual(1e-4 * Math.max(scale, 1e-3));
      }
      tf.dispose([gp.value, ge.value, ...Object.values(gp.grads), ...Object.values(ge.grads)]);
      for (let i = 0; i < 2; i++) tf.dispose([plain.trainStep(batch), expert.trainStep(batch)]);
      for (const [name, v] of plain.variables) {
        const a = await v.data();
        const b = await expert.variables.get(name)!.data();
        let m = 0;
        for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        expect(m, name).toBeLessThan(1e-5);
      }
    } finally {
      tf.dispose(Object.values(batch));
      plain.dispose();
      expert.dispose();
    }
  });
});

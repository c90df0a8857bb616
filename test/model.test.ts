// BERT4Rec on both backends: a tiny batch overfits; WebGPU and WASM agree step by step over
// 20 AdamW steps with dropout on; a checkpoint saved on one backend gives the same logits
// on the other; pooled memory stays flat over training steps.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { constantLr, F, scope, type Runtime } from '../runtime/index.js';
import { CHECKPOINT_FORMAT, loadModelWeights, saveCheckpoint, type CheckpointConfig } from '../src/checkpoint.js';
import { DEFAULT_TRAIN, type Bert4RecConfig } from '../src/config.js';
import { Bert4Rec, isNoDecay } from '../src/model/bert4rec.js';
import { trainBatchToDevice, ROW_MULTIPLE } from '../src/model/inputs.js';
import { createOptimizer } from '../src/train/optimizer.js';
import { trainStep } from '../src/train/step.js';
import { destroyRuntimes, getRuntime, BACKENDS } from './backends.js';
import { assertClose } from './cases/assert.js';
import { firstBatch, syntheticSequences, tinyConfig } from './cases/bert4rec-fixtures.js';
import { referenceForward } from './cases/bert4rec-reference.js';

afterAll(destroyRuntimes);

const V = 40;
const seqs = syntheticSequences(24, V, 6, 20);

async function run(rt: Runtime, cfg: Bert4RecConfig, steps: number, lr: number, B: number) {
  const model = new Bert4Rec(rt, V, cfg, 3);
  const opt = createOptimizer(model, { ...DEFAULT_TRAIN, lr }, constantLr(lr));
  const batch = firstBatch(seqs, V, cfg.maxLen, B);
  const dev = trainBatchToDevice(rt, batch, B);
  const losses: number[] = [];
  const mem: { live: number; pooled: number }[] = [];
  try {
    for (let s = 1; s <= steps; s++) {
      losses.push(await trainStep(model, opt, dev, s));
      const m = rt.memory();
      mem.push({ live: m.liveBytes, pooled: m.pooledBytes });
    }
    const params = new Map<string, Float32Array>();
    for (const [n, p] of model.namedParameters()) params.set(n, (await p.data()) as Float32Array);
    return { losses, params, mem };
  } finally {
    dev.dispose();
    opt.dispose();
    model.dispose();
  }
}

describe('BERT4Rec model', () => {
  it('names parameters like the checkpoint format and groups decay', async () => {
    const rt = await getRuntime('wasm');
    const model = new Bert4Rec(rt, V, tinyConfig({ layers: 1 }), 0);
    const names = model.namedParameters().map(([n, p]) => `${n} [${p.shape}]`);
    model.dispose();
    expect(names).toEqual([
      'embeddings.item [42,32]', 'embeddings.position [16,32]', 'embeddings.norm.weight [32]', 'embeddings.norm.bias [32]',
      'layers.0.attention.query.weight [32,32]', 'layers.0.attention.query.bias [32]',
      'layers.0.attention.key.weight [32,32]', 'layers.0.attention.key.bias [32]',
      'layers.0.attention.value.weight [32,32]', 'layers.0.attention.value.bias [32]',
      'layers.0.attention.output.weight [32,32]', 'layers.0.attention.output.bias [32]',
      'layers.0.attention_norm.weight [32]', 'layers.0.attention_norm.bias [32]',
      'layers.0.ffn.intermediate.weight [128,32]', 'layers.0.ffn.intermediate.bias [128]',
      'layers.0.ffn.output.weight [32,128]', 'layers.0.ffn.output.bias [32]',
      'layers.0.ffn_norm.weight [32]', 'layers.0.ffn_norm.bias [32]',
      'head.dense_weight [32,32]', 'head.dense_bias [32]', 'head.output_bias [42]', 'head.norm.weight [32]', 'head.norm.bias [32]',
    ]);
    const noDecay = names.map((n) => n.split(' ')[0]).filter(isNoDecay);
    expect(noDecay).toEqual([
      'embeddings.norm.weight', 'embeddings.norm.bias', 'layers.0.attention.query.bias', 'layers.0.attention.key.bias', 'layers.0.attention.value.bias',
      'layers.0.attention.output.bias', 'layers.0.attention_norm.weight', 'layers.0.attention_norm.bias', 'layers.0.ffn.intermediate.bias',
      'layers.0.ffn.output.bias', 'layers.0.ffn_norm.weight', 'layers.0.ffn_norm.bias', 'head.dense_bias', 'head.output_bias', 'head.norm.weight', 'head.norm.bias',
    ]);
  });

  it("initialises dense weights by model.linearInit: 'fixed' uses initStd, 'fan-in' 1/sqrt(fan_in); embeddings use initStd", async () => {
    const rt = await getRuntime('wasm');
    // A wide model so that the sample std of each weight is within a few percent of its scale.
    const c = tinyConfig({ layers: 1, hidden: 128, ffn: 512, maxLen: 64, initStd: 0.02 });
    const stds = async (linearInit: Bert4RecConfig['linearInit']) => {
      const model = new Bert4Rec(rt, 2000, { ...c, linearInit }, 3);
      const out = new Map<string, number>();
      for (const [n, p] of model.namedParameters()) {
        const v = await p.data();
        let s = 0;
        for (const x of v) s += x * x;
        out.set(n, Math.sqrt(s / v.length));
      }
      model.dispose();
      return out;
    };
    // A normal truncated at 2 std has std 0.8796 of the untruncated one.
    const TRUNC = 0.8796;
    const fixed = await stds('fixed');
    const fanIn = await stds('fan-in');
    for (const n of ['layers.0.attention.query.weight', 'layers.0.ffn.intermediate.weight', 'layers.0.ffn.output.weight', 'head.dense_weight', 'embeddings.item']) {
      expect(fixed.get(n)! / (0.02 * TRUNC), n).toBeCloseTo(1, 1);
    }
    expect(fanIn.get('layers.0.attention.query.weight')! / (TRUNC / Math.sqrt(128))).toBeCloseTo(1, 1);
    expect(fanIn.get('layers.0.attention.output.weight')! / (TRUNC / Math.sqrt(128))).toBeCloseTo(1, 1);
    expect(fanIn.get('layers.0.ffn.intermediate.weight')! / (TRUNC / Math.sqrt(128))).toBeCloseTo(1, 1);
    expect(fanIn.get('layers.0.ffn.output.weight')! / (TRUNC / Math.sqrt(512))).toBeCloseTo(1, 1);
    expect(fanIn.get('head.dense_weight')! / (TRUNC / Math.sqrt(128))).toBeCloseTo(1, 1);
    expect(fanIn.get('embeddings.item')! / (0.02 * TRUNC)).toBeCloseTo(1, 1);
    expect(fanIn.get('embeddings.position')! / (0.02 * TRUNC)).toBeCloseTo(1, 1);
  });

  for (const name of BACKENDS) {
    it(`forward pass matches a float64 reference on ${name}`, async () => {
      const rt = await getRuntime(name);
      // Large init so attention, layer norms and GELU are far from their linear regimes.
      const cfg = tinyConfig({ initStd: 0.3, dropout: 0.1, layers: 2, maxLen: 12, hidden: 16, heads: 2, ffn: 24 });
      const model = new Bert4Rec(rt, V, cfg, 5);
      const batch = firstBatch(seqs, V, cfg.maxLen, 5);
      const dev = trainBatchToDevice(rt, batch, 6); // one padding sequence, padded rows
      model.eval();
      const { logits, loss } = rt.noGrad(() => scope(() => ({ logits: model.logits(dev.inputs), loss: model.loss(dev.inputs, dev.targets) })));
      const got = (await logits.data()) as Float32Array;
      const gotLoss = await loss.item();
      logits.dispose();
      loss.dispose();
      const params = new Map<string, Float32Array>();
      for (const [n, p] of model.namedParameters()) params.set(n, (await p.data()) as Float32Array);
      const ids = (await dev.inputs.ids.data()) as Int32Array;
      const mask = Int32Array.from((await dev.inputs.keyMask.data()) as Uint32Array);
      const rows = (await dev.inputs.rows.data()) as Int32Array;
      const targets = (await dev.targets.data()) as Int32Array;
      dev.dispose();
      model.dispose();
      const ref = referenceForward(params, cfg, V + 2, ids, mask, 6, rows, targets);
      expect(got.length).toBe(ref.logits.length);
      assertClose(got, ref.logits, { atol: 2e-4, rtol: 1e-3 }, 'logits');
      expect(Math.abs(gotLoss - ref.loss)).toBeLessThan(1e-4 * Math.max(1, ref.loss));
    });

    it(`encode at the gathered rows equals the full encoder output at those rows on ${name}`, async () => {
      const rt = await getRuntime(name);
      const cfg = tinyConfig({ initStd: 0.3, layers: 2, maxLen: 12, hidden: 16, heads: 2, ffn: 24 });
      const model = new Bert4Rec(rt, V, cfg, 7);
      const dev = trainBatchToDevice(rt, firstBatch(seqs, V, cfg.maxLen, 5), 6);
      model.eval();
      const { rowsOnly, full } = rt.noGrad(() =>
        scope(() => ({
          rowsOnly: model.encode(dev.inputs),
          full: F.gatherRows(model.encode({ ...dev.inputs, rows: undefined }), dev.inputs.rows),
        })),
      );
      expect(rowsOnly.shape).toEqual([dev.inputs.rows.size, cfg.hidden]);
      assertClose((await rowsOnly.data()) as Float32Array, (await full.data()) as Float32Array, { atol: 1e-6, rtol: 1e-5 }, 'rows');
      rowsOnly.dispose();
      full.dispose();
      dev.dispose();
      model.dispose();
    });

    it(`overfits one tiny batch on ${name}`, async () => {
      const rt = await getRuntime(name);
      const { losses } = await run(rt, tinyConfig({ dropout: 0 }), 80, 5e-3, 8);
      expect(losses[0]).toBeGreaterThan(Math.log(V) * 0.8); // starts near uniform over V+2 logits
      expect(losses.at(-1)!).toBeLessThan(0.05);
    });
  }

  it('WebGPU and WASM agree over 20 AdamW steps with dropout', async () => {
    const cfg = tinyConfig({ dropout: 0.1 });
    const a = await run(await getRuntime('webgpu'), cfg, 20, 1e-3, 8);
    const b = await run(await getRuntime('wasm'), cfg, 20, 1e-3, 8);
    // Same init, data and dropout masks; f32 with different summation orders.
    assertClose(a.losses, b.losses, { atol: 0, rtol: 1e-3 }, 'losses per step');
    expect(a.losses[19]).toBeLessThan(a.losses[0]);
    // Observed: losses within 3e-7 relative, parameters within 2e-7 absolute.
    // Except the attention's key bias: it adds q_i . b_k to every score of row i, which the softmax
    // cancels, so its true gradient is 0 and both backends feed AdamW rounding noise of their own
    // (m / sqrt(v) of noise is about +-1: steps of about lr in random directions). There only the
    // bound AdamW gives: |b_k| <= steps * lr * 3 from its initial 0.
    for (const [n, p] of a.params) {
      if (n.endsWith('attention.key.bias')) {
        for (const q of [p, b.params.get(n)!]) expect(Math.max(...Array.from(q, Math.abs))).toBeLessThanOrEqual(20 * 1e-3 * 3);
      } else assertClose(p, b.params.get(n)!, { atol: 1e-5, rtol: 1e-4 }, n);
    }
  });

  it('model.attnDropout drops attention probabilities alone (absent: the same rate as dropout)', async () => {
    const rt = await getRuntime('wasm');
    const loss = async (cfg: Bert4RecConfig) => (await run(rt, cfg, 1, 1e-3, 8)).losses[0];
    const none = await loss(tinyConfig({ dropout: 0 }));
    const attnOnly = await loss(tinyConfig({ dropout: 0, attnDropout: 0.5 }));
    const both = await loss(tinyConfig({ dropout: 0.5 }));
    const bothExplicit = await loss(tinyConfig({ dropout: 0.5, attnDropout: 0.5 }));
    const hiddenOnly = await loss(tinyConfig({ dropout: 0.5, attnDropout: 0 }));
    expect(attnOnly).not.toBe(none);
    expect(bothExplicit).toBe(both);
    expect(hiddenOnly).not.toBe(both);
    expect(hiddenOnly).not.toBe(none);
  });

  for (const name of BACKENDS) {
    it(`keeps pooled and live memory flat over training steps on ${name}`, async () => {
      const rt = await getRuntime(name);
      const { mem } = await run(rt, tinyConfig(), 12, 1e-3, 8);
      // After the first steps (pools warm up), every step reuses the same buffers.
      for (let s = 3; s < mem.length; s++) {
        expect(mem[s].live, `live bytes after step ${s + 1}`).toBe(mem[2].live);
        expect(mem[s].pooled, `pooled bytes after step ${s + 1}`).toBe(mem[2].pooled);
      }
    });
  }

  it('pads gathered rows to a multiple of 4 (no more) and batches to full size', async () => {
    const rt = await getRuntime('wasm');
    const batch = firstBatch(seqs.slice(0, 3), V, 16, 8);
    const dev = trainBatchToDevice(rt, batch, 8);
    expect(dev.inputs.ids.shape).toEqual([8, 16]);
    expect(dev.inputs.rows.size % ROW_MULTIPLE).toBe(0);
    expect(dev.inputs.rows.size - batch.maskedRows.length).toBeLessThan(ROW_MULTIPLE);
    const t = (await dev.targets.data()) as Int32Array;
    expect(Array.from(t.subarray(batch.maskedRows.length)).every((x) => x === -1)).toBe(true);
    dev.dispose();
  });

  it('a checkpoint saved on one backend gives the same logits on the other', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'b4r-ck-'));
    try {
      const cfg = tinyConfig();
      const batch = firstBatch(seqs, V, cfg.maxLen, 8);
      const logitsOf = async (rt: Runtime, model: Bert4Rec) => {
        model.eval();
        const dev = trainBatchToDevice(rt, batch, 8);
        const out = rt.noGrad(() => scope(() => model.logits(dev.inputs)));
        const data = (await out.data()) as Float32Array;
        out.dispose();
        dev.dispose();
        return data;
      };
      const gpu = await getRuntime('webgpu');
      const wasm = await getRuntime('wasm');
      // Train a few steps on WebGPU so the weights are not the initial ones, save, reload on WASM.
      const src = new Bert4Rec(gpu, V, cfg, 11);
      const opt = createOptimizer(src, { ...DEFAULT_TRAIN, lr: 1e-2 }, constantLr(1e-2));
      const dev = trainBatchToDevice(gpu, batch, 8);
      for (let s = 1; s <= 3; s++) await trainStep(src, opt, dev, s);
      dev.dispose();
      const meta: CheckpointConfig = {
        format: CHECKPOINT_FORMAT, version: 1, model: cfg, train: DEFAULT_TRAIN, numItems: V,
        idMaps: { version: 1, userIds: [0], itemIds: [-1, ...Array.from({ length: V }, (_, i) => i + 1)] },
        epoch: 0, step: 3, best: null, data: { source: 'synthetic', format: 'user-item', users: 1, items: V, interactions: 0 }, history: [], backend: 'webgpu', savedAt: '',
      };
      await saveCheckpoint(dir, src, opt.snapshot(), meta);
      const expected = await logitsOf(gpu, src);
      opt.dispose();
      src.dispose();
      const dst = new Bert4Rec(wasm, V, cfg, 99); // different init: everything must come from the file
      await loadModelWeights(dir, dst, 3);
      const actual = await logitsOf(wasm, dst);
      dst.dispose();
      // Identical weights; only the two backends' f32 summation orders differ.
      assertClose(actual, expected, { atol: 2e-4, rtol: 1e-3 }, 'logits WASM vs WebGPU');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

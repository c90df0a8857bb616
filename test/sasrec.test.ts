// SASRec on both backends: next-item batches, causal attention through the whole model (an
// output never depends on a later item), the three losses against a float64 computation from
// the model's own logits, overfitting one batch with each loss, WebGPU and WASM agreeing step
// by step, and the evaluation input (the history's last item in the last column).
import { afterAll, describe, expect, it } from 'vitest';
import { backward, constantLr, scope, type Runtime } from '../runtime/index.js';
import { DEFAULT_SASREC_MODEL, DEFAULT_TRAIN, type Bert4RecConfig, type LossKind } from '../src/config.js';
import { epochBatches, type TrainBatch } from '../src/data/batches.js';
import { bceNegatives, sampledCandidates } from '../src/data/loss-samples.js';
import { IGNORE_INDEX } from '../src/data/masking.js';
import { Rng } from '../src/data/rng.js';
import { buildSamples } from '../src/data/samples.js';
import { evalBatchOf, type EvalSet } from '../src/eval/inputs.js';
import { decayGroups } from '../src/model/bert4rec.js';
import { createModel } from '../src/model/create.js';
import { positionsFromStart, trainBatchToDevice, type DeviceBatch, type LossSampling } from '../src/model/inputs.js';
import { recommendationLoss } from '../src/model/loss.js';
import type { SequenceRecommender } from '../src/model/recommender.js';
import { SasRec } from '../src/model/sasrec.js';
import { createOptimizer } from '../src/train/optimizer.js';
import { trainStep } from '../src/train/step.js';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';
import { assertClose } from './cases/assert.js';
import { syntheticSequences } from './cases/bert4rec-fixtures.js';
import { referenceEncoder } from './cases/bert4rec-reference.js';

afterAll(destroyRuntimes);

const V = 40;
const seqs = syntheticSequences(24, V, 6, 20);
const cfg = (patch: Partial<Bert4RecConfig> = {}): Bert4RecConfig => ({ ...DEFAULT_SASREC_MODEL, maxLen: 16, hidden: 32, layers: 2, heads: 2, ffn: 64, ...patch });

function nextItemBatch(L: number, B: number, epoch = 1, bucket = 0): TrainBatch {
  const samples = buildSamples(seqs, { maxLen: L + 1, maskLastFraction: 0, nextItem: true });
  return epochBatches(samples, { batchSize: B, maskId: V + 1, seed: 7, epoch, objective: 'next-item', lengthBucket: bucket }).next().value as TrainBatch;
}

const sampling = (kind: LossKind, negatives = 8, k = 0): LossSampling | undefined => (kind === 'ce' ? undefined : { kind, numItems: V, negatives, rng: new Rng(1, 1, k) });

describe('next-item batches', () => {
  it('every real input position predicts the item after it; windows of L + 1 items are L wide', () => {
    const L = 8;
    const samples = buildSamples(seqs, { maxLen: L + 1, maskLastFraction: 0, nextItem: true });
    let targetsSeen = 0;
    for (const b of epochBatches(samples, { batchSize: 5, maskId: V + 1, seed: 3, epoch: 2, objective: 'next-item' })) {
      expect(b.maxLen).toBe(L);
      for (let r = 0; r < b.size; r++) {
        const u = b.users[r];
        const seq = seqs[u];
        const row = b.ids.subarray(r * L, (r + 1) * L);
        const tg = b.targets.subarray(r * L, (r + 1) * L);
        const first = row.findIndex((x) => x !== 0);
        const inputs = Array.from(row.subarray(first));
        const targets = Array.from(tg.subarray(first));
        // inputs and targets are consecutive slices of the user's sequence, shifted by one.
        const at = seq.findIndex((_, i) => inputs.every((x, k) => seq[i + k] === x) && targets.every((x, k) => seq[i + k + 1] === x));
        expect(at, `row ${r}`).toBeGreaterThanOrEqual(0);
        for (let t = 0; t < first; t++) expect(tg[t]).toBe(IGNORE_INDEX);
        for (let t = first; t < L; t++) expect(b.keyMask[r * L + t]).toBe(1);
        targetsSeen += L - first;
      }
      expect(Array.from(b.maskedTargets)).toEqual(Array.from(b.maskedRows, (i) => b.targets[i]));
      expect(b.ids.includes(V + 1)).toBe(false); // no MASK tokens
    }
    // Windows of L + 1 items overlap by one: each item after a sequence's first is a target once.
    expect(targetsSeen).toBe(seqs.reduce((s, q) => s + q.length - 1, 0));
  });

  it('length bucketing narrows batches to their longest input', () => {
    const b = nextItemBatch(16, 4, 1, 4);
    expect(b.maxLen % 4 === 0 || b.maxLen === 16).toBe(true);
    let longest = 0;
    for (let r = 0; r < b.size; r++) longest = Math.max(longest, Array.from(b.keyMask.subarray(r * b.maxLen, (r + 1) * b.maxLen)).reduce((s, x) => s + x, 0));
    expect(b.maxLen).toBe(Math.min(16, Math.ceil(longest / 4) * 4));
  });
});

describe('sampled-loss draws', () => {
  it('sampled softmax candidates: the distinct targets first, then distinct uniform negatives', () => {
    const targets = Int32Array.from([5, 9, 5, 30]);
    const s = sampledCandidates(targets, V, 10, new Rng(4));
    expect(new Set(s.candidates).size).toBe(s.candidates.length);
    expect(s.candidates.length).toBe(13);
    expect(Array.from(s.candidates.subarray(0, 3))).toEqual([5, 9, 30]);
    for (let r = 0; r < targets.length; r++) expect(s.candidates[s.targets[r]]).toBe(targets[r]);
    for (const c of s.candidates) expect(c >= 1 && c <= V).toBe(true);
    // Asking for more negatives than there are items gives the whole catalogue.
    expect(sampledCandidates(targets, V, 1000, new Rng(4)).candidates.length).toBe(V);
    // Deterministic for a seed.
    expect(Array.from(sampledCandidates(targets, V, 10, new Rng(4)).candidates)).toEqual(Array.from(s.candidates));
  });

  it('bce negatives avoid the items of their row and the target', () => {
    const b = nextItemBatch(16, 8);
    const neg = bceNegatives(b.ids, b.maxLen, b.maskedRows, b.maskedTargets, V, new Rng(9));
    expect(neg.length).toBe(b.maskedRows.length);
    for (let r = 0; r < neg.length; r++) {
      const row = Math.floor(b.maskedRows[r] / b.maxLen);
      const items = new Set(b.ids.subarray(row * b.maxLen, (row + 1) * b.maxLen));
      expect(neg[r]).not.toBe(b.maskedTargets[r]);
      expect(items.has(neg[r])).toBe(false);
      expect(neg[r] >= 1 && neg[r] <= V).toBe(true);
    }
  });
});

/** The loss of `kind` on a device batch, recorded nowhere. */
async function lossValue(model: SequenceRecommender, dev: DeviceBatch, kind: LossKind): Promise<number> {
  const l = model.rt.noGrad(() => scope(() => recommendationLoss(model, dev.inputs, dev.loss, kind)));
  const v = await l.item();
  l.dispose();
  return v;
}

/** dL/dw[idx] of the named parameter by central differences (step 1e-2); the parameter is restored after. */
async function centralDifference(model: SequenceRecommender, name: string, idx: number, loss: () => Promise<number>, h = 1e-2): Promise<number> {
  const p = model.namedParameters().find(([n]) => n === name)![1];
  const w0 = (await p.data()) as Float32Array;
  const set = (w: Float32Array) => model.loadStateDict({ [name]: w }, { strict: false });
  const w = Float32Array.from(w0);
  w[idx] = w0[idx] + h;
  await set(w);
  const up = await loss();
  w[idx] = w0[idx] - h;
  await set(w);
  const down = await loss();
  await set(w0);
  return (up - down) / (2 * h);
}

/** f32 forward: a difference quotient of losses ~1 carries ~1e-5 of noise. */
const FD_TOL = (g: number) => 1e-3 + 2e-2 * Math.abs(g);

/** log(sum exp) in float64. */
function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
}
const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

async function trainRun(rt: Runtime, c: Bert4RecConfig, kind: LossKind, steps: number, lr: number, B: number) {
  const model = createModel(rt, V, c, 3);
  const opt = createOptimizer(model, { ...DEFAULT_TRAIN, lr }, constantLr(lr));
  const batch = nextItemBatch(c.maxLen, B);
  const losses: number[] = [];
  try {
    for (let s = 1; s <= steps; s++) {
      const dev = trainBatchToDevice(rt, batch, B, undefined, sampling(kind, 8, s));
      try {
        losses.push(await trainStep(model, opt, dev, s, kind));
      } finally {
        dev.dispose();
      }
    }
    const params = new Map<string, Float32Array>();
    for (const [n, p] of model.namedParameters()) params.set(n, (await p.data()) as Float32Array);
    return { losses, params };
  } finally {
    opt.dispose();
    model.dispose();
  }
}

describe('SASRec model', () => {
  it('has the encoder without the BERT4Rec head, and no output bias', async () => {
    const rt = await getRuntime('wasm');
    const model = createModel(rt, V, cfg({ layers: 1 }), 0);
    expect(model).toBeInstanceOf(SasRec);
    const names = model.namedParameters().map(([n]) => n);
    model.dispose();
    expect(names.filter((n) => n.startsWith('head.'))).toEqual([]);
    expect(names).toContain('embeddings.item');
    expect(names).toContain('layers.0.attention.query.weight');
  });

  it('scores the last history item at evaluation: the MASK column is shifted out', () => {
    const set: EvalSet = { stage: 'valid', maxLen: 6, maskId: V + 1, numItems: V, users: Int32Array.of(0, 1), targets: Int32Array.of(3, 4), inputs: [Int32Array.of(7, 8), Int32Array.of(1, 2, 3, 4, 5)], exclude: [], interacted: [] };
    const b = evalBatchOf(set, Int32Array.of(0, 1));
    const s = new SasRecForShape({} as Runtime).scoringInput(b);
    expect(Array.from(s.ids)).toEqual([0, 0, 0, 0, 7, 8, 0, 1, 2, 3, 4, 5]);
    expect(Array.from(s.keyMask)).toEqual([0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1]);
    expect(Array.from(s.rows)).toEqual(Array.from(b.rows));
  });

  it('pre-LN (--norm pre): a final LayerNorm instead of the embedding LayerNorm, both without weight decay', async () => {
    const rt = await getRuntime('wasm');
    const model = createModel(rt, V, cfg({ norm: 'pre' }), 0);
    const names = model.namedParameters().map(([n]) => n);
    const { noDecay } = decayGroups(model);
    const noDecayNames = new Set(noDecay.map((p) => p.name));
    model.dispose();
    expect(names).toContain('final_norm.weight');
    expect(names).toContain('layers.1.attention_norm.weight');
    expect(names.filter((n) => n.startsWith('embeddings.norm'))).toEqual([]);
    expect(noDecayNames.has('final_norm.weight') && noDecayNames.has('final_norm.bias')).toBe(true);
  });

  for (const name of BACKENDS) {
    for (const [norm, positions] of [['post', 'from-end'], ['pre', 'from-end'], ['sasrec', 'from-end'], ['post', 'from-start'], ['sasrec', 'from-start']] as const) {
      it(`the ${norm}-LN encoder with positions ${positions} equals its float64 reference, all rows and selected rows, on ${name}`, async () => {
        const rt = await getRuntime(name);
        const c = cfg({ norm, positions, initStd: 0.3, dropout: 0, maxLen: 10, hidden: 16, heads: 2, ffn: 24 });
        const model = createModel(rt, V, c, 9);
        model.eval();
        const L = c.maxLen;
        const B = 3;
        // Row 0 full, row 1 left-padded by 4, row 2 a single item.
        const ids = Int32Array.from({ length: B * L }, (_, i) => {
          const b = Math.floor(i / L);
          const t = i % L;
          return (b === 1 && t < 4) || (b === 2 && t < L - 1) ? 0 : 1 + ((i * 11 + 3) % V);
        });
        const mask = Int32Array.from(ids, (x) => (x ? 1 : 0));
        const rows = Int32Array.of(L - 1, L + 5, 2 * L - 1, 3 * L - 1); // ascending, as the query rows of attention must be
        const t = rt.tensor(ids, [B, L], 'i32');
        const m = rt.tensor(new Uint32Array(mask), [B, L], 'u32');
        const r = rt.tensor(rows, [rows.length], 'i32');
        const pos = rt.tensor(positionsFromStart(mask, B, L), [B, L], 'i32');
        const all = rt.noGrad(() => scope(() => (model as SasRec).encode({ ids: t, keyMask: m, positions: pos })));
        const picked = rt.noGrad(() => scope(() => (model as SasRec).encode({ ids: t, keyMask: m, rows: r, positions: pos })));
        const got = (await all.data()) as Float32Array;
        const gotRows = (await picked.data()) as Float32Array;
        const params = new Map<string, Float32Array>();
        for (const [n, p] of model.namedParameters()) params.set(n, (await p.data()) as Float32Array);
        for (const x of [all, picked, t, m, r, pos]) x.dispose();
        model.dispose();
        const want = referenceEncoder(params, c, ids, mask, B, true);
        const d = c.hidden;
        const real = (k: number) => mask[k] !== 0;
        const keep = (v: ArrayLike<number>) => Array.from(v).filter((_, i) => real(Math.floor(i / d)));
        assertClose(keep(got), keep(want), { atol: 2e-4, rtol: 2e-4 }, `${norm}-LN encoder, real positions`);
        const wantRows = Array.from(rows).flatMap((k) => Array.from(want.subarray(k * d, (k + 1) * d)));
        assertClose(gotRows, wantRows, { atol: 2e-4, rtol: 2e-4 }, `${norm}-LN encoder, selected rows`);
      });
    }
  }

  it('positions from-start: an item\'s output depends only on the items up to it, wherever its row puts them; from-end: on its distance from the row\'s end (WASM)', async () => {
    const rt = await getRuntime('wasm');
    const outputAtThird = async (positions: 'from-start' | 'from-end', history: number[], L: number) => {
      const model = createModel(rt, V, cfg({ positions, initStd: 0.3, dropout: 0, maxLen: 10, hidden: 16, heads: 2, ffn: 24 }), 5);
      model.eval();
      const ids = new Int32Array(L);
      ids.set(history, L - history.length); // left-padded
      const mask = Int32Array.from(ids, (x) => (x ? 1 : 0));
      const t = rt.tensor(ids, [1, L], 'i32');
      const m = rt.tensor(new Uint32Array(mask), [1, L], 'u32');
      const r = rt.tensor(Int32Array.of(L - history.length + 2), [1], 'i32'); // the third item
      const pos = rt.tensor(positionsFromStart(mask, 1, L), [1, L], 'i32');
      const out = rt.noGrad(() => scope(() => (model as SasRec).encode({ ids: t, keyMask: m, rows: r, positions: pos })));
      const v = Array.from((await out.data()) as Float32Array);
      for (const x of [out, t, m, r, pos]) x.dispose();
      model.dispose();
      return v;
    };
    const short = [5, 9, 13];
    const long = [5, 9, 13, 2, 30, 7];
    assertClose(await outputAtThird('from-start', long, 10), await outputAtThird('from-start', short, 8), { atol: 1e-5, rtol: 1e-5 }, 'from-start, third item of 3 and of 6 items');
    const a = await outputAtThird('from-end', long, 10);
    const b = await outputAtThird('from-end', short, 10);
    expect(Math.max(...a.map((x, i) => Math.abs(x - b[i])))).toBeGreaterThan(1e-2);
  });

  for (const norm of ['pre', 'sasrec'] as const) it(`${norm}-LN: the cross-entropy gradient matches central differences at the final, attention and feed-forward norms, a query and a key weight and the item table (WASM)`, async () => {
    const rt = await getRuntime('wasm');
    const c = cfg({ norm, initStd: 0.3, dropout: 0, layers: 1, maxLen: 6, hidden: 8, heads: 1, ffn: 16 });
    const model = createModel(rt, V, c, 4);
    model.eval();
    const batch = nextItemBatch(c.maxLen, 3);
    const dev = trainBatchToDevice(rt, batch, 3, 256, undefined);
    const l = scope(() => recommendationLoss(model, dev.inputs, dev.loss, 'ce'));
    backward(l);
    l.dispose();
    const byName = new Map(model.namedParameters());
    const item = batch.maskedTargets[0];
    const checks: [string, number][] = [
      ['final_norm.weight', 1],
      ['final_norm.bias', 2],
      ['layers.0.attention_norm.weight', 3],
      ['layers.0.ffn_norm.bias', 5],
      ['layers.0.attention.query.weight', 9],
      ['layers.0.attention.key.weight', 13],
      ['embeddings.item', item * c.hidden + 2],
      ['embeddings.position', (c.maxLen - 1) * c.hidden + 4],
    ];
    for (const [pname, idx] of checks) {
      const g = ((await byName.get(pname)!.grad!.data()) as Float32Array)[idx];
      const fd = await centralDifference(model, pname, idx, () => lossValue(model, dev, 'ce'));
      expect(Math.abs(fd - g), `dL/d${pname}[${idx}] (analytic ${g})`).toBeLessThan(FD_TOL(g));
    }
    dev.dispose();
    model.dispose();
  });

  for (const name of BACKENDS) {
    it(`an output depends on earlier items only (causal attention) on ${name}`, async () => {
      const rt = await getRuntime(name);
      const c = cfg({ initStd: 0.3, dropout: 0, maxLen: 12, hidden: 16, heads: 2, ffn: 24 });
      const model = createModel(rt, V, c, 5);
      model.eval();
      const L = c.maxLen;
      const ids = Int32Array.from({ length: 2 * L }, (_, i) => (i % L < 3 && i >= L ? 0 : 1 + ((i * 7) % V)));
      const mask = Int32Array.from(ids, (x) => (x ? 1 : 0));
      const encode = async (x: Int32Array) => {
        const t = rt.tensor(x, [2, L], 'i32');
        const m = rt.tensor(new Uint32Array(mask), [2, L], 'u32');
        const pos = rt.tensor(positionsFromStart(mask, 2, L), [2, L], 'i32');
        const out = rt.noGrad(() => scope(() => (model as SasRec).encode({ ids: t, keyMask: m, positions: pos })));
        const v = (await out.data()) as Float32Array;
        for (const x of [out, t, m, pos]) x.dispose();
        return v;
      };
      const base = await encode(ids);
      const changed = Int32Array.from(ids);
      const at = 7; // change position 7 of both rows
      changed[at] = changed[at] === 1 ? 2 : 1;
      changed[L + at] = changed[L + at] === 1 ? 2 : 1;
      const after = await encode(changed);
      model.dispose();
      const d = c.hidden;
      for (let b = 0; b < 2; b++) {
        for (let t = 0; t < L; t++) {
          const row = (b * L + t) * d;
          let diff = 0;
          for (let j = 0; j < d; j++) diff = Math.max(diff, Math.abs(base[row + j] - after[row + j]));
          if (t < at) expect(diff, `row ${b} position ${t} (before the change)`).toBe(0);
          else expect(diff, `row ${b} position ${t} (at or after the change)`).toBeGreaterThan(1e-4);
        }
      }
    });

    for (const kind of ['sampled', 'bce'] as const) {
      it(`the ${kind} loss equals its float64 value from the model's logits on ${name}`, async () => {
        const rt = await getRuntime(name);
        const c = cfg({ initStd: 0.3, dropout: 0 });
        const model = createModel(rt, V, c, 11);
        model.eval();
        const batch = nextItemBatch(c.maxLen, 6);
        const dev = trainBatchToDevice(rt, batch, 6, 256, sampling(kind, 12));
        const { logits, loss } = rt.noGrad(() => scope(() => ({ logits: model.logits(dev.inputs), loss: recommendationLoss(model, dev.inputs, dev.loss, kind) })));
        const z = (await logits.data()) as Float32Array;
        const got = await loss.item();
        const W = V + 2;
        const targets = (await dev.loss.targets.data()) as Int32Array;
        let sum = 0;
        let n = 0;
        if (kind === 'sampled') {
          const cand = (await dev.loss.candidates!.data()) as Int32Array;
          for (let r = 0; r < targets.length; r++) {
            if (targets[r] < 0) continue;
            const zs = Array.from(cand, (i) => z[r * W + i]);
            sum += logSumExp(zs) - zs[targets[r]];
            n++;
          }
        } else {
          const pos = (await dev.loss.positives!.data()) as Int32Array;
          const neg = (await dev.loss.negatives!.data()) as Int32Array;
          for (let r = 0; r < targets.length; r++) {
            if (targets[r] < 0) continue;
            sum += softplus(-z[r * W + pos[r]]) + softplus(z[r * W + neg[r]]);
            n++;
          }
        }
        logits.dispose();
        loss.dispose();
        dev.dispose();
        model.dispose();
        expect(n).toBe(batch.maskedRows.length);
        expect(Math.abs(got - sum / n)).toBeLessThan(1e-5 * Math.max(1, sum / n));
      });
    }

    for (const kind of ['ce', 'sampled', 'bce'] as const) {
      it(`overfits one batch with the ${kind} loss on ${name}`, async () => {
        const rt = await getRuntime(name);
        const { losses } = await trainRun(rt, cfg({ dropout: 0 }), kind, 60, 5e-3, 8);
        expect(losses.every(Number.isFinite)).toBe(true);
        expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.25);
      });
    }
  }

  for (const kind of ['bce', 'sampled'] as const) {
    it(`the gradient of the ${kind} loss matches central differences (output embedding of a target item, WASM)`, async () => {
      const rt = await getRuntime('wasm');
      const c = cfg({ initStd: 0.3, dropout: 0, layers: 1, maxLen: 6, hidden: 8, heads: 1, ffn: 16 });
      const model = createModel(rt, V, c, 2);
      model.eval();
      const batch = nextItemBatch(c.maxLen, 3);
      const dev = trainBatchToDevice(rt, batch, 3, 256, sampling(kind, 6));
      const E = model.outputWeight;
      const l = scope(() => recommendationLoss(model, dev.inputs, dev.loss, kind));
      backward(l);
      l.dispose();
      const g = (await E.grad!.data()) as Float32Array;
      expect(g.some((x) => x !== 0)).toBe(true);
      const item = batch.maskedTargets[0];
      for (let j = 0; j < c.hidden; j++) {
        const idx = item * c.hidden + j;
        const fd = await centralDifference(model, 'embeddings.item', idx, () => lossValue(model, dev, kind));
        expect(Math.abs(fd - g[idx]), `dL/dE[${item}, ${j}]`).toBeLessThan(FD_TOL(g[idx]));
      }
      dev.dispose();
      model.dispose();
    });
  }

  it('WebGPU and WASM agree over 10 AdamW steps with dropout (full cross-entropy)', async () => {
    const c = cfg({ dropout: 0.1 });
    const a = await trainRun(await getRuntime('webgpu'), c, 'ce', 10, 1e-3, 8);
    const b = await trainRun(await getRuntime('wasm'), c, 'ce', 10, 1e-3, 8);
    assertClose(a.losses, b.losses, { atol: 0, rtol: 1e-3 }, 'losses per step');
    for (const [n, p] of a.params) assertClose(p, b.params.get(n)!, { atol: 1e-5, rtol: 1e-4 }, n);
  });
});

/** SasRec.scoringInput needs no device: a shell that only carries the method. */
class SasRecForShape {
  constructor(readonly rt: Runtime) {}
  scoringInput = SasRec.prototype.scoringInput;
}

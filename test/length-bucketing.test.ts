// Length bucketing: batches of short sequences are only as wide as they need to be (left
// padding, so the last item stays in the last column at position maxLen - 1). A narrow batch
// must give the model the same outputs as the full-width batch, an epoch must still train
// every sample once with the same masks, and evaluation must give the same ranks.
import { afterAll, describe, expect, it } from 'vitest';
import { scope, type Runtime } from '../runtime/index.js';
import { epochBatches, type TrainBatch } from '../src/data/batches.js';
import type { Dataset } from '../src/data/preprocess.js';
import { buildSamples } from '../src/data/samples.js';
import { leaveOneOut } from '../src/data/split.js';
import { evaluate } from '../src/eval/evaluate.js';
import { buildEvalSet } from '../src/eval/inputs.js';
import { Bert4Rec } from '../src/model/bert4rec.js';
import { trainBatchToDevice } from '../src/model/inputs.js';
import { modelScorer } from '../src/model/score.js';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';
import { syntheticSequences, tinyConfig } from './cases/bert4rec-fixtures.js';

afterAll(destroyRuntimes);

const V = 50;
const L = 32;
const seqs = syntheticSequences(300, V, 3, 70, 11);

/** Per sample (user, window start, kind): its masked targets keyed by distance from the row's end. */
function maskSignature(batch: TrainBatch): string[] {
  const out: string[] = [];
  const W = batch.maxLen;
  for (let r = 0; r < batch.size; r++) {
    const m: string[] = [];
    let real = 0;
    for (let t = 0; t < W; t++) {
      real += batch.keyMask[r * W + t];
      if (batch.targets[r * W + t] >= 0) m.push(`${W - t}:${batch.targets[r * W + t]}`);
    }
    out.push(`${batch.users[r]}|${real}|${m.join(',')}`);
  }
  return out;
}

describe('length bucketing', () => {
  it('covers every sample once with the same masks, in batches as narrow as their longest sample', () => {
    const samples = buildSamples(seqs, { maxLen: L, maskLastFraction: 1 });
    const base = { batchSize: 16, maskProb: 0.2, maskId: V + 1, seed: 5, epoch: 2 };
    const plain = [...epochBatches(samples, base)];
    const bucketed = [...epochBatches(samples, { ...base, lengthBucket: 8 })];
    expect(bucketed.length).toBe(plain.length);
    const sig = (bs: TrainBatch[]) => bs.flatMap((b) => maskSignature(b)).sort();
    expect(sig(bucketed)).toEqual(sig(plain));
    let narrower = 0;
    for (const b of bucketed) {
      expect(b.maxLen % 8 === 0 || b.maxLen === L).toBe(true);
      let longest = 0;
      for (let r = 0; r < b.size; r++) {
        let n = 0;
        for (let t = 0; t < b.maxLen; t++) n += b.keyMask[r * b.maxLen + t];
        longest = Math.max(longest, n);
        expect(b.keyMask[r * b.maxLen + b.maxLen - 1], 'the last column holds the last item').toBe(1);
      }
      expect(b.maxLen).toBeLessThan(longest + 8);
      if (b.maxLen < L) narrower++;
    }
    expect(narrower, 'some batches are narrower than L').toBeGreaterThan(5);
    expect(plain.every((b) => b.maxLen === L)).toBe(true);
    expect(() => epochBatches(samples, { ...base, lengthBucket: -1 }).next()).toThrow(/lengthBucket/);
  });

  it('mixes cloze and mask-last samples of equal length in the same batches', () => {
    // Every window of these sequences is exactly L long, so length sorting alone cannot
    // separate them; batches must still mix both kinds (no batch of mask-last samples only).
    const long = syntheticSequences(120, V, 3 * L, 4 * L, 13);
    const samples = buildSamples(long, { maxLen: L, maskLastFraction: 1 });
    const batches = [...epochBatches(samples, { batchSize: 16, maskProb: 0.2, maskId: V + 1, seed: 5, epoch: 1, lengthBucket: 8 })];
    expect(batches.every((b) => b.maxLen === L)).toBe(true);
    for (const b of batches.filter((x) => x.size === 16)) {
      let maskLast = 0;
      for (let r = 0; r < b.size; r++) {
        const masked = Array.from(b.maskedRows).filter((row) => Math.floor(row / L) === r);
        if (masked.length === 1 && masked[0] === r * L + L - 1) maskLast++;
      }
      expect(maskLast, 'mask-last rows in a batch of 16').toBeGreaterThan(0);
      expect(maskLast, 'mask-last rows in a batch of 16').toBeLessThan(16);
    }
  });

  describe.each(BACKENDS)('%s', (backend) => {
    let rt: Runtime;
    it('a narrow batch gives the same logits and loss as the same batch at full width', async () => {
      rt = await getRuntime(backend);
      const model = new Bert4Rec(rt, V, tinyConfig({ maxLen: L, dropout: 0 }), 4);
      const samples = buildSamples(seqs, { maxLen: L });
      const narrow = [...epochBatches(samples, { batchSize: 8, maskId: V + 1, seed: 1, epoch: 1, lengthBucket: 8 })].find((b) => b.maxLen <= 16)!;
      expect(narrow).toBeDefined();
      // The same rows, left-padded to L.
      const W = narrow.maxLen;
      const pad = L - W;
      const wide: TrainBatch = {
        ...narrow,
        maxLen: L,
        ids: new Int32Array(narrow.size * L),
        targets: new Int32Array(narrow.size * L).fill(-1),
        keyMask: new Int32Array(narrow.size * L),
        maskedRows: narrow.maskedRows.map((i) => Math.floor(i / W) * L + pad + (i % W)),
      };
      for (let r = 0; r < narrow.size; r++) {
        wide.ids.set(narrow.ids.subarray(r * W, (r + 1) * W), r * L + pad);
        wide.targets.set(narrow.targets.subarray(r * W, (r + 1) * W), r * L + pad);
        wide.keyMask.set(narrow.keyMask.subarray(r * W, (r + 1) * W), r * L + pad);
      }
      const out: Float32Array[] = [];
      const losses: number[] = [];
      for (const b of [narrow, wide]) {
        const dev = trainBatchToDevice(rt, b, 8);
        try {
          const [logits, loss] = rt.noGrad(() => scope(() => {
            const lg = model.logits(dev.inputs);
            return [lg, model.loss(dev.inputs, dev.targets)];
          }));
          out.push((await logits.data()) as Float32Array);
          losses.push(((await loss.data()) as Float32Array)[0]);
          logits.dispose();
          loss.dispose();
        } finally {
          dev.dispose();
        }
      }
      expect(out[0].length).toBe(out[1].length);
      // Only the real masked rows (the padding rows of R point at row 0, which differs).
      const real = narrow.maskedRows.length * model.vocab;
      let worst = 0;
      for (let i = 0; i < real; i++) worst = Math.max(worst, Math.abs(out[0][i] - out[1][i]));
      expect(worst, 'max |logit difference|').toBeLessThan(1e-4);
      expect(Math.abs(losses[0] - losses[1])).toBeLessThan(1e-5 * Math.max(1, Math.abs(losses[1])));
      model.dispose();
    });

    it('evaluation in length order with narrow batches gives the same ranks', async () => {
      rt = await getRuntime(backend);
      const model = new Bert4Rec(rt, V, tinyConfig({ maxLen: L }), 9);
      const dataset = { numUsers: seqs.length, numItems: V, padId: 0, maskId: V + 1, vocabSize: V + 2, sequences: seqs } as unknown as Dataset;
      const set = buildEvalSet(leaveOneOut(dataset), 'test', L);
      const scorer = modelScorer(model, 32);
      const full = await evaluate(set, scorer, { batchSize: 64 });
      const bucketed = await evaluate(set, scorer, { batchSize: 64, lengthBucket: 8 });
      let differ = 0;
      for (let k = 0; k < full.fullRanks.length; k++) if (full.fullRanks[k] !== bucketed.fullRanks[k]) differ++;
      // Float rounding may swap near-ties; anything more is a bug.
      expect(differ).toBeLessThanOrEqual(2);
      expect(Math.abs(full.full.ndcg10 - bucketed.full.ndcg10)).toBeLessThan(0.01);
      model.dispose();
    });
  });
});

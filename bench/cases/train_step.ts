// The whole BERT4Rec training step (forward, backward, clipping, AdamW, loss readback) and a
// forward-only pass (eval mode, no tape) at the paper's ML-1M shape: B=64, L=200, d=64,
// 2 layers, 2 heads, FFN 256, V=3418 (+PAD, MASK), 2560 masked rows (20%).
// Each is its own group, so the reported group peak is the step's own peak live memory.
import { scope } from '../../runtime/index.js';
import { DEFAULT_MODEL, DEFAULT_TRAIN } from '../../src/config.js';
import { Bert4Rec } from '../../src/model/bert4rec.js';
import { trainBatchToDevice } from '../../src/model/inputs.js';
import { syntheticBatch, TRAIN_SHAPE } from '../compare/batch.js';
import { createOursTrainStep } from '../compare/ours-train.js';
import type { BenchCase } from '../types.js';

const { B, L, V, R } = TRAIN_SHAPE;
const M = DEFAULT_MODEL;
// Nominal forward FLOPs: per layer and token 4 d^2 (Q, K, V, O) + 2 d ffn (FFN) + 2 L d
// (scores and weighted values) multiply-adds; per masked row d^2 (head) + d (V+2) (logits).
// The backward costs about twice the forward.
const forwardFlops = 2 * (M.layers * B * L * (4 * M.hidden * M.hidden + 2 * M.hidden * M.ffn + 2 * L * M.hidden) + R * (M.hidden * M.hidden + M.hidden * (V + 2)));
const paramBytes = 4 * ((V + 2) * M.hidden + L * M.hidden + M.layers * (4 * M.hidden * M.hidden + 2 * M.hidden * M.ffn));
const label = `B=${B} L=${L} d=${M.hidden} ${M.layers} layers ${M.heads} heads V=${V} R=${R}`;

export const benchCases: BenchCase[] = [
  {
    name: `BERT4Rec train step ${label}`,
    group: 'train-step',
    flops: 3 * forwardFlops,
    // parameters read and written with two Adam moments, plus the batch
    bytes: 4 * paramBytes + 3 * 4 * B * L,
    async setup(rt) {
      const t = createOursTrainStep(rt, syntheticBatch(B, L, V, R), V, { ...M, maxLen: L }, DEFAULT_TRAIN);
      return { run: async () => void (await t.step()), dispose: () => t.dispose() };
    },
  },
  {
    name: `BERT4Rec forward (eval, loss) ${label}`,
    group: 'forward',
    flops: forwardFlops,
    bytes: paramBytes + 3 * 4 * B * L,
    async setup(rt) {
      const model = new Bert4Rec(rt, V, { ...M, maxLen: L }, DEFAULT_TRAIN.seed);
      model.eval();
      const dev = trainBatchToDevice(rt, syntheticBatch(B, L, V, R), B);
      return {
        run: () => rt.noGrad(() => scope(() => void model.loss(dev.inputs, dev.targets))),
        dispose() {
          dev.dispose();
          model.dispose();
        },
      };
    },
  },
];

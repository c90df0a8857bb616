// Model-side benchmarks at ML-20M scale on one machine (the default ML-1M model, d=64, L=200,
// 2 layers, V ~ 26.4k items after the 5-core filter), on a ratings file such as the one
// scripts/gen-ml20m.mjs writes:
//   npx tsx bench/scale/model.ts --data /tmp/ml20m-synth/ratings.csv --eval-users 4096 [--json FILE]
//   npx tsx bench/scale/model.ts --data /tmp/ml20m-synth/ratings.csv --train-steps 8 [--loss sampled --negatives 1024] [--json FILE]
// --eval-users N: full-ranking evaluation (test stage, all items, history excluded) of N users
//   spread evenly over the set, as the trainer scores them (length-bucketed batches); reports
//   users/s and the time that rate gives for every user.
// --train-steps K: K timed training steps (after 2 warm-up steps) of batch 64 with full
//   softmax cross-entropy over the whole catalogue (or --loss sampled: over the batch's targets
//   plus --negatives N uniform items); reports ms/step and the epoch that makes.
// The weights are the initial ones: the timings do not depend on them.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createRuntime, linearWarmupDecay } from '../../runtime/index.js';
import { DEFAULT_MODEL, DEFAULT_TRAIN } from '../../src/config.js';
import { batchCount, epochBatches } from '../../src/data/batches.js';
import { buildSamples } from '../../src/data/samples.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { buildEvalSet, type EvalSet } from '../../src/eval/inputs.js';
import { Bert4Rec } from '../../src/model/bert4rec.js';
import { Rng } from '../../src/data/rng.js';
import { trainBatchToDevice } from '../../src/model/inputs.js';
import { modelScorer } from '../../src/model/score.js';
import { loadTrainingData } from '../../src/train/data.js';
import { createOptimizer } from '../../src/train/optimizer.js';
import { trainStep } from '../../src/train/step.js';
import { machineSummary } from './machine.js';

const { values: a } = parseArgs({ options: { data: { type: 'string' }, 'eval-users': { type: 'string' }, 'train-steps': { type: 'string' }, json: { type: 'string' }, backend: { type: 'string' }, loss: { type: 'string' }, negatives: { type: 'string' } } });
const lossKind = (a.loss ?? 'ce') as 'ce' | 'sampled';
if (lossKind !== 'ce' && lossKind !== 'sampled') throw new Error(`bench/scale/model.ts: --loss must be ce or sampled, got ${a.loss}`);
const negatives = Number(a.negatives ?? 1024);
if (!a.data) throw new Error('bench/scale/model.ts: --data PATH is required');
const evalUsers = Number(a['eval-users'] ?? 0);
const trainSteps = Number(a['train-steps'] ?? 0);
if (!(evalUsers > 0) && !(trainSteps > 0)) throw new Error('bench/scale/model.ts: pass --eval-users N and/or --train-steps K');

const tLoad = performance.now();
const { dataset, split } = await loadTrainingData({ data: a.data });
const loadSeconds = (performance.now() - tLoad) / 1000;
const rt = await createRuntime({ backend: (a.backend as 'wasm' | 'webgpu' | 'auto' | undefined) ?? 'auto', log: (m) => console.error(m) });
const mc = DEFAULT_MODEL;
const V = dataset.numItems;
const model = new Bert4Rec(rt, V, mc, 1);
const result: Record<string, unknown> = {
  benchmark: 'scale-model',
  date: new Date().toISOString(),
  machine: machineSummary(),
  backend: rt.name,
  data: a.data,
  users: dataset.numUsers,
  items: V,
  interactions: dataset.stats.final.interactions,
  model: mc,
  loadSeconds: +loadSeconds.toFixed(1),
};

/** Every k-th user of the set, n of them (a spread of history lengths). */
function subset(set: EvalSet, n: number): EvalSet {
  const step = set.users.length / Math.min(n, set.users.length);
  const pick = Array.from({ length: Math.min(n, set.users.length) }, (_, i) => Math.floor(i * step));
  return { ...set, users: Int32Array.from(pick, (k) => set.users[k]), inputs: pick.map((k) => set.inputs[k]), targets: Int32Array.from(pick, (k) => set.targets[k]), exclude: pick.map((k) => set.exclude[k]) };
}

if (evalUsers > 0) {
  const full = buildEvalSet(split, 'test', mc.maxLen);
  const set = subset(full, evalUsers);
  const scorer = modelScorer(model, 128);
  await evaluate(subset(full, 128), scorer, { batchSize: 512, lengthBucket: DEFAULT_TRAIN.lengthBucket }); // warm-up
  const t0 = performance.now();
  const r = await evaluate(set, scorer, { batchSize: 512, lengthBucket: DEFAULT_TRAIN.lengthBucket });
  const seconds = (performance.now() - t0) / 1000;
  const perSecond = set.users.length / seconds;
  result.eval = {
    protocol: 'full ranking over every item, history excluded, test stage',
    usersTimed: set.users.length,
    usersInSet: full.users.length,
    meanHistory: +(set.inputs.reduce((s, x) => s + x.length, 0) / set.users.length).toFixed(1),
    seconds: +seconds.toFixed(1),
    usersPerSecond: +perSecond.toFixed(1),
    scoresPerSecond: Math.round(perSecond * V),
    allUsersMinutes: +(full.users.length / perSecond / 60).toFixed(1),
    ndcg10OfInitialWeights: +r.full.ndcg10.toFixed(5),
  };
  console.error(`eval: ${set.users.length} users in ${seconds.toFixed(1)} s = ${perSecond.toFixed(1)} users/s; all ${full.users.length}: ${(full.users.length / perSecond / 60).toFixed(1)} min`);
}

if (trainSteps > 0) {
  const tc = DEFAULT_TRAIN;
  const samples = buildSamples(split.train, { maxLen: mc.maxLen, maskLastFraction: tc.maskLastFraction });
  const perEpoch = batchCount(samples, tc.batchSize);
  const opt = createOptimizer(model, tc, linearWarmupDecay({ peakLr: tc.lr, warmupSteps: 10, totalSteps: 1000 }));
  const it = epochBatches(samples, { batchSize: tc.batchSize, maskProb: mc.maskProb, maskId: dataset.maskId, seed: tc.seed, epoch: 1, lengthBucket: tc.lengthBucket });
  const ms: number[] = [];
  const candidates: number[] = [];
  const rows: number[] = [];
  const widths: number[] = [];
  for (let s = 1; s <= trainSteps + 2; s++) {
    const batch = it.next().value!;
    const sampling = lossKind === 'sampled' ? { kind: lossKind, numItems: V, negatives, rng: new Rng(tc.seed, 1, s) } : undefined;
    const t0 = performance.now(); // the host-side draw of the candidates counts
    const dev = trainBatchToDevice(rt, batch, tc.batchSize, undefined, sampling);
    await trainStep(model, opt, dev, s, lossKind);
    if (s > 2) {
      ms.push(performance.now() - t0);
      if (dev.loss.candidates) candidates.push(dev.loss.candidates.size);
      rows.push(dev.maskedCount);
      widths.push(batch.maxLen);
    }
    dev.dispose();
  }
  const sorted = [...ms].sort((x, y) => x - y);
  const median = sorted[sorted.length >> 1];
  const mean = ms.reduce((s, x) => s + x, 0) / ms.length;
  result.train = {
    loss: lossKind === 'ce' ? 'full softmax cross-entropy over all items' : `sampled softmax: the batch's targets + ${negatives} uniform negatives`,
    candidatesPerStep: candidates.length ? candidates : undefined,
    batchSize: tc.batchSize,
    stepsTimed: ms.length,
    msPerStep: ms.map((x) => Math.round(x)),
    medianMs: Math.round(median),
    meanMs: Math.round(mean),
    maskedRowsPerStep: rows,
    batchWidths: widths,
    samplesPerEpoch: samples.count,
    stepsPerEpoch: perEpoch,
    epochMinutesAtMean: +((perEpoch * mean) / 60000).toFixed(1),
  };
  console.error(`train: median ${median.toFixed(0)} ms/step, mean ${mean.toFixed(0)}; ${perEpoch} steps/epoch = ${((perEpoch * mean) / 60000).toFixed(1)} min/epoch`);
  opt.dispose();
}

model.dispose();
rt.destroy();
console.log(JSON.stringify(result, null, 1));
if (a.json) await writeFile(a.json, `${JSON.stringify(result, null, 1)}\n`);
process.exit(0);

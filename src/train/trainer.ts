// The training loop: epochs of cloze batches, validation each `evalEvery` epochs, the best
// checkpoint by validation NDCG@10, then test metrics of the best model (full ranking and the
// sampled protocol) beside the most-popular baseline.
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { linearWarmupDecay, type Runtime } from '../../runtime/index.js';
import {
  CHECKPOINT_FORMAT,
  CheckpointError,
  loadModelWeights,
  loadOptimizerTensors,
  readCheckpointConfig,
  saveCheckpoint,
  saveSequences,
  type CheckpointConfig,
  type EpochRecord,
  type OptimizerSnapshot,
} from '../checkpoint.js';
import type { FullConfig } from '../config.js';
import { batchCount, epochBatches } from '../data/batches.js';
import { exportIdMaps } from '../data/idmaps.js';
import { buildSamples } from '../data/samples.js';
import { trainingSequences } from '../data/split.js';
import { evaluate, evaluateMostPopular } from '../eval/evaluate.js';
import { buildEvalSet } from '../eval/inputs.js';
import { buildSampledCandidates } from '../eval/negatives.js';
import { itemCounts, mostPopularScores } from '../eval/popularity.js';
import { Bert4Rec } from '../model/bert4rec.js';
import { trainBatchToDevice } from '../model/inputs.js';
import { modelScorer } from '../model/score.js';
import { trainingCurveSvg } from './chart.js';
import type { PreparedData } from './data.js';
import { createOptimizer } from './optimizer.js';
import { epochProgressBar } from './progress.js';
import { formatMetricsTable, type TestReport } from './report.js';
import { NonFiniteLossError, trainStep } from './step.js';

export interface TrainRunOptions {
  rt: Runtime;
  data: PreparedData;
  config: FullConfig;
  outDir: string;
  /** A checkpoint directory to continue from (model, optimizer, epoch, step, best, history). */
  resume?: string;
  log?: (line: string) => void;
  /** Draw progress bars (default: when stderr is a terminal). */
  progress?: boolean;
  /** Rows per evaluation forward pass (default 128). */
  evalBatchSize?: number;
  /** Negatives per user in the sampled protocol (default 100). */
  negatives?: number;
  /** Milliseconds clock (tests). */
  now?: () => number;
  /** Stop (as if interrupted) once this many epochs are complete, before the test evaluation (tests of --resume). */
  stopAfterEpoch?: number;
}

export interface TrainRunResult {
  epochsCompleted: number;
  steps: number;
  stoppedBy: 'epochs' | 'time-limit' | 'non-finite-loss' | 'interrupted';
  best: CheckpointConfig['best'];
  test: TestReport | null;
  history: EpochRecord[];
  /** Median milliseconds per training step over the run. */
  medianStepMs: number;
  metricsFile: string;
  curveFile: string;
}

export const BEST_DIR = 'checkpoint-best';
export const LAST_DIR = 'checkpoint-last';

export async function runTraining(o: TrainRunOptions): Promise<TrainRunResult> {
  const { rt, data, config } = o;
  const log = o.log ?? (() => {});
  const now = o.now ?? (() => performance.now());
  const { dataset, split } = data;
  const mc = config.model;
  const tc = config.train;
  const V = dataset.numItems;
  const L = mc.maxLen;
  const B = tc.batchSize;
  const evalBatch = o.evalBatchSize ?? 128;

  const samples = buildSamples(trainingSequences(split, false), { maxLen: L, maskLastFraction: tc.maskLastFraction });
  const perEpoch = batchCount(samples, B);
  const totalSteps = tc.epochs * perEpoch;
  const warmupSteps = Math.min(totalSteps, Math.round(tc.warmupFraction * totalSteps));
  const model = new Bert4Rec(rt, V, mc, tc.seed);
  const opt = createOptimizer(model, tc, linearWarmupDecay({ peakLr: tc.lr, warmupSteps, totalSteps }));
  log(`model: ${model.parameterCount().toLocaleString('en-US')} parameters (V=${V}, L=${L}, d=${mc.hidden}, ${mc.layers} layers, ${mc.heads} heads)`);
  log(`train: ${samples.count.toLocaleString('en-US')} samples/epoch (${samples.windows.toLocaleString('en-US')} cloze windows + ${samples.maskLastPerEpoch.toLocaleString('en-US')} mask-last), ${perEpoch} steps/epoch of ${B}, ${tc.epochs} epochs (${totalSteps} steps, ${warmupSteps} warm-up)`);

  let epoch = 0;
  let step = 0;
  let best: CheckpointConfig['best'] = null;
  let history: EpochRecord[] = [];
  if (o.resume) {
    const ck = await readCheckpointConfig(o.resume);
    if (ck.numItems !== V || ck.data.users !== dataset.numUsers || ck.data.interactions !== data.description.interactions) {
      throw new CheckpointError(
        `--resume ${o.resume}: the checkpoint was trained on ${ck.data.source} (${ck.data.users} users, ${ck.numItems} items, ${ck.data.interactions} interactions), not on this data (${dataset.numUsers} users, ${V} items, ${data.description.interactions} interactions)`,
      );
    }
    if (JSON.stringify(ck.model) !== JSON.stringify(mc)) throw new CheckpointError(`--resume ${o.resume}: its model config ${JSON.stringify(ck.model)} differs from this run's ${JSON.stringify(mc)}`);
    await loadModelWeights(o.resume, model, ck.step);
    const snap = await loadOptimizerTensors(o.resume, rt, ck.step);
    try {
      await opt.restore(snap);
    } finally {
      for (const t of snap.tensors.values()) t.dispose();
    }
    epoch = ck.epoch;
    step = ck.step;
    best = ck.best;
    history = ck.history;
    log(`resume: ${o.resume} at epoch ${epoch}, step ${step}${best ? `, best valid NDCG@10 ${best.value.toFixed(4)} (epoch ${best.epoch})` : ''}`);
  }

  const validSet = buildEvalSet(split, 'valid', L);
  const testSet = buildEvalSet(split, 'test', L);
  await mkdir(o.outDir, { recursive: true });
  const bestDir = join(o.outDir, BEST_DIR);
  const lastDir = join(o.outDir, LAST_DIR);
  if (o.resume && best) {
    // The best weights so far live beside the resumed checkpoint; bring them into this run's
    // output directory, or start the best-tracking afresh when they cannot be found.
    const srcBest = join(dirname(resolve(o.resume)), BEST_DIR);
    if (resolve(srcBest) !== resolve(bestDir)) {
      const found = await readCheckpointConfig(srcBest).then((c) => c.best?.epoch === best!.epoch, () => false);
      if (found) await cp(srcBest, bestDir, { recursive: true });
      else {
        log(`resume: no best checkpoint of epoch ${best.epoch} at ${srcBest}; tracking the best model from this run on`);
        best = null;
      }
    }
  }
  const checkpointConfig = (): CheckpointConfig => ({
    format: CHECKPOINT_FORMAT,
    version: 1,
    model: mc,
    train: tc,
    numItems: V,
    idMaps: exportIdMaps(dataset),
    epoch,
    step,
    best,
    data: { ...data.description, trainSamples: samples.count },
    history,
    backend: rt.name,
    savedAt: new Date().toISOString(),
  });

  const withSequences = new Set<string>();
  const save = async (dir: string, snapshot: OptimizerSnapshot | null) => {
    await saveCheckpoint(dir, model, snapshot, checkpointConfig());
    if (!withSequences.has(dir)) {
      await saveSequences(dir, dataset.sequences);
      withSequences.add(dir);
    }
  };

  const t0 = now();
  const limitMs = tc.timeLimitMinutes > 0 ? tc.timeLimitMinutes * 60_000 : Infinity;
  let stoppedBy: TrainRunResult['stoppedBy'] = 'epochs';
  const stepMs: number[] = [];
  const scorer = modelScorer(model, evalBatch);
  try {
    while (epoch < tc.epochs && stoppedBy === 'epochs') {
      const e = epoch + 1;
      const bar = epochProgressBar(e, tc.epochs, perEpoch, o.progress, log);
      const te = now();
      let lossSum = 0;
      let lossCount = 0;
      let seen = 0;
      let k = 0;
      try {
        for (const batch of epochBatches(samples, { batchSize: B, maskProb: mc.maskProb, maskId: dataset.maskId, seed: tc.seed, epoch: e, lengthBucket: tc.lengthBucket })) {
          const dev = trainBatchToDevice(rt, batch, B);
          const ts = now();
          try {
            const loss = await trainStep(model, opt, dev, step + 1);
            step++;
            lossSum += loss;
            lossCount++;
          } finally {
            dev.dispose();
          }
          stepMs.push(now() - ts);
          seen += batch.size;
          k++;
          bar.update(k, { loss: lossSum / lossCount, samplesPerSec: (seen * 1000) / Math.max(1, now() - te) });
          if (now() - t0 > limitMs) {
            stoppedBy = 'time-limit';
            break;
          }
        }
      } catch (err) {
        if (!(err instanceof NonFiniteLossError)) throw err;
        bar.stop();
        stoppedBy = 'non-finite-loss';
        log(`error: ${err.message}. Stopping; the last good checkpoints are in ${lastDir} and ${bestDir} (from before this epoch).`);
        break;
      }
      bar.stop();
      epoch = e;
      const record: EpochRecord = { epoch: e, loss: lossCount ? lossSum / lossCount : NaN, seconds: (now() - te) / 1000 };
      let line = `epoch ${e}/${tc.epochs}: loss ${record.loss.toFixed(4)}, ${k} steps, ${record.seconds.toFixed(1)} s (${((seen / Math.max(record.seconds, 1e-9)) | 0)} samples/s)`;
      history.push(record);
      if (e % tc.evalEvery === 0 || e === tc.epochs || stoppedBy !== 'epochs') {
        const v = (await evaluate(validSet, scorer, { batchSize: evalBatch * 4, lengthBucket: tc.lengthBucket })).full;
        record.valid = { ndcg10: v.ndcg10, hr10: v.hr10 };
        line += `; valid NDCG@10 ${v.ndcg10.toFixed(4)}, HR@10 ${v.hr10.toFixed(4)}`;
        if (!best || v.ndcg10 > best.value) {
          best = { metric: 'valid.ndcg10', value: v.ndcg10, epoch: e };
          line += ' (best)';
          await save(bestDir, null);
        }
      }
      if (stoppedBy === 'time-limit') line += ` [time limit of ${tc.timeLimitMinutes} min reached]`;
      log(line);
      await save(lastDir, opt.snapshot());
      if (o.stopAfterEpoch !== undefined && epoch >= o.stopAfterEpoch && epoch < tc.epochs) stoppedBy = 'interrupted';
    }
  } finally {
    opt.dispose();
  }

  // Test: the best checkpoint (by validation NDCG@10), else the current weights.
  let test: TestReport | null = null;
  if (best) {
    await loadModelWeights(bestDir, model);
    log(`test: best checkpoint (epoch ${best.epoch}, valid NDCG@10 ${best.value.toFixed(4)}) from ${bestDir}`);
  } else {
    log('test: no validation was run; testing the current weights');
  }
  const weights = itemCounts(dataset.sequences, V);
  const sampled = buildSampledCandidates(testSet, weights, { count: o.negatives ?? 100, seed: tc.seed });
  const r = await evaluate(testSet, scorer, { batchSize: evalBatch * 4, lengthBucket: tc.lengthBucket, sampled });
  const pop = evaluateMostPopular(testSet, mostPopularScores(itemCounts(trainingSequences(split, true), V)), { sampled });
  test = { bert4rec: { full: r.full, sampled: r.sampled }, mostPopular: { full: pop.full, sampled: pop.sampled } };
  log(`\nTest metrics (${testSet.users.length} users; full ranking over ${V} items without history; sampled: target + ${o.negatives ?? 100} popularity-sampled negatives)\n${formatMetricsTable(test)}`);
  model.dispose();

  const sorted = [...stepMs].sort((a, b) => a - b);
  const medianStepMs = sorted.length ? sorted[sorted.length >> 1] : NaN;
  const metricsFile = join(o.outDir, 'metrics.json');
  const curveFile = join(o.outDir, 'curve.svg');
  const doc = {
    backend: rt.name,
    data: data.description,
    config,
    epochsCompleted: epoch,
    steps: step,
    stoppedBy,
    trainSeconds: (now() - t0) / 1000,
    medianStepMs,
    best,
    test: { bert4rec: test.bert4rec, mostPopular: test.mostPopular },
    history,
  };
  await writeFile(metricsFile, `${JSON.stringify(doc, null, 2)}\n`);
  await writeFile(curveFile, trainingCurveSvg(history.map((h) => ({ epoch: h.epoch, loss: h.loss, ndcg10: h.valid?.ndcg10 })), `BERT4Rec on ${data.description.source}`));
  log(`wrote ${metricsFile}, ${curveFile}; checkpoints in ${bestDir} and ${lastDir}`);
  return { epochsCompleted: epoch, steps: step, stoppedBy, best, test, history, medianStepMs, metricsFile, curveFile };
}

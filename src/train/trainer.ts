// The training loop: epochs of cloze batches, validation each `evalEvery` epochs, the best
// checkpoint by the validation metric (train.validMetric, default NDCG@10 on the first protocol),
// then test metrics of the best model under every protocol beside the most-popular baseline
// (src/train/evaluation.ts); events.jsonl and report.html record the run.
import { access, cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DeviceLostError, type Runtime } from '../../runtime/index.js';
import {
  CHECKPOINT_FORMAT,
  CheckpointError,
  loadModelWeights,
  loadOptimizerTensors,
  readCheckpointConfig,
  saveCheckpoint,
  saveSequences,
  type CheckpointConfig,
  type EpochPosition,
  type EpochRecord,
  type OptimizerSnapshot,
  type ScheduleRecord,
} from '../checkpoint.js';
import type { FullConfig } from '../config.js';
import { epochOrderDigest } from '../data/batches.js';
import { exportIdMaps } from '../data/idmaps.js';
import { protocolName } from '../eval/protocols.js';
import { PretrainedPin, withItemVectors, writePretrainedItems } from './item-init.js';
import { loadPretrainedItems } from './item-init-file.js';
import { modelScorer } from '../model/score.js';
import { trainingCurveSvg } from './chart.js';
import type { PreparedData } from './data.js';
import { objectiveOf } from './samples.js';
import { evalPlan, RunEvaluator, type TestResults } from './evaluation.js';
import { EventLog, EVENTS_FILE, StepWindow } from './eventlog.js';
import { writeHtmlReport } from './html-report.js';
import { averageCheckpoints } from '../checkpoint-average.js';
import { keepEpochCheckpoint, lastEpochCheckpoints, removeEpochCheckpoints } from './kept-checkpoints.js';
import { epochProgressBar, formatSeconds } from './progress.js';
import { formatProtocolTable, type TestReport } from './report.js';
import { BudgetPlanner, UNPLANNED_STEPS, type Replan } from './budget.js';
import { TrainingSession } from './session.js';
import { NonFiniteLossError } from './step.js';

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
  /** Milliseconds clock (tests). */
  now?: () => number;
  /**
   * The clock value train.timeBudgetMinutes counts from (default: the process start with the
   * default clock, whose zero it is; the start of runTraining with an injected one).
   */
  budgetOriginMs?: number;
  /** Stop (as if interrupted) once this many epochs are complete, before the test evaluation (tests of --resume). */
  stopAfterEpoch?: number;
  /**
   * Also save checkpoint-last every this many steps inside an epoch, with the position in the
   * epoch, so a killed run loses at most that many steps (default 0: at the end of each epoch only).
   */
  checkpointEverySteps?: number;
}

export interface TrainRunResult {
  epochsCompleted: number;
  steps: number;
  /** 'epochs': the fixed plan ran out; 'budget': the time-budgeted plan did. */
  stoppedBy: 'epochs' | 'budget' | 'time-limit' | 'non-finite-loss' | 'interrupted' | 'patience';
  best: CheckpointConfig['best'];
  test: TestReport | null;
  /** Test metrics under every protocol of train.evalProtocols. */
  testProtocols: TestResults['protocols'];
  history: EpochRecord[];
  /** Median milliseconds per training step over the run. */
  medianStepMs: number;
  metricsFile: string;
  curveFile: string;
}

export const BEST_DIR = 'checkpoint-best';
export const LAST_DIR = 'checkpoint-last';
/** The mean of the last train.averageLast epochs' weights (checkpoint averaging). */
export const AVERAGE_DIR = 'checkpoint-average';

/** The final choice on all validation users (metrics.json finalChoice, the final-choice event). */
export interface FinalChoice {
  users: number;
  best: { epoch: number; value: number };
  last: { epoch: number; step: number; value: number };
  /** With train.averageLast: the averaged epochs and their mean's value. */
  average: { epochs: number[]; value: number } | null;
  tested: 'best' | 'last' | 'average';
}

/** Removes checkpoint-epoch-E/ and checkpoint-average/ from outDir; returns their names. */
async function staleRunCheckpoints(outDir: string): Promise<string[]> {
  const removed = await removeEpochCheckpoints(outDir);
  const average = join(outDir, AVERAGE_DIR);
  const hadAverage = await access(average).then(() => true, () => false);
  await rm(average, { recursive: true, force: true });
  return hadAverage ? [...removed, AVERAGE_DIR] : removed;
}

export async function runTraining(o: TrainRunOptions): Promise<TrainRunResult> {
  const { rt, data, config } = o;
  const log = o.log ?? (() => {});
  const now = o.now ?? (() => performance.now());
  const { dataset, split } = data;
  const tc = config.train;
  const averageLast = tc.averageLast ?? 0;
  const pretrained = await loadPretrainedItems(tc, config.model, dataset);
  const mc = withItemVectors(config.model, pretrained);
  /** The run's config as recorded (the model config with what the item vectors add). */
  const runConfig: FullConfig = { model: mc, train: tc };
  const V = dataset.numItems;
  const L = mc.maxLen;
  const B = tc.batchSize;
  const evalBatch = o.evalBatchSize ?? 128;

  const session = new TrainingSession(rt, { numItems: V, maskId: dataset.maskId, split }, runConfig, { now });
  const { samples, model, opt, lossKind, schedule, totalSteps } = session;
  const perEpoch = session.stepsPerEpoch;
  const scheduleRecord: ScheduleRecord = session.schedulePlan;
  const warmupSteps = scheduleRecord.warmupSteps;
  const objective = objectiveOf(mc);
  // A time-budgeted run re-plans its steps from the measured speed (src/train/budget.ts); a
  // resumed one keeps its checkpoint's plan, so it continues exactly.
  const budgetMs = (tc.timeBudgetMinutes ?? 0) > 0 ? tc.timeBudgetMinutes! * 60_000 : 0;
  const budgeted = budgetMs > 0;
  let planner = budgeted ? new BudgetPlanner({ budgetMs, originMs: o.budgetOriginMs ?? (o.now ? now() : 0), warmupFraction: tc.warmupFraction }) : null;
  // Until its first estimate a budgeted run warms up as the epochs' plan would and has no end.
  if (planner) session.replan({ ...session.schedulePlan, totalSteps: UNPLANNED_STEPS });
  /** The epoch count shown beside epoch e: N, or ~N while it is an estimate of the time-budgeted plan ("?" before the first). */
  const epochsLabel = (e: number) => {
    if (!budgeted) return String(tc.epochs);
    return planner && planner.replans.length === 0 ? '?' : `~${Math.max(e, Math.ceil(session.totalSteps / perEpoch))}`;
  };
  const epochLabel = (e: number) => `${e}/${epochsLabel(e)}`;
  const checkpointEvery = o.checkpointEverySteps ?? 0;
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 0) throw new RangeError(`runTraining: checkpointEverySteps must be a non-negative integer, got ${checkpointEvery}`);
  const plan = evalPlan(tc);
  // The best checkpoint's metric: validation metric on the first protocol (e.g. 'valid.full.ndcg@10').
  const bestMetric = `valid.${protocolName(plan.protocols[0])}.${plan.validMetric.key}`;
  const lossName = lossKind === 'ce' ? 'full softmax cross-entropy' : lossKind === 'sampled' ? `sampled softmax (batch targets + ${tc.negatives ?? 256} uniform negatives)` : 'binary cross-entropy, one negative per target';
  log(`model: ${model.displayName}, ${model.parameterCount().toLocaleString('en-US')} parameters (V=${V}, L=${L}, d=${mc.hidden}, ${mc.layers} layers, ${mc.heads} heads), loss: ${lossName}`);
  const sampleKinds = objective === 'cloze' ? `${samples.windows.toLocaleString('en-US')} cloze windows + ${samples.maskLastPerEpoch.toLocaleString('en-US')} mask-last` : `next-item windows of up to ${L} inputs`;
  const windowKind = tc.windows === 'latest' ? ', the latest window of each user' : '';
  const planText = budgeted
    ? `planned to a time budget of ${tc.timeBudgetMinutes} min from the process start (final test included): the steps follow from the measured speed, re-estimated each epoch`
    : `${tc.epochs} epochs (${totalSteps} steps, ${warmupSteps} warm-up)`;
  log(`train: ${samples.count.toLocaleString('en-US')} samples/epoch (${sampleKinds}${windowKind}), ${perEpoch} steps/epoch of ${B}, ${planText}`);

  const freezeEpochs = pretrained ? (tc.freezeItemEmbeddings ?? 0) : 0;
  if (pretrained) {
    log(pretrained.report);
    if (!o.resume) await writePretrainedItems(model, pretrained);
    if (freezeEpochs > 0) log(`item embeddings: what came from ${tc.itemEmbeddings} stays fixed for epochs 1-${freezeEpochs}`);
  }

  let epoch = 0;
  let step = 0;
  let best: CheckpointConfig['best'] = null;
  let history: EpochRecord[] = [];
  /** Where inside an epoch the resumed checkpoint was taken (null: at an epoch boundary). */
  let resumeAt: EpochPosition | null = null;
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
    if (best && best.metric !== bestMetric && !(best.metric === 'valid.ndcg10' && bestMetric === 'valid.full.ndcg@10')) {
      log(`resume: the checkpoint's best is by ${best.metric}, this run selects by ${bestMetric}; tracking the best model from this run on`);
      best = null;
    }
    resumeAt = ck.position ?? null;
    if (resumeAt) {
      const digest = epochOrderDigest(samples, session.batchOptions(resumeAt.epoch));
      if (digest !== resumeAt.orderDigest || resumeAt.batches >= perEpoch) {
        throw new CheckpointError(
          `--resume ${o.resume}: the checkpoint stopped after batch ${resumeAt.batches} of epoch ${resumeAt.epoch} (order digest ${resumeAt.orderDigest}), but this run's epoch ${resumeAt.epoch} has ${perEpoch} batches with order digest ${digest}: the data, batch size, length bucketing or seed differ, so it cannot continue that epoch`,
        );
      }
    }
    const old = ck.schedule;
    if (budgeted && old && old.totalSteps !== UNPLANNED_STEPS) {
      session.replan(old);
      planner = null;
      log(`resume: the time-budgeted plan continues as the checkpoint recorded it (${old.totalSteps} steps, ${old.warmupSteps} warm-up); no re-planning`);
    } else if (budgeted) {
      log(`resume: the checkpoint was taken before its run's first estimate; this run plans its steps to ${tc.timeBudgetMinutes} min from its own start`);
    } else if (old && (old.peakLr !== scheduleRecord.peakLr || old.warmupSteps !== scheduleRecord.warmupSteps || old.totalSteps !== scheduleRecord.totalSteps)) {
      log(`resume: note: the learning-rate schedule differs from the checkpoint's (${JSON.stringify(old)} -> ${JSON.stringify(scheduleRecord)}); the run continues on the new one, so it will not match an uninterrupted run`);
    }
    const where = resumeAt ? `inside epoch ${resumeAt.epoch} after ${resumeAt.batches}/${perEpoch} steps` : `at epoch ${epoch}`;
    log(`resume: ${o.resume} ${where}, step ${step}${best ? `, best ${best.metric} ${best.value.toFixed(4)} (epoch ${best.epoch})` : ''}`);
  }

  const evaluator = new RunEvaluator(split, plan, { maxLen: L, seed: tc.seed, batchSize: evalBatch * 4, lengthBucket: tc.lengthBucket, validUsers: tc.validUsers });
  if (evaluator.validatesSubset) {
    log(`validation: ${evaluator.trainingValidUsers.toLocaleString('en-US')} of the ${evaluator.validUsers.toLocaleString('en-US')} users during training (a fixed random subset); checkpoint-best${averageLast >= 2 ? `, the last weights and the mean of the last ${averageLast} epochs` : ' and the last weights'} are compared on all of them at the end`);
  }
  await mkdir(o.outDir, { recursive: true });
  const events = new EventLog(join(o.outDir, EVENTS_FILE));
  events.write({ type: 'start', backend: rt.name, data: data.description, config: runConfig, resumedFrom: o.resume ?? null, epoch, step });
  const bestDir = join(o.outDir, BEST_DIR);
  const lastDir = join(o.outDir, LAST_DIR);
  const averageDir = join(o.outDir, AVERAGE_DIR);
  // Checkpoint averaging keeps (at least) the epochs it averages.
  const keepEpochs = Math.max(tc.keepCheckpoints, averageLast >= 2 ? averageLast : 0);
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
  if (!o.resume) {
    // A new run in a used output directory: the epoch checkpoints and the average of an earlier
    // run would be pruned, averaged or resumed as if they were this run's.
    const stale = await staleRunCheckpoints(o.outDir);
    if (stale.length) log(`removed ${stale.length} checkpoint director${stale.length === 1 ? 'y' : 'ies'} of an earlier run from ${o.outDir} (${stale.join(', ')})`);
  }
  /** Set while saving a checkpoint taken inside an epoch. */
  let position: EpochPosition | null = null;
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
    position,
    schedule: session.schedulePlan,
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

  // The frozen values, taken after the initial write or the resumed weights.
  const pin = pretrained && freezeEpochs > epoch ? await PretrainedPin.create(model, pretrained) : null;
  const t0 = now();
  const limitMs = tc.timeLimitMinutes > 0 ? tc.timeLimitMinutes * 60_000 : Infinity;
  let stoppedBy: TrainRunResult['stoppedBy'] = 'epochs';
  const stepMs: number[] = [];
  const scorer = modelScorer(model, evalBatch);
  const window = new StepWindow(now);
  let lastValidationMs = 0;
  /**
   * Time kept for after training: a final validation, the final choice on all users (with a
   * validation subset: two validations), the test (every protocol, all users), reports.
   */
  const reserveMs = () => {
    const allUsersMs = (lastValidationMs * evaluator.validUsers) / evaluator.trainingValidUsers;
    const finalChoiceValidations = averageLast >= 2 ? 3 : evaluator.validatesSubset ? 2 : 0;
    return lastValidationMs + allUsersMs * (plan.protocols.length + finalChoiceValidations) + 5_000;
  };
  const applyPlan = (r: Replan | null) => {
    if (!r) return;
    session.replan({ peakLr: tc.lr, warmupSteps: r.warmupSteps, totalSteps: r.totalSteps });
    events.write({ type: 'plan', ...r });
    const left = planner!.leftMs(now()) / 1000;
    log(`plan (${r.reason}): ${r.totalSteps.toLocaleString('en-US')} steps (~${(r.totalSteps / perEpoch).toFixed(1)} epochs, ${r.warmupSteps} warm-up) at ${(r.msPerStep / 1000).toFixed(3)} s/step; ${formatSeconds(Math.max(0, left))} of the ${tc.timeBudgetMinutes} min budget left, ${Math.round(r.reserveSeconds)} s kept for the test`);
  };
  // Validations since the best one (for --patience), counted from the history on resume.
  let sinceBest = best ? history.filter((h) => h.valid && h.epoch > best!.epoch).length : 0;
  try {
    while ((budgeted ? step < session.totalSteps : epoch < tc.epochs) && stoppedBy === 'epochs') {
      const e = epoch + 1;
      const bar = epochProgressBar(e, epochsLabel(e), perEpoch, o.progress, log);
      // A resumed position continues this epoch's running sums (the same additions in the same order: bit-identical means).
      const from = resumeAt?.epoch === e ? resumeAt : null;
      resumeAt = null;
      const te = now() - (from ? from.seconds * 1000 : 0);
      let lossSum = from?.lossSum ?? 0;
      let lossCount = from?.lossCount ?? 0;
      let seen = from?.samples ?? 0;
      let k = from?.batches ?? 0;
      let digest: string | undefined; // of this epoch's order, computed at its first mid-epoch save
      const positionHere = (): EpochPosition => ({ epoch: e, batches: k, lossSum, lossCount, samples: seen, seconds: (now() - te) / 1000, orderDigest: (digest ??= epochOrderDigest(samples, session.batchOptions(e))) });
      /** checkpoint-last at this point inside the epoch (its config carries the position). */
      const saveInsideEpoch = async () => {
        position = positionHere();
        try {
          await save(lastDir, opt.snapshot());
        } finally {
          position = null;
        }
      };
      try {
        for await (const r of session.epoch(e, step, k, pin && e <= freezeEpochs ? pin : null)) {
          step = r.step;
          k = r.batches;
          window.add(r.loss, r.samples);
          lossSum += r.loss;
          lossCount++;
          stepMs.push(r.ms);
          seen += r.samples;
          bar.update(k, { loss: lossSum / lossCount, samplesPerSec: (seen * 1000) / Math.max(1, now() - te) });
          if (step % tc.logEvery === 0) {
            const normSq = opt.adamw.lastGradNormSquared;
            const gradNorm = normSq ? Math.sqrt(await normSq.item()) : null;
            events.write({ type: 'step', epoch: e, step, ...window.take(), lr: schedule(step), gradNorm, elapsedSeconds: (now() - t0) / 1000 });
          }
          if (planner?.observe(step, now())) applyPlan(planner.replan(step, now(), reserveMs(), 'calibration'));
          if (budgeted && step >= session.totalSteps) {
            stoppedBy = 'budget';
            break;
          }
          if (now() - t0 > limitMs) {
            stoppedBy = 'time-limit';
            break;
          }
          if (checkpointEvery > 0 && step % checkpointEvery === 0 && k < perEpoch) await saveInsideEpoch();
        }
      } catch (err) {
        if (err instanceof DeviceLostError) {
          // The device is gone with this epoch's unsaved steps; the checkpoints on disk are whole (saves are transactions).
          bar.stop();
          log(`error: ${err.message} during epoch ${e} (step ${step + 1}). The last good checkpoint is ${lastDir}; --resume ${lastDir} continues from it on either backend (e.g. --backend wasm).`);
        }
        if (!(err instanceof NonFiniteLossError)) throw err;
        bar.stop();
        stoppedBy = 'non-finite-loss';
        log(`error: ${err.message}. Stopping; the last good checkpoints are in ${lastDir} and ${bestDir} (from before this epoch).`);
        break;
      }
      bar.stop();
      if (stoppedBy === 'time-limit' && k < perEpoch) {
        // Stopped inside the epoch: checkpoint-last records the position, so --resume continues
        // this epoch where it stopped; the partial epoch is neither validated nor a best candidate.
        await saveInsideEpoch();
        log(`epoch ${epochLabel(e)}: time limit of ${tc.timeLimitMinutes} min reached after ${k}/${perEpoch} steps; ${lastDir} holds this position (--resume ${lastDir} continues the epoch exactly)`);
        break;
      }
      epoch = e;
      const record: EpochRecord = { epoch: e, loss: lossCount ? lossSum / lossCount : NaN, seconds: (now() - te) / 1000 };
      let line = `epoch ${epochLabel(e)}: loss ${record.loss.toFixed(4)}, ${k} steps, ${record.seconds.toFixed(1)} s (${((seen / Math.max(record.seconds, 1e-9)) | 0)} samples/s)`;
      history.push(record);
      events.write({ type: 'epoch', epoch: e, step, loss: record.loss, seconds: record.seconds });
      if (e % tc.evalEvery === 0 || (!budgeted && e === tc.epochs) || stoppedBy !== 'epochs') {
        const tv = now();
        const v = await evaluator.validate(scorer);
        lastValidationMs = now() - tv;
        record.valid = { ndcg10: v.ndcg10, hr10: v.hr10 };
        line += `; valid ${v.protocol} ${plan.validMetric.label} ${v.value.toFixed(4)}`;
        if (plan.validMetric.key !== 'ndcg@10') line += `, NDCG@10 ${v.ndcg10.toFixed(4)}`;
        line += `, HR@10 ${v.hr10.toFixed(4)}`;
        const improved = !best || v.value > best.value;
        events.write({ type: 'valid', epoch: e, step, protocol: v.protocol, metric: plan.validMetric.key, value: v.value, best: improved, metrics: v.metrics });
        if (improved) {
          best = { metric: bestMetric, value: v.value, epoch: e };
          sinceBest = 0;
          line += ' (best)';
          await save(bestDir, opt.snapshot());
        } else if (tc.patience > 0 && ++sinceBest >= tc.patience && stoppedBy === 'epochs') {
          stoppedBy = 'patience';
          line += ` [no better ${plan.validMetric.label} in ${tc.patience} validations: stopping early]`;
        }
      }
      if (stoppedBy === 'time-limit') line += ` [time limit of ${tc.timeLimitMinutes} min reached]`;
      if (stoppedBy === 'budget') line += ` [the time-budgeted plan of ${session.totalSteps} steps is complete]`;
      log(line);
      if (planner && stoppedBy === 'epochs') {
        // Re-estimate with this epoch's validation in the measured rate, before checkpoint-last
        // records the plan (a resume from it then follows the same plan as this run).
        const r = planner.replan(step, now(), reserveMs(), `epoch ${e}`);
        if (r) applyPlan(r);
        if (r && r.totalSteps <= step) stoppedBy = 'budget';
      }
      await save(lastDir, opt.snapshot());
      if (keepEpochs > 0) events.write({ type: 'checkpoint', epoch: e, dir: await keepEpochCheckpoint(o.outDir, lastDir, e, keepEpochs) });
      if (o.stopAfterEpoch !== undefined && epoch >= o.stopAfterEpoch && stoppedBy === 'epochs' && (budgeted ? step < session.totalSteps : epoch < tc.epochs)) stoppedBy = 'interrupted';
    }
  } finally {
    opt.dispose();
  }

  // The final choice, on all validation users, when validation during training saw a subset or
  // checkpoint averaging is on: checkpoint-best, the last weights and (averaging) the mean of
  // the last averageLast epochs' weights; the test uses the one with the best value (ties: the
  // earlier in that order).
  let finalChoice: FinalChoice | null = null;
  let tested: FinalChoice['tested'] = 'best';
  const averageDirs = averageLast >= 2 && stoppedBy !== 'non-finite-loss' ? await lastEpochCheckpoints(o.outDir, epoch, averageLast) : [];
  if (best && (evaluator.validatesSubset || averageDirs.length >= 2) && stoppedBy !== 'non-finite-loss') {
    const vLast = await evaluator.validate(scorer, { all: true });
    let average: FinalChoice['average'] = null;
    if (averageDirs.length >= 2) {
      const r = await averageCheckpoints(averageDirs, averageDir);
      await loadModelWeights(averageDir, model);
      average = { epochs: r.sources.map((x) => x.epoch), value: (await evaluator.validate(scorer, { all: true })).value };
    }
    await loadModelWeights(bestDir, model);
    const vBest = await evaluator.validate(scorer, { all: true });
    if (vLast.value > vBest.value) tested = 'last';
    if (average && average.value > Math.max(vBest.value, vLast.value)) tested = 'average';
    finalChoice = { users: evaluator.validUsers, best: { epoch: best.epoch, value: vBest.value }, last: { epoch, step, value: vLast.value }, average, tested };
    events.write({ type: 'final-choice', protocol: vBest.protocol, metric: plan.validMetric.key, ...finalChoice });
    const averaged = average ? `, the mean of epochs ${average.epochs[0]}-${average.epochs[average.epochs.length - 1]} (${averageDir}) ${average.value.toFixed(4)}` : '';
    log(`final choice on all ${evaluator.validUsers.toLocaleString('en-US')} validation users (${plan.validMetric.label}): checkpoint-best (epoch ${best.epoch}) ${vBest.value.toFixed(4)}, the last weights (step ${step}) ${vLast.value.toFixed(4)}${averaged}`);
    if (tested === 'last') await loadModelWeights(lastDir, model);
    if (tested === 'average') await loadModelWeights(averageDir, model);
  } else if (best && averageLast >= 2 && stoppedBy !== 'non-finite-loss') {
    log(`checkpoint averaging: fewer than two of the last ${averageLast} epochs were kept; not averaged`);
  }
  // Test: the best checkpoint (by the validation metric), else the current weights.
  if (finalChoice && tested === 'last') {
    log(`test: the last weights (step ${step}) from ${lastDir}`);
  } else if (finalChoice && tested === 'average') {
    log(`test: the mean of the weights of epochs ${finalChoice.average!.epochs.join(', ')} from ${averageDir}`);
  } else if (best) {
    if (!finalChoice) await loadModelWeights(bestDir, model);
    log(`test: best checkpoint (epoch ${best.epoch}, ${best.metric} ${best.value.toFixed(4)}) from ${bestDir}`);
  } else {
    log('test: no validation was run; testing the current weights');
  }
  const results = await evaluator.test(scorer);
  const test: TestReport = results.legacy;
  const described = results.protocols.map((p) => `${p.protocol}: ${p.description}`).join('; ');
  log(`\nTest metrics (${results.protocols[0].users} users; ties ${plan.ties}; ${described})\n${formatProtocolTable(results.protocols, plan.metrics, 4, model.displayName)}`);
  events.write({ type: 'test', protocols: results.protocols });
  model.dispose();

  const sorted = [...stepMs].sort((a, b) => a - b);
  const medianStepMs = sorted.length ? sorted[sorted.length >> 1] : NaN;
  const metricsFile = join(o.outDir, 'metrics.json');
  const curveFile = join(o.outDir, 'curve.svg');
  const doc = {
    backend: rt.name,
    data: data.description,
    config: runConfig,
    epochsCompleted: epoch,
    steps: step,
    stoppedBy,
    trainSeconds: (now() - t0) / 1000,
    finalChoice,
    plan: { mode: budgeted ? 'time-budget' : 'epochs', budgetMinutes: budgeted ? tc.timeBudgetMinutes : null, schedule: session.schedulePlan, replans: planner?.replans ?? [] },
    medianStepMs,
    best,
    test: { protocols: results.protocols, bert4rec: test.bert4rec, mostPopular: test.mostPopular },
    history,
  };
  await writeFile(metricsFile, `${JSON.stringify(doc, null, 2)}\n`);
  await writeFile(curveFile, trainingCurveSvg(history.map((h) => ({ epoch: h.epoch, loss: h.loss, ndcg10: h.valid?.ndcg10 })), `${model.displayName} on ${data.description.source}`));
  events.write({ type: 'end', stoppedBy, epochsCompleted: epoch, steps: step, trainSeconds: doc.trainSeconds });
  const reportFile = await writeHtmlReport(o.outDir, `${model.displayName} on ${data.description.source}`);
  log(`wrote ${metricsFile}, ${curveFile}, ${reportFile}, ${events.file}; checkpoints in ${bestDir} and ${lastDir}${finalChoice?.average ? ` (and the averaged one in ${averageDir})` : ''}`);
  return { epochsCompleted: epoch, steps: step, stoppedBy, best, test, testProtocols: results.protocols, history, medianStepMs, metricsFile, curveFile };
}

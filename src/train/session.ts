// One run's training state and the training loop's steps, platform-neutral: the CLI trainer
// (src/train/trainer.ts, which adds checkpoints, validation, logs and limits around it), the
// browser demo and Deno (demo/train.ts) all train through it.
//   plan:   samples -> batches per epoch -> total steps -> warm-up + linear decay schedule
//   build:  model (createModel) + AdamW (createOptimizer) on that schedule
//   epoch:  its batches (epochBatches) -> device batch (+ the sampled loss's draws) -> trainStep
import { linearWarmupDecay, type LrSchedule, type Runtime } from '../../runtime/index.js';
import type { FullConfig, LossKind } from '../config.js';
import { batchCount, epochBatches, type BatchOptions } from '../data/batches.js';
import { Rng } from '../data/rng.js';
import type { TrainingSamples } from '../data/samples.js';
import type { LeaveOneOutSplit } from '../data/split.js';
import { createModel } from '../model/create.js';
import { trainBatchToDevice, type LossSampling } from '../model/inputs.js';
import type { SequenceRecommender } from '../model/recommender.js';
import { createOptimizer, type TrainOptimizer } from './optimizer.js';
import { objectiveOf, trainingSamples } from './samples.js';
import { trainStep } from './step.js';

/** The learning-rate schedule's shape (recorded in checkpoints). */
export interface SchedulePlan {
  peakLr: number;
  warmupSteps: number;
  totalSteps: number;
}

/** What the data contributes: the catalogue size, the MASK id and the leave-one-out split. */
export interface SessionData {
  numItems: number;
  maskId: number;
  split: LeaveOneOutSplit;
}

export interface SessionOptions {
  /** Stop the plan after this many steps (0 or absent: every epoch); the schedule decays over them. */
  maxSteps?: number;
  /** Milliseconds clock for StepResult.ms (default performance.now). */
  now?: () => number;
}

/** One trained step, as the loop yields it. */
export interface StepResult {
  /** The step just taken (1-based, over the run). */
  step: number;
  /** Batches of this epoch done (1-based index of this step's batch). */
  batches: number;
  loss: number;
  /** Sequences in the batch. */
  samples: number;
  /** Milliseconds of this step: host batch, upload, forward, backward, loss readback, update. */
  ms: number;
}

/** Keeps chosen parameters fixed (src/train/item-init.ts PretrainedPin). */
export interface StepHook {
  pin(): Promise<void>;
}

export class TrainingSession {
  readonly samples: TrainingSamples;
  readonly stepsPerEpoch: number;
  /** The current plan; `replan` changes it (a time-budgeted run), `schedule` always follows it. */
  private plan: SchedulePlan;
  private planSchedule: LrSchedule;
  /** The learning rate of each step under the current plan. */
  readonly schedule: LrSchedule = (step) => this.planSchedule(step);
  readonly model: SequenceRecommender;
  readonly opt: TrainOptimizer;
  readonly lossKind: LossKind;
  private readonly now: () => number;

  constructor(
    readonly rt: Runtime,
    readonly data: SessionData,
    readonly config: FullConfig,
    options: SessionOptions = {},
  ) {
    const { model: mc, train: tc } = config;
    this.now = options.now ?? (() => performance.now());
    this.samples = trainingSamples(data.split, mc, tc);
    this.stepsPerEpoch = batchCount(this.samples, tc.batchSize);
    const all = tc.epochs * this.stepsPerEpoch;
    const total = options.maxSteps ? Math.min(all, options.maxSteps) : all;
    this.plan = { peakLr: tc.lr, warmupSteps: Math.min(total, Math.round(tc.warmupFraction * total)), totalSteps: total };
    this.planSchedule = linearWarmupDecay(this.plan);
    this.lossKind = tc.loss ?? 'ce';
    this.model = createModel(rt, data.numItems, mc, tc.seed);
    try {
      this.opt = createOptimizer(this.model, tc, this.schedule);
    } catch (err) {
      this.model.dispose();
      throw err;
    }
  }

  /** Steps in the current plan: warm-up and decay end here. */
  get totalSteps(): number {
    return this.plan.totalSteps;
  }

  /** The current plan (a copy). */
  get schedulePlan(): SchedulePlan {
    return { ...this.plan };
  }

  /**
   * A new plan from here on (a time-budgeted run re-estimating its steps, or a resumed one
   * taking its checkpoint's): the rate of every later step follows it.
   */
  replan(plan: SchedulePlan): void {
    this.planSchedule = linearWarmupDecay(plan);
    this.plan = { ...plan };
  }

  /** The batching of epoch `epoch` (1-based): its order, masks and length buckets follow from it and the seed. */
  batchOptions(epoch: number): BatchOptions {
    const { model: mc, train: tc } = this.config;
    return { batchSize: tc.batchSize, maskProb: mc.maskProb, maskId: this.data.maskId, seed: tc.seed, epoch, lengthBucket: tc.lengthBucket, objective: objectiveOf(mc) };
  }

  /** The sampled loss's draws for batch k of epoch e: their own stream, seeded by (seed, epoch, k), so a resume draws the same. */
  lossSampling(epoch: number, k: number): LossSampling | undefined {
    const tc = this.config.train;
    return this.lossKind === 'ce' ? undefined : { kind: this.lossKind, numItems: this.data.numItems, negatives: tc.negatives ?? 256, rng: new Rng(tc.seed, epoch, 0x80000000 + k) };
  }

  /**
   * Trains epoch `epoch` from its batch `startBatch` (0-based), the first batch as step
   * `stepsDone + 1`, yielding after every step. `hook` runs after each update (e.g. pinning
   * frozen rows). Stopping early is breaking out of the loop; the device batch of a step is
   * freed before its result is yielded.
   */
  async *epoch(epoch: number, stepsDone: number, startBatch = 0, hook: StepHook | null = null): AsyncGenerator<StepResult> {
    const B = this.config.train.batchSize;
    let step = stepsDone;
    let k = startBatch;
    for (const batch of epochBatches(this.samples, { ...this.batchOptions(epoch), startBatch })) {
      const t0 = this.now();
      const dev = trainBatchToDevice(this.rt, batch, B, undefined, this.lossSampling(epoch, k));
      let loss: number;
      try {
        loss = await trainStep(this.model, this.opt, dev, step + 1, this.lossKind);
        if (hook) await hook.pin();
      } finally {
        dev.dispose();
      }
      step++;
      k++;
      yield { step, batches: k, loss, samples: batch.size, ms: this.now() - t0 };
    }
  }

  /** Frees the optimizer state and the model. */
  dispose(): void {
    this.opt.dispose();
    this.model.dispose();
  }
}

// A training session for the demo, platform-neutral (browser, Deno, Node): the CLI's training
// loop (src/train/session.ts: the same samples, model, optimizer, schedule and step), driven
// with callbacks so a page can draw progress, and stoppable between steps.
import type { Runtime } from '../runtime/index.js';
import { defaultConfig, resolveConfig, type Architecture, type FullConfig } from '../src/config.js';
import type { TrainingSamples } from '../src/data/samples.js';
import { evaluate } from '../src/eval/evaluate.js';
import { buildEvalSet, type EvalSet } from '../src/eval/inputs.js';
import { recommendTopK, type Recommendation } from '../src/model/recommend.js';
import type { SequenceRecommender } from '../src/model/recommender.js';
import { modelScorer } from '../src/model/score.js';
import type { ItemEmbeddings } from '../src/data/item-embeddings.js';
import { preparePretrainedItems, withItemVectors, writePretrainedItems, type PretrainedItems } from '../src/train/item-init.js';
import { TrainingSession } from '../src/train/session.js';
import type { DemoData } from './data.js';

export interface DemoTrainOptions {
  /** 'bert4rec' (default) or 'sasrec'. */
  model?: Architecture;
  epochs: number;
  batchSize: number;
  maxLen: number;
  hidden: number;
  layers?: number;
  heads?: number;
  lr?: number;
  dropout?: number;
  seed?: number;
  /** Stop after this many steps (0 or absent: all epochs). */
  maxSteps?: number;
  /** Evaluate on the validation users every N epochs (default 1; 0 = never). */
  evalEvery?: number;
  /** Pre-trained item vectors (parsed with parseItemEmbeddings), keyed by the data's original item ids. */
  itemEmbeddings?: ItemEmbeddings;
  /** How they reach the hidden size (default 'pca'; see src/train/item-init.ts). */
  itemProjection?: 'pca' | 'none' | 'linear';
}

export interface StepInfo {
  step: number;
  epoch: number;
  loss: number;
  ms: number;
}

export interface EpochInfo {
  epoch: number;
  step: number;
  meanLoss: number;
  ndcg10?: number;
  hr10?: number;
}

export interface RunCallbacks {
  onStep?: (s: StepInfo) => void;
  onEpoch?: (e: EpochInfo) => void;
  /** Checked before every step; true stops the run. */
  shouldStop?: () => boolean;
}

/** The demo's FullConfig (validated by src/config.ts). */
export function demoConfig(o: DemoTrainOptions): FullConfig {
  const hidden = o.hidden;
  return resolveConfig(
    {
      model: { maxLen: o.maxLen, hidden, layers: o.layers ?? 1, heads: o.heads ?? (hidden % 2 === 0 ? 2 : 1), ffn: 4 * hidden, dropout: o.dropout ?? 0.1 },
      train: { epochs: o.epochs, batchSize: o.batchSize, lr: o.lr ?? 2e-3, seed: o.seed ?? 42, warmupFraction: 0.05 },
    },
    defaultConfig(o.model),
  );
}

export class DemoTrainer {
  readonly config: FullConfig;
  readonly validSet: EvalSet;
  step = 0;
  epoch = 0;
  /** The aligned item vectors, when the options had some (`pretrained.report` says the coverage). */
  readonly pretrained: PretrainedItems | null;
  private pretrainedWritten = false;
  /** The model, optimizer, schedule and loop steps, as the CLI trains (src/train/session.ts). */
  private readonly session: TrainingSession;

  constructor(
    readonly rt: Runtime,
    readonly data: DemoData,
    readonly options: DemoTrainOptions,
  ) {
    const base = demoConfig(options);
    this.pretrained = options.itemEmbeddings ? preparePretrainedItems(options.itemEmbeddings, { itemEmbeddingsProjection: options.itemProjection }, base.model, data.dataset) : null;
    this.config = { model: withItemVectors(base.model, this.pretrained), train: base.train };
    this.session = new TrainingSession(rt, { numItems: data.dataset.numItems, maskId: data.dataset.maskId, split: data.split }, this.config, { maxSteps: options.maxSteps });
    this.validSet = buildEvalSet(data.split, 'valid', this.config.model.maxLen);
  }

  get model(): SequenceRecommender {
    return this.session.model;
  }

  get samples(): TrainingSamples {
    return this.session.samples;
  }

  get stepsPerEpoch(): number {
    return this.session.stepsPerEpoch;
  }

  get totalSteps(): number {
    return this.session.totalSteps;
  }

  /** Trains until the epochs (or maxSteps) are done or shouldStop() says so (checked before every step). */
  async run(cb: RunCallbacks = {}): Promise<{ steps: number; losses: number[]; epochs: EpochInfo[]; stopped: boolean }> {
    const tc = this.config.train;
    const losses: number[] = [];
    const epochs: EpochInfo[] = [];
    const evalEvery = this.options.evalEvery ?? 1;
    let stopped = false;
    if (this.pretrained && !this.pretrainedWritten) {
      await writePretrainedItems(this.model, this.pretrained);
      this.pretrainedWritten = true;
    }
    while (this.epoch < tc.epochs && this.step < this.totalSteps && !stopped) {
      const e = this.epoch + 1;
      let sum = 0;
      let n = 0;
      if (cb.shouldStop?.()) stopped = true;
      else {
        for await (const r of this.session.epoch(e, this.step)) {
          this.step = r.step;
          sum += r.loss;
          n++;
          losses.push(r.loss);
          cb.onStep?.({ step: r.step, epoch: e, loss: r.loss, ms: r.ms });
          if (this.step >= this.totalSteps) break;
          if (cb.shouldStop?.()) {
            stopped = true;
            break;
          }
        }
      }
      if (stopped && n === 0) break;
      this.epoch = e;
      const info: EpochInfo = { epoch: e, step: this.step, meanLoss: n ? sum / n : NaN };
      const last = this.epoch >= tc.epochs || this.step >= this.totalSteps || stopped;
      if (evalEvery > 0 && (e % evalEvery === 0 || last) && this.validSet.users.length > 0) {
        const v = await this.validate();
        info.ndcg10 = v.ndcg10;
        info.hr10 = v.hr10;
      }
      epochs.push(info);
      cb.onEpoch?.(info);
    }
    return { steps: this.step, losses, epochs, stopped };
  }

  /** Validation NDCG@10 / HR@10 over all items (history excluded). */
  async validate(): Promise<{ ndcg10: number; hr10: number }> {
    const r = await evaluate(this.validSet, modelScorer(this.model, 64), { batchSize: 256 });
    return { ndcg10: r.full.ndcg10, hr10: r.full.hr10 };
  }

  recommend(history: Int32Array, k = 10): Promise<Recommendation[]> {
    return recommendTopK(this.model, history, k);
  }

  /** Frees the optimizer state and the model. */
  dispose(): void {
    this.session.dispose();
  }
}

// BERT4Rec configuration: defaults, validation, merging from JSON and CLI flags.
import { EvalSpecError, parseKs, parseMetricAtK, parseMetricNames } from './eval/metric-defs.js';
import { parseProtocols } from './eval/protocols.js';

/** The model: BERT4Rec (bidirectional, cloze) or SASRec (causal, next item at every position). */
export type Architecture = 'bert4rec' | 'sasrec';

/** Training objective's loss over the catalogue (src/model/loss.ts). */
export type LossKind = 'ce' | 'sampled' | 'bce';

export interface Bert4RecConfig {
  /** The architecture (absent: 'bert4rec', as in every config written before SASRec existed). */
  architecture?: Architecture;
  /** Maximum sequence length L. */
  maxLen: number;
  /** Hidden size d. */
  hidden: number;
  /** Transformer layers. */
  layers: number;
  /** Attention heads (hidden must be divisible by heads). */
  heads: number;
  /** Feed-forward width (default 4 * hidden). */
  ffn: number;
  /** Dropout on embeddings and sub-layer outputs, and on attention probabilities unless attnDropout is set. */
  dropout: number;
  /** Dropout on attention probabilities (absent: the same as dropout). */
  attnDropout?: number;
  /** Cloze mask probability (BERT4Rec; SASRec ignores it). */
  maskProb: number;
  /** GELU form in the feed-forward and output head. */
  gelu: 'erf' | 'tanh';
  /** Layer-norm epsilon. */
  layerNormEps: number;
  /** Std of the truncated-normal initialiser of the embeddings (and of every weight with linearInit 'fixed'). */
  initStd: number;
  /**
   * Initialiser of the dense weights (attention, feed-forward, head): 'fixed' = truncated normal
   * with initStd (BERT's 0.02); 'fan-in' = truncated normal with std 1/sqrt(fan_in).
   */
  linearInit: 'fixed' | 'fan-in';
  /**
   * Where the layer norms sit (absent: 'post'). 'post' (BERT): LayerNorm on the embeddings and
   * after each residual sum. 'pre' (GPT-2): item embeddings scaled by sqrt(d) and no embedding
   * LayerNorm, LayerNorm before each sub-layer inside the residual branch, and a final LayerNorm
   * on the encoder output. 'sasrec' (SASRec's original code): as 'pre', but each residual adds
   * to the normalised input and attention takes its keys and values from the un-normalised one
   * (src/model/layers.ts).
   */
  norm?: 'post' | 'pre' | 'sasrec';
  /**
   * What a learned position embedding counts (absent: 'from-end'). 'from-end': sequences are
   * left-padded and the last item always sits at position maxLen - 1 (this project's default).
   * 'from-start': each real item's index from the first item of its window (0, 1, ...), as
   * right-padded inputs give it (BERT's layout, and SASRec+'s); a window that starts at the
   * user's first interaction then tells the model how far into the history each item is.
   */
  positions?: 'from-end' | 'from-start';
  /**
   * Width D of pre-trained item vectors fed through a trainable linear projection
   * (train.itemEmbeddingsProjection 'linear'): the item table is then
   * item + item_vectors [V+2, D] . item_projection [D, d], item_vectors fixed. Absent: no projection.
   */
  itemVectorDim?: number;
}

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  lr: number;
  /** Fraction of total steps used for linear warm-up. */
  warmupFraction: number;
  weightDecay: number;
  clipNorm: number;
  adamEps: number;
  beta1: number;
  beta2: number;
  seed: number;
  /** Evaluate on validation users every N epochs. */
  evalEvery: number;
  /**
   * Stop training after this many minutes (validation included), then test (0 = no limit), a
   * hard stop whatever the plan (a default `train` run is planned to the hour instead: timeBudgetMinutes).
   */
  timeLimitMinutes: number;
  /**
   * Plan training to end within this many minutes of wall time, counted from the process start,
   * the final test included (src/train/budget.ts): the steps follow from the measured speed and
   * `epochs` is not used. Absent or 0: a fixed plan of `epochs`.
   */
  timeBudgetMinutes?: number;
  /**
   * Validate during training on this many fixed random users (absent or 0: all); the final
   * choice between checkpoint-best and the last weights is then made on all of them.
   */
  validUsers?: number;
  /** Pad each batch only to a multiple of this many positions over its longest sample (0 = always maxLen). */
  lengthBucket: number;
  /**
   * Samples per epoch that mask only the last item, as a fraction of the cloze windows
   * (0.1, the default: the original's one per dupe_factor = 10 cloze copies; 1: one per window).
   */
  maskLastFraction: number;
  /** Step between sliding windows over long sequences (0: floor(maxLen / 2), the paper's). */
  windowStride: number;
  /**
   * Which windows of a long training sequence are samples (absent: 'all'): every window, or
   * only the 'latest' one (the last L items, as SASRec's original code trains), one per user.
   */
  windows?: 'all' | 'latest';
  /** Cloze copies of each window per epoch, each with its own mask (TorchRec's dupe_factor). */
  dupeFactor: number;
  /** Evaluation protocols, comma-separated: full, popularity:N, uniform:N (src/eval/protocols.ts). */
  evalProtocols: string;
  /** Metrics reported (hr, recall, precision, ndcg, mrr, map) at each of `ks`. */
  metrics: string;
  ks: string;
  /** The validation metric that picks the best checkpoint, on the first of evalProtocols. */
  validMetric: string;
  /** Tie rule of the ranking (src/eval/rank.ts). */
  ties: 'pessimistic' | 'optimistic';
  /** Stop after this many validations without a better validMetric (0: never). */
  patience: number;
  /** Keep a resumable checkpoint of each of the last N epochs, checkpoint-epoch-E/ (0: none). */
  keepCheckpoints: number;
  /**
   * Checkpoint averaging (absent or 0: off): after training, the mean of the weights of the last
   * N epochs' checkpoints (kept as with keepCheckpoints N, at least) joins checkpoint-best and
   * the last weights in the final choice on all validation users (src/checkpoint-average.ts).
   */
  averageLast?: number;
  /** Write a step event to events.jsonl every N steps. */
  logEvery: number;
  /**
   * The loss (absent: 'ce'): 'ce' full softmax cross-entropy over every item; 'sampled' softmax
   * over the batch's target items plus `negatives` items drawn uniformly, shared by the batch;
   * 'bce' binary cross-entropy of each target against one uniformly drawn negative (SASRec's original).
   */
  loss?: LossKind;
  /** Uniform negatives per batch for loss 'sampled'. */
  negatives?: number;
  /** Pre-trained item vectors to initialise the item embeddings from (src/train/item-init.ts). */
  itemEmbeddings?: string;
  /** The ids file of a .npy itemEmbeddings file. */
  itemEmbeddingsIds?: string;
  /**
   * How the vectors reach the hidden size d (absent: 'pca'): 'pca' their top d principal
   * components, 'none' as they are (width d), 'linear' a trainable projection (model.itemVectorDim).
   */
  itemEmbeddingsProjection?: 'pca' | 'none' | 'linear';
  /** Keep the pre-trained rows fixed for the first N epochs (absent: 0). */
  freezeItemEmbeddings?: number;
}

export interface FullConfig {
  model: Bert4RecConfig;
  train: TrainConfig;
}

/** The BERT4Rec paper's ML-1M configuration. */
export const DEFAULT_MODEL: Bert4RecConfig = {
  maxLen: 200,
  hidden: 64,
  layers: 2,
  heads: 2,
  ffn: 256,
  dropout: 0.1,
  maskProb: 0.2,
  gelu: 'erf',
  layerNormEps: 1e-12,
  initStd: 0.02,
  linearInit: 'fan-in',
};

export const DEFAULT_TRAIN: TrainConfig = {
  epochs: 70,
  batchSize: 64,
  lr: 2e-3,
  warmupFraction: 0.05,
  weightDecay: 0.01,
  clipNorm: 5,
  adamEps: 1e-6,
  beta1: 0.9,
  beta2: 0.999,
  seed: 42,
  evalEvery: 1,
  timeLimitMinutes: 0,
  lengthBucket: 32,
  maskLastFraction: 0.1,
  windowStride: 0,
  dupeFactor: 1,
  evalProtocols: 'full,popularity:100',
  metrics: 'hr,ndcg,mrr',
  ks: '1,5,10,20',
  validMetric: 'ndcg@10',
  ties: 'pessimistic',
  patience: 0,
  keepCheckpoints: 0,
  logEvery: 50,
  loss: 'ce',
  negatives: 256,
};

/**
 * SASRec's defaults (--model sasrec): the SASRec paper's ML-1M shape (L 200, 2 layers, 1 head,
 * dropout 0.2) at d = 64, trained with full cross-entropy as SASRec+ (Klenitskiy & Vasilev 2023),
 * positions counted from each window's first item as SASRec+'s right padding gives them
 * (test NDCG@10 +0.005 on ML-1M, docs/runs/2026-12-05-ml1m-sasrec-positions-from-start/).
 * Written out, so a checkpoint without the key (older runs) keeps 'from-end'.
 */
export const DEFAULT_SASREC_MODEL: Bert4RecConfig = {
  ...DEFAULT_MODEL,
  architecture: 'sasrec',
  heads: 1,
  dropout: 0.2,
  positions: 'from-start',
};

export const DEFAULT_SASREC_TRAIN: TrainConfig = {
  ...DEFAULT_TRAIN,
  epochs: 40,
  batchSize: 64,
  lr: 2e-3,
  maskLastFraction: 0,
};

/** The defaults of an architecture. */
export function defaultConfig(architecture: Architecture = 'bert4rec'): FullConfig {
  return architecture === 'sasrec' ? { model: DEFAULT_SASREC_MODEL, train: DEFAULT_SASREC_TRAIN } : { model: DEFAULT_MODEL, train: DEFAULT_TRAIN };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Spec =
  | { kind: 'int' | 'number'; min: number; max: number; exclusiveMin?: boolean }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'text'; parse: (s: string) => unknown };

const MODEL_SPEC: Record<keyof Bert4RecConfig, Spec> = {
  architecture: { kind: 'enum', values: ['bert4rec', 'sasrec'] },
  maxLen: { kind: 'int', min: 1, max: 4096 },
  hidden: { kind: 'int', min: 1, max: 4096 },
  layers: { kind: 'int', min: 1, max: 64 },
  heads: { kind: 'int', min: 1, max: 64 },
  ffn: { kind: 'int', min: 1, max: 65536 },
  dropout: { kind: 'number', min: 0, max: 0.99 },
  attnDropout: { kind: 'number', min: 0, max: 0.99 },
  maskProb: { kind: 'number', min: 0, max: 1, exclusiveMin: true },
  gelu: { kind: 'enum', values: ['erf', 'tanh'] },
  layerNormEps: { kind: 'number', min: 0, max: 1, exclusiveMin: true },
  initStd: { kind: 'number', min: 0, max: 10, exclusiveMin: true },
  linearInit: { kind: 'enum', values: ['fixed', 'fan-in'] },
  norm: { kind: 'enum', values: ['post', 'pre', 'sasrec'] },
  positions: { kind: 'enum', values: ['from-end', 'from-start'] },
  itemVectorDim: { kind: 'int', min: 1, max: 65536 },
};

const TRAIN_SPEC: Record<keyof TrainConfig, Spec> = {
  epochs: { kind: 'int', min: 0, max: 1e6 },
  batchSize: { kind: 'int', min: 1, max: 1 << 16 },
  lr: { kind: 'number', min: 0, max: 10, exclusiveMin: true },
  warmupFraction: { kind: 'number', min: 0, max: 1 },
  weightDecay: { kind: 'number', min: 0, max: 10 },
  clipNorm: { kind: 'number', min: 0, max: 1e9 },
  adamEps: { kind: 'number', min: 0, max: 1, exclusiveMin: true },
  beta1: { kind: 'number', min: 0, max: 1 },
  beta2: { kind: 'number', min: 0, max: 1 },
  seed: { kind: 'int', min: 0, max: 2 ** 32 - 1 },
  evalEvery: { kind: 'int', min: 1, max: 1e6 },
  timeLimitMinutes: { kind: 'number', min: 0, max: 1e6 },
  timeBudgetMinutes: { kind: 'number', min: 0, max: 1e6 },
  validUsers: { kind: 'int', min: 0, max: 2 ** 31 - 1 },
  lengthBucket: { kind: 'int', min: 0, max: 4096 },
  maskLastFraction: { kind: 'number', min: 0, max: 1 },
  windowStride: { kind: 'int', min: 0, max: 4096 },
  windows: { kind: 'enum', values: ['all', 'latest'] },
  dupeFactor: { kind: 'int', min: 1, max: 1000 },
  evalProtocols: { kind: 'text', parse: parseProtocols },
  metrics: { kind: 'text', parse: parseMetricNames },
  ks: { kind: 'text', parse: parseKs },
  validMetric: { kind: 'text', parse: parseMetricAtK },
  ties: { kind: 'enum', values: ['pessimistic', 'optimistic'] },
  patience: { kind: 'int', min: 0, max: 1e6 },
  keepCheckpoints: { kind: 'int', min: 0, max: 1e6 },
  averageLast: { kind: 'int', min: 0, max: 1e6 },
  logEvery: { kind: 'int', min: 1, max: 1e9 },
  loss: { kind: 'enum', values: ['ce', 'sampled', 'bce'] },
  negatives: { kind: 'int', min: 1, max: 1 << 24 },
  itemEmbeddings: { kind: 'text', parse: nonEmpty },
  itemEmbeddingsIds: { kind: 'text', parse: nonEmpty },
  itemEmbeddingsProjection: { kind: 'enum', values: ['pca', 'none', 'linear'] },
  freezeItemEmbeddings: { kind: 'int', min: 0, max: 1e6 },
};

function nonEmpty(s: string): string {
  if (!s.trim()) throw new EvalSpecError('expected a file path');
  return s;
}

function checkValue(where: string, key: string, value: unknown, spec: Spec): unknown {
  if (spec.kind === 'text') {
    if (typeof value !== 'string') throw new ConfigError(`${where}.${key}: expected a string, got ${JSON.stringify(value)}`);
    try {
      spec.parse(value);
    } catch (e) {
      if (e instanceof EvalSpecError) throw new ConfigError(`${where}.${key}: ${e.message}`);
      throw e;
    }
    return value;
  }
  if (spec.kind === 'enum') {
    if (typeof value !== 'string' || !spec.values.includes(value)) {
      throw new ConfigError(`${where}.${key}: expected one of ${spec.values.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return value;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigError(`${where}.${key}: expected a finite number, got ${JSON.stringify(value)}`);
  }
  if (spec.kind === 'int' && !Number.isInteger(value)) throw new ConfigError(`${where}.${key}: expected an integer, got ${value}`);
  const low = spec.exclusiveMin ? value <= spec.min : value < spec.min;
  if (low || value > spec.max) {
    throw new ConfigError(`${where}.${key}: expected ${spec.exclusiveMin ? '>' : '>='} ${spec.min} and <= ${spec.max}, got ${value}`);
  }
  return value;
}

function mergeSection<T extends object>(where: string, base: T, spec: Record<keyof T, Spec>, patch: unknown): T {
  if (patch === undefined) return { ...base };
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new ConfigError(`${where}: expected an object`);
  const out = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in spec)) {
      throw new ConfigError(`${where}: unknown key '${key}' (known keys: ${Object.keys(spec).join(', ')})`);
    }
    out[key] = checkValue(where, key, value, spec[key as keyof T]);
  }
  return out as T;
}

/** Merges a partial config (e.g. parsed JSON) over the defaults and validates the result. */
export function resolveConfig(patch: unknown = {}, base: FullConfig = { model: DEFAULT_MODEL, train: DEFAULT_TRAIN }): FullConfig {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new ConfigError('config: expected a JSON object with "model" and/or "train"');
  for (const key of Object.keys(patch)) {
    if (key !== 'model' && key !== 'train') throw new ConfigError(`config: unknown key '${key}' (expected "model" and/or "train")`);
  }
  const p = patch as { model?: unknown; train?: unknown };
  const model = mergeSection('model', base.model, MODEL_SPEC, p.model);
  const train = mergeSection('train', base.train, TRAIN_SPEC, p.train);
  if (model.hidden % model.heads !== 0) {
    throw new ConfigError(`model.hidden (${model.hidden}) must be divisible by model.heads (${model.heads})`);
  }
  return { model, train };
}

// The checkpoint's config.json: its types, and validation of its text. Platform-neutral (no
// file system), so the CLI (src/checkpoint.ts) and the browser demo share one definition.
import { resolveConfig, type Bert4RecConfig, type TrainConfig } from './config.js';
import { importIdMaps, type IdMaps, type IdMapsJson } from './data/idmaps.js';

export const CHECKPOINT_FORMAT = 'webgpu-bert4rec-checkpoint';
export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const CONFIG_FILE = 'config.json';
export const SEQUENCES_FILE = 'sequences.safetensors';

/** Where the training data came from, so a resumed run can check it uses the same data. */
export interface DataDescription {
  source: string;
  format: string;
  users: number;
  items: number;
  interactions: number;
  trainSamples?: number;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  valid?: { ndcg10: number; hr10: number };
  seconds: number;
}

/**
 * Where inside an epoch a checkpoint was taken (a time-limit stop, --checkpoint-every). With
 * the completed epochs' state it is everything a resumed run needs to continue bit-identically:
 * the epoch's sample order and masks are seeded by (train.seed, epoch), dropout by the step,
 * so the RNG state is (seed, epoch, step); `orderDigest` checks that the resumed run draws the
 * same order (same data, batch size, bucketing), and the loss sums continue the epoch's mean.
 */
export interface EpochPosition {
  /** The epoch in progress (1-based; the completed epochs are `epoch` - 1). */
  epoch: number;
  /** Batches of that epoch already trained (0 < batches < steps per epoch). */
  batches: number;
  /** Sum and count of those batches' losses, and their samples (the epoch's running mean). */
  lossSum: number;
  lossCount: number;
  samples: number;
  /** Seconds spent on the epoch so far. */
  seconds: number;
  /** Hex digest of the epoch's sample and batch order (see epochOrderDigest). */
  orderDigest: string;
}

/** The learning-rate schedule of the run (a resume with other values would not be exact). */
export interface ScheduleRecord {
  peakLr: number;
  warmupSteps: number;
  totalSteps: number;
}

export interface CheckpointConfig {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  model: Bert4RecConfig;
  train: TrainConfig;
  numItems: number;
  idMaps: IdMapsJson;
  /** Completed epochs. */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  /** Best validation NDCG@10 so far and its epoch (null before any validation). */
  /** metric: 'valid.ndcg10' (older runs) or 'valid.PROTOCOL.METRIC@K', e.g. 'valid.uniform:50.map@12'. */
  best: { metric: string; value: number; epoch: number } | null;
  data: DataDescription;
  /** Per-epoch history (for the training curve after --resume). */
  history: EpochRecord[];
  /** Set when the checkpoint was taken inside an epoch (absent/null: at the end of epoch `epoch`). */
  position?: EpochPosition | null;
  schedule?: ScheduleRecord;
  backend: string;
  savedAt: string;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/**
 * Parses and validates config.json text (the configs go through resolveConfig's checks);
 * `where` names the file in errors, which also say where: line and column of a JSON syntax
 * error, the field path ('history[2].loss') of a wrong value.
 */
export function parseCheckpointConfig(text: string, where: string): CheckpointConfig & { ids: IdMaps } {
  const json = parseJsonAt(text, where) as Partial<CheckpointConfig> | null;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CheckpointError(`${where}: expected a JSON object at the top level, got ${typeName(json)}`);
  if (json.format !== CHECKPOINT_FORMAT || json.version !== 1) {
    throw new CheckpointError(`${where}: not a ${CHECKPOINT_FORMAT} version 1 config (format ${short(json.format)}, version ${short(json.version)})`);
  }
  let resolved;
  try {
    resolved = resolveConfig({ model: json.model, train: json.train });
  } catch (e) {
    throw new CheckpointError(`${where}: ${(e as Error).message}`);
  }
  const field = fieldChecker(where);
  field.int('numItems', json.numItems, 1);
  field.int('epoch', json.epoch, 0);
  field.int('step', json.step, 0);
  if (json.best !== null && json.best !== undefined) {
    field.object('best', json.best);
    field.string('best.metric', json.best.metric);
    field.number('best.value', json.best.value);
    field.int('best.epoch', json.best.epoch, 1);
  }
  field.object('data', json.data);
  field.string('data.source', json.data!.source);
  for (const k of ['users', 'items', 'interactions'] as const) field.int(`data.${k}`, json.data![k], 0);
  const history = json.history ?? [];
  if (!Array.isArray(history)) throw new CheckpointError(`${where}: field 'history': expected an array, got ${typeName(history)}`);
  history.forEach((h, i) => {
    field.object(`history[${i}]`, h);
    field.int(`history[${i}].epoch`, h.epoch, 1);
    field.number(`history[${i}].loss`, h.loss, true);
    field.number(`history[${i}].seconds`, h.seconds);
    if (h.valid !== undefined) {
      field.object(`history[${i}].valid`, h.valid);
      field.number(`history[${i}].valid.ndcg10`, h.valid.ndcg10);
      field.number(`history[${i}].valid.hr10`, h.valid.hr10);
    }
  });
  const p = json.position;
  if (p !== null && p !== undefined) {
    field.object('position', p);
    field.int('position.epoch', p.epoch, 1);
    if (p.epoch !== json.epoch! + 1) throw new CheckpointError(`${where}: field 'position.epoch': ${p.epoch} is not the epoch after the ${json.epoch} completed`);
    field.int('position.batches', p.batches, 1);
    field.number('position.lossSum', p.lossSum);
    field.int('position.lossCount', p.lossCount, 0);
    field.int('position.samples', p.samples, 0);
    field.number('position.seconds', p.seconds);
    field.string('position.orderDigest', p.orderDigest);
  }
  if (json.schedule !== undefined) {
    field.object('schedule', json.schedule);
    field.number('schedule.peakLr', json.schedule.peakLr);
    field.int('schedule.warmupSteps', json.schedule.warmupSteps, 0);
    field.int('schedule.totalSteps', json.schedule.totalSteps, 0);
  }
  let ids: IdMaps;
  try {
    ids = importIdMaps(json.idMaps);
  } catch (e) {
    throw new CheckpointError(`${where}: field 'idMaps': ${(e as Error).message.replace(/^id maps: /, '')}`);
  }
  if (ids.numItems !== json.numItems) throw new CheckpointError(`${where}: the id map has ${ids.numItems} items but numItems is ${json.numItems}`);
  return { ...(json as CheckpointConfig), model: resolved.model, train: resolved.train, history, ids };
}

/** JSON.parse, with a syntax error's line and column (V8 reports a character offset, or none at the end). */
function parseJsonAt(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const m = /at position (\d+)/.exec(message);
    const offset = m ? Number(m[1]) : text.length;
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - (before.lastIndexOf('\n') + 1) + 1;
    throw new CheckpointError(`${where}:${line}:${column}: invalid JSON (${message.replace(/\s*\(line \d+ column \d+\)/, '')})`);
  }
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** A value for an error message, shortened (a damaged file can hold huge strings). */
function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}

/** Checks of single fields that throw a CheckpointError naming the file and the field path. */
function fieldChecker(where: string) {
  const fail = (path: string, expected: string, v: unknown): never => {
    throw new CheckpointError(`${where}: field '${path}': expected ${expected}, got ${short(v)}`);
  };
  return {
    int(path: string, v: unknown, min: number) {
      if (!Number.isSafeInteger(v) || (v as number) < min) fail(path, `an integer >= ${min}`, v);
    },
    number(path: string, v: unknown, allowNull = false) {
      // NaN and Infinity are written as null by JSON.stringify (a loss of a diverged epoch).
      if (!(typeof v === 'number' && Number.isFinite(v)) && !(allowNull && v === null)) fail(path, 'a finite number', v);
    },
    string(path: string, v: unknown) {
      if (typeof v !== 'string') fail(path, 'a string', v);
    },
    object(path: string, v: unknown) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object', v);
    },
  };
}

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
  best: { metric: 'valid.ndcg10'; value: number; epoch: number } | null;
  data: DataDescription;
  /** Per-epoch history (for the training curve after --resume). */
  history: EpochRecord[];
  backend: string;
  savedAt: string;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/**
 * Parses and validates config.json text (the configs go through resolveConfig's checks);
 * `where` names the file in errors.
 */
export function parseCheckpointConfig(text: string, where: string): CheckpointConfig & { ids: IdMaps } {
  let json: Partial<CheckpointConfig>;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${where}: invalid JSON (${(e as Error).message})`);
  }
  if (json?.format !== CHECKPOINT_FORMAT || json.version !== 1) {
    throw new CheckpointError(`${where}: not a ${CHECKPOINT_FORMAT} version 1 config (format ${JSON.stringify(json?.format)}, version ${JSON.stringify(json?.version)})`);
  }
  let resolved;
  try {
    resolved = resolveConfig({ model: json.model, train: json.train });
  } catch (e) {
    throw new CheckpointError(`${where}: ${(e as Error).message}`);
  }
  if (!Number.isInteger(json.numItems) || json.numItems! < 1) throw new CheckpointError(`${where}: numItems must be a positive integer, got ${json.numItems}`);
  const ids = importIdMaps(json.idMaps);
  if (ids.numItems !== json.numItems) throw new CheckpointError(`${where}: the id map has ${ids.numItems} items but numItems is ${json.numItems}`);
  return { ...(json as CheckpointConfig), model: resolved.model, train: resolved.train, history: json.history ?? [], ids };
}

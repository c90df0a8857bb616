// Checkpoints: a directory holding
//   model.safetensors      the state dict ('embeddings.item', 'layers.0.attention.query.weight', ...)
//   optimizer.safetensors  optimizer state (AdamW m and v per parameter, plus the step) for --resume
//   config.json            model + train config, item/user id maps, epoch, step, best metric, data
//   sequences.safetensors  every user's dense item sequence (for `recommend --user`), optional
// Each file is written atomically (temporary file, fsync, rename); config.json goes last and
// both safetensors files carry the step in their metadata, so a directory whose files come
// from different saves is detected on load. Values are f32 little-endian whatever the
// backend, so a checkpoint saved on WebGPU loads on WASM and vice versa.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decodeSafetensors,
  encodeSafetensorsWithChecksum,
  readSafetensorsFile,
  loadStateDict,
  loadStateDictInto,
  saveStateDict,
  writeFileAtomic,
  type Module,
  type Runtime,
  type Tensor,
} from '../runtime/index.js';
import { CHECKPOINT_FORMAT, CheckpointError, CONFIG_FILE, MODEL_FILE, OPTIMIZER_FILE, parseCheckpointConfig, SEQUENCES_FILE, type CheckpointConfig } from './checkpoint-config.js';
import type { IdMaps } from './data/idmaps.js';

export {
  CHECKPOINT_FORMAT,
  CONFIG_FILE,
  MODEL_FILE,
  OPTIMIZER_FILE,
  SEQUENCES_FILE,
  CheckpointError,
  parseCheckpointConfig,
  type CheckpointConfig,
  type DataDescription,
  type EpochRecord,
} from './checkpoint-config.js';

/** Optimizer state as named tensors plus the step count (see src/train/optimizer.ts). */
export interface OptimizerSnapshot {
  step: number;
  tensors: Map<string, Tensor>;
}

export async function saveCheckpoint(dir: string, model: Module, optimizer: OptimizerSnapshot | null, config: CheckpointConfig): Promise<void> {
  await mkdir(dir, { recursive: true });
  const meta = { step: String(config.step), epoch: String(config.epoch), format: CHECKPOINT_FORMAT };
  await saveStateDict(join(dir, MODEL_FILE), model.stateDict(), meta);
  if (optimizer) await saveStateDict(join(dir, OPTIMIZER_FILE), optimizer.tensors, { ...meta, optimizer_step: String(optimizer.step) });
  await writeFileAtomic(join(dir, CONFIG_FILE), new TextEncoder().encode(`${JSON.stringify(config, null, 1)}\n`));
}

/** Reads and validates config.json (the configs go through resolveConfig's checks). */
export async function readCheckpointConfig(dir: string): Promise<CheckpointConfig & { ids: IdMaps }> {
  const file = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(`${file}: ${code === 'ENOENT' ? 'not found (is this a checkpoint directory written by npm run train?)' : String(e)}`);
  }
  return parseCheckpointConfig(text, file);
}

/** Copies model.safetensors into the model's parameters (names and shapes must match exactly). */
export async function loadModelWeights(dir: string, model: Module, expectedStep?: number): Promise<void> {
  const file = join(dir, MODEL_FILE);
  let meta: Record<string, string>;
  try {
    ({ metadata: meta } = await loadStateDictInto(model.stateDict(), file, { strict: true, checksum: 'require' }));
  } catch (e) {
    throw new CheckpointError(`${file}: ${(e as Error).message}`);
  }
  if (expectedStep !== undefined && meta.step !== String(expectedStep)) {
    throw new CheckpointError(`${file} was saved at step ${meta.step} but ${CONFIG_FILE} says step ${expectedStep}: the directory mixes two saves`);
  }
}

/** Loads optimizer.safetensors into new tensors on rt (the caller owns them). */
export async function loadOptimizerTensors(dir: string, rt: Runtime, expectedStep?: number): Promise<OptimizerSnapshot> {
  const file = join(dir, OPTIMIZER_FILE);
  let loaded;
  try {
    loaded = await loadStateDict(rt, file, 'require');
  } catch (e) {
    throw new CheckpointError(`${file}: ${(e as Error).message}`);
  }
  const { tensors, metadata } = loaded;
  if (expectedStep !== undefined && metadata.step !== String(expectedStep)) {
    for (const t of tensors.values()) t.dispose();
    throw new CheckpointError(`${file} was saved at step ${metadata.step} but ${CONFIG_FILE} says step ${expectedStep}: the directory mixes two saves`);
  }
  return { step: Number(metadata.optimizer_step ?? metadata.step), tensors };
}

/** Writes users' dense item sequences as two I32 tensors: items (concatenated) and offsets [U+1]. */
export async function saveSequences(dir: string, sequences: Int32Array[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const offsets = new Int32Array(sequences.length + 1);
  for (let u = 0; u < sequences.length; u++) offsets[u + 1] = offsets[u] + sequences[u].length;
  const items = new Int32Array(offsets[sequences.length]);
  sequences.forEach((s, u) => items.set(s, offsets[u]));
  const tensors = new Map([
    ['items', { dtype: 'I32' as const, shape: [items.length], data: items }],
    ['offsets', { dtype: 'I32' as const, shape: [offsets.length], data: offsets }],
  ]);
  await writeFileAtomic(join(dir, SEQUENCES_FILE), await encodeSafetensorsWithChecksum(tensors));
}

/** The sequences written by saveSequences, or null when the checkpoint has none. */
export async function loadSequences(dir: string): Promise<Int32Array[] | null> {
  const file = join(dir, SEQUENCES_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await readSafetensorsFile(file, 'require');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CheckpointError(`${file}: ${(e as Error).message}`);
  }
  const { tensors } = decodeSafetensors(bytes);
  const items = tensors.get('items');
  const offsets = tensors.get('offsets');
  if (!items || !offsets || items.dtype !== 'I32' || offsets.dtype !== 'I32') throw new CheckpointError(`${file}: expected I32 tensors 'items' and 'offsets'`);
  const it = items.data as Int32Array;
  const off = offsets.data as Int32Array;
  const out: Int32Array[] = [];
  for (let u = 0; u + 1 < off.length; u++) {
    if (off[u] < 0 || off[u + 1] < off[u] || off[u + 1] > it.length) throw new CheckpointError(`${file}: offsets are not ascending within the items`);
    out.push(it.subarray(off[u], off[u + 1]));
  }
  return out;
}

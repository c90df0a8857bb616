// Checkpoints: a directory holding
//   model.safetensors      the state dict ('embeddings.item', 'layers.0.attention.query.weight', ...)
//   optimizer.safetensors  optimizer state (AdamW m and v per parameter, plus the step) for --resume
//   config.json            model + train config, item/user id maps, epoch, step (and the position
//                          inside an epoch), best metric, data
//   sequences.safetensors  every user's dense item sequence (for `recommend --user`), optional
// A save is one transaction: the new files are written (each atomically: temporary file, fsync,
// rename) into `.pending/`, then `.pending/COMMITTED` lists them, then they are renamed into
// place. A save killed before the marker leaves the previous checkpoint as it was; one killed
// after it is completed by the next save, and readers take the committed pending files
// meanwhile. Both safetensors files carry the step in their metadata, so a directory whose
// files still come from different saves is detected on load. Values are f32 little-endian
// whatever the backend, so a checkpoint saved on WebGPU loads on WASM and vice versa.
import { access, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
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
  type EpochPosition,
  type EpochRecord,
  type ScheduleRecord,
} from './checkpoint-config.js';

/** Optimizer state as named tensors plus the step count (see src/train/optimizer.ts). */
export interface OptimizerSnapshot {
  step: number;
  tensors: Map<string, Tensor>;
}

/** Staging directory of a save in progress, and the marker that commits it (see the top of the file). */
export const PENDING_DIR = '.pending';
export const COMMIT_FILE = 'COMMITTED';

export async function saveCheckpoint(dir: string, model: Module, optimizer: OptimizerSnapshot | null, config: CheckpointConfig): Promise<void> {
  await mkdir(dir, { recursive: true });
  await finishPendingSave(dir);
  const pending = join(dir, PENDING_DIR);
  await rm(pending, { recursive: true, force: true });
  await mkdir(pending);
  const meta = { step: String(config.step), epoch: String(config.epoch), format: CHECKPOINT_FORMAT };
  const files = [MODEL_FILE, CONFIG_FILE];
  await saveStateDict(join(pending, MODEL_FILE), model.stateDict(), meta);
  if (optimizer) {
    await saveStateDict(join(pending, OPTIMIZER_FILE), optimizer.tensors, { ...meta, optimizer_step: String(optimizer.step) });
    files.push(OPTIMIZER_FILE);
  }
  await writeFileAtomic(join(pending, CONFIG_FILE), new TextEncoder().encode(`${JSON.stringify(config, null, 1)}\n`));
  await writeFileAtomic(join(pending, COMMIT_FILE), new TextEncoder().encode(`${JSON.stringify(files)}\n`));
  await finishPendingSave(dir);
}

/**
 * Completes a committed save (renames its files into place) or discards an uncommitted one.
 * Idempotent: a kill half-way leaves a state this function (or the next save) completes.
 */
async function finishPendingSave(dir: string): Promise<void> {
  const pending = join(dir, PENDING_DIR);
  const names = await committedFiles(dir);
  if (names) {
    for (const name of names) {
      try {
        await rename(join(pending, name), join(dir, name));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // moved by an earlier, interrupted finish
      }
    }
    await syncDirectory(dir);
  }
  await rm(pending, { recursive: true, force: true });
}

/** The files of a committed pending save, or null when there is none (or it is not committed). */
async function committedFiles(dir: string): Promise<string[] | null> {
  let text: string;
  try {
    text = await readFile(join(dir, PENDING_DIR, COMMIT_FILE), 'utf8');
  } catch {
    return null;
  }
  let names: unknown;
  try {
    names = JSON.parse(text);
  } catch {
    names = null;
  }
  const known = [MODEL_FILE, OPTIMIZER_FILE, CONFIG_FILE];
  if (!Array.isArray(names) || !names.every((n) => known.includes(n))) throw new CheckpointError(`${join(dir, PENDING_DIR, COMMIT_FILE)}: damaged commit marker ${JSON.stringify(text.slice(0, 80))}`);
  return names as string[];
}

/** Where a checkpoint file is read from: the committed pending copy while a save is being completed, else the directory's. */
async function checkpointFile(dir: string, name: string): Promise<string> {
  const staged = join(dir, PENDING_DIR, name);
  if ((await committedFiles(dir))?.includes(name)) {
    try {
      await access(staged);
      return staged;
    } catch {
      // already renamed into place
    }
  }
  return join(dir, name);
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Windows cannot open directories; best effort elsewhere too
  }
}

/** Reads and validates config.json (the configs go through resolveConfig's checks). */
export async function readCheckpointConfig(dir: string): Promise<CheckpointConfig & { ids: IdMaps }> {
  const file = await checkpointFile(dir, CONFIG_FILE);
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
  const file = await checkpointFile(dir, MODEL_FILE);
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
  const file = await checkpointFile(dir, OPTIMIZER_FILE);
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

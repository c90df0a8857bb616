// In-memory checkpoints for the demo (no file system): model.safetensors bytes + config.json
// text in the same layout as the CLI's checkpoint directory (src/checkpoint.ts, which needs
// node:fs), so a checkpoint downloaded from the page loads in `npm run recommend` and back.
import { loadSafetensorsInto, stateDictToSafetensors, type Runtime } from '../runtime/index.js';
import type { CheckpointConfig } from '../src/checkpoint.js';
import { resolveConfig } from '../src/config.js';
import { exportIdMaps, importIdMaps, type IdMaps } from '../src/data/idmaps.js';
import { Bert4Rec } from '../src/model/bert4rec.js';
import type { DemoTrainer } from './train.js';

/** The same value as CHECKPOINT_FORMAT in src/checkpoint.ts (not imported: that module imports node:fs). */
export const CHECKPOINT_FORMAT = 'webgpu-bert4rec-checkpoint';

export interface CheckpointFiles {
  /** model.safetensors */
  model: Uint8Array;
  /** config.json */
  config: string;
}

export async function encodeCheckpoint(t: DemoTrainer): Promise<CheckpointFiles> {
  const step = t.step;
  const meta = { step: String(step), epoch: String(t.epoch), format: CHECKPOINT_FORMAT };
  const model = await stateDictToSafetensors(t.model.stateDict(), meta);
  const ds = t.data.dataset;
  const config: CheckpointConfig = {
    format: CHECKPOINT_FORMAT,
    version: 1,
    model: t.config.model,
    train: t.config.train,
    numItems: ds.numItems,
    idMaps: exportIdMaps(ds),
    epoch: t.epoch,
    step,
    best: null,
    data: { source: t.data.source, format: 'demo', users: ds.numUsers, items: ds.numItems, interactions: ds.stats.final.interactions, trainSamples: t.samples.count },
    history: [],
    backend: t.rt.name,
    savedAt: new Date().toISOString(),
  };
  return { model, config: `${JSON.stringify(config, null, 1)}\n` };
}

export class DemoCheckpointError extends Error {
  override name = 'DemoCheckpointError';
}

/** A model rebuilt from a checkpoint's two files (validated: config, id maps, names, shapes, checksum). */
export async function decodeCheckpoint(rt: Runtime, files: CheckpointFiles): Promise<{ model: Bert4Rec; config: CheckpointConfig; ids: IdMaps }> {
  let json: CheckpointConfig;
  try {
    json = JSON.parse(files.config);
  } catch (e) {
    throw new DemoCheckpointError(`config.json: invalid JSON (${(e as Error).message})`);
  }
  if (json?.format !== CHECKPOINT_FORMAT || json.version !== 1) {
    throw new DemoCheckpointError(`config.json: not a ${CHECKPOINT_FORMAT} version 1 config (format ${JSON.stringify(json?.format)})`);
  }
  let ids: IdMaps;
  let resolved;
  try {
    resolved = resolveConfig({ model: json.model, train: json.train });
    ids = importIdMaps(json.idMaps);
  } catch (e) {
    throw new DemoCheckpointError(`config.json: ${(e as Error).message}`);
  }
  if (ids.numItems !== json.numItems) throw new DemoCheckpointError(`config.json: the id map has ${ids.numItems} items but numItems is ${json.numItems}`);
  const model = new Bert4Rec(rt, json.numItems, resolved.model, resolved.train.seed);
  try {
    await loadSafetensorsInto(model.stateDict(), files.model, { strict: true, checksum: 'require' });
  } catch (e) {
    model.dispose();
    throw new DemoCheckpointError(`model.safetensors: ${(e as Error).message}`);
  }
  return { model, config: { ...json, model: resolved.model, train: resolved.train }, ids };
}

// In-memory checkpoints for the demo (no file system): model.safetensors bytes + config.json
// text in the same layout as the CLI's checkpoint directory (src/checkpoint.ts, which needs
// node:fs; both validate config.json with src/checkpoint-config.ts), so a checkpoint
// downloaded from the page loads in `npm run recommend` and back.
import { loadSafetensorsInto, stateDictToSafetensors, type Runtime } from '../runtime/index.js';
import { CHECKPOINT_FORMAT, parseCheckpointConfig, type CheckpointConfig } from '../src/checkpoint-config.js';
import { exportIdMaps, type IdMaps } from '../src/data/idmaps.js';
import { createModel } from '../src/model/create.js';
import type { SequenceRecommender } from '../src/model/recommender.js';
import type { DemoTrainer } from './train.js';

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
export async function decodeCheckpoint(rt: Runtime, files: CheckpointFiles): Promise<{ model: SequenceRecommender; config: CheckpointConfig; ids: IdMaps }> {
  let parsed: CheckpointConfig & { ids: IdMaps };
  try {
    parsed = parseCheckpointConfig(files.config, 'config.json');
  } catch (e) {
    throw new DemoCheckpointError((e as Error).message.startsWith('config.json') ? (e as Error).message : `config.json: ${(e as Error).message}`);
  }
  const { ids, ...json } = parsed;
  const model = createModel(rt, json.numItems, json.model, json.train.seed);
  try {
    await loadSafetensorsInto(model.stateDict(), files.model, { strict: true, checksum: 'require' });
  } catch (e) {
    model.dispose();
    throw new DemoCheckpointError(`model.safetensors: ${(e as Error).message}`);
  }
  return { model, config: json, ids };
}

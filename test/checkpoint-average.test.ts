// Checkpoint averaging (src/checkpoint-average.ts, npm run average): the averaged checkpoint
// holds the float64 mean of the sources' weights, loads into a model like any checkpoint (the
// newest source's config and step), and checkpoints of different models or data are refused.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, decodeSafetensors, type Runtime } from '../runtime/index.js';
import { AVERAGED_FROM_KEY, averageCheckpoints } from '../src/checkpoint-average.js';
import { CheckpointError, loadModelWeights, readCheckpointConfig, saveCheckpoint, type CheckpointConfig } from '../src/checkpoint.js';
import { resolveConfig } from '../src/config.js';
import { Bert4Rec } from '../src/model/bert4rec.js';

const ROOT = process.cwd();
const V = 30;
const config = resolveConfig({ model: { maxLen: 8, hidden: 16, layers: 1, heads: 2, ffn: 32 } });
let work = '';
let rt: Runtime;

function checkpointConfig(step: number, model = config.model): CheckpointConfig {
  return {
    format: 'webgpu-bert4rec-checkpoint', version: 1, model, train: config.train, numItems: V,
    idMaps: { version: 1, userIds: [1], itemIds: [-1, ...Array.from({ length: V }, (_, i) => i + 1)] },
    epoch: step, step, best: null, history: [], backend: 'wasm', savedAt: new Date(0).toISOString(),
    data: { source: 'generated', format: 'user-item', users: 1, items: V, interactions: V },
  };
}

/** A checkpoint at `step` of a model initialised with `seed`; returns its weights by name. */
async function makeCheckpoint(dir: string, step: number, seed: number, model = config.model): Promise<Map<string, Float32Array>> {
  const m = new Bert4Rec(rt, V, model, seed);
  await saveCheckpoint(dir, m, null, checkpointConfig(step, model));
  const weights = new Map<string, Float32Array>();
  for (const [name, t] of m.stateDict()) weights.set(name, (await t.data()) as Float32Array);
  m.dispose();
  return weights;
}

beforeAll(async () => {
  await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
  work = await mkdtemp(join(ROOT, 'test-artifacts', 'ckpt-average-'));
  rt = await createRuntime({ backend: 'wasm', wasm: { threads: 1 } });
});

afterAll(async () => {
  rt?.destroy();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('averageCheckpoints', () => {
  it('writes the mean of the weights, with the newest source config, loadable at its step', async () => {
    const sources = [
      { dir: join(work, 'a'), step: 30, seed: 1 },
      { dir: join(work, 'b'), step: 10, seed: 2 },
      { dir: join(work, 'c'), step: 20, seed: 3 },
    ];
    const weights = await Promise.all(sources.map((s) => makeCheckpoint(s.dir, s.step, s.seed)));
    const out = join(work, 'avg');
    const r = await averageCheckpoints(sources.map((s) => s.dir), out);
    expect(r.sources.map((s) => s.step)).toEqual([10, 20, 30]);
    const { tensors, metadata } = decodeSafetensors(new Uint8Array(await readFile(join(out, 'model.safetensors'))));
    expect(JSON.parse(metadata[AVERAGED_FROM_KEY])).toEqual([sources[1].dir, sources[2].dir, sources[0].dir]);
    expect(metadata.step).toBe('30');
    expect(tensors.size).toBe(weights[0].size);
    for (const [name, t] of tensors) {
      const got = t.data as Float32Array;
      const ws = weights.map((w) => w.get(name)!);
      for (let j = 0; j < got.length; j++) expect(got[j]).toBe(Math.fround((ws[0][j] + ws[1][j] + ws[2][j]) / 3));
    }
    const ck = await readCheckpointConfig(out);
    expect(ck.step).toBe(30);
    const m = new Bert4Rec(rt, V, ck.model, 9);
    await loadModelWeights(out, m, ck.step);
    const item = (await m.stateDict().get('embeddings.item')!.data()) as Float32Array;
    expect([...item]).toEqual([...(tensors.get('embeddings.item')!.data as Float32Array)]);
    m.dispose();
  });

  it('refuses fewer than two checkpoints, the output among the sources, other models and other data', async () => {
    const a = join(work, 'r1');
    const b = join(work, 'r2');
    await makeCheckpoint(a, 1, 1);
    await makeCheckpoint(b, 2, 2);
    await expect(averageCheckpoints([a], join(work, 'x'))).rejects.toThrow(/at least two checkpoints/);
    await expect(averageCheckpoints([a, b], b)).rejects.toThrow(/is one of the checkpoints/);
    const wide = join(work, 'r3');
    await makeCheckpoint(wide, 3, 3, { ...config.model, ffn: 48 });
    await expect(averageCheckpoints([a, wide], join(work, 'x'))).rejects.toThrow(CheckpointError);
    await expect(averageCheckpoints([a, wide], join(work, 'x'))).rejects.toThrow(/model config differs/);
    const other = join(work, 'r4');
    await makeCheckpoint(other, 4, 4);
    const file = join(other, 'config.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.data.interactions += 1;
    await writeFile(file, JSON.stringify(json));
    await expect(averageCheckpoints([a, other], join(work, 'x'))).rejects.toThrow(/other data/);
  });
});

// A checkpoint save killed at any moment (SIGKILL, random times, most of them inside a save:
// the writer does nothing else) leaves a loadable checkpoint: config.json, model.safetensors
// and optimizer.safetensors all of one save (the previous one, or the new one when the kill
// came after its commit marker), never a mix; every save the writer reported finished is kept.
// The next save in the directory completes or discards what the killed one left in .pending/.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../runtime/index.js';
import { COMMIT_FILE, loadModelWeights, loadOptimizerTensors, PENDING_DIR, readCheckpointConfig, saveCheckpoint, type CheckpointConfig } from '../src/checkpoint.js';
import { resolveConfig } from '../src/config.js';
import { Rng } from '../src/data/rng.js';
import { Bert4Rec } from '../src/model/bert4rec.js';

const ROOT = process.cwd();
const V = 20000; // a 1.3 MB item table and 2.6 MB of optimizer state: saves take a while
const config = resolveConfig({ model: { maxLen: 8, hidden: 16, layers: 1, heads: 2, ffn: 32 } });
let work = '';
let writer = '';
let rt: Runtime;

/** A valid config.json for generation g (step = epoch = g). */
function checkpointConfig(g: number): CheckpointConfig {
  return {
    format: 'webgpu-bert4rec-checkpoint', version: 1, model: config.model, train: config.train, numItems: V,
    idMaps: { version: 1, userIds: [1], itemIds: [-1, ...Array.from({ length: V }, (_, i) => i + 1)] },
    epoch: g, step: g, best: null, history: [], backend: 'wasm', savedAt: new Date(0).toISOString(),
    data: { source: 'generated', format: 'user-item', users: 1, items: V, interactions: V },
  };
}

// The writer: saves generation 1, 2, 3, ... into argv[2]; item embeddings and optimizer state all equal g; prints g after each save.
const WRITER = `
import { createRuntime } from ${JSON.stringify(join(ROOT, 'runtime/index.ts'))};
import { saveCheckpoint } from ${JSON.stringify(join(ROOT, 'src/checkpoint.ts'))};
import { Bert4Rec } from ${JSON.stringify(join(ROOT, 'src/model/bert4rec.ts'))};
const [dir, configJson] = process.argv.slice(2);
const { model: mc, base } = JSON.parse(configJson);
const rt = await createRuntime({ backend: 'wasm', wasm: { threads: 1 } });
const model = new Bert4Rec(rt, ${V}, mc, 1);
const items = model.embeddings.item.shape.reduce((a, b) => a * b, 1);
for (let g = 1; ; g++) {
  await model.loadStateDict({ 'embeddings.item': new Float32Array(items).fill(g) }, { strict: false });
  const m = rt.tensor(new Float32Array(items * 2).fill(g));
  await saveCheckpoint(dir, model, { step: g, tensors: new Map([['m', m]]) }, { ...base, epoch: g, step: g });
  m.dispose();
  process.stdout.write(g + '\\n');
}
`;

beforeAll(async () => {
  await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
  work = await mkdtemp(join(ROOT, 'test-artifacts', 'ckpt-kill-'));
  await writeFile(join(work, 'writer.ts'), WRITER);
  writer = join(work, 'writer.mjs');
  await build({
    entryPoints: [join(work, 'writer.ts')], outfile: writer, bundle: true, format: 'esm', target: 'es2022', platform: 'node', packages: 'external',
    loader: { '.wgsl': 'text', '.wasm': 'binary' }, logLevel: 'warning', absWorkingDir: ROOT,
  });
  rt = await createRuntime({ backend: 'wasm', wasm: { threads: 1 } });
}, 120_000);

afterAll(async () => {
  rt?.destroy();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Runs the writer, kills it `delayMs` after its first finished save; returns the last generation it reported finished. */
async function killWriter(dir: string, delayMs: number): Promise<number> {
  const base = checkpointConfig(0);
  const child = spawn(process.execPath, [writer, dir, JSON.stringify({ model: config.model, base })], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<string | number | null>((r) => child.on('exit', (code, signal) => r(signal ?? code)));
  let finished = 0;
  await new Promise<void>((res, rej) => {
    child.stdout.on('data', (d) => {
      out += d;
      const done = out.split('\n').filter(Boolean);
      finished = Number(done[done.length - 1]);
      if (done.length === 1) setTimeout(() => (child.kill('SIGKILL'), res()), delayMs);
    });
    child.on('exit', () => rej(new Error(`the writer exited on its own: ${err.slice(0, 800)}`)));
  }).catch(async (e) => {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw e;
  });
  expect(await exited).toBe('SIGKILL');
  const done = out.split('\n').filter(Boolean);
  return Number(done[done.length - 1] ?? finished);
}

describe('a checkpoint save killed at a random moment', () => {
  it('always leaves one whole save loadable, never an older one than the writer reported', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 100000);
    const rng = new Rng(seed);
    const dir = join(work, 'ck');
    const states = { clean: 0, uncommitted: 0, committed: 0 };
    const model = new Bert4Rec(rt, V, config.model, 2);
    for (let attempt = 0; attempt < 8; attempt++) {
      const delay = 30 + Math.floor(rng.next() * 400);
      const reported = await killWriter(dir, delay);
      const pending = join(dir, PENDING_DIR);
      states[!existsSync(pending) ? 'clean' : existsSync(join(pending, COMMIT_FILE)) ? 'committed' : 'uncommitted']++;
      const what = `attempt ${attempt} (FUZZ_SEED=${seed}, kill ${delay} ms after the first save)`;
      const ck = await readCheckpointConfig(dir);
      expect(ck.step, what).toBeGreaterThanOrEqual(reported);
      expect(ck.step, what).toBeLessThanOrEqual(reported + 1);
      await loadModelWeights(dir, model, ck.step); // throws when the files mix two saves
      expect((await model.embeddings.item.data()).every((v) => v === ck.step), `${what}: weights of save ${ck.step}`).toBe(true);
      const opt = await loadOptimizerTensors(dir, rt, ck.step);
      expect(opt.step).toBe(ck.step);
      expect((await opt.tensors.get('m')!.data()).every((v) => v === ck.step), `${what}: optimizer state of save ${ck.step}`).toBe(true);
      for (const t of opt.tensors.values()) t.dispose();
    }
    console.log(`kills: ${JSON.stringify(states)} (FUZZ_SEED=${seed})`);
    expect(states.uncommitted + states.committed, 'some kills landed inside a save').toBeGreaterThan(0);
    // The next save finishes or discards the killed one's staging and leaves a clean directory.
    await saveCheckpoint(dir, model, null, checkpointConfig(1000));
    expect(existsSync(join(dir, PENDING_DIR))).toBe(false);
    expect((await readCheckpointConfig(dir)).step).toBe(1000);
    model.dispose();
  }, 120_000);
});

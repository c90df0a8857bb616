// Kill and resume: `npm run train` (the bundled CLI, --checkpoint-every 3) is killed with
// SIGKILL at a random moment of epochs 2-3 (inside a step, or inside a checkpoint write),
// resumed with --resume from its checkpoint-last (a position inside an epoch, or an epoch's
// end), and must finish with weights, losses, best and test metrics bit-identical to a run that
// was never interrupted (masks, shuffling and dropout are seeded by epoch, sample and step).
// The kill moment is seeded (FUZZ_SEED) and printed, so a failure reproduces.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../runtime/index.js';
import { readCheckpointConfig } from '../src/checkpoint.js';
import { Rng } from '../src/data/rng.js';
import { syntheticSequences, userItemFile } from './cases/bert4rec-fixtures.js';
import { buildCliBundles } from './cases/cli-bundle.js';

const ROOT = process.cwd();
let work = '';
let bin = '';
const EPOCHS = 4;

function env() {
  return { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp/xdg', BERT4REC_CACHE: join(work, 'no-cache') };
}

function trainArgs(out: string, extra: string[] = []): string[] {
  return [join(bin, 'train.js'), '--data', 'ratings.txt', '--backend', 'wasm', '--epochs', String(EPOCHS), '--batch', '16', '--config', 'small.json', '--out', out, '--seed', '9', ...extra];
}

beforeAll(async () => {
  await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
  work = await mkdtemp(join(ROOT, 'test-artifacts', 'resume-'));
  bin = join(work, 'bin');
  await buildCliBundles(bin, ['train']);
  // Enough data for an epoch of about a second, so the kill lands inside one.
  await writeFile(join(work, 'ratings.txt'), userItemFile(syntheticSequences(1500, 120, 8, 60, 4)));
  await writeFile(join(work, 'small.json'), JSON.stringify({ model: { maxLen: 48, hidden: 32, layers: 2, heads: 2, ffn: 64 }, train: { lr: 0.003 } }));
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('SIGKILL mid-epoch, then --resume', () => {
  it('finishes with the same steps and metrics as an uninterrupted run', async () => {
    const fullOut = join(work, 'full');
    const full = spawnSync(process.execPath, trainArgs(fullOut), { cwd: work, encoding: 'utf8', env: env(), timeout: 300_000 });
    expect(full.status, full.stderr).toBe(0);
    const reference = JSON.parse(await readFile(join(fullOut, 'metrics.json'), 'utf8'));
    const epochSeconds: number = reference.history[2].seconds;

    // Second run: kill it at a random moment within the 2 epochs after epoch 1 was logged.
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 100000);
    const fraction = new Rng(seed).next();
    console.log(`SIGKILL ${(fraction * 2).toFixed(3)} epochs after epoch 1 (FUZZ_SEED=${seed})`);
    const out = join(work, 'killed');
    const child = spawn(process.execPath, trainArgs(out, ['--checkpoint-every', '3']), { cwd: work, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | number | null>((res) => child.on('exit', (code, signal) => res(signal ?? code)));
    let stdoutAtKill = '';
    await new Promise<void>((res, rej) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (/epoch 1\/\d+: loss/.test(stdout) && !stdoutAtKill) {
          stdoutAtKill = stdout;
          setTimeout(() => {
            stdoutAtKill = stdout;
            child.kill('SIGKILL');
            res();
          }, 50 + fraction * 2 * epochSeconds * 1000);
        }
      });
      child.on('exit', () => (stdoutAtKill ? undefined : rej(new Error(`the run ended before epoch 1: ${stderr.slice(0, 500)}`))));
    });
    expect(await exited).toBe('SIGKILL');
    expect(stdoutAtKill, 'killed before the run ended').not.toMatch(/Test metrics/);
    const last = join(out, 'checkpoint-last');
    const ck = await readCheckpointConfig(last);
    console.log(`killed run's checkpoint-last: step ${ck.step}, ${ck.position ? `inside epoch ${ck.position.epoch} after ${ck.position.batches} batches` : `end of epoch ${ck.epoch}`}`);
    expect(ck.epoch).toBeGreaterThanOrEqual(1);

    const resumed = spawnSync(process.execPath, trainArgs(out, ['--resume', last]), { cwd: work, encoding: 'utf8', env: env(), timeout: 300_000 });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('resume:');
    const m = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(m.epochsCompleted).toBe(EPOCHS);
    expect(m.steps).toBe(reference.steps);
    expect(m.history.map((h: { loss: number }) => h.loss)).toEqual(reference.history.map((h: { loss: number }) => h.loss));
    expect(m.history.map((h: { valid?: unknown }) => h.valid)).toEqual(reference.history.map((h: { valid?: unknown }) => h.valid));
    expect(m.test.bert4rec).toEqual(reference.test.bert4rec);
    expect(m.best).toEqual(reference.best);
    for (const sub of ['checkpoint-last', 'checkpoint-best']) {
      const [a, b] = await Promise.all([out, fullOut].map(async (d) => decodeSafetensors(new Uint8Array(await readFile(join(d, sub, 'model.safetensors')))).tensors));
      expect([...a.keys()]).toEqual([...b.keys()]);
      for (const [k, t] of b) {
        const bytes = (x: typeof t) => Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength);
        expect(bytes(a.get(k)!).equals(bytes(t)), `${sub} ${k} bit-identical`).toBe(true);
      }
    }
  }, 600_000);
});

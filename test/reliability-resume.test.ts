// Kill and resume: `npm run train` (the bundled CLI) is killed with SIGKILL in the middle of
// an epoch, resumed with --resume from its last checkpoint, and must finish with the same
// number of steps and the same metrics as a run that was never interrupted (masks, shuffling
// and dropout are seeded by epoch and step, so the resumed run redoes the lost epoch exactly).
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpointConfig } from '../src/checkpoint.js';
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

    // Second run: kill it part-way through epoch 3 (after epoch 2 was logged and checkpointed).
    const out = join(work, 'killed');
    const child = spawn(process.execPath, trainArgs(out), { cwd: work, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | number | null>((res) => child.on('exit', (code, signal) => res(signal ?? code)));
    let stdoutAtKill = '';
    await new Promise<void>((res, rej) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (/epoch 2\/\d+: loss/.test(stdout) && !stdoutAtKill) {
          stdoutAtKill = stdout;
          // Let the epoch-2 checkpoint be written and epoch 3 get going, then kill.
          setTimeout(() => {
            stdoutAtKill = stdout;
            child.kill('SIGKILL');
            res();
          }, Math.max(150, epochSeconds * 400));
        }
      });
      child.on('exit', () => (stdoutAtKill ? undefined : rej(new Error(`the run ended before epoch 2: ${stderr.slice(0, 500)}`))));
    });
    expect(await exited).toBe('SIGKILL');
    expect(stdoutAtKill, 'killed before epoch 3 ended').not.toMatch(/epoch 3\/\d+: loss/);
    const last = join(out, 'checkpoint-last');
    const ck = await readCheckpointConfig(last);
    expect(ck.epoch).toBe(2);

    const resumed = spawnSync(process.execPath, trainArgs(out, ['--resume', last]), { cwd: work, encoding: 'utf8', env: env(), timeout: 300_000 });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('resume:');
    const m = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(m.epochsCompleted).toBe(EPOCHS);
    expect(m.steps).toBe(reference.steps);
    expect(m.history.map((h: { loss: number }) => h.loss)).toEqual(reference.history.map((h: { loss: number }) => h.loss));
    for (const proto of ['full', 'sampled'] as const) {
      for (const [k, v] of Object.entries(reference.test.bert4rec[proto] as Record<string, number>)) {
        expect(m.test.bert4rec[proto][k], `${proto} ${k}`).toBeCloseTo(v, 6);
      }
    }
    expect(m.best).toEqual(reference.best);
  }, 600_000);
});

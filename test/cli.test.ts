// End to end: the bundled CLIs (built like scripts/build.mjs does) train on a tiny "user item"
// file, write metrics.json, curve.svg and checkpoints, resume, and recommend.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticSequences, userItemFile } from './cases/bert4rec-fixtures.js';
import { buildCliBundles } from './cases/cli-bundle.js';

const ROOT = process.cwd();
let work = '';
let bin = '';
const V = 30;
const seqs = syntheticSequences(40, V, 8, 24, 5);

function cli(name: 'train' | 'recommend', args: string[]) {
  const r = spawnSync(process.execPath, [join(bin, `${name}.js`), ...args], {
    cwd: work,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp/xdg', BERT4REC_CACHE: join(work, 'no-cache') },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
  work = await mkdtemp(join(ROOT, 'test-artifacts', 'cli-'));
  bin = join(work, 'bin');
  await buildCliBundles(bin, ['train', 'recommend']);
  await writeFile(join(work, 'ratings.txt'), userItemFile(seqs));
  const movies = Array.from({ length: V }, (_, i) => `${(i + 1) * 10}::Movie ${i + 1} (2000)::Drama`).join('\n');
  await writeFile(join(work, 'movies.dat'), `${movies}\n`);
  await writeFile(join(work, 'tiny.json'), JSON.stringify({ model: { maxLen: 16, hidden: 32, layers: 1, heads: 2, ffn: 64 }, train: { lr: 0.003, evalEvery: 1 } }));
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('npm run train / recommend', () => {
  it('--help', () => {
    const r = cli('train', ['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--time-limit');
    expect(r.out).toMatch(/--time-budget MIN\s+plan the steps .*\(default 59 for train without --epochs, else 0\)/);
    const q = cli('recommend', ['--help']);
    expect(q.code).toBe(0);
    expect(q.out).toContain('--checkpoint');
  });

  it('reports bad arguments and missing files in one line', () => {
    const a = cli('train', ['--data', 'nope.txt', '--backend', 'wasm']);
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/^error: .*nope\.txt.*no such file/m);
    const b = cli('train', ['--epochs', 'x']);
    expect(b.code).toBe(1);
    expect(b.err).toContain('--epochs: expected an integer');
    const c = cli('recommend', ['--checkpoint', 'missing-dir', '--items', '10']);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/error: .*config\.json: not found/);
  });

  it('without --epochs plans to the 59-minute budget; --epochs keeps a fixed plan; --time-budget sets one', async () => {
    // The default plan is stopped at once by --time-limit (a hard stop whatever the plan).
    const a = cli('train', ['--data', 'ratings.txt', '--backend', 'wasm', '--batch', '16', '--config', 'tiny.json', '--time-limit', '0.001', '--out', join(work, 'budget-default')]);
    expect(a.code, a.err).toBe(0);
    expect(a.out).toContain('planned to a time budget of 59 min');
    const b = cli('train', ['--data', 'ratings.txt', '--backend', 'wasm', '--batch', '16', '--config', 'tiny.json', '--time-budget', '0.2', '--out', join(work, 'budget-short')]);
    expect(b.code, b.err).toBe(0);
    expect(b.out).toContain('planned to a time budget of 0.2 min');
    expect(b.out).toMatch(/^plan \(calibration\): [\d,]+ steps/m);
    const m = JSON.parse(await readFile(join(work, 'budget-short', 'metrics.json'), 'utf8'));
    expect([m.plan.mode, m.stoppedBy, m.steps]).toEqual(['time-budget', 'budget', m.plan.schedule.totalSteps]);
    const c = cli('train', ['--data', 'ratings.txt', '--backend', 'wasm', '--batch', '16', '--config', 'tiny.json', '--epochs', '1', '--out', join(work, 'budget-none')]);
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/1 epochs \(\d+ steps, \d+ warm-up\)/);
    expect(JSON.parse(await readFile(join(work, 'budget-none', 'metrics.json'), 'utf8')).plan.mode).toBe('epochs');
  });

  it('trains 2 epochs on WASM, writes metrics, curve and checkpoints, resumes, recommends', async () => {
    const out = join(work, 'out');
    const r = cli('train', ['--data', 'ratings.txt', '--backend', 'wasm', '--epochs', '2', '--batch', '16', '--config', 'tiny.json', '--out', out, '--seed', '3']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('backend: wasm');
    expect(r.out).toMatch(/epoch 2\/2: loss [\d.]+/);
    expect(r.out).toMatch(/NDCG@10\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+/); // the test table, 4 columns
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.backend).toBe('wasm');
    expect(metrics.epochsCompleted).toBe(2);
    expect(metrics.test.bert4rec.full.users).toBe(40);
    expect(metrics.test.bert4rec.sampled.ndcg10).toBeGreaterThan(0);
    expect(metrics.test.mostPopular.full.hr10).toBeGreaterThanOrEqual(0);
    expect(metrics.history).toHaveLength(2);
    const svg = await readFile(join(out, 'curve.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('<polyline');
    for (const f of ['model.safetensors', 'config.json', 'sequences.safetensors']) expect(existsSync(join(out, 'checkpoint-best', f)), f).toBe(true);
    expect(existsSync(join(out, 'checkpoint-last', 'optimizer.safetensors'))).toBe(true);

    // Resume from the last checkpoint for one more epoch.
    const out2 = join(work, 'out2');
    const r2 = cli('train', ['--data', 'ratings.txt', '--backend', 'wasm', '--epochs', '3', '--out', out2, '--resume', join(out, 'checkpoint-last')]);
    expect(r2.code, r2.err).toBe(0);
    expect(r2.out).toContain('resume:');
    const m2 = JSON.parse(await readFile(join(out2, 'metrics.json'), 'utf8'));
    expect(m2.epochsCompleted).toBe(3);
    expect(m2.steps).toBe((metrics.steps / 2) * 3);
    expect(m2.history).toHaveLength(3);
    expect(existsSync(join(out2, 'checkpoint-best', 'model.safetensors'))).toBe(true); // carried over or new

    // Recommend for user 1 (original id): k items, titles, none from the history.
    const rec = cli('recommend', ['--checkpoint', join(out, 'checkpoint-best'), '--user', '1', '--k', '5', '--backend', 'wasm', '--json']);
    expect(rec.code, rec.err).toBe(0);
    const j = JSON.parse(rec.out);
    expect(j.recommendations).toHaveLength(5);
    const history = new Set(Array.from(seqs[0], (i) => i * 10));
    expect(j.history).toEqual(Array.from(seqs[0], (i) => i * 10));
    for (const x of j.recommendations) {
      expect(history.has(x.item)).toBe(false);
      expect(x.title).toBe(`Movie ${x.item / 10} (2000)`); // movies.dat found next to the data
    }
    const table = cli('recommend', ['--checkpoint', join(out, 'checkpoint-best'), '--items', '10,20,999', '--k', '3', '--backend', 'wasm']);
    expect(table.code, table.err).toBe(0);
    expect(table.err).toContain('ignored 1 item id(s)');
    expect(table.out.trim().split('\n').filter((l) => /^\s+\d+\s+\d+\s+-?[\d.]+\s+Movie/.test(l))).toHaveLength(3);
  });

  it('trains 1 epoch on WebGPU and exits', async () => {
    const out = join(work, 'out-gpu');
    const r = cli('train', ['--data', 'ratings.txt', '--backend', 'webgpu', '--epochs', '1', '--batch', '16', '--config', 'tiny.json', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('backend: webgpu');
    expect(existsSync(join(out, 'metrics.json'))).toBe(true);
  });
});

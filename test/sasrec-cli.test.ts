// SASRec end to end through the bundled CLIs: train with each loss, evaluate reproduces the run's
// test figures, recommend reads the checkpoint, --resume continues it and refuses another --model.
import { spawnSync } from 'node:child_process';
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
const TINY = ['--max-len', '16', '--hidden', '32', '--layers', '1', '--heads', '2', '--ffn', '64', '--batch', '16', '--backend', 'wasm'];

function cli(name: 'train' | 'recommend' | 'evaluate', args: string[]) {
  const r = spawnSync(process.execPath, [join(bin, `${name}.js`), ...args], {
    cwd: work,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp/xdg', BERT4REC_CACHE: join(work, 'no-cache') },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const json = async (p: string) => JSON.parse(await readFile(p, 'utf8'));

beforeAll(async () => {
  await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
  work = await mkdtemp(join(ROOT, 'test-artifacts', 'sasrec-cli-'));
  bin = join(work, 'bin');
  await buildCliBundles(bin, ['train', 'recommend', 'evaluate']);
  await writeFile(join(work, 'ratings.txt'), userItemFile(seqs));
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('npm run train -- --model sasrec', () => {
  it('--help lists --model, --loss and --negatives with the SASRec defaults', () => {
    const r = cli('train', ['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--model NAME\s+bert4rec/);
    expect(r.out).toContain('--loss NAME');
    expect(r.out).toContain('--negatives N');
    expect(r.out).toMatch(/sasrec's defaults differ: .*--heads 1/);
    const bad = cli('train', ['--model', 'gru4rec']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--model');
    const badLoss = cli('train', ['--model', 'sasrec', '--loss', 'hinge']);
    expect(badLoss.code).toBe(1);
    expect(badLoss.err).toContain('--loss: expected one of ce, sampled, bce');
  });

  it('trains, evaluates (the same figures), recommends and resumes; another --model on resume is refused', async () => {
    const out = join(work, 'out');
    const r = cli('train', ['--model', 'sasrec', '--data', 'ratings.txt', ...TINY, '--epochs', '2', '--lr', '0.003', '--out', out, '--seed', '4']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('model: SASRec');
    expect(r.out).toContain('loss: full softmax cross-entropy');
    expect(r.out).toContain('next-item windows');
    expect(r.out).toMatch(/SASRec full/);
    const m = await json(join(out, 'metrics.json'));
    expect(m.config.model.architecture).toBe('sasrec');
    expect(m.config.model.heads).toBe(2); // the flag over SASRec's default of 1
    expect(m.config.model.dropout).toBe(0.2); // SASRec's default
    expect(m.epochsCompleted).toBe(2);

    const ev = cli('evaluate', ['--checkpoint', join(out, 'checkpoint-best'), '--backend', 'wasm', '--json', 'ev.json']);
    expect(ev.code, ev.err).toBe(0);
    expect((await json(join(work, 'ev.json'))).test.protocols).toEqual(m.test.protocols);

    const rec = cli('recommend', ['--checkpoint', join(out, 'checkpoint-best'), '--items', '10,20,30', '--k', '5', '--backend', 'wasm']);
    expect(rec.code, rec.err).toBe(0);
    expect(rec.out.trim().split('\n').filter((l) => /^\s*\d+\s/.test(l)).length).toBeGreaterThanOrEqual(5);

    const res = cli('train', ['--data', 'ratings.txt', '--backend', 'wasm', '--resume', join(out, 'checkpoint-last'), '--epochs', '3', '--out', out]);
    expect(res.code, res.err).toBe(0);
    expect(res.out).toContain('model: SASRec');
    expect((await json(join(out, 'metrics.json'))).epochsCompleted).toBe(3);

    const wrong = cli('train', ['--model', 'bert4rec', '--data', 'ratings.txt', '--backend', 'wasm', '--resume', join(out, 'checkpoint-last'), '--epochs', '4', '--out', out]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('is a sasrec model');
  });

  for (const [loss, text] of [['sampled', 'sampled softmax (batch targets + 8 uniform negatives)'], ['bce', 'binary cross-entropy']] as const) {
    it(`trains with --loss ${loss}`, async () => {
      const out = join(work, `out-${loss}`);
      const r = cli('train', ['--model', 'sasrec', '--data', 'ratings.txt', ...TINY, '--epochs', '1', '--loss', loss, '--negatives', '8', '--out', out]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(text);
      const m = await json(join(out, 'metrics.json'));
      expect(m.config.train.loss).toBe(loss);
      expect(Number.isFinite(m.history[0].loss)).toBe(true);
    });
  }

  it('BERT4Rec trains with --loss sampled too', async () => {
    const out = join(work, 'out-bert-sampled');
    const r = cli('train', ['--data', 'ratings.txt', ...TINY, '--epochs', '1', '--loss', 'sampled', '--negatives', '8', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('model: BERT4Rec');
    expect(r.out).toContain('sampled softmax');
  });
});

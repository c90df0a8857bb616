// End to end, the experiment options of the CLIs (issue 17): evaluation protocols, metrics and
// the validation metric, early stopping, preprocessing and column flags, hyper-parameter
// flags and their errors, per-epoch checkpoints (resumable), the event log and HTML report,
// `evaluate` reproducing the run's test figures, `recommend --all-users`, `compare-runs`, and
// `--dataset` downloads against a local server. All on WASM with a tiny model.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticSequences } from './cases/bert4rec-fixtures.js';
import { buildCliBundles } from './cases/cli-bundle.js';

const ROOT = process.cwd();
let work = '';
let bin = '';
const V = 30;
const seqs = syntheticSequences(48, V, 8, 24, 11);
const TINY = ['--backend', 'wasm', '--batch', '16', '--max-len', '16', '--hidden', '32', '--layers', '1', '--heads', '2', '--ffn', '64'];

function cli(name: 'train' | 'recommend' | 'evaluate' | 'compare-runs', args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(bin, `${name}.js`), ...args], {
    cwd: work,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp/xdg', BERT4REC_CACHE: join(work, 'cache'), ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** cli() without blocking this process (for a server it runs). */
function cliAsync(name: 'train', args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(bin, `${name}.js`), ...args], { cwd: work, env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp/xdg', BERT4REC_CACHE: join(work, 'cache'), ...env } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

const json = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

beforeAll(async () => {
  await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
  work = await mkdtemp(join(ROOT, 'test-artifacts', 'cli-exp-'));
  bin = join(work, 'bin');
  await buildCliBundles(bin, ['train', 'recommend', 'evaluate', 'compare-runs']);
  // A ';'-separated file whose column names no preset knows; every 7th interaction rated 1.
  const lines = ['sess;prod;ts;score'];
  seqs.forEach((s, u) => s.forEach((i, t) => lines.push(`${u + 1};${i * 10};${1000 + t};${(u + t) % 7 === 0 ? 1 : 4}`)));
  await writeFile(join(work, 'log.csv'), `${lines.join('\n')}\n`);
  const movies = ['movieId,title,genres', ...Array.from({ length: V }, (_, i) => `${(i + 1) * 10},"Film ${i + 1}, The (2000)",Drama`)];
  await writeFile(join(work, 'movies.csv'), `${movies.join('\n')}\n`);
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const DATA = ['--data', 'log.csv', '--sep', ';', '--user-col', 'sess', '--item-col', 'prod', '--time-col', 'ts', '--rating-col', 'score', '--min-rating', '2', '--min-user', '3', '--min-item', '2'];

describe('experiment options', () => {
  it('--help lists every option', () => {
    const train = cli('train', ['--help']);
    expect(train.code).toBe(0);
    for (const f of ['--lr', '--hidden', '--layers', '--heads', '--ffn', '--dropout', '--attn-dropout', '--mask-prob', '--weight-decay', '--warmup', '--max-len', '--window-stride', '--dupe-factor',
      '--eval', '--metrics', '--ks', '--valid-metric', '--patience', '--keep-checkpoints', '--log-every', '--min-user', '--min-item', '--min-rating', '--one-pass',
      '--dataset', '--sep', '--user-col', '--item-col', '--time-col', '--rating-col', '--no-header', '--resume']) {
      expect(train.out, f).toMatch(new RegExp(`^  ${f} `, 'm'));
    }
    expect(train.out).toContain('ml-100k, ml-1m, ml-20m, ml-25m');
    const ev = cli('evaluate', ['--help']);
    expect(ev.code).toBe(0);
    for (const f of ['--checkpoint', '--eval', '--metrics', '--ks', '--ties', '--seed', '--data', '--json']) expect(ev.out, f).toContain(f);
    expect(cli('recommend', ['--help']).out).toContain('--all-users');
    expect(cli('compare-runs', ['--help']).out).toContain('OUT_DIR');
  });

  it.each([
    [['--lr', '0'], /^error: --lr: expected > 0 and <= 10, got 0$/m],
    [['--lr', 'fast'], /^error: --lr: expected a number, got 'fast'$/m],
    [['--heads', '3'], /^error: --hidden \(64\) must be divisible by --heads \(3\)$/m],
    [['--dupe-factor', '0'], /^error: --dupe-factor: expected >= 1/m],
    [['--attn-dropout', '1'], /^error: --attn-dropout: expected >= 0 and <= 0.99, got 1$/m],
    [['--layers', '1.5'], /^error: --layers: expected an integer, got '1.5'$/m],
    [['--eval', 'full,sampled'], /^error: --eval: unknown protocol 'sampled' \(expected full, popularity:N or uniform:N/m],
    [['--metrics', 'hr,auc'], /^error: --metrics: unknown metric 'auc'/m],
    [['--ks', '0'], /^error: --ks: cut-off '0' is not a positive integer$/m],
    [['--valid-metric', 'ndcg'], /^error: --valid-metric: expected METRIC@K/m],
    [['--ties', 'random'], /^error: --ties: expected one of pessimistic, optimistic/m],
    [['--dataset', 'ml-10m'], /^error: --dataset: expected one of ml-100k, ml-1m, ml-20m, ml-25m, got 'ml-10m'$/m],
    [['--user-col', 'x'], /^error: --sep, --user-col.* apply to --data FILE$/m],
    [['--data', 'log.csv', '--min-user', '0'], /^error: --min-user: expected an integer >= 1/m],
  ])('rejects %j with one clear line', (args, message) => {
    const r = cli('train', args as string[]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message as RegExp);
  });

  it('a preprocessing threshold that needs a missing column is named', async () => {
    await writeFile(join(work, 'pairs.txt'), '1 10\n1 20\n');
    const r = cli('train', ['--data', 'pairs.txt', '--min-rating', '4', ...TINY, '--epochs', '0']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error: preprocess: a minimum rating of 4 was asked for, but .*pairs\.txt \(user-item\) has no rating column/);
  });

  it('trains with every option, logs events, keeps per-epoch checkpoints; evaluate reproduces the test; resume, recommend, compare', async () => {
    const out = join(work, 'out');
    const flags = ['--epochs', '4', '--eval', 'uniform:10,full,popularity:10', '--metrics', 'hr,ndcg,map,precision,recall,mrr', '--ks', '5,12', '--valid-metric', 'map@12',
      '--keep-checkpoints', '2', '--log-every', '3', '--dupe-factor', '2', '--window-stride', '4', '--lr', '0.003', '--weight-decay', '0.02', '--warmup', '0.1',
      '--dropout', '0.2', '--mask-prob', '0.3', '--seed', '5'];
    const r = cli('train', [...DATA, ...TINY, ...flags, '--out', out]);
    expect(r.code, r.err).toBe(0);
    // Preprocessing: the rating filter and k-core, with the counts.
    const dropped = Number(/dropped (\d+) interactions rated below 2/.exec(r.out)![1]);
    expect(dropped).toBe(seqs.reduce((n, s, u) => n + s.filter((_, t) => (u + t) % 7 === 0).length, 0));
    expect(r.out).toContain('k-core: repeated until both hold');
    expect(r.out).toMatch(/valid uniform:10 MAP@12 [\d.]+, NDCG@10 [\d.]+, HR@10 [\d.]+/);

    // --dupe-factor 2 doubles the cloze windows of the same data (epochs 0: no training).
    const once = cli('train', [...DATA, ...TINY, '--window-stride', '4', '--epochs', '0', '--out', join(work, 'out-once')]);
    expect(once.code, once.err).toBe(0);
    const windows = (s: string) => Number(/([\d,]+) cloze windows/.exec(s)![1].replace(/,/g, ''));
    expect(windows(r.out)).toBe(2 * windows(once.out));

    const m = await json(join(out, 'metrics.json'));
    expect(m.config.train).toMatchObject({ lr: 0.003, weightDecay: 0.02, warmupFraction: 0.1, dupeFactor: 2, windowStride: 4, seed: 5, validMetric: 'map@12', keepCheckpoints: 2 });
    expect(m.config.model).toMatchObject({ dropout: 0.2, maskProb: 0.3, hidden: 32, maxLen: 16 });
    expect(m.data.preprocess).toEqual({ minUser: 3, minItem: 2, minRating: 2, filter: 'kcore' });
    expect(m.test.protocols.map((p: { protocol: string }) => p.protocol)).toEqual(['uniform:10', 'full', 'popularity:10']);
    expect(Object.keys(m.test.protocols[0].bert4rec)).toEqual(['hr@5', 'hr@12', 'ndcg@5', 'ndcg@12', 'map@5', 'map@12', 'precision@5', 'precision@12', 'recall@5', 'recall@12', 'mrr@5', 'mrr@12']);
    for (const p of m.test.protocols) {
      expect(p.bert4rec['recall@12']).toBe(p.bert4rec['hr@12']);
      expect(p.bert4rec['map@12']).toBe(p.bert4rec['mrr@12']);
      expect(p.bert4rec['precision@12']).toBeCloseTo(p.bert4rec['hr@12'] / 12, 12);
    }
    expect(m.best.metric).toBe('valid.uniform:10.map@12');

    // Event log and report.
    const events = (await readFile(join(out, 'events.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const types = (t: string) => events.filter((e) => e.type === t);
    expect(types('start')).toHaveLength(1);
    expect(types('epoch')).toHaveLength(4);
    expect(types('valid').map((e) => e.metric)).toEqual(['map@12', 'map@12', 'map@12', 'map@12']);
    expect(types('checkpoint')).toHaveLength(4);
    expect(types('test')).toHaveLength(1);
    expect(types('end')[0]).toMatchObject({ stoppedBy: 'epochs', epochsCompleted: 4, steps: m.steps });
    const steps = types('step');
    expect(steps.length).toBe(Math.floor(m.steps / 3));
    for (const e of steps) {
      expect(e.step % 3).toBe(0);
      expect(e.loss).toBeGreaterThan(0);
      expect(e.lr).toBeGreaterThan(0);
      expect(e.lr).toBeLessThanOrEqual(0.003 * (1 + 1e-12));
      expect(e.gradNorm).toBeGreaterThan(0);
      expect(e.samplesPerSec).toBeGreaterThan(0);
    }
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(5);
    expect(html).toContain('map@12');
    expect(html).not.toMatch(/<script|src="http|href="http/);

    // Per-epoch checkpoints: the last 2 kept, each resumable.
    expect(readdirSync(out).filter((n) => n.startsWith('checkpoint-epoch-')).sort()).toEqual(['checkpoint-epoch-3', 'checkpoint-epoch-4']);
    for (const d of ['checkpoint-best', 'checkpoint-last', 'checkpoint-epoch-3']) expect(existsSync(join(out, d, 'optimizer.safetensors')), d).toBe(true);

    // evaluate: the best checkpoint reproduces the run's test figures exactly, from its own sequences or from the data re-read.
    const ev = cli('evaluate', ['--checkpoint', join(out, 'checkpoint-best'), '--backend', 'wasm', '--json', 'ev.json', '--ranks', 'ranks.tsv']);
    expect(ev.code, ev.err).toBe(0);
    expect((await json(join(work, 'ev.json'))).test.protocols).toEqual(m.test.protocols);
    // --ranks: one line per test user, the data's ids, and ranks that give back every reported HR and NDCG.
    const [header, ...rankRows] = (await readFile(join(work, 'ranks.tsv'), 'utf8')).trimEnd().split('\n').map((l) => l.split('\t'));
    const protocols: { protocol: string; users: number; bert4rec: Record<string, number> }[] = m.test.protocols;
    expect(header).toEqual(['user_id', 'item_id', ...protocols.map((p) => `rank_${p.protocol}`)]);
    expect(rankRows.length).toBe(protocols[0].users);
    const idMaps = (await json(join(out, 'checkpoint-best', 'config.json'))).idMaps;
    expect(new Set(rankRows.map((r) => Number(r[0])))).toEqual(new Set(idMaps.userIds));
    for (const r of rankRows) expect(idMaps.itemIds).toContain(Number(r[1]));
    protocols.forEach((p, c) => {
      const ranks = rankRows.map((r) => Number(r[2 + c]));
      for (const [key, value] of Object.entries(p.bert4rec)) {
        const [name, k] = key.split('@');
        const per = name === 'hr' ? (r: number) => (r <= Number(k) ? 1 : 0) : name === 'ndcg' ? (r: number) => (r <= Number(k) ? 1 / Math.log2(r + 1) : 0) : null;
        if (per) expect(ranks.reduce((s, r) => s + per(r), 0) / ranks.length, `${p.protocol} ${key}`).toBeCloseTo(value, 12);
      }
    });
    const ev2 = cli('evaluate', ['--checkpoint', join(out, 'checkpoint-best'), ...DATA, '--backend', 'wasm', '--json', 'ev2.json']);
    expect(ev2.code, ev2.err).toBe(0);
    expect((await json(join(work, 'ev2.json'))).test.protocols).toEqual(m.test.protocols);
    const other = cli('evaluate', ['--checkpoint', join(out, 'checkpoint-best'), ...DATA, '--min-rating', '1', '--backend', 'wasm']);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/error: .*checkpoint-best was trained on .*log\.csv .*this data gives/);
    const uni = cli('evaluate', ['--checkpoint', join(out, 'checkpoint-best'), '--eval', 'uniform:5', '--metrics', 'hr', '--ks', '1', '--backend', 'wasm', '--json', 'ev3.json']);
    expect(uni.code, uni.err).toBe(0);
    expect((await json(join(work, 'ev3.json'))).test.protocols.map((p: { protocol: string; bert4rec: object }) => [p.protocol, Object.keys(p.bert4rec)])).toEqual([['uniform:5', ['hr@1']]]);

    // Resume from the best and from an epoch checkpoint (both hold the optimizer state).
    for (const from of ['checkpoint-best', 'checkpoint-epoch-3']) {
      const again = cli('train', [...DATA, ...TINY, ...flags, '--epochs', '5', '--out', join(work, `resumed-${from}`), '--resume', join(out, from)]);
      expect(again.code, again.err).toBe(0);
      const fromEpoch = (await json(join(out, from, 'config.json'))).epoch;
      expect(again.out).toContain(`resume: ${join(out, from)} at epoch ${fromEpoch}`);
      expect((await json(join(work, `resumed-${from}`, 'metrics.json'))).epochsCompleted).toBe(5);
    }

    // recommend --all-users: CSV with titles from movies.csv, history excluded; JSONL with the history allowed.
    const rec = cli('recommend', ['--checkpoint', join(out, 'checkpoint-best'), '--all-users', '--k', '4', '--out', 'recs.csv', '--movies', 'movies.csv', '--backend', 'wasm', '--batch', '10']);
    expect(rec.code, rec.err).toBe(0);
    expect(rec.err).toMatch(/recommend: \d+\/\d+ users/);
    const ck = await json(join(out, 'checkpoint-best', 'config.json'));
    const users: number[] = ck.idMaps.userIds;
    const rows = (await readFile(join(work, 'recs.csv'), 'utf8')).trim().split('\n');
    expect(rows[0]).toBe('user,rank,item,score,title');
    expect(rows.length - 1).toBe(users.length * 4);
    const kept = new Map<number, Set<number>>(); // the history after preprocessing, from the file
    for (const line of (await readFile(join(work, 'log.csv'), 'utf8')).trim().split('\n').slice(1)) {
      const [u, i, , s] = line.split(';').map(Number);
      if (s >= 2) (kept.get(u) ?? kept.set(u, new Set()).get(u)!).add(i);
    }
    for (const row of rows.slice(1)) {
      const [user, rank, item] = row.split(',').map(Number);
      expect(rank).toBeGreaterThanOrEqual(1);
      expect(kept.get(user)!.has(item), `user ${user} item ${item}`).toBe(false);
      expect(row).toContain(`,"Film ${item / 10}, The (2000)"`);
    }
    const recj = cli('recommend', ['--checkpoint', join(out, 'checkpoint-best'), '--all-users', '--k', '3', '--out', 'recs.jsonl', '--include-history', '--backend', 'wasm']);
    expect(recj.code, recj.err).toBe(0);
    const jl = (await readFile(join(work, 'recs.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(jl).toHaveLength(users.length);
    expect(jl.some((x) => x.items.some((i: number) => kept.get(x.user)!.has(i)))).toBe(true); // history allowed
    for (const x of jl) expect(x.scores).toEqual([...x.scores].sort((a: number, b: number) => b - a));

    // compare-runs: both runs, the differing settings, a table per protocol with the better value marked.
    const cmp = cli('compare-runs', [out, join(work, 'resumed-checkpoint-best'), '--metrics', 'map@12,ndcg@12']);
    expect(cmp.code, cmp.err).toBe(0);
    expect(cmp.out).toMatch(/^run 1: .*out \(4 epochs/m);
    expect(cmp.out).toMatch(/train\.epochs\s+4\s+5/);
    expect(cmp.out).toMatch(/^uniform:10\nmetric\s+run 1\s+run 2\nndcg@12\s+[\d.]+\*?\s+[\d.]+\*?\nmap@12/m);
    const missing = cli('compare-runs', [out, 'nowhere']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/error: nowhere\/metrics\.json: not found/);
  });

  it('--patience stops when the validation metric has not improved for N validations', async () => {
    const out = join(work, 'out-patience');
    const r = cli('train', [...DATA, ...TINY, '--epochs', '40', '--patience', '2', '--lr', '0.02', '--valid-metric', 'ndcg@5', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const m = await json(join(out, 'metrics.json'));
    expect(m.stoppedBy).toBe('patience');
    expect(m.epochsCompleted).toBeLessThan(40);
    expect(m.epochsCompleted - m.best.epoch).toBe(2);
    expect(r.out).toContain('[no better NDCG@5 in 2 validations: stopping early]');
  });

  it('--dataset downloads the GroupLens zip and refuses one whose checksum is not the published one', async () => {
    const server = http.createServer((_req, res) => {
      const body = Buffer.from('not the real archive');
      res.writeHead(200, { 'Content-Length': body.length });
      res.end(body);
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await cliAsync('train', ['--dataset', 'ml-100k', ...TINY, '--epochs', '0'], { BERT4REC_GROUPLENS_URL: base });
      expect(r.code).toBe(1);
      expect(r.out).toContain(`data: ml-100k from ${join(work, 'cache')}`);
      expect(r.err).toMatch(new RegExp(`error: downloaded ${base}/ml-100k\\.zip but md5 is [0-9a-f]{32}, expected 0e33842e24a9c977be4e0107933c0723`));
      expect(existsSync(join(work, 'cache', 'ml-100k.zip'))).toBe(false);
    } finally {
      server.close();
    }
  });
});

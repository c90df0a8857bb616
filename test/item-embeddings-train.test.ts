// Pre-trained item embeddings through `npm run train`: the covered rows start from the aligned
// vectors, --freeze-item-embeddings keeps them fixed, --item-projection linear trains a
// projection of fixed vectors (and evaluate reads that checkpoint), bad files stop with the
// file and the row, for BERT4Rec and SASRec.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../runtime/index.js';
import { alignItemEmbeddings, parseItemEmbeddings } from '../src/data/item-embeddings.js';
import { Rng } from '../src/data/rng.js';
import { syntheticSequences, userItemFile } from './cases/bert4rec-fixtures.js';
import { buildCliBundles } from './cases/cli-bundle.js';

const ROOT = process.cwd();
let work = '';
let bin = '';
const V = 30;
const D = 12;
const seqs = syntheticSequences(40, V, 8, 24, 5);
const TINY = ['--max-len', '16', '--hidden', '8', '--layers', '1', '--heads', '2', '--ffn', '16', '--batch', '16', '--backend', 'wasm', '--seed', '2'];

function cli(name: 'train' | 'evaluate', args: string[]) {
  const r = spawnSync(process.execPath, [join(bin, `${name}.js`), ...args], { cwd: work, encoding: 'utf8', timeout: 300_000, env: { ...process.env, BERT4REC_CACHE: join(work, 'no-cache') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The item table [V+2, d] of a checkpoint. */
async function itemTable(dir: string, name = 'embeddings.item'): Promise<Float32Array> {
  const t = decodeSafetensors(new Uint8Array(await readFile(join(dir, 'model.safetensors')))).tensors.get(name)!;
  return new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4);
}

let csv = '';
beforeAll(async () => {
  await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
  work = await mkdtemp(join(ROOT, 'test-artifacts', 'item-emb-'));
  bin = join(work, 'bin');
  await buildCliBundles(bin, ['train', 'evaluate']);
  await writeFile(join(work, 'ratings.txt'), userItemFile(seqs)); // original item ids: 10 * dense
  // Vectors for 25 of the 30 items (original ids 10..250) and 3 ids the data does not have.
  const rng = new Rng(5);
  const lines = ['item_id,' + Array.from({ length: D }, (_, j) => `v${j}`).join(',')];
  for (const id of [...Array.from({ length: 25 }, (_, i) => (i + 1) * 10), 9001, 9002, 9003]) lines.push([id, ...Array.from({ length: D }, () => (rng.nextU32() / 2 ** 32 - 0.5).toFixed(5))].join(','));
  csv = `${lines.join('\n')}\n`;
  await writeFile(join(work, 'vectors.csv'), csv);
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('--item-embeddings', () => {
  for (const model of ['bert4rec', 'sasrec'] as const) {
    it(`${model}: PCA to d, coverage reported, the covered rows fixed while frozen and trained after`, async () => {
      const out = join(work, `out-${model}`);
      const r = cli('train', ['--model', model, '--data', 'ratings.txt', ...TINY, '--epochs', '1', '--item-embeddings', 'vectors.csv', '--freeze-item-embeddings', '1', '--out', out]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/25 of 30 items covered/);
      expect(r.out).toContain('PCA');
      expect(r.out).toContain('stays fixed for epochs 1-1');
      // The aligned table as the run computed it (same function, same inputs): rows of the dense ids.
      const m = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
      expect(m.config.train.itemEmbeddings).toBe('vectors.csv');
      const itemIds = Int32Array.from([-1, ...Array.from({ length: V }, (_, i) => (i + 1) * 10)]);
      const a = alignItemEmbeddings(parseItemEmbeddings(new TextEncoder().encode(csv), { file: 'vectors.csv' }), { itemIds, numItems: V, hidden: 8, projection: 'pca', targetStd: 0.02 });
      const E = await itemTable(join(out, 'checkpoint-last'));
      // Dense ids follow first appearance in the file: map through the checkpoint's id maps.
      const ck = JSON.parse(await readFile(join(out, 'checkpoint-last', 'config.json'), 'utf8'));
      const dense: number[] = ck.idMaps.itemIds;
      let covered = 0;
      for (let i = 1; i <= V; i++) {
        const orig = dense[i];
        const k = orig / 10; // row of this original id in `a` (itemIds above: dense k = original 10k)
        if (orig > 250) continue;
        covered++;
        expect(Array.from(E.subarray(i * 8, (i + 1) * 8)), `item ${orig}`).toEqual(Array.from(a.table.subarray((k - 1) * 8, k * 8)));
      }
      expect(covered).toBe(25);

      // Without the freeze, one epoch moves those rows.
      const out2 = join(work, `out-${model}-free`);
      const r2 = cli('train', ['--model', model, '--data', 'ratings.txt', ...TINY, '--epochs', '1', '--item-embeddings', 'vectors.csv', '--out', out2]);
      expect(r2.code, r2.err).toBe(0);
      const E2 = await itemTable(join(out2, 'checkpoint-last'));
      expect(Array.from(E2)).not.toEqual(Array.from(E));
    });
  }

  it('--item-projection linear: fixed vectors, a trained projection; evaluate reads the checkpoint', async () => {
    const out = join(work, 'out-linear');
    const r = cli('train', ['--model', 'sasrec', '--data', 'ratings.txt', ...TINY, '--epochs', '2', '--item-embeddings', 'vectors.csv', '--item-projection', 'linear', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('a trainable linear projection 12 -> 8');
    const m = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(m.config.model.itemVectorDim).toBe(D);
    const vectors = await itemTable(join(out, 'checkpoint-last'), 'embeddings.item_vectors');
    expect(vectors.length).toBe((V + 2) * D);
    // The vectors never move: the same after 2 epochs as in the best checkpoint of epoch 1 or 2.
    expect(Array.from(vectors)).toEqual(Array.from(await itemTable(join(out, 'checkpoint-best'), 'embeddings.item_vectors')));
    expect(vectors.some((x) => x !== 0)).toBe(true);
    const ev = cli('evaluate', ['--checkpoint', join(out, 'checkpoint-best'), '--backend', 'wasm', '--json', 'ev-linear.json']);
    expect(ev.code, ev.err).toBe(0);
    expect(JSON.parse(await readFile(join(work, 'ev-linear.json'), 'utf8')).test.protocols).toEqual(m.test.protocols);
  });

  it('bad files stop with the file and the row', async () => {
    await writeFile(join(work, 'bad-width.csv'), '10,0.1,0.2\n20,0.1\n');
    const a = cli('train', ['--data', 'ratings.txt', ...TINY, '--epochs', '1', '--item-embeddings', 'bad-width.csv', '--out', join(work, 'bad')]);
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/^error: bad-width\.csv:2: /m);
    await writeFile(join(work, 'no-overlap.csv'), '7,0.1,0.2\n8,0.3,0.4\n');
    const b = cli('train', ['--data', 'ratings.txt', ...TINY, '--epochs', '1', '--item-embeddings', 'no-overlap.csv', '--out', join(work, 'bad')]);
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/^error: no-overlap\.csv.*(no|none).*(item|overlap)/im);
    const c = cli('train', ['--data', 'ratings.txt', ...TINY, '--epochs', '1', '--item-embeddings', 'missing.csv', '--out', join(work, 'bad')]);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/^error: missing\.csv.*no such file/m);
  });
});

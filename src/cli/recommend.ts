// npm run recommend -- --checkpoint DIR (--user ID | --items 1,2,3 | --all-users --out FILE) [--k 10] [--movies PATH]
// Top-k next items for a user's history (or a given item list, or every user into a CSV/JSONL
// file), original ids, with titles when movies.dat, movies.csv or u.item is available; the
// history's items are not recommended (unless --include-history with --all-users).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BackendChoice, Runtime } from '../../runtime/index.js';
import { loadModelWeights, loadSequences, readCheckpointConfig } from '../checkpoint.js';
import type { MovieCatalog } from '../data/movies.js';
import { readZip } from '../data/bytes.js';
import { DataFormatError } from '../data/errors.js';
import { parseMoviesAny } from '../data/movies.js';
import { GROUPLENS } from '../data/node/grouplens.js';
import { modelScorer } from '../model/score.js';
import { recommendAllUsers } from './recommend-all.js';
import { createModel } from '../model/create.js';
import { recommendTopK } from '../model/recommend.js';
import { choiceFlag, createCliRuntime, intFlag, parseCommand, runMain, UsageError } from './common.js';
import { readFile } from 'node:fs/promises';

const HELP = `Usage: npm run recommend -- --checkpoint DIR (--user ID | --items ID,ID,... | --all-users --out FILE) [options]

Prints the top-k next items for a user's history or for a list of items (original ids,
oldest first), never an item of the history; or writes them for every user to a file.

  --checkpoint DIR   a checkpoint directory written by npm run train (e.g. out/checkpoint-best)
  --user ID          original user id; the history is the user's whole sequence in the data
  --items LIST       comma-separated original item ids, oldest first
  --all-users        every user of the checkpoint's data (its stored sequences), batched,
                     progress on stderr; needs --out
  --out FILE         --all-users: recs.csv (user,rank,item,score,title) or recs.jsonl
                     ({user, items, scores, titles}); the extension picks the format
  --include-history  --all-users: allow items the user already has (default: excluded)
  --batch N          --all-users: users per forward pass (default 256)
  --k N              how many items (default 10)
  --movies PATH      titles: movies.dat, movies.csv (ML-20M/25M) or u.item (ML-100K), gzip ok;
                     default: next to the training data, or inside the GroupLens zip
  --backend NAME     auto (default: WebGPU on a hardware adapter, else WASM), webgpu, wasm
  --verbose          show the WebGPU driver's internal warnings
  --json             print JSON instead of a table
  --help             this text
`;

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, HELP, {
    checkpoint: { type: 'string' },
    user: { type: 'string' },
    items: { type: 'string' },
    'all-users': { type: 'boolean' },
    out: { type: 'string' },
    'include-history': { type: 'boolean' },
    batch: { type: 'string' },
    k: { type: 'string' },
    movies: { type: 'string' },
    backend: { type: 'string' },
    verbose: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (!parsed) return 0;
  const a = parsed.values;
  if (!a.checkpoint) throw new UsageError('--checkpoint DIR is required (see --help)');
  if ([a.user !== undefined, a.items !== undefined, a['all-users'] === true].filter(Boolean).length !== 1) throw new UsageError('pass exactly one of --user ID, --items ID,ID,... or --all-users');
  const k = intFlag('k', a.k, 1) ?? 10;
  const backend = (choiceFlag('backend', a.backend, ['auto', 'webgpu', 'wasm'] as const) ?? 'auto') as BackendChoice;
  if (a['all-users']) return allUsers(a.checkpoint, k, backend, a);
  for (const f of ['out', 'include-history', 'batch'] as const) if (a[f] !== undefined) throw new UsageError(`--${f} applies to --all-users`);

  const ck = await readCheckpointConfig(a.checkpoint);
  const { ids } = ck;
  let history: number[];
  const notes: string[] = [];
  if (a.user !== undefined) {
    const user = intFlag('user', a.user, 0)!;
    const u = ids.userIndex.get(user);
    if (u === undefined) throw new UsageError(`--user ${user}: no such user in the checkpoint's data (${ids.userIds.length} users)`);
    const seqs = await loadSequences(a.checkpoint);
    if (!seqs) throw new UsageError(`${a.checkpoint} holds no user sequences (sequences.safetensors); pass --items instead`);
    history = Array.from(seqs[u]);
  } else {
    const raw = a.items!.split(',').map((s) => s.trim()).filter(Boolean);
    if (!raw.length) throw new UsageError('--items: expected a comma-separated list of item ids');
    const unknown: string[] = [];
    history = [];
    for (const s of raw) {
      const id = Number(s);
      const dense = Number.isInteger(id) ? ids.itemIndex.get(id) : undefined;
      if (dense === undefined) unknown.push(s);
      else history.push(dense);
    }
    if (unknown.length) notes.push(`ignored ${unknown.length} item id(s) the model does not know: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', ...' : ''}`);
    if (!history.length) throw new UsageError(`--items: none of the ids is known to the model (${ck.numItems} items)`);
  }

  const movies = await findMovies(a.movies, ck.data.source);
  let rt: Runtime | null = null;
  try {
    rt = await createCliRuntime(backend, { log: (m) => console.error(m), verbose: a.verbose });
    const model = createModel(rt, ck.numItems, ck.model, 0);
    await loadModelWeights(a.checkpoint, model, ck.step);
    const top = await recommendTopK(model, Int32Array.from(history), k);
    model.dispose();
    const rows = top.map((r, i) => ({ rank: i + 1, item: ids.itemIds[r.item], score: r.score, title: movies?.movies.get(ids.itemIds[r.item])?.title ?? null }));
    for (const n of notes) console.error(`note: ${n}`);
    if (a.json) {
      console.log(JSON.stringify({ history: history.map((i) => ids.itemIds[i]), recommendations: rows }, null, 2));
    } else {
      const who = a.user !== undefined ? `user ${a.user}` : 'the given items';
      console.log(`Top ${rows.length} for ${who} (history of ${history.length} items; the last ${Math.min(history.length, ck.model.maxLen - 1)} are used):`);
      const iw = Math.max(4, ...rows.map((r) => String(r.item).length));
      console.log(`${'rank'.padStart(4)}  ${'item'.padStart(iw)}  ${'score'.padStart(8)}  title`);
      for (const r of rows) console.log(`${String(r.rank).padStart(4)}  ${String(r.item).padStart(iw)}  ${r.score.toFixed(3).padStart(8)}  ${r.title ?? ''}`);
    }
    return 0;
  } finally {
    rt?.destroy();
  }
}

async function allUsers(checkpoint: string, k: number, backend: BackendChoice, a: { out?: string; 'include-history'?: boolean; batch?: string; movies?: string; verbose?: boolean }): Promise<number> {
  if (!a.out) throw new UsageError('--all-users needs --out FILE (.csv or .jsonl)');
  const format = /\.csv$/i.test(a.out) ? 'csv' : /\.jsonl?$/i.test(a.out) ? 'jsonl' : null;
  if (!format) throw new UsageError(`--out ${a.out}: expected a .csv or .jsonl file name`);
  const batchSize = intFlag('batch', a.batch, 1) ?? 256;
  const ck = await readCheckpointConfig(checkpoint);
  const sequences = await loadSequences(checkpoint);
  if (!sequences) throw new UsageError(`${checkpoint} holds no user sequences (sequences.safetensors), which --all-users needs`);
  const movies = await findMovies(a.movies, ck.data.source);
  let rt: Runtime | null = null;
  try {
    rt = await createCliRuntime(backend, { log: (m) => console.error(m), verbose: a.verbose });
    const model = createModel(rt, ck.numItems, ck.model, 0);
    await loadModelWeights(checkpoint, model, ck.step);
    const t0 = performance.now();
    let last = 0;
    const r = await recommendAllUsers({
      ids: ck.ids, sequences, maxLen: ck.model.maxLen, k, scorer: modelScorer(model, Math.min(batchSize, 128)), batchSize,
      out: a.out, format, includeHistory: a['include-history'] === true, movies,
      onProgress: (done, total) => {
        const now = performance.now();
        if (done < total && now - last < 2000) return;
        last = now;
        console.error(`recommend: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} users (${((done * 1000) / Math.max(1, now - t0)).toFixed(0)} users/s)`);
      },
    });
    model.dispose();
    console.log(`wrote ${r.rows.toLocaleString('en-US')} recommendations (top ${k}${a['include-history'] ? ', history included' : ', history excluded'}) for ${r.users.toLocaleString('en-US')} users to ${a.out}${movies ? '' : ' (no titles: pass --movies)'}`);
    return 0;
  } finally {
    rt?.destroy();
  }
}

/** --movies, else movies.dat/movies.csv/u.item (gzip ok) next to the training data, else the titles inside a GroupLens zip. */
async function findMovies(path: string | undefined, source: string): Promise<MovieCatalog | null> {
  const load = async (p: string) => {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(p));
    } catch (e) {
      throw new DataFormatError(p, 0, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read the file (${String(e)})`);
    }
    return parseMoviesAny(bytes, p, { strict: false });
  };
  if (path) return load(path);
  const dir = dirname(source);
  for (const name of ['movies.dat', 'movies.dat.gz', 'movies.csv', 'movies.csv.gz', 'u.item']) {
    const p = join(dir, name);
    if (existsSync(p)) return load(p);
  }
  if (/\.zip$/i.test(source) && existsSync(source)) {
    const entries = readZip(new Uint8Array(await readFile(source)), source, (p) => /(^|\/)(movies\.dat|movies\.csv|u\.item)$/i.test(p));
    const known = Object.values(GROUPLENS).map((g) => g.movies);
    const inner = Object.keys(entries).sort((x, y) => Number(known.includes(y)) - Number(known.includes(x)))[0];
    if (inner) return parseMoviesAny(entries[inner], `${source}!${inner}`, { strict: false });
  }
  return null;
}

runMain(() => main(process.argv.slice(2)));

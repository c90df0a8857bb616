// npm run recommend -- --checkpoint DIR (--user ID | --items 1,2,3) [--k 10] [--movies PATH]
// Top-k next items for a user's history (or a given item list), original ids, with titles
// when a movies.dat is available; the history's items are never recommended.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRuntime, type BackendChoice, type Runtime } from '../../runtime/index.js';
import { loadModelWeights, loadSequences, readCheckpointConfig } from '../checkpoint.js';
import type { MovieCatalog } from '../data/movies.js';
import { loadMoviesFile } from '../data/node/files.js';
import { readMovieLensZip } from '../data/movielens-zip.js';
import { Bert4Rec } from '../model/bert4rec.js';
import { recommendTopK } from '../model/recommend.js';
import { choiceFlag, intFlag, runMain, UsageError } from './common.js';
import { readFile } from 'node:fs/promises';

const HELP = `Usage: npm run recommend -- --checkpoint DIR (--user ID | --items ID,ID,...) [options]

Prints the top-k next items for a user's history or for a list of items (original ids,
oldest first), never an item of the history.

  --checkpoint DIR   a checkpoint directory written by npm run train (e.g. out/checkpoint-best)
  --user ID          original user id; the history is the user's whole sequence in the data
  --items LIST       comma-separated original item ids, oldest first
  --k N              how many items (default 10)
  --movies PATH      movies.dat (gzip ok) for titles; default: next to the training data
  --backend NAME     auto (default), webgpu, wasm
  --json             print JSON instead of a table
  --help             this text
`;

async function main(argv: string[]): Promise<number> {
  const { values: a, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      checkpoint: { type: 'string' },
      user: { type: 'string' },
      items: { type: 'string' },
      k: { type: 'string' },
      movies: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (a.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}' (see --help)`);
  if (!a.checkpoint) throw new UsageError('--checkpoint DIR is required (see --help)');
  if ((a.user === undefined) === (a.items === undefined)) throw new UsageError('pass exactly one of --user ID or --items ID,ID,...');
  const k = intFlag('k', a.k, 1) ?? 10;
  const backend = (choiceFlag('backend', a.backend, ['auto', 'webgpu', 'wasm'] as const) ?? 'auto') as BackendChoice;

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
    rt = await createRuntime({ backend, log: (m) => console.error(m) });
    const model = new Bert4Rec(rt, ck.numItems, ck.model, 0);
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

/** --movies, else movies.dat(.gz) next to the training data, else the titles inside ml-1m.zip. */
async function findMovies(path: string | undefined, source: string): Promise<MovieCatalog | null> {
  if (path) return loadMoviesFile(path, { strict: false });
  const dir = dirname(source);
  for (const name of ['movies.dat', 'movies.dat.gz']) {
    const p = join(dir, name);
    if (existsSync(p)) return loadMoviesFile(p, { strict: false });
  }
  if (/\.zip$/i.test(source) && existsSync(source)) return readMovieLensZip(new Uint8Array(await readFile(source)), source, { strict: false }).movies;
  return null;
}

runMain(() => main(process.argv.slice(2)));

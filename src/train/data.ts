// Node-side data preparation for training: read the file (or a GroupLens MovieLens zip from the
// cache, downloading it when missing), preprocess (rating threshold, k-core or one-pass minimum
// counts, dense ids), leave-one-out split.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FormatName } from '../data/interactions.js';
import { formatParseReport, type Interactions } from '../data/interactions.js';
import type { MovieCatalog } from '../data/movies.js';
import type { LoadOptions } from '../data/formats.js';
import { loadInteractionsFile, loadMovieLens1M } from '../data/node/files.js';
import { ensureGroupLens, GROUPLENS, readGroupLens, type DatasetName } from '../data/node/grouplens.js';
import { downloadProgressBar } from '../data/node/progress.js';
import { formatStats, preprocess, type Dataset } from '../data/preprocess.js';
import { leaveOneOut, type LeaveOneOutSplit } from '../data/split.js';
import type { DataDescription } from '../checkpoint.js';

export interface DataOptions {
  /** A ratings file; when absent, MovieLens-1M from the cache directory. */
  data?: string;
  format?: FormatName | 'auto';
  /** Without `data`: which GroupLens data set (default ml-1m). */
  dataset?: DatasetName;
  /** Columns, separator and header of a delimited file (see LoadOptions). */
  columns?: Pick<LoadOptions, 'userColumn' | 'itemColumn' | 'timeColumn' | 'ratingColumn' | 'delimiter' | 'header'>;
  preprocess?: PreprocessSettings;
  /** Skip malformed lines (reporting them) instead of failing on the first. */
  lenient?: boolean;
  cacheDir?: string;
  log?: (line: string) => void;
}

/** The preprocessing of a run, recorded in the checkpoint's data description. */
export interface PreprocessSettings {
  minUser: number;
  minItem: number;
  /** null: no rating threshold. */
  minRating: number | null;
  /** 'kcore': repeat both filters until both hold; 'one-pass': items then users once (the original code). */
  filter: 'kcore' | 'one-pass';
}

/** Without flags: 5 per user and per item, k-core (on MovieLens, where every user has >= 20 ratings, the same as one pass). */
export const DEFAULT_PREPROCESS: PreprocessSettings = { minUser: 5, minItem: 5, minRating: null, filter: 'kcore' };

export interface PreparedData {
  dataset: Dataset;
  split: LeaveOneOutSplit;
  description: DataDescription & { preprocess: PreprocessSettings };
  /** Titles, when the source had them (the GroupLens zips). */
  movies: MovieCatalog | null;
}

/** ~/.cache/webgpu-bert4rec, or $BERT4REC_CACHE. */
export function defaultCacheDir(): string {
  return process.env.BERT4REC_CACHE || join(homedir(), '.cache', 'webgpu-bert4rec');
}

export async function loadTrainingData(o: DataOptions = {}): Promise<PreparedData> {
  const log = o.log ?? (() => {});
  const parse = { strict: !o.lenient };
  let raw: Interactions;
  let movies: MovieCatalog | null = null;
  let source: string;
  if (o.data) {
    raw = await loadInteractionsFile(o.data, { ...parse, ...o.columns, format: o.format ?? 'auto' });
    source = resolve(o.data);
  } else {
    const name = o.dataset ?? 'ml-1m';
    const cache = o.cacheDir ?? defaultCacheDir();
    log(`data: ${name} from ${cache} (downloaded when missing; pass --data FILE to use another file)`);
    const bar = downloadProgressBar(`downloading ${GROUPLENS[name].fileName}`);
    try {
      const url = process.env.BERT4REC_GROUPLENS_URL ? `${process.env.BERT4REC_GROUPLENS_URL.replace(/\/$/, '')}/${GROUPLENS[name].fileName}` : undefined;
      if (name === 'ml-1m' && !url) {
        const archive = await loadMovieLens1M(cache, { ...parse, onProgress: bar.onProgress, log });
        raw = archive.ratings;
        movies = archive.movies;
        source = archive.path;
      } else {
        source = await ensureGroupLens(name, cache, { onProgress: bar.onProgress, log, ...(url && { url }) });
        ({ ratings: raw, movies } = await readGroupLens(name, source, parse));
      }
    } finally {
      bar.stop();
    }
  }
  log(formatParseReport(raw.report));
  const pp = o.preprocess ?? DEFAULT_PREPROCESS;
  const dataset = preprocess(raw, { minUserCount: pp.minUser, minItemCount: pp.minItem, iterate: pp.filter === 'kcore', ...(pp.minRating !== null && { minRating: pp.minRating }) });
  log(`data: preprocessing: ${pp.minRating !== null ? `rating >= ${pp.minRating}, ` : ''}items >= ${pp.minItem} and users >= ${pp.minUser} interactions (${pp.filter === 'kcore' ? 'k-core: repeated until both hold' : 'one pass: items, then users'})`);
  for (const line of formatStats(dataset.stats).split('\n')) log(`data: ${line}`);
  const split = leaveOneOut(dataset);
  if (split.droppedUsers) log(`data: ${split.droppedUsers} users with fewer than 2 interactions left out`);
  return {
    dataset,
    split,
    movies,
    description: {
      source,
      format: raw.report.format,
      users: dataset.numUsers,
      items: dataset.numItems,
      interactions: dataset.stats.final.interactions,
      preprocess: pp,
    },
  };
}

export { trainingSamples } from './samples.js';

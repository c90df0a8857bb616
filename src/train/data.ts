// Node-side data preparation for training: read the file (or MovieLens-1M from the cache,
// downloading it when missing), preprocess (5-core, dense ids), leave-one-out split.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FormatName } from '../data/interactions.js';
import { formatParseReport, type Interactions } from '../data/interactions.js';
import type { MovieCatalog } from '../data/movies.js';
import { loadInteractionsFile, loadMovieLens1M } from '../data/node/files.js';
import { downloadProgressBar } from '../data/node/progress.js';
import { formatStats, preprocess, type Dataset } from '../data/preprocess.js';
import { leaveOneOut, type LeaveOneOutSplit } from '../data/split.js';
import type { DataDescription } from '../checkpoint.js';

export interface DataOptions {
  /** A ratings file; when absent, MovieLens-1M from the cache directory. */
  data?: string;
  format?: FormatName | 'auto';
  /** Skip malformed lines (reporting them) instead of failing on the first. */
  lenient?: boolean;
  cacheDir?: string;
  log?: (line: string) => void;
}

export interface PreparedData {
  dataset: Dataset;
  split: LeaveOneOutSplit;
  description: DataDescription;
  /** Titles, when the source had them (ml-1m.zip). */
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
    raw = await loadInteractionsFile(o.data, { ...parse, format: o.format ?? 'auto' });
    source = resolve(o.data);
  } else {
    const cache = o.cacheDir ?? defaultCacheDir();
    log(`data: MovieLens-1M from ${cache} (downloaded when missing; pass --data FILE to use another file)`);
    const bar = downloadProgressBar('downloading ml-1m.zip');
    try {
      const archive = await loadMovieLens1M(cache, { ...parse, onProgress: bar.onProgress, log });
      raw = archive.ratings;
      movies = archive.movies;
      source = archive.path;
    } finally {
      bar.stop();
    }
  }
  log(formatParseReport(raw.report));
  const dataset = preprocess(raw);
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
    },
  };
}

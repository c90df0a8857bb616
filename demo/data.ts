// Demo data, platform-neutral (browser, Deno, Node): a synthetic dataset with learnable
// sequential structure, and parsing of a user-supplied ratings file (bytes) into the
// preprocessed, leave-one-out split dataset the trainer consumes.
import { formatParseReport, isZip, maybeGunzip, parseInteractions, readMovieLensZip, type Interactions, type MovieCatalog } from '../src/data/index.js';
import { formatStats, preprocess, type Dataset } from '../src/data/preprocess.js';
import { Rng } from '../src/data/rng.js';
import { leaveOneOut, type LeaveOneOutSplit } from '../src/data/split.js';

export interface DemoData {
  /** Where it came from, e.g. "synthetic (200 users, 60 items)" or the file name. */
  source: string;
  dataset: Dataset;
  split: LeaveOneOutSplit;
  /** Titles when the file was a MovieLens zip with movies.dat. */
  movies: MovieCatalog | null;
  /** Human-readable parse + preprocessing report. */
  report: string;
}

export interface SyntheticOptions {
  users?: number;
  /** Items are 1..clusters*clusterSize (original ids). */
  clusters?: number;
  clusterSize?: number;
  /** Interactions per user, drawn uniformly from [minLen, maxLen]. */
  minLen?: number;
  maxLen?: number;
  /** Probability that the next item is the successor in the current cluster (else a random item of the cluster, or a jump to another cluster). */
  follow?: number;
  seed?: number;
}

/**
 * Users walk through item clusters: inside a cluster the next item is usually the successor
 * of the current one (item k -> k+1, wrapping in the cluster); now and then a random item of
 * the same cluster, and rarely a jump to another cluster. A model that learns "successor of
 * the previous item" predicts most next items, so loss falls quickly and NDCG@10 rises far
 * above chance (10 / items).
 * Returns "user item" lines in time order (the 'user-item' format).
 */
export function syntheticText(o: SyntheticOptions = {}): string {
  const users = o.users ?? 200;
  const C = o.clusters ?? 6;
  const S = o.clusterSize ?? 10;
  const minLen = o.minLen ?? 12;
  const maxLen = o.maxLen ?? 30;
  const follow = o.follow ?? 0.85;
  const rng = new Rng(o.seed ?? 7);
  const lines: string[] = [];
  for (let u = 1; u <= users; u++) {
    const n = minLen + Math.floor(rng.next() * (maxLen - minLen + 1));
    let c = Math.floor(rng.next() * C);
    let k = Math.floor(rng.next() * S);
    for (let t = 0; t < n; t++) {
      lines.push(`${u} ${c * S + k + 1}`);
      const r = rng.next();
      if (r < follow) k = (k + 1) % S;
      else if (r < follow + (1 - follow) / 2) k = Math.floor(rng.next() * S);
      else {
        c = Math.floor(rng.next() * C);
        k = Math.floor(rng.next() * S);
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** The synthetic dataset, preprocessed and split. */
export function syntheticData(o: SyntheticOptions = {}): DemoData {
  const raw = parseInteractions(syntheticText(o), { fileName: 'synthetic.txt', format: 'user-item' });
  const users = o.users ?? 200;
  const items = (o.clusters ?? 6) * (o.clusterSize ?? 10);
  return prepare(raw, `synthetic (${users} users, ${items} items in ${o.clusters ?? 6} clusters)`, null);
}

/** A ratings file picked by the user: ratings.dat, ratings.csv, "user item" lines, any of them gzipped, or a MovieLens zip. */
export function dataFromFile(bytes: Uint8Array, fileName: string): DemoData {
  const unzipped = maybeGunzip(bytes, fileName);
  if (isZip(unzipped)) {
    const archive = readMovieLensZip(unzipped, fileName, { strict: false });
    return prepare(archive.ratings, fileName, archive.movies);
  }
  return prepare(parseInteractions(bytes, { fileName, strict: false }), fileName, null);
}

function prepare(raw: Interactions, source: string, movies: MovieCatalog | null): DemoData {
  const dataset = preprocess(raw);
  const split = leaveOneOut(dataset);
  const report = `${formatParseReport(raw.report)}\n${formatStats(dataset.stats)}`;
  return { source, dataset, split, movies, report };
}

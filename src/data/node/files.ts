// Node-only: read data files from disk and hand them to the platform-neutral parsers.
import { readFile } from 'node:fs/promises';
import { DataFormatError } from '../errors.js';
import { parseInteractions, type LoadOptions } from '../formats.js';
import type { Interactions } from '../interactions.js';
import { readMovieLensZip, type MovieLensArchive } from '../movielens-zip.js';
import { parseMovies, type MovieCatalog } from '../movies.js';
import type { ParseOptions } from '../delimited.js';
import { ensureMovieLens1M, type DownloadOptions } from './download.js';

async function read(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataFormatError(path, 0, code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? String(e)})`);
  }
}

/** Loads ratings.dat / ratings.csv / u.data / "user item" / CSV / TSV / ml-1m.zip, gzipped or not. */
export async function loadInteractionsFile(path: string, options: Omit<LoadOptions, 'fileName'> = {}): Promise<Interactions> {
  return parseInteractions(await read(path), { ...options, fileName: path });
}

export async function loadMoviesFile(path: string, options: { strict?: boolean } = {}): Promise<MovieCatalog> {
  return parseMovies(await read(path), path, options);
}

/** Downloads ml-1m.zip into cacheDir when missing, then reads ratings and titles from it. */
export async function loadMovieLens1M(cacheDir: string, options: DownloadOptions & ParseOptions = {}): Promise<MovieLensArchive & { path: string }> {
  const path = await ensureMovieLens1M(cacheDir, options);
  return { ...readMovieLensZip(await read(path), path, options), path };
}

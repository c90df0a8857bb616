// Node-only: read data files from disk and hand them to the platform-neutral parsers.
import { open, readFile } from 'node:fs/promises';
import { DataFormatError } from '../errors.js';
import { InteractionsStream, type LoadOptions } from '../formats.js';
import type { Interactions } from '../interactions.js';
import { readMovieLensZip, type MovieLensArchive } from '../movielens-zip.js';
import { parseMovies, type MovieCatalog } from '../movies.js';
import type { ParseOptions } from '../delimited.js';
import { ensureMovieLens1M, type DownloadOptions } from './download.js';

async function read(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw readError(path, e);
  }
}

function readError(path: string, e: unknown): DataFormatError {
  const code = (e as NodeJS.ErrnoException).code;
  return new DataFormatError(path, 0, code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? String(e)})`);
}

/** Pieces the file is read in (options.chunkBytes overrides). */
const CHUNK_BYTES = 4 << 20;

/**
 * Loads ratings.dat / ratings.csv / u.data / "user item" / CSV / TSV / ml-1m.zip, gzipped or
 * not. The file is read and parsed in chunks (InteractionsStream): memory holds the typed
 * columns, never the file's text, so there is no size limit but memory for 20 bytes a row.
 */
export async function loadInteractionsFile(path: string, options: Omit<LoadOptions, 'fileName'> = {}): Promise<Interactions> {
  const stream = new InteractionsStream({ ...options, fileName: path });
  const size = Math.max(1, options.chunkBytes ?? CHUNK_BYTES);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw readError(path, e);
  }
  try {
    for (;;) {
      let n: number;
      const buf = new Uint8Array(size);
      try {
        n = (await fh.read(buf, 0, size, null)).bytesRead;
      } catch (e) {
        throw readError(path, e);
      }
      if (n === 0) break;
      stream.push(n === size ? buf : buf.subarray(0, n));
    }
  } finally {
    await fh.close();
  }
  return stream.end();
}

export async function loadMoviesFile(path: string, options: { strict?: boolean } = {}): Promise<MovieCatalog> {
  return parseMovies(await read(path), path, options);
}

/** Downloads ml-1m.zip into cacheDir when missing, then reads ratings and titles from it. */
export async function loadMovieLens1M(cacheDir: string, options: DownloadOptions & ParseOptions = {}): Promise<MovieLensArchive & { path: string }> {
  const path = await ensureMovieLens1M(cacheDir, options);
  return { ...readMovieLensZip(await read(path), path, options), path };
}

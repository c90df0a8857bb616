// ml-1m.zip (or any MovieLens zip with a ratings.dat): ratings and, when present, movie titles.
import { readZip } from './bytes.js';
import type { ParseOptions } from './delimited.js';
import { parseDelimitedBytes } from './delimited-stream.js';
import { DataFormatError } from './errors.js';
import type { Interactions } from './interactions.js';
import { parseMovies, type MovieCatalog } from './movies.js';

const RATINGS_SPEC = {
  format: 'movielens-zip' as const, delimiter: '::', header: false, user: 0, item: 1, rating: 2, time: 3, fieldCount: 4,
  layout: 'UserID::MovieID::Rating::Timestamp',
};

export interface MovieLensArchive {
  ratings: Interactions;
  /** null when the archive has no movies.dat. */
  movies: MovieCatalog | null;
}

export function readMovieLensZip(bytes: Uint8Array, file: string, options: ParseOptions = {}): MovieLensArchive {
  const wanted = (p: string) => /(^|\/)(ratings|movies)\.dat$/i.test(p);
  const entries = readZip(bytes, file, wanted);
  const find = (name: string) => Object.keys(entries).find((p) => p.toLowerCase() === name || p.toLowerCase().endsWith(`/${name}`));
  const ratingsPath = find('ratings.dat');
  if (!ratingsPath) throw new DataFormatError(file, 0, 'the zip archive holds no ratings.dat (expected ml-1m/ratings.dat)');
  const ratingsName = `${file}!${ratingsPath}`;
  const ratingsBytes = entries[ratingsPath];
  if (ratingsBytes.length === 0) throw new DataFormatError(ratingsName, 0, 'the file is empty');
  const ratings = parseDelimitedBytes(ratingsBytes, ratingsName, RATINGS_SPEC, 'latin1', options);
  const moviesPath = find('movies.dat');
  const movies = moviesPath ? parseMovies(entries[moviesPath], `${file}!${moviesPath}`, options) : null;
  return { ratings, movies };
}

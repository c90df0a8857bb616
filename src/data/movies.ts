// MovieLens movies.dat (MovieID::Title::Genres, Latin-1): titles for recommendations.
import { decodeText, maybeGunzip } from './bytes.js';
import { DataFormatError, quoteLine } from './errors.js';
import { parseId } from './fields.js';

export interface Movie {
  id: number;
  title: string;
  genres: string[];
}

export interface MovieCatalog {
  movies: Map<number, Movie>;
  skipped: number;
  firstErrors: string[];
}

/** Parses movies.dat from bytes (Latin-1, gzip accepted) or text. Strict by default, like the rating loaders. */
export function parseMovies(input: Uint8Array | string, file = 'movies.dat', options: { strict?: boolean } = {}): MovieCatalog {
  const strict = options.strict ?? true;
  const text = typeof input === 'string' ? input : decodeText(maybeGunzip(input, file), file, 'latin1');
  const movies = new Map<number, Movie>();
  const out: MovieCatalog = { movies, skipped: 0, firstErrors: [] };
  const lines = text.split('\n');
  let content = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (!line.trim()) continue;
    content = true;
    const error = (detail: string) => {
      const e = new DataFormatError(file, i + 1, `${detail}; expected MovieID::Title::Genres, got ${quoteLine(line)}`);
      if (strict) throw e;
      out.skipped++;
      if (out.firstErrors.length < 5) out.firstErrors.push(e.message);
    };
    // Titles may not contain '::', so the first and last separators delimit the title.
    const a = line.indexOf('::');
    const b = line.lastIndexOf('::');
    if (a < 0 || a === b) { error(`${a < 0 ? 1 : 2} field(s) where 3 were expected`); continue; }
    const id = parseId(line.slice(0, a), 'movie id');
    if (typeof id === 'string') { error(id); continue; }
    const title = line.slice(a + 2, b);
    const genres = line.slice(b + 2).split('|').filter((g) => g.length > 0);
    if (movies.has(id)) { error(`duplicate movie id ${id}`); continue; }
    movies.set(id, { id, title, genres });
  }
  if (!content) throw new DataFormatError(file, 0, 'the file is empty; expected lines of MovieID::Title::Genres');
  return out;
}

/** MovieLens-20M/25M movies.csv (movieId,title,genres; titles may be double-quoted and hold commas), UTF-8. */
export function parseMoviesCsv(input: Uint8Array | string, file = 'movies.csv', options: { strict?: boolean } = {}): MovieCatalog {
  const strict = options.strict ?? true;
  const text = typeof input === 'string' ? input : decodeText(maybeGunzip(input, file), file, 'utf-8');
  const out: MovieCatalog = { movies: new Map(), skipped: 0, firstErrors: [] };
  const lines = text.split('\n');
  let header = true;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '').replace(/^\uFEFF/, '');
    if (!line.trim()) continue;
    if (header) {
      header = false;
      if (!/^movieId,title,genres$/i.test(line.trim())) throw new DataFormatError(file, i + 1, `expected the header movieId,title,genres, got ${quoteLine(line)}`);
      continue;
    }
    const error = (detail: string) => {
      const e = new DataFormatError(file, i + 1, `${detail}; expected movieId,title,genres, got ${quoteLine(line)}`);
      if (strict) throw e;
      out.skipped++;
      if (out.firstErrors.length < 5) out.firstErrors.push(e.message);
    };
    const a = line.indexOf(',');
    const b = line.lastIndexOf(',');
    if (a < 0 || a === b) { error('fewer than 3 fields'); continue; }
    const id = parseId(line.slice(0, a), 'movie id');
    if (typeof id === 'string') { error(id); continue; }
    let title = line.slice(a + 1, b);
    if (title.startsWith('"') && title.endsWith('"') && title.length >= 2) title = title.slice(1, -1).replace(/""/g, '"');
    const genres = line.slice(b + 1).split('|').filter((g) => g.length > 0 && g !== '(no genres listed)');
    if (out.movies.has(id)) { error(`duplicate movie id ${id}`); continue; }
    out.movies.set(id, { id, title, genres });
  }
  if (header) throw new DataFormatError(file, 0, 'the file is empty; expected movieId,title,genres');
  return out;
}

/** MovieLens-100K u.item (id|title|release date|video date|url|19 genre flags), Latin-1. */
export function parseMoviesUItem(input: Uint8Array | string, file = 'u.item', options: { strict?: boolean } = {}): MovieCatalog {
  const strict = options.strict ?? true;
  const text = typeof input === 'string' ? input : decodeText(maybeGunzip(input, file), file, 'latin1');
  const out: MovieCatalog = { movies: new Map(), skipped: 0, firstErrors: [] };
  const GENRES = ['unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western'];
  const lines = text.split('\n');
  let content = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (!line.trim()) continue;
    content = true;
    const f = line.split('|');
    const id = f.length >= 2 ? parseId(f[0], 'movie id') : 'fewer than 2 fields';
    if (typeof id === 'string' || out.movies.has(id)) {
      const e = new DataFormatError(file, i + 1, `${typeof id === 'string' ? id : `duplicate movie id ${id}`}; expected id|title|release date|..., got ${quoteLine(line)}`);
      if (strict) throw e;
      out.skipped++;
      if (out.firstErrors.length < 5) out.firstErrors.push(e.message);
      continue;
    }
    const flags = f.slice(-19);
    out.movies.set(id, { id, title: f[1], genres: f.length >= 24 ? GENRES.filter((_, g) => flags[g] === '1') : [] });
  }
  if (!content) throw new DataFormatError(file, 0, 'the file is empty; expected id|title|release date|...');
  return out;
}

/** Picks the parser from the file name: movies.csv, u.item, else movies.dat. */
export function parseMoviesAny(input: Uint8Array | string, file: string, options: { strict?: boolean } = {}): MovieCatalog {
  const base = file.split(/[\\/!]/).pop()!.replace(/\.gz$/i, '').toLowerCase();
  if (base.endsWith('.csv')) return parseMoviesCsv(input, file, options);
  if (base === 'u.item') return parseMoviesUItem(input, file, options);
  return parseMovies(input, file, options);
}

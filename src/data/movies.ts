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

/** One movies-file format: how its lines look, and how one line becomes a movie. */
interface CatalogFormat {
  encoding: 'latin1' | 'utf-8';
  /** What a line should look like, for error messages. */
  expected: string;
  /** The message for a file without content. */
  empty: string;
  /** Checks the first non-empty line as a header (formats that have one). */
  header?: (line: string) => boolean;
  /** Strip a byte-order mark at the start of lines. */
  bom?: boolean;
  /** A movie, or what is wrong with the line. */
  parseLine: (line: string) => Movie | string;
}

/** The line loop every format shares: blank lines skipped, duplicates refused, strict or lenient. */
function parseCatalog(input: Uint8Array | string, file: string, options: { strict?: boolean }, fmt: CatalogFormat): MovieCatalog {
  const strict = options.strict ?? true;
  const text = typeof input === 'string' ? input : decodeText(maybeGunzip(input, file), file, fmt.encoding);
  const out: MovieCatalog = { movies: new Map(), skipped: 0, firstErrors: [] };
  const lines = text.split('\n');
  let content = false;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/\r$/, '');
    if (fmt.bom) line = line.replace(/^\uFEFF/, '');
    if (!line.trim()) continue;
    if (fmt.header && !content) {
      content = true;
      if (!fmt.header(line.trim())) throw new DataFormatError(file, i + 1, `expected the header ${fmt.expected}, got ${quoteLine(line)}`);
      continue;
    }
    content = true;
    const movie = fmt.parseLine(line);
    const detail = typeof movie === 'string' ? movie : out.movies.has(movie.id) ? `duplicate movie id ${movie.id}` : null;
    if (detail === null) {
      out.movies.set((movie as Movie).id, movie as Movie);
      continue;
    }
    const e = new DataFormatError(file, i + 1, `${detail}; expected ${fmt.expected}, got ${quoteLine(line)}`);
    if (strict) throw e;
    out.skipped++;
    if (out.firstErrors.length < 5) out.firstErrors.push(e.message);
  }
  if (!content) throw new DataFormatError(file, 0, fmt.empty);
  return out;
}

const MOVIES_DAT: CatalogFormat = {
  encoding: 'latin1',
  expected: 'MovieID::Title::Genres',
  empty: 'the file is empty; expected lines of MovieID::Title::Genres',
  parseLine(line) {
    // Titles may not contain '::', so the first and last separators delimit the title.
    const a = line.indexOf('::');
    const b = line.lastIndexOf('::');
    if (a < 0 || a === b) return `${a < 0 ? 1 : 2} field(s) where 3 were expected`;
    const id = parseId(line.slice(0, a), 'movie id');
    if (typeof id === 'string') return id;
    return { id, title: line.slice(a + 2, b), genres: line.slice(b + 2).split('|').filter((g) => g.length > 0) };
  },
};

const MOVIES_CSV: CatalogFormat = {
  encoding: 'utf-8',
  expected: 'movieId,title,genres',
  empty: 'the file is empty; expected movieId,title,genres',
  header: (line) => /^movieId,title,genres$/i.test(line),
  bom: true,
  parseLine(line) {
    const a = line.indexOf(',');
    const b = line.lastIndexOf(',');
    if (a < 0 || a === b) return 'fewer than 3 fields';
    const id = parseId(line.slice(0, a), 'movie id');
    if (typeof id === 'string') return id;
    let title = line.slice(a + 1, b);
    if (title.startsWith('"') && title.endsWith('"') && title.length >= 2) title = title.slice(1, -1).replace(/""/g, '"');
    return { id, title, genres: line.slice(b + 1).split('|').filter((g) => g.length > 0 && g !== '(no genres listed)') };
  },
};

const U_ITEM_GENRES = ['unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western'];

const U_ITEM: CatalogFormat = {
  encoding: 'latin1',
  expected: 'id|title|release date|...',
  empty: 'the file is empty; expected id|title|release date|...',
  parseLine(line) {
    const f = line.split('|');
    const id = f.length >= 2 ? parseId(f[0], 'movie id') : 'fewer than 2 fields';
    if (typeof id === 'string') return id;
    const flags = f.slice(-19);
    return { id, title: f[1], genres: f.length >= 24 ? U_ITEM_GENRES.filter((_, g) => flags[g] === '1') : [] };
  },
};

/** Parses movies.dat from bytes (Latin-1, gzip accepted) or text. Strict by default, like the rating loaders. */
export function parseMovies(input: Uint8Array | string, file = 'movies.dat', options: { strict?: boolean } = {}): MovieCatalog {
  return parseCatalog(input, file, options, MOVIES_DAT);
}

/** MovieLens-20M/25M movies.csv (movieId,title,genres; titles may be double-quoted and hold commas), UTF-8. */
export function parseMoviesCsv(input: Uint8Array | string, file = 'movies.csv', options: { strict?: boolean } = {}): MovieCatalog {
  return parseCatalog(input, file, options, MOVIES_CSV);
}

/** MovieLens-100K u.item (id|title|release date|video date|url|19 genre flags), Latin-1. */
export function parseMoviesUItem(input: Uint8Array | string, file = 'u.item', options: { strict?: boolean } = {}): MovieCatalog {
  return parseCatalog(input, file, options, U_ITEM);
}

/** Picks the parser from the file name: movies.csv, u.item, else movies.dat. */
export function parseMoviesAny(input: Uint8Array | string, file: string, options: { strict?: boolean } = {}): MovieCatalog {
  const base = file.split(/[\\/!]/).pop()!.replace(/\.gz$/i, '').toLowerCase();
  if (base.endsWith('.csv')) return parseMoviesCsv(input, file, options);
  if (base === 'u.item') return parseMoviesUItem(input, file, options);
  return parseMovies(input, file, options);
}

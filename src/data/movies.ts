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

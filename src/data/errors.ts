// Errors raised while reading and preparing interaction data.

/** A malformed input file or line. `line` is 1-based; 0 means the file as a whole. */
export class DataFormatError extends Error {
  override name = 'DataFormatError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${detail}` : `${file}: ${detail}`);
  }
}

/** Data that parsed but cannot be used (too few interactions, unsplittable users, ...). */
export class DatasetError extends Error {
  override name = 'DatasetError';
}

/** Quotes a line for an error message, shortened to a readable length. */
export function quoteLine(line: string, max = 80): string {
  const s = line.length > max ? `${line.slice(0, max)}...` : line;
  return JSON.stringify(s);
}

/** Header column names for a message, shortened like quoteLine (a malformed header can be huge). */
export function columnList(names: readonly string[], max = 80): string {
  const s = names.join(', ');
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

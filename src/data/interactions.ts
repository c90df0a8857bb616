// Columnar interaction log as read from a file (original ids, file order).

export type FormatName = 'movielens-dat' | 'movielens-csv' | 'movielens-100k' | 'user-item' | 'delimited' | 'movielens-zip';

export interface ParseReport {
  file: string;
  format: FormatName;
  /** Physical lines read (header and blank lines included). */
  lines: number;
  /** Interactions kept. */
  parsed: number;
  /** Malformed lines skipped (lenient mode only; strict mode throws on the first). */
  skipped: number;
  /** Messages for the first few skipped lines. */
  firstErrors: string[];
}

/** "ratings.dat: 36 interactions from 40 lines (movielens-dat); skipped 3 malformed lines, first: ..." */
export function formatParseReport(r: ParseReport): string {
  const head = `${r.file}: ${r.parsed.toLocaleString('en-US')} interactions from ${r.lines.toLocaleString('en-US')} lines (${r.format})`;
  if (r.skipped === 0) return head;
  return `${head}; skipped ${r.skipped.toLocaleString('en-US')} malformed line${r.skipped === 1 ? '' : 's'}, first:\n  ${r.firstErrors.join('\n  ')}`;
}

export interface Interactions {
  length: number;
  users: Int32Array;
  items: Int32Array;
  /** Per-row timestamps; null when the format has none (file order is time order). */
  timestamps: Float64Array | null;
  ratings: Float32Array | null;
  report: ParseReport;
}

/** Growable columns; trimmed by finish(). */
export class InteractionsBuilder {
  length = 0;
  private users: Int32Array;
  private items: Int32Array;
  private times: Float64Array | null;
  private ratings: Float32Array | null;

  constructor(capacity: number, hasTime: boolean, hasRating: boolean) {
    const n = Math.max(16, capacity);
    this.users = new Int32Array(n);
    this.items = new Int32Array(n);
    this.times = hasTime ? new Float64Array(n) : null;
    this.ratings = hasRating ? new Float32Array(n) : null;
  }

  push(user: number, item: number, time: number, rating: number): void {
    if (this.length === this.users.length) this.grow();
    const i = this.length++;
    this.users[i] = user;
    this.items[i] = item;
    if (this.times) this.times[i] = time;
    if (this.ratings) this.ratings[i] = rating;
  }

  finish(report: ParseReport): Interactions {
    const n = this.length;
    return {
      length: n,
      users: this.users.slice(0, n),
      items: this.items.slice(0, n),
      timestamps: this.times ? this.times.slice(0, n) : null,
      ratings: this.ratings ? this.ratings.slice(0, n) : null,
      report: { ...report, parsed: n },
    };
  }

  private grow(): void {
    const n = this.users.length * 2;
    const grow = <T extends Int32Array | Float64Array | Float32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.users = grow(this.users, (k) => new Int32Array(k));
    this.items = grow(this.items, (k) => new Int32Array(k));
    if (this.times) this.times = grow(this.times, (k) => new Float64Array(k));
    if (this.ratings) this.ratings = grow(this.ratings, (k) => new Float32Array(k));
  }
}

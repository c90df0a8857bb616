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

/** Rows per block at most: growing never copies what was already read (blocks are joined once, by finish()). */
const MAX_BLOCK = 1 << 20;
const EMPTY_I32 = new Int32Array(0);

/**
 * Growable columns, kept as a list of blocks (each up to 2^20 rows, doubling from
 * `capacity`) so that growing never copies the rows already read and never holds twice the
 * data until finish() joins them into exact-length arrays.
 */
export class InteractionsBuilder {
  length = 0;
  private users: Int32Array;
  private items: Int32Array;
  private times: Float64Array | null;
  private ratings: Float32Array | null;
  /** Rows in the current block. */
  private fill = 0;
  private readonly done: Array<{ users: Int32Array; items: Int32Array; times: Float64Array | null; ratings: Float32Array | null }> = [];
  private readonly hasTime: boolean;
  private readonly hasRating: boolean;

  constructor(capacity: number, hasTime: boolean, hasRating: boolean) {
    this.hasTime = hasTime;
    this.hasRating = hasRating;
    const n = Math.max(16, Math.min(MAX_BLOCK, capacity));
    this.users = new Int32Array(n);
    this.items = new Int32Array(n);
    this.times = hasTime ? new Float64Array(n) : null;
    this.ratings = hasRating ? new Float32Array(n) : null;
  }

  push(user: number, item: number, time: number, rating: number): void {
    if (this.fill === this.users.length) this.grow();
    const i = this.fill++;
    this.length++;
    this.users[i] = user;
    this.items[i] = item;
    if (this.times) this.times[i] = time;
    if (this.ratings) this.ratings[i] = rating;
  }

  finish(report: ParseReport): Interactions {
    const blocks = [...this.done, { users: this.users.subarray(0, this.fill), items: this.items.subarray(0, this.fill), times: this.times?.subarray(0, this.fill) ?? null, ratings: this.ratings?.subarray(0, this.fill) ?? null }];
    const join = <T extends Int32Array | Float64Array | Float32Array>(out: T, part: (b: (typeof blocks)[number]) => T | null): T => {
      let at = 0;
      for (const b of blocks) {
        const p = part(b)!;
        out.set(p, at);
        at += p.length;
      }
      return out;
    };
    // Each column's blocks are let go once joined, so the peak is the data plus one column, not twice the data.
    const n = this.length;
    const users = join(new Int32Array(n), (b) => b.users);
    for (const b of blocks) b.users = EMPTY_I32;
    const items = join(new Int32Array(n), (b) => b.items);
    for (const b of blocks) b.items = EMPTY_I32;
    const timestamps = this.hasTime ? join(new Float64Array(n), (b) => b.times) : null;
    for (const b of blocks) b.times = null;
    this.done.length = 0;
    this.users = this.items = EMPTY_I32;
    this.times = null;
    const ratings = this.hasRating ? join(new Float32Array(n), (b) => b.ratings) : null;
    this.ratings = null;
    return { length: n, users, items, timestamps, ratings, report: { ...report, parsed: n } };
  }

  private grow(): void {
    this.done.push({ users: this.users, items: this.items, times: this.times, ratings: this.ratings });
    const n = Math.min(MAX_BLOCK, this.length);
    this.fill = 0;
    this.users = new Int32Array(n);
    this.items = new Int32Array(n);
    this.times = this.hasTime ? new Float64Array(n) : null;
    this.ratings = this.hasRating ? new Float32Array(n) : null;
  }
}

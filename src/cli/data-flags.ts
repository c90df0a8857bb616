// CLI flags that choose and preprocess the data, shared by `train` and `evaluate`.
import type { ColumnRef } from '../data/delimited.js';
import type { FormatName } from '../data/interactions.js';
import { DATASET_NAMES, type DatasetName } from '../data/node/grouplens.js';
import { DEFAULT_PREPROCESS, type DataOptions, type PreprocessSettings } from '../train/data.js';
import { choiceFlag, intFlag, numberFlag, UsageError } from './common.js';

const FORMATS = ['auto', 'movielens-dat', 'movielens-csv', 'movielens-100k', 'user-item', 'delimited', 'movielens-zip'] as const;

export const DATA_OPTIONS = {
  data: { type: 'string' },
  dataset: { type: 'string' },
  format: { type: 'string' },
  lenient: { type: 'boolean' },
  sep: { type: 'string' },
  'user-col': { type: 'string' },
  'item-col': { type: 'string' },
  'time-col': { type: 'string' },
  'rating-col': { type: 'string' },
  'no-header': { type: 'boolean' },
  'min-user': { type: 'string' },
  'min-item': { type: 'string' },
  'min-rating': { type: 'string' },
  'one-pass': { type: 'boolean' },
} as const;

export const DATA_HELP = `Data
  --data PATH          ratings file: ratings.dat, ratings.csv, u.data, "user item" lines,
                       CSV/TSV with a header, or ml-1m.zip; gzip is detected
  --dataset NAME       ${DATASET_NAMES.join(', ')}: the official GroupLens zip, downloaded once
                       into \$BERT4REC_CACHE or ~/.cache/webgpu-bert4rec and verified (default ml-1m)
  --format NAME        ${FORMATS.join(', ')}
  --lenient            skip malformed lines (reported) instead of stopping at the first
  --sep SEP            delimited files: separator (',' ';' '|' '::' tab space whitespace)
  --user-col COL       delimited files: the user column, by header name or 0-based index
  --item-col COL       delimited files: the item column
  --time-col COL       delimited files: the timestamp column ('none': file order is time order)
  --rating-col COL     delimited files: the rating column ('none': no ratings)
  --no-header          delimited files: the first line is data (then columns are indices)

Preprocessing (the counts before and after are printed)
  --min-rating R       keep only interactions rated >= R (needs a rating column)
  --min-user N         users need >= N interactions (default ${DEFAULT_PREPROCESS.minUser})
  --min-item N         items need >= N interactions (default ${DEFAULT_PREPROCESS.minItem})
  --one-pass           filter items, then users, once (the original BERT4Rec code) instead of
                       repeating both until both hold (k-core, the default)
`;

type Values = { [K in keyof typeof DATA_OPTIONS]?: (typeof DATA_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function column(flag: string, v: string | undefined, optional: boolean): ColumnRef | null | undefined {
  if (v === undefined) return undefined;
  if (optional && v.toLowerCase() === 'none') return null;
  if (v.trim() === '') throw new UsageError(`--${flag}: expected a column name or 0-based index`);
  return /^\d+$/.test(v) ? Number(v) : v;
}

function separator(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const named: Record<string, string> = { tab: '\t', '\\t': '\t', space: ' ', whitespace: 'whitespace', comma: ',', semicolon: ';', pipe: '|' };
  const sep = named[v.toLowerCase()] ?? v;
  if (sep.length === 0) throw new UsageError("--sep: expected a separator such as ',' or tab");
  return sep;
}

/** DataOptions from the parsed flags (without cacheDir and log). */
export function dataOptions(a: Values): Omit<DataOptions, 'cacheDir' | 'log'> {
  if (a.data && a.dataset) throw new UsageError('pass either --data or --dataset, not both');
  const dataset = choiceFlag('dataset', a.dataset, DATASET_NAMES) as DatasetName | undefined;
  let format = choiceFlag('format', a.format, FORMATS) as FormatName | 'auto' | undefined;
  const columns = {
    userColumn: column('user-col', a['user-col'], false) ?? undefined,
    itemColumn: column('item-col', a['item-col'], false) ?? undefined,
    timeColumn: column('time-col', a['time-col'], true),
    ratingColumn: column('rating-col', a['rating-col'], true),
    delimiter: separator(a.sep),
    header: a['no-header'] ? false : undefined,
  };
  const custom = Object.values(columns).some((v) => v !== undefined);
  if (custom) {
    if (!a.data) throw new UsageError('--sep, --user-col, --item-col, --time-col, --rating-col and --no-header apply to --data FILE');
    if (format === undefined || format === 'auto') format = 'delimited';
    else if (format !== 'delimited') throw new UsageError(`--sep and the column flags need --format delimited, not ${format}`);
  }
  if (!a.data && format !== undefined) throw new UsageError('--format applies to --data FILE');
  const preprocess: PreprocessSettings = {
    minUser: intFlag('min-user', a['min-user'], 1) ?? DEFAULT_PREPROCESS.minUser,
    minItem: intFlag('min-item', a['min-item'], 1) ?? DEFAULT_PREPROCESS.minItem,
    minRating: numberFlag('min-rating', a['min-rating'], -1e9) ?? null,
    filter: a['one-pass'] ? 'one-pass' : 'kcore',
  };
  return { data: a.data, dataset, format, lenient: a.lenient, columns: custom ? columns : undefined, preprocess };
}

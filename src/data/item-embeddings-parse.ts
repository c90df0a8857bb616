// Pre-trained item embeddings (`--item-embeddings FILE`): vectors keyed by the data set's
// ORIGINAL item ids, read from safetensors, .npy (+ an ids file) or text lines, then aligned to
// the dense item ids and projected to the model's width (./item-embeddings-align.ts; both re-exported by ./item-embeddings.ts).
// Platform-neutral: bytes or text in, typed arrays out (the file reader is ./node/item-embeddings-file.ts).
// The safetensors codec module itself (re-exported by runtime/index.ts), not the runtime's index:
// it has no imports, so the data pipeline does not pull in the backends and their WGSL assets.
import { decodeSafetensors, halfToFloat, SafetensorsError, type SafetensorsTensor } from '../../runtime/io/safetensors.js';
import { decodeText, isGzip, maybeGunzip, stripGz } from './bytes.js';
import { DataFormatError, quoteLine } from './errors.js';
import { MAX_ID } from './fields.js';

/** Item vectors as read from a file: row r of `vectors` ([count, dim], row-major) belongs to original item id `ids[r]`. */
export interface ItemEmbeddings {
  /** The file name used in messages. */
  file: string;
  format: 'safetensors' | 'npy' | 'text';
  ids: Int32Array;
  vectors: Float32Array;
  count: number;
  dim: number;
}

/**
 * A malformed or unusable item-embeddings file. The message names the file and the place:
 * `file:LINE: ...` for text (1-based line numbers, `line`), `file: row R (item id X): ...` for
 * tensors (0-based row index, `row`); both 0/null for the file as a whole. It is a
 * DataFormatError, so code that catches data-file errors catches it too.
 */
export class ItemEmbeddingsError extends DataFormatError {
  override name = 'ItemEmbeddingsError';
  constructor(
    file: string,
    line: number,
    detail: string,
    /** 0-based row of a tensor, or null (text files give `line`). */
    readonly row: number | null = null,
  ) {
    super(file, line, detail);
  }
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE_RE = /^[+-]?(nan|inf|infinity)$/i;

/** Runs a byte/text helper and turns its DataFormatError into an ItemEmbeddingsError. */
function wrapped<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ItemEmbeddingsError) throw e;
    if (e instanceof DataFormatError) throw new ItemEmbeddingsError(file, e.line, e.detail);
    if (e instanceof SafetensorsError) throw new ItemEmbeddingsError(file, 0, e.message);
    throw e;
  }
}

function toText(input: Uint8Array | string, file: string): string {
  if (typeof input === 'string') return input;
  return wrapped(file, () => decodeText(maybeGunzip(input, file), file, 'utf-8'));
}

function unquote(s: string): string {
  return s.length >= 2 && s[0] === '"' && s[s.length - 1] === '"' ? s.slice(1, -1).trim() : s;
}

/** Splits a line by the file's delimiter (chosen on its first content line: tab, else comma, else whitespace). */
function splitter(first: string): (line: string) => string[] {
  if (first.includes('\t')) return (l) => l.split('\t').map((f) => unquote(f.trim()));
  if (first.includes(',')) return (l) => l.split(',').map((f) => unquote(f.trim()));
  return (l) => l.trim().split(/\s+/).map(unquote);
}

/** An item id field: a non-negative integer <= 2^31-1 (written as 42, or 42.0 by float writers), or what is wrong. */
function parseItemId(s: string): number | string {
  const shown = JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...` : s);
  if (s.length === 0) return 'missing item id';
  if (!NUMBER_RE.test(s)) return `non-numeric item id ${shown}`;
  const v = Number(s);
  if (!Number.isInteger(v)) return `item id ${shown} is not an integer`;
  if (v < 0 || v > MAX_ID) return `item id ${shown} is outside 0..2^31-1`;
  return v;
}

/** Checks an id read from a tensor; returns the message or null. */
function badTensorId(v: number | bigint): string | null {
  if (typeof v === 'bigint') return v < 0n || v > BigInt(MAX_ID) ? `item id ${v} is outside 0..2^31-1` : null;
  if (!Number.isInteger(v)) return `item id ${v} is not an integer`;
  return v < 0 || v > MAX_ID ? `item id ${v} is outside 0..2^31-1` : null;
}

/**
 * Text lines `item_id v1 v2 ...` separated by commas, tabs or whitespace (the first content
 * line decides). Blank lines and lines starting with `#` are skipped; a first content line
 * whose first field is not numeric is a header and skipped. Fields may be double-quoted.
 * Gzip is accepted (magic bytes). Errors name the file and the 1-based line.
 */
export function parseItemEmbeddingsText(input: Uint8Array | string, file: string): ItemEmbeddings {
  const text = toText(input, file);
  const lines = text.split('\n');
  const ids: number[] = [];
  const values: number[] = [];
  const seen = new Map<number, number>();
  let split: ((line: string) => string[]) | null = null;
  let dim = -1;
  let dimLine = 0;
  let content = false;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].replace(/\r$/, '').replace(/^\uFEFF/, '');
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    if (trimmed.includes('\uFFFD')) throw new ItemEmbeddingsError(file, lineNo, `bad encoding (invalid UTF-8); got ${quoteLine(line)}`);
    split ??= splitter(trimmed);
    const fields = split(trimmed);
    if (!content) {
      content = true;
      if (!NUMBER_RE.test(fields[0]) && !NON_FINITE_RE.test(fields[0])) continue; // header
    }
    if (fields.length < 2) throw new ItemEmbeddingsError(file, lineNo, `1 field where an item id and at least one value were expected; got ${quoteLine(line)}`);
    const id = parseItemId(fields[0]);
    if (typeof id === 'string') throw new ItemEmbeddingsError(file, lineNo, `${id}; expected "item_id v1 v2 ...", got ${quoteLine(line)}`);
    if (dim < 0) {
      dim = fields.length - 1;
      dimLine = lineNo;
    } else if (fields.length - 1 !== dim) {
      throw new ItemEmbeddingsError(file, lineNo, `${fields.length - 1} values where the first row (line ${dimLine}) has ${dim}; got ${quoteLine(line)}`);
    }
    const prev = seen.get(id);
    if (prev !== undefined) throw new ItemEmbeddingsError(file, lineNo, `duplicate item id ${id} (first on line ${prev})`);
    seen.set(id, lineNo);
    for (let c = 1; c < fields.length; c++) {
      const f = fields[c];
      if (NON_FINITE_RE.test(f)) throw new ItemEmbeddingsError(file, lineNo, `non-finite value ${f} in column ${c + 1} (item id ${id})`);
      if (!NUMBER_RE.test(f)) {
        const what = f.length === 0 ? 'empty value' : `non-numeric value ${JSON.stringify(f.length > 40 ? `${f.slice(0, 40)}...` : f)}`;
        throw new ItemEmbeddingsError(file, lineNo, `${what} in column ${c + 1} (item id ${id})`);
      }
      const v = Number(f);
      if (!Number.isFinite(Math.fround(v))) throw new ItemEmbeddingsError(file, lineNo, `value ${f} in column ${c + 1} (item id ${id}) overflows float32 (non-finite)`);
      values.push(v);
    }
    ids.push(id);
  }
  if (ids.length === 0) throw new ItemEmbeddingsError(file, 0, `no vectors: the file is ${content ? 'only a header' : 'empty'}; expected lines "item_id v1 v2 ..."`);
  return { file, format: 'text', ids: Int32Array.from(ids), vectors: Float32Array.from(values), count: ids.length, dim };
}

// ---- tensors (safetensors, npy) ----

const BF16_VIEW = new Float32Array(1);
const BF16_BITS = new Uint32Array(BF16_VIEW.buffer);
function bf16ToFloat(h: number): number {
  BF16_BITS[0] = h << 16;
  return BF16_VIEW[0];
}

/** Float32 copy of float data given as F32/F64 values or F16/BF16 bits. */
function toFloat32(dtype: string, data: ArrayLike<number>): Float32Array {
  if (dtype === 'F16') return Float32Array.from(data, halfToFloat);
  if (dtype === 'BF16') return Float32Array.from(data, bf16ToFloat);
  return Float32Array.from(data);
}

/** Checks that every row is finite (also after the cast to f32) and that ids are unique; errors name the row. */
function finishTensors(file: string, format: 'safetensors' | 'npy', ids: Int32Array, vectors: Float32Array, count: number, dim: number, source: Float64Array | null): ItemEmbeddings {
  if (count === 0) throw new ItemEmbeddingsError(file, 0, 'no vectors: the embeddings tensor has 0 rows');
  if (dim === 0) throw new ItemEmbeddingsError(file, 0, 'the embeddings tensor has 0 columns');
  const seen = new Map<number, number>();
  for (let r = 0; r < count; r++) {
    const id = ids[r];
    const prev = seen.get(id);
    if (prev !== undefined) throw new ItemEmbeddingsError(file, 0, `row ${r} (item id ${id}): duplicate item id (first at row ${prev})`, r);
    seen.set(id, r);
    for (let c = 0; c < dim; c++) {
      const v = vectors[r * dim + c];
      if (!Number.isFinite(v)) {
        const orig = source ? source[r * dim + c] : v;
        const what = Number.isFinite(orig) ? `value ${orig} overflows float32` : `non-finite value ${orig}`;
        throw new ItemEmbeddingsError(file, 0, `row ${r} (item id ${id}): ${what} in column ${c}`, r);
      }
    }
  }
  return { file, format, ids, vectors, count, dim };
}

const FLOAT_DTYPES = new Set(['F32', 'F64', 'F16', 'BF16']);
const INT_DTYPES = new Set(['I8', 'I16', 'I32', 'I64', 'U8', 'U16', 'U32', 'U64']);

/** Reads item ids from a tensor (1-D, or [n, 1]) of an integer dtype; errors name the row. */
function idsFromTensor(file: string, name: string, t: SafetensorsTensor, count: number): Int32Array {
  if (!INT_DTYPES.has(t.dtype)) throw new ItemEmbeddingsError(file, 0, `tensor '${name}' (item ids) has dtype ${t.dtype}; expected an integer dtype (I32, I64, U32, ...)`);
  const flat = t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1);
  if (!flat) throw new ItemEmbeddingsError(file, 0, `tensor '${name}' (item ids) has shape ${JSON.stringify(t.shape)}; expected [${count}]`);
  if (t.shape[0] !== count) throw new ItemEmbeddingsError(file, 0, `tensor '${name}' holds ${t.shape[0]} item ids but the embeddings have ${count} rows`);
  const out = new Int32Array(count);
  const data = t.data as ArrayLike<number | bigint>;
  for (let r = 0; r < count; r++) {
    const v = data[r];
    const bad = badTensorId(v);
    if (bad) throw new ItemEmbeddingsError(file, 0, `row ${r}: ${bad} (tensor '${name}')`, r);
    out[r] = Number(v);
  }
  return out;
}

/** Item ids from `__metadata__.item_ids`, a JSON array of integers (or integer strings). */
function idsFromMetadata(file: string, json: string, count: number): Int32Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new ItemEmbeddingsError(file, 0, `__metadata__ 'item_ids' is not valid JSON (${e instanceof Error ? e.message : String(e)}); expected a JSON array of integers`);
  }
  if (!Array.isArray(parsed)) throw new ItemEmbeddingsError(file, 0, `__metadata__ 'item_ids' is not a JSON array; expected an array of ${count} integers`);
  if (parsed.length !== count) throw new ItemEmbeddingsError(file, 0, `__metadata__ 'item_ids' holds ${parsed.length} ids but the embeddings have ${count} rows`);
  const out = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const v = parsed[r];
    const id = typeof v === 'number' ? (badTensorId(v) ?? v) : typeof v === 'string' ? parseItemId(v.trim()) : `item id ${JSON.stringify(v)} is not a number`;
    if (typeof id === 'string') throw new ItemEmbeddingsError(file, 0, `row ${r}: ${id} (__metadata__ 'item_ids')`, r);
    out[r] = id;
  }
  return out;
}

/**
 * safetensors: a 2-D float tensor [n, D] (F32; F16, BF16 and F64 are converted to f32) named
 * `embeddings`, else `vectors`, else the only 2-D float tensor; item ids from a 1-D integer
 * tensor `item_ids` (or `ids`), else `__metadata__.item_ids` (a JSON array string).
 */
export function parseItemEmbeddingsSafetensors(bytes: Uint8Array, file: string): ItemEmbeddings {
  const raw = wrapped(file, () => maybeGunzip(bytes, file));
  const { tensors, metadata } = wrapped(file, () => decodeSafetensors(raw));
  const listed = [...tensors].map(([n, t]) => `${n} ${t.dtype}${JSON.stringify(t.shape)}`).join(', ') || 'none';
  let name = ['embeddings', 'vectors'].find((n) => tensors.has(n));
  if (name === undefined) {
    const candidates = [...tensors].filter(([, t]) => FLOAT_DTYPES.has(t.dtype) && t.shape.length === 2).map(([n]) => n);
    if (candidates.length !== 1) {
      throw new ItemEmbeddingsError(file, 0, `${candidates.length === 0 ? 'no' : 'more than one'} 2-D float tensor; name the vectors 'embeddings' (tensors: ${listed})`);
    }
    name = candidates[0];
  }
  const t = tensors.get(name)!;
  if (!FLOAT_DTYPES.has(t.dtype) || t.shape.length !== 2) {
    throw new ItemEmbeddingsError(file, 0, `tensor '${name}' is ${t.dtype}${JSON.stringify(t.shape)}; expected a 2-D float tensor [items, D] (F32, F16, BF16 or F64)`);
  }
  const [count, dim] = t.shape;
  const idName = ['item_ids', 'ids'].find((n) => tensors.has(n));
  let ids: Int32Array;
  if (idName !== undefined) ids = idsFromTensor(file, idName, tensors.get(idName)!, count);
  else if (metadata.item_ids !== undefined) ids = idsFromMetadata(file, metadata.item_ids, count);
  else throw new ItemEmbeddingsError(file, 0, `no item ids: expected a 1-D integer tensor 'item_ids' (or 'ids'), or __metadata__ 'item_ids' (a JSON array) (tensors: ${listed})`);
  const vectors = toFloat32(t.dtype, t.data as ArrayLike<number>);
  return finishTensors(file, 'safetensors', ids, vectors, count, dim, t.dtype === 'F64' ? (t.data as Float64Array) : null);
}

export interface NpyArray {
  /** numpy dtype string, e.g. '<f4'. */
  descr: string;
  shape: number[];
  /** Values in C order (Fortran-order files are transposed). */
  data: Float64Array;
}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && NPY_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * A .npy array of little-endian floats (f2/f4/f8) or integers (i1..i8, u1..u8), any rank, C or
 * Fortran order, as float64 values in C order. Big-endian and object arrays are refused.
 */
export function parseNpy(input: Uint8Array, file: string): NpyArray {
  const bytes = wrapped(file, () => maybeGunzip(input, file));
  if (!isNpy(bytes)) throw new ItemEmbeddingsError(file, 0, 'not a .npy file (no \\x93NUMPY magic)');
  if (bytes.length < 10) throw new ItemEmbeddingsError(file, 0, 'truncated .npy header');
  const major = bytes[6];
  if (major < 1 || major > 3) throw new ItemEmbeddingsError(file, 0, `unsupported .npy version ${major}.${bytes[7]}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new ItemEmbeddingsError(file, 0, 'truncated .npy header');
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLen;
  if (dataStart > bytes.length) throw new ItemEmbeddingsError(file, 0, `.npy header length ${headerLen} runs past the end of the file (truncated file?)`);
  const header = new TextDecoder('latin1').decode(bytes.subarray(8 + lenBytes, dataStart));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new ItemEmbeddingsError(file, 0, `malformed .npy header ${quoteLine(header)}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new ItemEmbeddingsError(file, 0, `malformed .npy shape (${shapeText})`);
  const m = /^([<>|=])([fiu])(\d+)$/.exec(descr);
  if (!m) throw new ItemEmbeddingsError(file, 0, `unsupported .npy dtype '${descr}'; expected little-endian floats ('<f4', '<f8') or integers`);
  const [, order, kind, sizeText] = m;
  const size = Number(sizeText);
  if (order === '>' && size > 1) throw new ItemEmbeddingsError(file, 0, `.npy dtype '${descr}' is big-endian; save it little-endian (numpy: a.astype('<f4'))`);
  const ok = kind === 'f' ? [2, 4, 8].includes(size) : [1, 2, 4, 8].includes(size);
  if (!ok) throw new ItemEmbeddingsError(file, 0, `unsupported .npy dtype '${descr}'`);
  const n = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(n * size) || dataStart + n * size !== bytes.length) {
    throw new ItemEmbeddingsError(file, 0, `.npy data is ${bytes.length - dataStart} bytes but shape (${shape.join(', ')}) x '${descr}' needs ${n * size} (truncated file?)`);
  }
  const data = new Float64Array(n);
  for (let i = 0, o = dataStart; i < n; i++, o += size) {
    if (kind === 'f') data[i] = size === 2 ? halfToFloat(dv.getUint16(o, true)) : size === 4 ? dv.getFloat32(o, true) : dv.getFloat64(o, true);
    else if (size === 1) data[i] = kind === 'i' ? dv.getInt8(o) : dv.getUint8(o);
    else if (size === 2) data[i] = kind === 'i' ? dv.getInt16(o, true) : dv.getUint16(o, true);
    else if (size === 4) data[i] = kind === 'i' ? dv.getInt32(o, true) : dv.getUint32(o, true);
    else data[i] = Number(kind === 'i' ? dv.getBigInt64(o, true) : dv.getBigUint64(o, true));
  }
  if (fortran === 'True' && shape.length > 1) {
    // Fortran order: the first index varies fastest. Transpose to C order.
    const c = new Float64Array(n);
    const strides = shape.map((_, k) => shape.slice(0, k).reduce((a, b) => a * b, 1));
    const idx = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < n; i++) {
      let f = 0;
      for (let k = 0; k < shape.length; k++) f += idx[k] * strides[k];
      c[i] = data[f];
      for (let k = shape.length - 1; k >= 0; k--) {
        if (++idx[k] < shape[k]) break;
        idx[k] = 0;
      }
    }
    return { descr, shape, data: c };
  }
  return { descr, shape, data };
}

/**
 * An ids file for .npy vectors: one id per line, or the first column of a CSV/TSV (blank and `#`
 * lines skipped, a non-numeric first line is a header), or a 1-D integer .npy. Errors name the
 * ids file and the line (or row).
 */
export function parseItemIdList(input: Uint8Array | string, file: string): Int32Array {
  if (typeof input !== 'string') {
    const raw = input;
    const bytes = wrapped(file, () => maybeGunzip(raw, file));
    if (isNpy(bytes)) {
      const a = parseNpy(bytes, file);
      if (a.shape.length !== 1 && !(a.shape.length === 2 && a.shape[1] === 1)) throw new ItemEmbeddingsError(file, 0, `the ids .npy has shape (${a.shape.join(', ')}); expected a 1-D array`);
      const out = new Int32Array(a.data.length);
      for (let r = 0; r < a.data.length; r++) {
        const bad = badTensorId(a.data[r]);
        if (bad) throw new ItemEmbeddingsError(file, 0, `row ${r}: ${bad}`, r);
        out[r] = a.data[r];
      }
      return out;
    }
    input = toText(bytes, file);
  }
  const ids: number[] = [];
  let content = false;
  const lines = input.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i].replace(/\r$/, '').replace(/^\uFEFF/, '').trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const first = unquote((/^[^,\t ]*/.exec(trimmed)?.[0] ?? '').trim());
    if (!content) {
      content = true;
      if (!NUMBER_RE.test(first)) continue; // header
    }
    const id = parseItemId(first);
    if (typeof id === 'string') throw new ItemEmbeddingsError(file, i + 1, `${id}; expected one item id per line, got ${quoteLine(trimmed)}`);
    ids.push(id);
  }
  if (ids.length === 0) throw new ItemEmbeddingsError(file, 0, `no item ids: the file is ${content ? 'only a header' : 'empty'}`);
  return Int32Array.from(ids);
}

/** .npy vectors (2-D, little-endian floats) with their item ids from a separate file (see parseItemIdList). */
export function parseItemEmbeddingsNpy(bytes: Uint8Array, file: string, idsInput: Uint8Array | string | Int32Array, idsFile: string): ItemEmbeddings {
  const a = parseNpy(bytes, file);
  if (a.shape.length !== 2) throw new ItemEmbeddingsError(file, 0, `the .npy array has shape (${a.shape.join(', ')}); expected 2-D [items, D]`);
  if (a.descr[1] !== 'f') throw new ItemEmbeddingsError(file, 0, `the .npy array has dtype '${a.descr}'; expected floats ('<f4' or '<f8')`);
  const [count, dim] = a.shape;
  const ids = idsInput instanceof Int32Array ? idsInput : parseItemIdList(idsInput, idsFile);
  if (ids.length !== count) throw new ItemEmbeddingsError(idsFile, 0, `${ids.length} item ids but ${file} has ${count} rows`);
  return finishTensors(file, 'npy', ids, Float32Array.from(a.data), count, dim, a.data);
}

function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return n >= 2n && n <= BigInt(bytes.length - 8) && bytes[8] === 0x7b; // '{'
}

export interface ParseItemEmbeddingsOptions {
  /** The file name for messages (and for choosing the format by extension). */
  file: string;
  /** Item ids for a .npy file: the ids file's bytes or text, or the ids themselves. */
  ids?: Uint8Array | string | Int32Array;
  /** The ids file's name for messages. */
  idsFile?: string;
  /** Force a format instead of detecting it from the extension and the bytes. */
  format?: 'safetensors' | 'npy' | 'text';
}

/**
 * Any supported format: by `format`, else the extension (.safetensors, .npy, .csv/.tsv/.txt,
 * each optionally .gz), else the bytes (safetensors header, \x93NUMPY magic, else text).
 */
export function parseItemEmbeddings(input: Uint8Array | string, options: ParseItemEmbeddingsOptions): ItemEmbeddings {
  const { file } = options;
  if (typeof input === 'string') return parseItemEmbeddingsText(input, file);
  let bytes: Uint8Array = input;
  const name = stripGz(file).toLowerCase();
  let format = options.format;
  if (!format) {
    if (name.endsWith('.safetensors')) format = 'safetensors';
    else if (name.endsWith('.npy')) format = 'npy';
    else if (/\.(csv|tsv|txt)$/.test(name)) format = 'text';
  }
  if (!format) {
    const raw = bytes;
    bytes = isGzip(raw) ? wrapped(file, () => maybeGunzip(raw, file)) : raw;
    format = isNpy(bytes) ? 'npy' : looksLikeSafetensors(bytes) ? 'safetensors' : 'text';
  }
  if (format === 'safetensors') return parseItemEmbeddingsSafetensors(bytes, file);
  if (format === 'text') return parseItemEmbeddingsText(bytes, file);
  if (options.ids === undefined) {
    throw new ItemEmbeddingsError(file, 0, 'a .npy file holds only the vectors: give the item ids file too (one original item id per line, in row order)');
  }
  return parseItemEmbeddingsNpy(bytes, file, options.ids, options.idsFile ?? 'item ids');
}

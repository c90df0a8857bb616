// The safetensors format (https://github.com/huggingface/safetensors), encode and decode.
// Layout: u64 little-endian N | N bytes of UTF-8 JSON header (padded with spaces so that
// 8 + N is a multiple of 8) | byte buffer. The header maps tensor names to
// { dtype, shape, data_offsets: [begin, end) } (offsets relative to the byte buffer) and may
// hold "__metadata__": { string: string }. Tensors tile the byte buffer exactly: sorted by
// offset, each begins where the previous ends, the last ends at the end of the file.
// Data is little-endian, row-major. Nothing here touches the file system.

/** Error for any malformed or unsupported safetensors input. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
  constructor(message: string) {
    super(`safetensors: ${message}`);
  }
}

/** The dtypes of the format with their element sizes in bytes. */
export const SAFETENSORS_DTYPES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;
/** A dtype name of the safetensors format ('F32', 'BF16', 'I64', ...; the keys of SAFETENSORS_DTYPES). */
export type SafetensorsDType = keyof typeof SAFETENSORS_DTYPES;

/** The order of the dtype enum in the reference (Rust) implementation; it writes tensors by descending dtype, then name. */
const DTYPE_RANK: readonly SafetensorsDType[] = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64'];

/** Host array holding a safetensors tensor's elements (row-major); its class follows the dtype (see SafetensorsTensor). */
export type SafetensorsData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** One tensor. F16/BF16/F8 data are the raw bits (Uint16Array / Uint8Array); BOOL is a Uint8Array of 0/1. */
export interface SafetensorsTensor {
  dtype: SafetensorsDType;
  shape: readonly number[];
  data: SafetensorsData;
}

/** What decodeSafetensors returns: the tensors by name and the header's "__metadata__" string map ({} when absent). */
export interface DecodedSafetensors {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** The reference implementation refuses headers above 100 MB; so do we (it bounds JSON.parse). */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

/**
 * obj[key] = value as an own data property, also for key "__proto__" (plain assignment would
 * set the prototype instead and drop the key: a tensor or metadata entry named "__proto__").
 */
function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A typed array of the right class for a dtype, viewing (not copying) `bytes`. Requires alignment. */
function viewAs(dtype: SafetensorsDType, buffer: ArrayBuffer, byteOffset: number, length: number): SafetensorsData {
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer, byteOffset, length);
    case 'F64':
      return new Float64Array(buffer, byteOffset, length);
    case 'I8':
      return new Int8Array(buffer, byteOffset, length);
    case 'I16':
      return new Int16Array(buffer, byteOffset, length);
    case 'I32':
      return new Int32Array(buffer, byteOffset, length);
    case 'I64':
      return new BigInt64Array(buffer, byteOffset, length);
    case 'U16':
    case 'F16':
    case 'BF16':
      return new Uint16Array(buffer, byteOffset, length);
    case 'U32':
      return new Uint32Array(buffer, byteOffset, length);
    case 'U64':
      return new BigUint64Array(buffer, byteOffset, length);
    case 'BOOL':
    case 'U8':
    case 'F8_E5M2':
    case 'F8_E4M3':
      return new Uint8Array(buffer, byteOffset, length);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function checkEndianness(): void {
  // Typed arrays use the platform's byte order; the format is little-endian.
  if (!LITTLE_ENDIAN) throw new SafetensorsError('big-endian platforms are not supported');
}

function isKnownDType(x: unknown): x is SafetensorsDType {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPES, x);
}

/** Validates a shape and returns its element count. */
function elementCount(name: string, shape: unknown): number {
  if (!Array.isArray(shape)) throw new SafetensorsError(`tensor '${name}': shape must be an array, got ${JSON.stringify(shape)}`);
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new SafetensorsError(`tensor '${name}': shape ${JSON.stringify(shape)} has an invalid dimension ${JSON.stringify(d)}`);
    }
    n *= d;
    if (!Number.isSafeInteger(n)) throw new SafetensorsError(`tensor '${name}': shape ${JSON.stringify(shape)} has too many elements`);
  }
  return n;
}

function checkTypedArray(name: string, t: SafetensorsTensor): void {
  if (!isKnownDType(t.dtype)) throw new SafetensorsError(`tensor '${name}': unknown dtype ${JSON.stringify(t.dtype)} (known: ${Object.keys(SAFETENSORS_DTYPES).join(', ')})`);
  const n = elementCount(name, t.shape);
  if (!ArrayBuffer.isView(t.data)) throw new SafetensorsError(`tensor '${name}': data must be a typed array`);
  const expected = viewAs(t.dtype, new ArrayBuffer(0), 0, 0).constructor;
  if (t.data.constructor !== expected) {
    throw new SafetensorsError(`tensor '${name}': dtype ${t.dtype} needs a ${expected.name}, got a ${t.data.constructor.name}`);
  }
  if (t.data.length !== n) {
    throw new SafetensorsError(`tensor '${name}': shape ${JSON.stringify(t.shape)} needs ${n} elements, data has ${t.data.length}`);
  }
}

/**
 * Serialises tensors (and optional string metadata) to safetensors bytes. Tensors are laid
 * out as the reference implementation does (descending dtype, then name), so a file written
 * here is byte-identical to one written by the Python/Rust `safetensors` package.
 */
export function encodeSafetensors(tensors: ReadonlyMap<string, SafetensorsTensor>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  checkEndianness();
  const names = [...tensors.keys()];
  for (const name of names) {
    if (name === METADATA_KEY) throw new SafetensorsError(`'${METADATA_KEY}' is reserved and cannot be a tensor name`);
    checkTypedArray(name, tensors.get(name)!);
  }
  names.sort((a, b) => {
    const ra = DTYPE_RANK.indexOf(tensors.get(a)!.dtype);
    const rb = DTYPE_RANK.indexOf(tensors.get(b)!.dtype);
    return rb - ra || (a < b ? -1 : a > b ? 1 : 0);
  });
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    const meta: Record<string, string> = {};
    for (const k of Object.keys(metadata).sort()) {
      if (typeof metadata[k] !== 'string') throw new SafetensorsError(`metadata '${k}' must be a string, got ${typeof metadata[k]}`);
      setOwn(meta, k, metadata[k]);
    }
    header[METADATA_KEY] = meta;
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const end = offset + t.data.byteLength;
    setOwn(header, name, { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, end] });
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil((8 + json.length) / 8) * 8 - 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    pos += d.byteLength;
  }
  return out;
}

/** Parsed and validated header: entries sorted by offset, plus where the byte buffer starts. */
export interface SafetensorsHeader {
  entries: Array<{ name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }>;
  metadata: Record<string, string>;
  /** Offset of the byte buffer in the file (8 + header length). */
  dataStart: number;
}

/**
 * Parses and validates the header against the file size. Throws a SafetensorsError naming
 * the problem for: a file too short, a header length past the end of the file, invalid UTF-8
 * or JSON, a header that is not an object, unknown dtypes, bad shapes, offsets out of order,
 * overlapping, leaving holes or not covering the buffer, byte lengths that disagree with
 * shape x dtype, and non-string metadata. JSON.parse is the only parser; nothing is evaluated.
 */
export function parseSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError('input must be a Uint8Array');
  if (bytes.length < 8) throw new SafetensorsError(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8)) {
    throw new SafetensorsError(`header length ${n64} exceeds the ${bytes.length - 8} bytes after the length field (truncated or corrupted file)`);
  }
  if (n64 > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(`header length ${n64} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  const n = Number(n64);
  if (n < 2) throw new SafetensorsError(`header length ${n} is too small for a JSON object`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new SafetensorsError('header is not valid UTF-8');
  }
  if (text[0] !== '{') throw new SafetensorsError(`header must start with '{', got ${JSON.stringify(text.slice(0, 16))}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`header is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SafetensorsError('header must be a JSON object');

  const metadata: Record<string, string> = {};
  const entries: SafetensorsHeader['entries'] = [];
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SafetensorsError(`'${METADATA_KEY}' must be an object of strings`);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(`metadata '${k}' must be a string, got ${JSON.stringify(v)}`);
        setOwn(metadata, k, v);
      }
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SafetensorsError(`tensor '${name}': entry must be an object`);
    const info = value as Record<string, unknown>;
    for (const key of Object.keys(info)) {
      if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') throw new SafetensorsError(`tensor '${name}': unknown field '${key}'`);
    }
    if (!isKnownDType(info.dtype)) throw new SafetensorsError(`tensor '${name}': unknown dtype ${JSON.stringify(info.dtype)}`);
    const count = elementCount(name, info.shape);
    const offs = info.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)) {
      throw new SafetensorsError(`tensor '${name}': data_offsets must be two non-negative integers, got ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (end < begin) throw new SafetensorsError(`tensor '${name}': data_offsets [${begin},${end}] end before they begin`);
    const need = count * SAFETENSORS_DTYPES[info.dtype];
    if (end - begin !== need) {
      throw new SafetensorsError(`tensor '${name}': data_offsets [${begin},${end}] span ${end - begin} bytes but shape ${JSON.stringify(info.shape)} x ${info.dtype} needs ${need}`);
    }
    entries.push({ name, dtype: info.dtype, shape: [...(info.shape as number[])], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataStart = 8 + n;
  const bufferLen = bytes.length - dataStart;
  let pos = 0;
  for (const e of entries) {
    if (e.begin < pos) throw new SafetensorsError(`tensor '${e.name}': data_offsets [${e.begin},${e.end}] overlap the previous tensor (which ends at ${pos})`);
    if (e.begin > pos) throw new SafetensorsError(`tensor '${e.name}': data_offsets [${e.begin},${e.end}] leave a hole after byte ${pos} (tensors must be contiguous)`);
    if (e.end > bufferLen) throw new SafetensorsError(`tensor '${e.name}': data_offsets [${e.begin},${e.end}] run past the end of the ${bufferLen}-byte buffer (truncated file?)`);
    pos = e.end;
  }
  if (pos !== bufferLen) throw new SafetensorsError(`tensors cover ${pos} bytes but the buffer holds ${bufferLen} (trailing bytes)`);
  return { entries, metadata, dataStart };
}

/** Decodes and validates safetensors bytes. Tensor data are copied (aligned, independent of `bytes`). */
export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  checkEndianness();
  const { entries, metadata, dataStart } = parseSafetensorsHeader(bytes);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const copy = bytes.slice(dataStart + e.begin, dataStart + e.end);
    const count = (e.end - e.begin) / SAFETENSORS_DTYPES[e.dtype];
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: viewAs(e.dtype, copy.buffer, 0, count) });
  }
  return { tensors, metadata };
}

/** f16 bits to a number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

// Runtime state dicts (Map<string, Tensor>) to and from safetensors bytes, with a SHA-256
// checksum in the metadata. Portable (WebCrypto), no file system: see atomic-file.ts for that.
import type { DType } from '../dtype.js';
import type { Runtime } from '../runtime.js';
import { formatShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import {
  halfToFloat,
  decodeSafetensors,
  encodeSafetensors,
  parseSafetensorsHeader,
  SafetensorsError,
  type SafetensorsDType,
  type SafetensorsHeader,
  type SafetensorsTensor,
} from './safetensors.js';

/**
 * Metadata key of the checksum: "sha256:" + hex SHA-256 of (the canonical JSON of the tensor
 * index [name, dtype, shape, begin, end] sorted by name, and the other metadata sorted by key)
 * + "\n" + (hex SHA-256 of the byte buffer). It covers everything but the header's whitespace,
 * so a flipped bit in data, shape, dtype, offsets or metadata is detected on load.
 */
export const CHECKSUM_KEY = 'checksum_sha256';

/** Tensors by dotted name (e.g. Module.stateDict()): what checkpoints save and load into. */
export type StateDict = ReadonlyMap<string, Tensor>;

const RUNTIME_TO_ST: Record<DType, SafetensorsDType> = { f32: 'F32', i32: 'I32', u32: 'U32' };

function hex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256(data: Uint8Array): Promise<ArrayBuffer> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new SafetensorsError('checksums need WebCrypto (globalThis.crypto.subtle), which this platform lacks');
  return subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>);
}

/** The checksum of a parsed file (see CHECKSUM_KEY). */
async function checksumOf(header: SafetensorsHeader, bytes: Uint8Array): Promise<string> {
  const index = [...header.entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((e) => [e.name, e.dtype, e.shape, e.begin, e.end]);
  const meta = Object.keys(header.metadata)
    .filter((k) => k !== CHECKSUM_KEY)
    .sort()
    .map((k) => [k, header.metadata[k]]);
  const dataHash = hex(await sha256(bytes.subarray(header.dataStart)));
  const text = `${JSON.stringify([index, meta])}\n${dataHash}`;
  return `sha256:${hex(await sha256(new TextEncoder().encode(text)))}`;
}

/** encodeSafetensors plus a checksum in the metadata (key CHECKSUM_KEY). */
export async function encodeSafetensorsWithChecksum(tensors: ReadonlyMap<string, SafetensorsTensor>, metadata: Readonly<Record<string, string>> = {}): Promise<Uint8Array> {
  const meta: Record<string, string> = { ...metadata };
  delete meta[CHECKSUM_KEY];
  // Offsets do not depend on the metadata, so the checksum of a first encoding holds for the second.
  const first = encodeSafetensors(tensors, meta);
  meta[CHECKSUM_KEY] = await checksumOf(parseSafetensorsHeader(first), first);
  return encodeSafetensors(tensors, meta);
}

/**
 * How loading treats the checksum (CHECKSUM_KEY): 'require' rejects files without one,
 * 'if-present' (the loaders' default) verifies it when there is one, 'skip' never verifies it.
 */
export type ChecksumPolicy = 'require' | 'if-present' | 'skip';

/**
 * Validates the file and its checksum. 'if-present' (default) accepts files without one
 * (e.g. written by Python); 'require' rejects them. Throws a SafetensorsError on mismatch.
 * Returns whether a checksum was verified.
 */
export async function verifySafetensors(bytes: Uint8Array, policy: ChecksumPolicy = 'if-present'): Promise<boolean> {
  const header = parseSafetensorsHeader(bytes);
  if (policy === 'skip') return false;
  const stored = header.metadata[CHECKSUM_KEY];
  if (stored === undefined) {
    if (policy === 'require') throw new SafetensorsError(`no checksum ('${CHECKSUM_KEY}' metadata) in the file`);
    return false;
  }
  const actual = await checksumOf(header, bytes);
  if (actual !== stored) throw new SafetensorsError(`checksum mismatch: the file is corrupted (stored ${stored}, computed ${actual})`);
  return true;
}

/** Reads every tensor of a state dict back to the host (async) and encodes it, with a checksum. */
export async function stateDictToSafetensors(state: StateDict, metadata: Readonly<Record<string, string>> = {}): Promise<Uint8Array> {
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, t] of state) {
    tensors.set(name, { dtype: RUNTIME_TO_ST[t.dtype], shape: [...t.shape], data: await t.data() });
  }
  return encodeSafetensorsWithChecksum(tensors, metadata);
}

/**
 * A runtime dtype and host array for a safetensors tensor. F32/I32/U32 map directly;
 * F16, BF16 and F64 are converted to f32 (what Python checkpoints often hold). Other dtypes throw.
 */
export function toRuntimeArray(name: string, t: SafetensorsTensor): { dtype: DType; data: Float32Array | Int32Array | Uint32Array } {
  const d = t.data;
  switch (t.dtype) {
    case 'F32':
      return { dtype: 'f32', data: d as Float32Array };
    case 'I32':
      return { dtype: 'i32', data: d as Int32Array };
    case 'U32':
      return { dtype: 'u32', data: d as Uint32Array };
    case 'F64':
      return { dtype: 'f32', data: Float32Array.from(d as Float64Array) };
    case 'F16':
      return { dtype: 'f32', data: Float32Array.from(d as Uint16Array, halfToFloat) };
    case 'BF16': {
      const bits = new Uint32Array(d.length);
      for (let i = 0; i < d.length; i++) bits[i] = (d as Uint16Array)[i] << 16;
      return { dtype: 'f32', data: new Float32Array(bits.buffer) };
    }
    default:
      throw new SafetensorsError(`tensor '${name}': dtype ${t.dtype} has no runtime equivalent (supported: F32, I32, U32; F16, BF16, F64 convert to f32)`);
  }
}

/** Verifies (checksum policy) and decodes bytes into new tensors on `rt`. The caller owns them. */
export async function stateDictFromSafetensors(rt: Runtime, bytes: Uint8Array, checksum: ChecksumPolicy = 'if-present'): Promise<{ tensors: Map<string, Tensor>; metadata: Record<string, string> }> {
  await verifySafetensors(bytes, checksum);
  const { tensors, metadata } = decodeSafetensors(bytes);
  const arrays = [...tensors].map(([name, t]) => [name, t, toRuntimeArray(name, t)] as const);
  const out = new Map<string, Tensor>();
  for (const [name, t, { dtype, data }] of arrays) out.set(name, rt.tensor(data, t.shape, dtype));
  return { tensors: out, metadata };
}

/**
 * Copies a checkpoint into existing tensors (e.g. a model's parameters), checking that every
 * name, shape and dtype matches before writing anything. Throws a SafetensorsError listing
 * missing, unexpected or mismatched tensors (unexpected ones are allowed with strict=false).
 */
export async function loadSafetensorsInto(
  state: StateDict,
  bytes: Uint8Array,
  options: { strict?: boolean; checksum?: ChecksumPolicy } = {},
): Promise<{ metadata: Record<string, string>; unexpected: string[] }> {
  const { strict = true, checksum = 'if-present' } = options;
  await verifySafetensors(bytes, checksum);
  const { tensors, metadata } = decodeSafetensors(bytes);
  const problems: string[] = [];
  const writes: Array<[Tensor, Float32Array | Int32Array | Uint32Array]> = [];
  for (const [name, target] of state) {
    const src = tensors.get(name);
    if (!src) {
      problems.push(`missing '${name}'`);
      continue;
    }
    if (!shapesEqual(src.shape, target.shape)) {
      problems.push(`'${name}' has shape ${formatShape(src.shape)} in the file, ${formatShape(target.shape)} in the model`);
      continue;
    }
    const { dtype, data } = toRuntimeArray(name, src);
    if (dtype !== target.dtype) {
      problems.push(`'${name}' is ${src.dtype} in the file, ${target.dtype} in the model`);
      continue;
    }
    writes.push([target, data]);
  }
  const unexpected = [...tensors.keys()].filter((k) => !state.has(k));
  if (strict) for (const k of unexpected) problems.push(`unexpected '${k}'`);
  if (problems.length) throw new SafetensorsError(`checkpoint does not match the state dict: ${problems.join('; ')}`);
  for (const [t, data] of writes) if (data.length) t.backend.write(t.storage('loadSafetensorsInto'), data);
  return { metadata, unexpected };
}

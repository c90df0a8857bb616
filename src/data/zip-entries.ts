// Zip entries read as streams: the central directory says where each entry's compressed bytes
// are, and they are inflated in pieces (fflate's streaming Inflate) into a consumer, so a
// 533 MB ratings.csv inside ml-20m.zip is never held whole. Only what the GroupLens archives
// use is understood (stored or deflated entries, no zip64, no encryption); for anything else
// zipEntries() answers null and the caller reads the archive whole (bytes.ts readZip).
import { Inflate } from 'fflate';
import { DataFormatError, DatasetError } from './errors.js';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the compressed bytes in the archive. */
  dataStart: number;
}

const u16 = (b: Uint8Array, p: number) => b[p] | (b[p + 1] << 8);
const u32 = (b: Uint8Array, p: number) => (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;

/** The archive's entries by path, or null when its layout is not one this reader handles. */
export function zipEntries(bytes: Uint8Array): Map<string, ZipEntry> | null {
  let eocd = -1;
  for (let p = bytes.length - 22; p >= 0 && p >= bytes.length - 22 - 0xffff; p--) {
    if (u32(bytes, p) === 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) return null;
  const count = u16(bytes, eocd + 10);
  const cdOffset = u32(bytes, eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) return null; // zip64
  const out = new Map<string, ZipEntry>();
  const names = new TextDecoder('utf-8');
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || u32(bytes, p) !== 0x02014b50) return null;
    const flags = u16(bytes, p + 8);
    const method = u16(bytes, p + 10);
    const compressedSize = u32(bytes, p + 20);
    const size = u32(bytes, p + 24);
    const nameLen = u16(bytes, p + 28);
    const local = u32(bytes, p + 42);
    if (p + 46 + nameLen > bytes.length) return null;
    const name = names.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + u16(bytes, p + 30) + u16(bytes, p + 32);
    if (flags & 1 || (method !== 0 && method !== 8) || compressedSize === 0xffffffff || size === 0xffffffff) return null;
    if (local + 30 > bytes.length || u32(bytes, local) !== 0x04034b50) return null;
    const dataStart = local + 30 + u16(bytes, local + 26) + u16(bytes, local + 28);
    if (dataStart + compressedSize > bytes.length) return null;
    if (!name.endsWith('/')) out.set(name, { name, method, compressedSize, size, dataStart });
  }
  return out;
}

/**
 * Inflates one entry into `onData` in pieces (about `chunkBytes` of compressed input each).
 * A damaged entry is a DataFormatError "corrupt zip archive (...)" naming `file`; errors that
 * onData throws (the parser's) pass through unchanged.
 */
export function inflateEntry(bytes: Uint8Array, entry: ZipEntry, file: string, onData: (chunk: Uint8Array) => void, chunkBytes = 1 << 20): void {
  const data = bytes.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
  let produced = 0;
  const sink = (chunk: Uint8Array) => {
    produced += chunk.length;
    if (chunk.length) onData(chunk);
  };
  if (entry.method === 0) {
    for (let at = 0; at < data.length; at += chunkBytes) sink(data.subarray(at, Math.min(data.length, at + chunkBytes)));
  } else {
    const inflate = new Inflate((chunk) => sink(chunk));
    try {
      if (data.length === 0) inflate.push(new Uint8Array(0), true);
      for (let at = 0; at < data.length; at += chunkBytes) inflate.push(data.subarray(at, Math.min(data.length, at + chunkBytes)), at + chunkBytes >= data.length);
    } catch (e) {
      if (e instanceof DataFormatError || e instanceof DatasetError) throw e;
      throw new DataFormatError(file, 0, `corrupt zip archive (${entry.name}: ${e instanceof Error ? e.message : String(e)})`);
    }
  }
  if (produced !== entry.size) throw new DataFormatError(file, 0, `corrupt zip archive (${entry.name}: ${produced} bytes inflated, the directory says ${entry.size})`);
}

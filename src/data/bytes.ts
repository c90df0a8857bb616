// Byte-level input handling shared by all loaders: gzip/zip detection by magic bytes and
// text decoding with encoding checks. Platform-neutral (Uint8Array in, string out).
import { gunzipSync, unzipSync } from 'fflate';
import { DataFormatError } from './errors.js';

export type TextEncoding = 'utf-8' | 'latin1';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Strips a trailing ".gz" from a file name. */
export function stripGz(name: string): string {
  return name.replace(/\.gz$/i, '');
}

/** Gunzips when the bytes carry the gzip magic (concatenated members included), else returns them as-is. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new DataFormatError(file, 0, `corrupt gzip data (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Unzips an archive into a map of entry path -> bytes (directories left out). */
export function readZip(bytes: Uint8Array, file: string, wanted?: (path: string) => boolean): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes, wanted ? { filter: (f) => wanted(f.name) } : undefined);
  } catch (e) {
    throw new DataFormatError(file, 0, `corrupt zip archive (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * Decodes text. UTF-16 (BOM or NUL bytes near the start) is refused with a clear message;
 * a UTF-8 BOM is dropped. Invalid UTF-8 sequences become U+FFFD, which line parsers report
 * as "bad encoding" with the line number. Latin-1 maps every byte to U+0000..U+00FF.
 */
export function decodeText(bytes: Uint8Array, file: string, encoding: TextEncoding = 'utf-8'): string {
  checkEncoding(bytes, file);
  if (encoding === 'latin1') return decodeLatin1(bytes);
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  return new TextDecoder('utf-8').decode(start ? bytes.subarray(start) : bytes);
}

/**
 * decodeText's checks on the start of a file (its first 4,096 bytes, or all of a shorter
 * one): UTF-16 byte-order mark, NUL bytes. Throws a DataFormatError.
 */
export function checkEncoding(bytes: Uint8Array, file: string): void {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new DataFormatError(file, 0, 'bad encoding: the file is UTF-16 (byte-order mark); expected ASCII, UTF-8 or Latin-1 text');
  }
  const probe = Math.min(bytes.length, 4096);
  for (let i = 0; i < probe; i++) {
    if (bytes[i] === 0) {
      throw new DataFormatError(file, lineOfOffset(bytes, i), 'bad encoding: NUL byte (binary or UTF-16 file?); expected ASCII, UTF-8 or Latin-1 text');
    }
  }
}

/** Bytes the text of decodeText + parseDelimited leaves out at the start: UTF-8 byte-order marks (up to three: decodeText's, TextDecoder's, parseDelimited's). */
export function leadingBomBytes(bytes: Uint8Array, encoding: TextEncoding): number {
  if (encoding === 'latin1') return 0;
  let n = 0;
  while (n < 9 && bytes[n] === 0xef && bytes[n + 1] === 0xbb && bytes[n + 2] === 0xbf) n += 3;
  return n;
}

/** True Latin-1 (ISO-8859-1): byte b -> U+00bb. (TextDecoder('latin1') is windows-1252.) */
export function decodeLatin1(bytes: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] & 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return new TextDecoder('utf-8').decode(bytes); // same result, much faster
  const chunk = 0x8000;
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += chunk) {
    parts.push(String.fromCharCode.apply(null, bytes.subarray(i, i + chunk) as unknown as number[]));
  }
  return parts.join('');
}

function lineOfOffset(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

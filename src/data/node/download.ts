// Node-only: download ml-1m.zip into a cache directory, verified and atomically renamed.
//
// The body goes to "<file>.part" (appending on resume), is checked for size, MD5 and SHA-256,
// then renamed to its final name, so the final name never holds a partial or corrupt file.
// A broken connection is retried (up to `retries` times) with an HTTP Range request from the
// bytes already received; a server that ignores Range (status 200) restarts from zero. On
// final failure the .part file is removed and the error says where to put the file by hand.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, truncate, unlink } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const MOVIELENS_1M = {
  url: 'https://files.grouplens.org/datasets/movielens/ml-1m.zip',
  fileName: 'ml-1m.zip',
  size: 5_917_549,
  md5: 'c4d9eecfca2ab87c1945afe126590906',
  sha256: 'a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20',
};

export interface DownloadOptions {
  url?: string;
  fileName?: string;
  /** Expected values; null skips that check. Defaults: the official ml-1m.zip. */
  size?: number | null;
  md5?: string | null;
  sha256?: string | null;
  /** Called as bytes arrive; total is null when the server sends no length. */
  onProgress?: (received: number, total: number | null) => void;
  /** Extra attempts after a failed one (default 3). */
  retries?: number;
  /** Idle socket timeout (default 30 s). */
  timeoutMs?: number;
  /** Pause before a retry (default 1 s). */
  retryDelayMs?: number;
  log?: (message: string) => void;
}

export class DownloadError extends Error {
  override name = 'DownloadError';
}

/** Path of the verified archive in cacheDir, downloading it first when missing or corrupt. */
export async function ensureMovieLens1M(cacheDir: string, options: DownloadOptions = {}): Promise<string> {
  const o = {
    url: options.url ?? MOVIELENS_1M.url,
    fileName: options.fileName ?? MOVIELENS_1M.fileName,
    size: options.size === undefined ? MOVIELENS_1M.size : options.size,
    md5: options.md5 === undefined ? MOVIELENS_1M.md5 : options.md5,
    sha256: options.sha256 === undefined ? MOVIELENS_1M.sha256 : options.sha256,
    retries: options.retries ?? 3,
    timeoutMs: options.timeoutMs ?? 30_000,
    retryDelayMs: options.retryDelayMs ?? 1000,
    log: options.log ?? (() => {}),
    onProgress: options.onProgress,
  };
  const target = join(cacheDir, o.fileName);
  const part = `${target}.part`;
  const expected = [o.size !== null ? `${o.size.toLocaleString('en-US')} bytes` : '', o.sha256 ? `sha256 ${o.sha256}` : o.md5 ? `md5 ${o.md5}` : '']
    .filter(Boolean)
    .join(', ');

  if (await exists(target)) {
    const problem = await verify(target, o);
    if (!problem) return target;
    o.log(`${target}: ${problem}; downloading it again`);
  }
  await mkdir(cacheDir, { recursive: true });
  let received = (await exists(part)) ? (await stat(part)).size : 0; // resume a leftover .part
  let lastError: unknown = null;
  const complete = o.size !== null && received === o.size; // a finished leftover .part: just verify it
  for (let attempt = 0; !complete && attempt <= o.retries; attempt++) {
    if (attempt > 0) await sleep(o.retryDelayMs);
    try {
      received = await fetchInto(o.url, part, received, o.timeoutMs, o.onProgress);
      lastError = null;
      break;
    } catch (e) {
      lastError = e;
      if (e instanceof FatalHttpError) break;
      received = (await exists(part)) ? (await stat(part)).size : 0;
      o.log(`download of ${o.url} interrupted after ${received} bytes (${message(e)})${attempt < o.retries ? '; retrying' : ''}`);
    }
  }
  if (lastError) {
    await unlink(part).catch(() => {});
    throw new DownloadError(
      `could not download ${o.url}: ${message(lastError)}. If this machine is offline, download ${o.fileName} elsewhere ` +
        `(${o.url}${expected ? `, ${expected}` : ''}) and put it at ${target}`,
    );
  }
  const problem = await verify(part, o);
  if (problem) {
    await unlink(part).catch(() => {});
    throw new DownloadError(`downloaded ${o.url} but ${problem}; removed it, try again or put a good copy at ${target}`);
  }
  await rename(part, target);
  return target;
}

class FatalHttpError extends Error {}

/** One HTTP attempt, appending to `part` from byte `from`; returns the final size. */
async function fetchInto(url: string, part: string, from: number, timeoutMs: number, onProgress: DownloadOptions['onProgress'], redirects = 0): Promise<number> {
  const res = await get(url, from > 0 ? { Range: `bytes=${from}-` } : {}, timeoutMs);
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400 && res.headers.location) {
    res.resume();
    if (redirects >= 5) throw new FatalHttpError('too many redirects');
    return fetchInto(new URL(res.headers.location, url).toString(), part, from, timeoutMs, onProgress, redirects + 1);
  }
  if (status === 416 && from > 0) {
    res.resume();
    await truncate(part, 0); // our partial file does not fit the server's; start over
    throw new Error('server refused the resume range');
  }
  let start = 0;
  if (status === 206) {
    const m = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
    start = m ? Number(m[1]) : -1;
    if (start !== from) {
      res.resume();
      await truncate(part, 0);
      throw new Error(`server resumed at byte ${start}, not ${from}`);
    }
  } else if (status !== 200) {
    res.resume();
    const fatal = status >= 400 && status < 500 && status !== 408 && status !== 429;
    throw new (fatal ? FatalHttpError : Error)(`HTTP ${status} ${res.statusMessage ?? ''}`.trim());
  }
  const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
  const total = length !== null ? start + length : null;
  let received = start;
  onProgress?.(received, total);
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      onProgress?.(received, total);
      done(null, chunk);
    },
  });
  // status 200 restarts from zero ('w' truncates); 206 appends.
  await pipeline(res, counter, createWriteStream(part, { flags: start > 0 ? 'a' : 'w' }));
  if (!res.complete || (total !== null && received !== total)) {
    throw new Error(`connection closed after ${received} of ${total ?? '?'} bytes`);
  }
  return received;
}

function get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.get(url, { headers: { 'User-Agent': 'webgpu-bert4rec', ...headers } }, resolve);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data for ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** null when the file matches the expected size and checksums, else what is wrong. */
async function verify(path: string, o: { size: number | null; md5: string | null; sha256: string | null }): Promise<string | null> {
  const size = (await stat(path)).size;
  if (o.size !== null && size !== o.size) return `size is ${size} bytes, expected ${o.size}`;
  if (!o.md5 && !o.sha256) return null;
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  for await (const chunk of createReadStream(path)) {
    md5.update(chunk as Buffer);
    sha.update(chunk as Buffer);
  }
  const gotSha = sha.digest('hex');
  const gotMd5 = md5.digest('hex');
  if (o.sha256 && gotSha !== o.sha256.toLowerCase()) return `sha256 is ${gotSha}, expected ${o.sha256}`;
  if (o.md5 && gotMd5 !== o.md5.toLowerCase()) return `md5 is ${gotMd5}, expected ${o.md5}`;
  return null;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function message(e: unknown): string {
  if (e instanceof Error) return (e as NodeJS.ErrnoException).code ? `${(e as NodeJS.ErrnoException).code}: ${e.message}` : e.message;
  return String(e);
}

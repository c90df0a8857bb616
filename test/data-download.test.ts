// ensureMovieLens1M against local HTTP servers on 127.0.0.1 (never the internet).
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DownloadError, MOVIELENS_1M, ensureMovieLens1M } from '../src/data/node/download.js';
import { loadMovieLens1M } from '../src/data/node/files.js';

// A fake archive big enough to arrive in several chunks.
const ratings = Array.from({ length: 20_000 }, (_, k) => `${1 + (k % 50)}::${1 + ((k * 7) % 300)}::${1 + (k % 5)}::${978300000 + k}`).join('\n');
const zip = zipSync({ 'ml-1m/ratings.dat': new TextEncoder().encode(ratings), 'ml-1m/movies.dat': new TextEncoder().encode('1::Toy Story (1995)::Animation\n') }, { level: 0 });
const sha256 = createHash('sha256').update(zip).digest('hex');
const md5 = createHash('md5').update(zip).digest('hex');

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;
let server: http.Server | null = null;
let dir = '';
const requests: { range: string | undefined }[] = [];

async function serve(handler: Handler): Promise<string> {
  server = http.createServer((req, res) => {
    requests.push({ range: req.headers.range });
    handler(req, res, requests.length);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/ml-1m.zip`;
}

/** Serves `zip`, honouring "Range: bytes=N-" with a 206 when `ranges` is true. */
function sendZip(req: http.IncomingMessage, res: http.ServerResponse, ranges = true): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m && ranges) {
    const from = Number(m[1]);
    res.writeHead(206, { 'Content-Length': zip.length - from, 'Content-Range': `bytes ${from}-${zip.length - 1}/${zip.length}` });
    res.end(Buffer.from(zip.subarray(from)));
  } else {
    res.writeHead(200, { 'Content-Length': zip.length });
    res.end(Buffer.from(zip));
  }
}

/** Sends the headers for the whole file and `bytes` of the body, then kills the connection. */
function dropAfter(res: http.ServerResponse, bytes: number): void {
  res.writeHead(200, { 'Content-Length': zip.length });
  res.write(Buffer.from(zip.subarray(0, bytes)), () => setTimeout(() => res.socket?.destroy(), 20));
}

const opts = (url: string) => ({ url, sha256, md5: null, size: zip.length, retryDelayMs: 10, timeoutMs: 5000 });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ml1m-cache-'));
  requests.length = 0;
});
afterEach(async () => {
  if (server) await new Promise((r) => server!.close(r));
  server = null;
  rmSync(dir, { recursive: true, force: true });
});

describe('ensureMovieLens1M', () => {
  it('downloads with progress, verifies, and reuses the cached file', async () => {
    const url = await serve((req, res) => sendZip(req, res));
    const seen: [number, number | null][] = [];
    const path = await ensureMovieLens1M(dir, { ...opts(url), md5, onProgress: (r, t) => seen.push([r, t]) });
    expect(path).toBe(join(dir, 'ml-1m.zip'));
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(sha256);
    expect(readdirSync(dir)).toEqual(['ml-1m.zip']);
    expect(seen.at(-1)).toEqual([zip.length, zip.length]);
    expect(seen.every(([r, t], k) => t === zip.length && (k === 0 || r >= seen[k - 1][0]))).toBe(true);
    await ensureMovieLens1M(dir, opts(url));
    expect(requests.length).toBe(1); // cached: no second request
    const loaded = await loadMovieLens1M(dir, opts(url));
    expect(loaded.ratings.length).toBe(20_000);
    expect(loaded.movies!.movies.get(1)!.title).toBe('Toy Story (1995)');
  });

  it('resumes with a Range request after the connection drops mid-body', async () => {
    const url = await serve((req, res, n) => (n === 1 ? dropAfter(res, 70_000) : sendZip(req, res)));
    const log: string[] = [];
    const path = await ensureMovieLens1M(dir, { ...opts(url), log: (m) => log.push(m) });
    expect(readFileSync(path).equals(Buffer.from(zip))).toBe(true);
    expect(requests.length).toBe(2);
    expect(requests[0].range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(requests[1].range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(70_000);
    expect(log[0]).toMatch(/interrupted after \d+ bytes .*retrying/);
    expect(readdirSync(dir)).toEqual(['ml-1m.zip']);
  });

  it('restarts from zero when the server ignores Range', async () => {
    const url = await serve((req, res, n) => (n === 1 ? dropAfter(res, 50_000) : sendZip(req, res, false)));
    const path = await ensureMovieLens1M(dir, opts(url));
    expect(readFileSync(path).equals(Buffer.from(zip))).toBe(true);
    expect(requests.length).toBe(2);
  });

  it('gives up after the retries, leaving no partial file', async () => {
    const url = await serve((_req, res) => dropAfter(res, 10_000));
    await expect(ensureMovieLens1M(dir, { ...opts(url), retries: 2 })).rejects.toThrow(DownloadError);
    expect(requests.length).toBe(3);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a file with the wrong checksum and keeps nothing', async () => {
    const url = await serve((req, res) => sendZip(req, res));
    await expect(ensureMovieLens1M(dir, { ...opts(url), sha256: '0'.repeat(64) })).rejects.toThrow(/sha256 is [0-9a-f]{64}, expected 0{64}/);
    await expect(ensureMovieLens1M(dir, { ...opts(url), size: 123 })).rejects.toThrow(/size is \d+ bytes, expected 123/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('replaces a corrupt cached file', async () => {
    const url = await serve((req, res) => sendZip(req, res));
    writeFileSync(join(dir, 'ml-1m.zip'), 'not a zip');
    const path = await ensureMovieLens1M(dir, opts(url));
    expect(readFileSync(path).equals(Buffer.from(zip))).toBe(true);
  });

  it('fails fast on HTTP 404 and says where to put the file when offline', async () => {
    const url = await serve((_req, res) => res.writeHead(404).end());
    await expect(ensureMovieLens1M(dir, opts(url))).rejects.toThrow(/HTTP 404/);
    expect(requests.length).toBe(1);
    // unreachable: a port that was just closed
    await new Promise((r) => server!.close(r));
    server = null;
    const err = await ensureMovieLens1M(dir, opts(url)).catch((e: Error) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect((err as Error).message).toContain(`put it at ${join(dir, 'ml-1m.zip')}`);
    expect((err as Error).message).toContain(`${zip.length.toLocaleString('en-US')} bytes, sha256 ${sha256}`);
    expect(existsSync(join(dir, 'ml-1m.zip.part'))).toBe(false);
  });

  it('defaults to the official GroupLens archive', () => {
    expect(MOVIELENS_1M).toEqual({
      url: 'https://files.grouplens.org/datasets/movielens/ml-1m.zip', fileName: 'ml-1m.zip', size: 5_917_549,
      md5: 'c4d9eecfca2ab87c1945afe126590906', sha256: 'a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20',
    });
  });
});

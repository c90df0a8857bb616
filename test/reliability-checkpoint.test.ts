// Checkpoint files under faults: damaged files are refused with a clear error naming the file;
// a write that fails or is killed half-way never damages the previous file (and leaves no
// temporary files behind); loading only JSON.parses the header (no code, no prototype pollution).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import fsCjs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CHECKSUM_KEY,
  decodeSafetensors,
  encodeSafetensors,
  encodeSafetensorsWithChecksum,
  loadStateDict,
  loadStateDictInto,
  readSafetensorsFile,
  saveStateDict,
  SafetensorsError,
  writeFileAtomic,
} from '../runtime/index.js';
import { destroyRuntimes, getRuntime } from './backends.js';

afterAll(destroyRuntimes);

const dir = mkdtempSync(join(tmpdir(), 'reliability-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

/** A valid checkpoint: two tensors and metadata, with a checksum. */
async function checkpointBytes(generation: number, floats = 1000): Promise<Uint8Array> {
  const tensors = new Map([
    ['encoder.weight', { dtype: 'F32' as const, shape: [floats], data: Float32Array.from({ length: floats }, (_, i) => generation + i / 1000) }],
    ['step', { dtype: 'I32' as const, shape: [1], data: new Int32Array([generation]) }],
  ]);
  return encodeSafetensorsWithChecksum(tensors, { generation: String(generation) });
}

describe('damaged checkpoint files are refused with the file name and the problem', () => {
  it('every truncation, appended bytes, an empty file, flipped bits anywhere, a missing file', async () => {
    const path = join(dir, 'model.safetensors');
    const good = await checkpointBytes(1, 50);
    writeFileSync(path, good);
    expect((await readSafetensorsFile(path, 'require')).length).toBe(good.length);
    const expectRefused = async (bytes: Uint8Array, pattern: RegExp, what: string) => {
      writeFileSync(path, bytes);
      const e = await caught(readSafetensorsFile(path, 'require'));
      expect(e, what).toBeInstanceOf(SafetensorsError);
      expect(e.message, what).toMatch(new RegExp(`^safetensors: ${esc(path)}: `));
      expect(e.message, what).toMatch(pattern);
    };
    for (let n = 0; n < good.length; n++) {
      await expectRefused(good.subarray(0, n), /too short|exceeds|truncated|past the end|buffer holds|not valid|JSON|checksum/, `truncated to ${n} bytes`);
    }
    await expectRefused(new Uint8Array(0), /file is 0 bytes, too short/, 'empty file');
    await expectRefused(new Uint8Array([...good, 0, 0, 0, 0]), /trailing bytes/, 'appended bytes');
    // One flipped bit in each byte of the file (a sample of bits): always detected.
    for (let i = 0; i < good.length; i++) {
      const bad = good.slice();
      bad[i] ^= 1 << (i % 8);
      writeFileSync(path, bad);
      const e = await caught(readSafetensorsFile(path, 'require'));
      expect(e, `bit ${i % 8} of byte ${i} flipped`).toBeInstanceOf(SafetensorsError);
    }
    const missing = await caught(readSafetensorsFile(join(dir, 'nope.safetensors')));
    expect(missing.message).toMatch(/ENOENT.*nope\.safetensors/);
  });

  it('a damaged file loads nothing into the model: parameters keep their values', async () => {
    const rt = await getRuntime('wasm');
    const path = join(dir, 'into.safetensors');
    const w = rt.tensor(Float32Array.from({ length: 16 }, (_, i) => i), [4, 4]);
    await saveStateDict(path, new Map([['w', w]]));
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 3));
    const target = rt.full([4, 4], 42);
    const e = await caught(loadStateDictInto(new Map([['w', target]]), path));
    expect(e).toBeInstanceOf(SafetensorsError);
    expect(e.message).toMatch(/into\.safetensors: .*(past the end|truncated)/);
    expect([...(await target.data())]).toEqual(new Array(16).fill(42));
    const live = rt.memory().liveCount;
    await caught(loadStateDict(rt, path));
    expect(rt.memory().liveCount).toBe(live); // no tensors created for a refused file
    w.dispose();
    target.dispose();
  });
});

describe('atomic writes', () => {
  const temps = (d: string) => readdirSync(d).filter((f) => f.endsWith('.tmp'));

  it('a failing rename leaves the old file intact and no temporary file', async () => {
    const sub = join(dir, 'rename');
    mkdirSync(sub);
    const path = join(sub, 'ckpt.safetensors');
    const old = await checkpointBytes(1);
    await writeFileAtomic(path, old);
    // Make rename fail for this one call (as a full disk or a permissions change would).
    const fsp = fsCjs.promises;
    const realRename = fsp.rename;
    let calls = 0;
    fsp.rename = async () => {
      calls++;
      throw Object.assign(new Error('EIO: i/o error, rename (injected)'), { code: 'EIO' });
    };
    syncBuiltinESMExports();
    try {
      const e = await caught(writeFileAtomic(path, await checkpointBytes(2)));
      expect(e.message).toMatch(/EIO.*injected/);
    } finally {
      fsp.rename = realRename;
      syncBuiltinESMExports();
    }
    expect(calls).toBe(1); // the fault was really injected into the writer's fs
    expect(readFileSync(path)).toEqual(Buffer.from(old));
    expect(readdirSync(sub)).toEqual(['ckpt.safetensors']);
    // A target that cannot be replaced (a directory) fails the same clean way.
    const asDir = join(sub, 'is-a-dir');
    mkdirSync(asDir);
    writeFileSync(join(asDir, 'keep'), 'x');
    await expect(writeFileAtomic(asDir, old)).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(asDir)).toEqual(['keep']);
    expect(temps(sub)).toEqual([]);
  });

  it('a writer killed mid-write leaves the old or the complete new file; its temporary file is swept by the next write', async () => {
    const sub = join(dir, 'kill');
    mkdirSync(sub);
    const path = join(sub, 'ckpt.safetensors');
    await writeFileAtomic(path, await checkpointBytes(0, 8));
    // A child process rewrites the file in a loop (4 MB checkpoints, generations first, first + 1, ... of each writer).
    const script = (first: number) => `
      import { writeFileAtomic } from './runtime/io/atomic-file.ts';
      import { encodeSafetensorsWithChecksum } from './runtime/io/checkpoint.ts';
      const n = 1 << 20;
      for (let g = ${first}; ; g++) {
        const data = new Float32Array(n).fill(g);
        const bytes = await encodeSafetensorsWithChecksum(new Map([['encoder.weight', { dtype: 'F32', shape: [n], data }], ['step', { dtype: 'I32', shape: [1], data: new Int32Array([g]) }]]), { generation: String(g) });
        await writeFileAtomic(${JSON.stringify(path)}, bytes);
      }`;
    // The kill can land just after the writer renamed its file (it was still writing when we
    // looked); then no partial file is left to sweep and we try again with a new writer.
    for (let attempt = 1; attempt <= 5; attempt++) {
      const first = 1000 * attempt; // generations of this writer: first, first + 1, ...
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(first)], { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      // Kill it while a temporary file exists and has part of its data (mid-write), after a few generations.
      const exited = new Promise((r) => child.once('exit', r));
      const deadline = Date.now() + 60_000;
      let killedMidWrite = false;
      try {
        while (!killedMidWrite && Date.now() < deadline && child.exitCode === null) {
          await new Promise((r) => setTimeout(r, 1));
          const t = temps(sub);
          if (t.length !== 1 || Number(decodeSafetensors(readFileSync(path)).metadata.generation) < first + 1) continue;
          let size = 0;
          try {
            size = statSync(join(sub, t[0])).size;
          } catch {
            continue; // renamed meanwhile
          }
          if (size > 0 && size < 4 << 20) killedMidWrite = child.kill('SIGKILL');
        }
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        await exited;
      }
      expect(killedMidWrite, `the writer was caught mid-write (child stderr: ${stderr.slice(0, 500)})`).toBe(true);
      // The file is a complete checkpoint of some generation, checksum verified.
      const bytes = await readSafetensorsFile(path, 'require');
      const { tensors, metadata } = decodeSafetensors(bytes);
      const g = Number(metadata.generation);
      expect(g).toBeGreaterThanOrEqual(first + 1);
      expect((tensors.get('encoder.weight')!.data as Float32Array).every((v) => v === g)).toBe(true);
      expect(metadata[CHECKSUM_KEY]).toMatch(/^sha256:/);
      if (temps(sub).length === 1 || attempt === 5) break;
    }
    // The killed writer's partial temporary file is still there; the next write removes it.
    expect(temps(sub).length).toBe(1);
    await writeFileAtomic(path, await checkpointBytes(99, 8));
    expect(readdirSync(sub)).toEqual(['ckpt.safetensors']);
    expect(decodeSafetensors(await readSafetensorsFile(path, 'require')).metadata.generation).toBe('99');
  });

  it("does not sweep a live writer's temporary file", async () => {
    const sub = join(dir, 'live');
    mkdirSync(sub);
    const path = join(sub, 'ckpt.safetensors');
    // Named as writeFileAtomic names them, owned by this (live) process.
    const mine = join(sub, `.ckpt.safetensors.${process.pid}.abc123.tmp`);
    writeFileSync(mine, 'partial');
    await writeFileAtomic(path, await checkpointBytes(1, 8));
    expect(readdirSync(sub).sort()).toEqual([`.ckpt.safetensors.${process.pid}.abc123.tmp`, 'ckpt.safetensors']);
  });
});

describe('loading never evaluates anything from the file', () => {
  /** A file with a hand-written header (padded to 8 bytes) and `data` after it. */
  const withHeader = (header: string, data: Uint8Array = new Uint8Array(0)) => {
    const json = new TextEncoder().encode(header);
    const n = Math.ceil(json.length / 8) * 8;
    const out = new Uint8Array(8 + n + data.length).fill(0x20, 8, 8 + n);
    new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
    out.set(json, 8);
    out.set(data, 8 + n);
    return out;
  };
  const four = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);

  it('"__proto__" keys in the header or metadata do not pollute prototypes', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    // A tensor named __proto__, and metadata with __proto__ / constructor keys.
    const h1 = '{"__proto__":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"__metadata__":{"__proto__":"x","constructor":"y","polluted":"no"}}';
    const d1 = decodeSafetensors(withHeader(h1, four));
    expect([...d1.tensors.keys()]).toEqual(['__proto__']);
    expect([...(d1.tensors.get('__proto__')!.data as Float32Array)]).toEqual([1, 2, 3, 4]);
    expect(Object.getPrototypeOf(d1.metadata)).toBe(Object.prototype);
    expect(Object.keys(d1.metadata).sort()).toEqual(['__proto__', 'constructor', 'polluted']);
    expect(Object.getOwnPropertyDescriptor(d1.metadata, '__proto__')!.value).toBe('x');
    // Nested __proto__ objects are refused as unknown fields, never merged.
    const h2 = '{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16],"__proto__":{"polluted":"yes"}}}';
    expect(() => decodeSafetensors(withHeader(h2, four))).toThrow(/tensor 'w': unknown field '__proto__'/);
    const h3 = '{"__metadata__":{"__proto__":{"polluted":"yes"}}}';
    expect(() => decodeSafetensors(withHeader(h3))).toThrow(/metadata '__proto__' must be a string/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
  });

  it('a header written as code is refused, not run', () => {
    const g = globalThis as Record<string, unknown>;
    for (const header of ['({ a: (globalThis.__ran = 1) })', '{"a": globalThis.__ran = 1}', '{"a": 1} ; globalThis.__ran = 1', '`${globalThis.__ran = 1}`']) {
      expect(() => decodeSafetensors(withHeader(header)), header).toThrow(SafetensorsError);
    }
    expect(g.__ran).toBeUndefined();
  });

  it('a metadata key "__proto__" survives a save/load round trip with its checksum', async () => {
    const meta = JSON.parse('{"__proto__":"kept","epoch":"3"}') as Record<string, string>;
    const bytes = await encodeSafetensorsWithChecksum(new Map([['w', { dtype: 'F32', shape: [4], data: new Float32Array(4) }]]), meta);
    const path = join(dir, 'proto.safetensors');
    writeFileSync(path, bytes);
    const { metadata } = decodeSafetensors(await readSafetensorsFile(path, 'require'));
    expect(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value).toBe('kept');
    expect(metadata.epoch).toBe('3');
    // Encoding a tensor named "__proto__" keeps it (not turned into the header's prototype).
    const t = encodeSafetensors(new Map([['__proto__', { dtype: 'F32', shape: [1], data: new Float32Array([5]) }]]));
    expect([...decodeSafetensors(t).tensors.keys()]).toEqual(['__proto__']);
  });
});

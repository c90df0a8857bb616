import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type SafetensorsTensor } from '../runtime/io/safetensors.js';
import { CHECKSUM_KEY, encodeSafetensorsWithChecksum, loadSafetensorsInto, stateDictFromSafetensors, stateDictToSafetensors, verifySafetensors } from '../runtime/io/checkpoint.js';
import { loadStateDict, loadStateDictInto, saveStateDict, writeFileAtomic } from '../runtime/io/atomic-file.js';
import type { Tensor } from '../runtime/index.js';
import { BACKENDS, destroyRuntimes, getRuntime } from './backends.js';
import { rng } from './reference/random.js';

afterAll(destroyRuntimes);

const ascii = (s: string) => new TextEncoder().encode(s);
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}
/** A file from a header string (unpadded) and a data buffer. */
function file(header: string, data: Uint8Array | number): Uint8Array {
  const h = ascii(header);
  return concat(u64(h.length), h, typeof data === 'number' ? new Uint8Array(data) : data);
}
function expectStError(fn: () => unknown, pattern: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected a SafetensorsError matching ${pattern}`).toBeInstanceOf(SafetensorsError);
  expect((err as Error).message).toMatch(pattern);
}

describe('safetensors format', () => {
  it('writes the bytes the reference implementation writes', () => {
    // Expected bytes from candle's test of the Rust `safetensors` crate (save of zeros((2,2), F32) as "t"):
    // b"@\0\0\0\0\0\0\0{\"t\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}       " + 16 zero bytes.
    const expected = concat(u64(64), ascii('{"t":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}' + ' '.repeat(7)), new Uint8Array(16));
    const got = encodeSafetensors(new Map([['t', { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) }]]));
    expect([...got]).toEqual([...expected]);
  });

  it('reads the example of the safetensors documentation (unpadded header)', () => {
    // From the Rust crate's docs: b"<\x00..{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}" + 16 zero bytes.
    const bytes = concat(u64(60), ascii('{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}'), new Uint8Array(16));
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({});
    const t = tensors.get('test')!;
    expect(t.dtype).toBe('I32');
    expect(t.shape).toEqual([2, 2]);
    expect(t.data).toBeInstanceOf(Int32Array);
    expect([...t.data]).toEqual([0, 0, 0, 0]);
  });

  it('reads little-endian values at their offsets, in any header order', () => {
    const data = new Uint8Array(12);
    const dv = new DataView(data.buffer);
    dv.setInt32(0, -7, true); // b: I32 [1]
    dv.setFloat32(4, 1.5, true); // a: F32 [2]
    dv.setFloat32(8, -2.25, true);
    const bytes = file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},"__metadata__":{"k":"v"},"b":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}', data);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ k: 'v' });
    expect([...tensors.get('a')!.data]).toEqual([1.5, -2.25]);
    expect([...tensors.get('b')!.data]).toEqual([-7]);
  });

  it('round-trips every dtype, scalars, empty tensors and metadata; orders like the reference', () => {
    const r = rng(1);
    const tensors = new Map<string, SafetensorsTensor>([
      ['f32', { dtype: 'F32', shape: [3, 5], data: Float32Array.from({ length: 15 }, () => r() - 0.5) }],
      ['f64', { dtype: 'F64', shape: [2], data: new Float64Array([Math.PI, -1e300]) }],
      ['i64', { dtype: 'I64', shape: [2], data: new BigInt64Array([-(2n ** 62n), 5n]) }],
      ['u64', { dtype: 'U64', shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) }],
      ['i32', { dtype: 'I32', shape: [], data: new Int32Array([-42]) }],
      ['u32', { dtype: 'U32', shape: [0, 4], data: new Uint32Array(0) }],
      ['f16', { dtype: 'F16', shape: [3], data: new Uint16Array([0x3c00, 0xc100, 0x7c00]) }],
      ['bf16', { dtype: 'BF16', shape: [1], data: new Uint16Array([0x3f80]) }],
      ['i16', { dtype: 'I16', shape: [1], data: new Int16Array([-3]) }],
      ['u16', { dtype: 'U16', shape: [1], data: new Uint16Array([65535]) }],
      ['i8', { dtype: 'I8', shape: [3], data: new Int8Array([-128, 0, 127]) }],
      ['u8', { dtype: 'U8', shape: [1], data: new Uint8Array([200]) }],
      ['bool', { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) }],
      ['z.sub', { dtype: 'F32', shape: [1, 1, 1], data: new Float32Array([7]) }],
    ]);
    const bytes = encodeSafetensors(tensors, { format: 'pt', note: 'üñí "quoted"' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
    // The Rust crate writes __metadata__ first, then tensors by descending dtype rank, then name.
    expect(Object.keys(header)).toEqual(['__metadata__', 'u64', 'i64', 'f64', 'f32', 'z.sub', 'u32', 'i32', 'bf16', 'f16', 'u16', 'i16', 'i8', 'u8', 'bool']);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ format: 'pt', note: 'üñí "quoted"' });
    expect([...back.tensors.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [name, t] of tensors) {
      const b = back.tensors.get(name)!;
      expect(b.dtype, name).toBe(t.dtype);
      expect(b.shape, name).toEqual(t.shape);
      expect(b.data.constructor, name).toBe(t.data.constructor);
      expect([...(b.data as ArrayLike<unknown> as unknown[])], name).toEqual([...(t.data as ArrayLike<unknown> as unknown[])]);
    }
  });

  it('refuses to encode inconsistent tensors', () => {
    expectStError(() => encodeSafetensors(new Map([['a', { dtype: 'F32', shape: [3], data: new Float32Array(2) }]])), /shape \[3\] needs 3 elements, data has 2/);
    expectStError(() => encodeSafetensors(new Map([['a', { dtype: 'F32', shape: [2], data: new Int32Array(2) }]])), /F32 needs a Float32Array/);
    expectStError(() => encodeSafetensors(new Map([['a', { dtype: 'Q4' as 'F32', shape: [2], data: new Float32Array(2) }]])), /unknown dtype/);
    expectStError(() => encodeSafetensors(new Map([['__metadata__', { dtype: 'F32', shape: [1], data: new Float32Array(1) }]])), /reserved/);
    expectStError(() => encodeSafetensors(new Map(), { n: 3 as unknown as string }), /metadata 'n' must be a string/);
  });

  const T = '{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}';
  const malformed: Array<[string, Uint8Array, RegExp]> = [
    ['empty file', new Uint8Array(0), /too short/],
    ['5-byte file', new Uint8Array(5), /too short/],
    ['header length past the end', concat(u64(1000), ascii(T)), /header length 1000 exceeds/],
    ['huge header length', concat(new Uint8Array([255, 255, 255, 255, 255, 255, 255, 255]), ascii(T)), /exceeds/],
    ['zero header length', u64(0), /too small/],
    ['not JSON', file('{"a": nope}', 0), /not valid JSON/],
    ['JSON array', file('[1,2]', 0), /must start with '\{'/],
    ['invalid UTF-8', concat(u64(4), new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), /UTF-8/],
    ['header cut short', file(T.slice(0, 30), 16), /not valid JSON/],
    ['unknown dtype', file('{"a":{"dtype":"F12","shape":[2],"data_offsets":[0,4]}}', 4), /unknown dtype "F12"/],
    ['negative dim', file('{"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}', 16), /invalid dimension -4/],
    ['fractional dim', file('{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,6]}}', 6), /invalid dimension 1.5/],
    ['string dim', file('{"a":{"dtype":"F32","shape":["4"],"data_offsets":[0,16]}}', 16), /invalid dimension "4"/],
    ['shape not array', file('{"a":{"dtype":"F32","shape":4,"data_offsets":[0,16]}}', 16), /shape must be an array/],
    ['overflowing shape', file('{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}}', 16), /too many elements/],
    ['span != shape x dtype', file('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}', 8), /span 8 bytes but .* needs 16/],
    ['reversed offsets', file('{"a":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}}', 16), /end before they begin/],
    ['offsets not numbers', file('{"a":{"dtype":"F32","shape":[1],"data_offsets":["0","4"]}}', 4), /two non-negative integers/],
    ['three offsets', file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}', 4), /two non-negative integers/],
    ['past the end', file(T, 8), /run past the end/],
    ['hole', file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8), /leave a hole/],
    ['overlap', file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8), /overlap/],
    ['trailing bytes', file(T, 20), /trailing bytes/],
    ['entry not object', file('{"a":[1,2]}', 0), /entry must be an object/],
    ['unknown field', file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"eval":"x"}}', 4), /unknown field 'eval'/],
    ['metadata not strings', file('{"__metadata__":{"n":1}}', 0), /metadata 'n' must be a string/],
    ['metadata not object', file('{"__metadata__":"x"}', 0), /must be an object of strings/],
  ];
  it.each(malformed)('rejects %s with a clear error', (_name, bytes, pattern) => {
    expectStError(() => decodeSafetensors(bytes), pattern);
  });

  it('rejects every truncation of a valid file', () => {
    const good = encodeSafetensors(
      new Map<string, SafetensorsTensor>([
        ['w', { dtype: 'F32', shape: [3, 3], data: new Float32Array(9).fill(1) }],
        ['b', { dtype: 'I32', shape: [3], data: new Int32Array([1, 2, 3]) }],
      ]),
      { epoch: '3' },
    );
    expect(decodeSafetensors(good).tensors.size).toBe(2);
    for (let len = 0; len < good.length; len++) expectStError(() => decodeSafetensors(good.subarray(0, len)), /./);
  });

  it('fuzz: random bytes and random corruptions give a SafetensorsError or a valid decode, fast', () => {
    const r = rng(12345);
    const good = encodeSafetensors(
      new Map<string, SafetensorsTensor>([
        ['layer.0.weight', { dtype: 'F32', shape: [4, 3], data: new Float32Array(12).fill(0.5) }],
        ['layer.0.bias', { dtype: 'F32', shape: [3], data: new Float32Array(3) }],
        ['ids', { dtype: 'I64', shape: [2], data: new BigInt64Array(2) }],
      ]),
      { step: '10' },
    );
    const t0 = performance.now();
    let rejected = 0;
    let accepted = 0;
    const attempt = (bytes: Uint8Array) => {
      try {
        const { tensors } = decodeSafetensors(bytes);
        // An accepted file is self-consistent: every tensor's data matches its shape.
        for (const t of tensors.values()) expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
        accepted++;
      } catch (e) {
        if (!(e instanceof SafetensorsError)) throw e;
        rejected++;
      }
    };
    for (let i = 0; i < 500; i++) {
      // Pure noise, with a plausible header length half the time.
      const noise = Uint8Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 256));
      if (noise.length >= 8 && r() < 0.5) noise.set(u64(Math.floor(r() * (noise.length - 8))), 0);
      attempt(noise);
      // A valid file with a few bytes changed (header or data).
      const mutated = good.slice();
      const flips = 1 + Math.floor(r() * 4);
      for (let k = 0; k < flips; k++) mutated[Math.floor(r() * mutated.length)] = Math.floor(r() * 256);
      attempt(mutated);
      // A valid header with one character of JSON replaced by a structural character.
      const structural = good.slice();
      structural[8 + Math.floor(r() * 100)] = ascii('{}[],:"0-e')[Math.floor(r() * 10)];
      attempt(structural);
    }
    expect(rejected).toBeGreaterThan(500);
    expect(accepted).toBeGreaterThan(0); // data-only corruptions still decode (the checksum catches them)
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});

describe('safetensors checksum', () => {
  const tensors = new Map<string, SafetensorsTensor>([
    ['w', { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }],
    ['n', { dtype: 'I32', shape: [1], data: new Int32Array([9]) }],
  ]);

  it('verifies an intact file, and accepts files without a checksum unless required', async () => {
    const bytes = await encodeSafetensorsWithChecksum(tensors, { epoch: '1' });
    expect(decodeSafetensors(bytes).metadata[CHECKSUM_KEY]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(decodeSafetensors(bytes).metadata.epoch).toBe('1');
    expect(await verifySafetensors(bytes, 'require')).toBe(true);
    const plain = encodeSafetensors(tensors);
    expect(await verifySafetensors(plain)).toBe(false);
    await expect(verifySafetensors(plain, 'require')).rejects.toThrow(/no checksum/);
  });

  it('detects a flipped data bit, a changed shape and changed metadata', async () => {
    const bytes = await encodeSafetensorsWithChecksum(tensors, { epoch: '1' });
    const dataBit = bytes.slice();
    dataBit[dataBit.length - 3] ^= 0x10;
    expect(() => decodeSafetensors(dataBit)).not.toThrow(); // structurally valid...
    await expect(verifySafetensors(dataBit)).rejects.toThrow(/checksum mismatch: the file is corrupted/);
    const text = new TextDecoder().decode(bytes);
    const swap = (from: string, to: string) => {
      const out = bytes.slice();
      const at = text.indexOf(from);
      out.set(ascii(to), at);
      return out;
    };
    await expect(verifySafetensors(swap('"shape":[2,2]', '"shape":[1,4]'))).rejects.toThrow(/checksum mismatch/);
    await expect(verifySafetensors(swap('"epoch":"1"', '"epoch":"7"'))).rejects.toThrow(/checksum mismatch/);
  });
});

describe.each(BACKENDS)('state dict <-> safetensors on %s', (backend) => {
  it('round-trips f32/i32/u32 tensors through bytes', async () => {
    const rt = await getRuntime(backend);
    const state = new Map<string, Tensor>([
      ['emb', rt.tensor(Float32Array.from({ length: 35 }, (_, i) => Math.sin(i)), [7, 5])],
      ['ids', rt.tensor(new Int32Array([-1, 2, -3]), [3])],
      ['step', rt.tensor(new Uint32Array([4000000000]), [])],
      ['empty', rt.tensor(new Float32Array(0), [0, 3])],
    ]);
    const bytes = await stateDictToSafetensors(state, { model: 'test' });
    const { tensors, metadata } = await stateDictFromSafetensors(rt, bytes, 'require');
    expect(metadata.model).toBe('test');
    for (const [name, t] of state) {
      const b = tensors.get(name)!;
      expect(b.shape, name).toEqual(t.shape);
      expect(b.dtype, name).toBe(t.dtype);
      expect([...(await b.data())], name).toEqual([...(await t.data())]);
      b.dispose();
    }
    // Into existing tensors: zero them, load, compare.
    const targets = new Map([...state].map(([k, t]) => [k, rt.zeros(t.shape, t.dtype)] as const));
    await loadSafetensorsInto(targets, bytes);
    for (const [name, t] of state) expect([...(await targets.get(name)!.data())], name).toEqual([...(await t.data())]);
    for (const t of [...state.values(), ...targets.values()]) t.dispose();
  });

  it('converts F16/BF16/F64 to f32 and rejects unsupported dtypes', async () => {
    const rt = await getRuntime(backend);
    const bytes = encodeSafetensors(
      new Map<string, SafetensorsTensor>([
        ['h', { dtype: 'F16', shape: [5], data: new Uint16Array([0x3c00, 0xc100, 0x0001, 0x7c00, 0x3555]) }],
        ['b', { dtype: 'BF16', shape: [2], data: new Uint16Array([0x3f80, 0xc0a0]) }],
        ['d', { dtype: 'F64', shape: [2], data: new Float64Array([0.1, -3]) }],
      ]),
    );
    const { tensors } = await stateDictFromSafetensors(rt, bytes);
    expect([...(await tensors.get('h')!.data())]).toEqual([1, -2.5, 2 ** -24, Infinity, Math.fround(0.333251953125)]);
    expect([...(await tensors.get('b')!.data())]).toEqual([1, -5]);
    expect([...(await tensors.get('d')!.data())]).toEqual([Math.fround(0.1), -3]);
    for (const t of tensors.values()) t.dispose();
    const i64 = encodeSafetensors(new Map([['x', { dtype: 'I64', shape: [1], data: new BigInt64Array(1) }]]));
    await expect(stateDictFromSafetensors(rt, i64)).rejects.toThrow(/tensor 'x': dtype I64 has no runtime equivalent/);
  });

  it('loadSafetensorsInto names missing, unexpected and mismatched tensors and writes nothing', async () => {
    const rt = await getRuntime(backend);
    const src = new Map<string, Tensor>([
      ['a', rt.tensor(new Float32Array([1, 2, 3, 4]), [2, 2])],
      ['extra', rt.tensor(new Float32Array([5]), [1])],
      ['c', rt.tensor(new Int32Array([1, 2]), [2])],
    ]);
    const bytes = await stateDictToSafetensors(src);
    const targets = new Map<string, Tensor>([
      ['a', rt.zeros([4])],
      ['b', rt.zeros([1])],
      ['c', rt.zeros([2])],
    ]);
    await expect(loadSafetensorsInto(targets, bytes)).rejects.toThrow(
      /'a' has shape \[2,2\] in the file, \[4\] in the model; missing 'b'; 'c' is I32 in the file, f32 in the model; unexpected 'extra'/,
    );
    expect([...(await targets.get('a')!.data())]).toEqual([0, 0, 0, 0]);
    const ok = new Map<string, Tensor>([['a', rt.zeros([2, 2])]]);
    const { unexpected } = await loadSafetensorsInto(ok, bytes, { strict: false });
    expect(unexpected.sort()).toEqual(['c', 'extra']);
    expect([...(await ok.get('a')!.data())]).toEqual([1, 2, 3, 4]);
    for (const t of [...src.values(), ...targets.values(), ...ok.values()]) t.dispose();
  });
});

describe('checkpoint files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'safetensors-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writeFileAtomic writes, replaces, and leaves no temporary file', async () => {
    const path = join(dir, 'a.bin');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    await writeFileAtomic(path, new Uint8Array(100_000).fill(7));
    expect(readFileSync(path).length).toBe(100_000);
    expect(readdirSync(dir)).toEqual(['a.bin']);
    await expect(writeFileAtomic(join(dir, 'no/such/dir/x.bin'), new Uint8Array(1))).rejects.toThrow(/ENOENT/);
  });

  it('saves and loads a state dict; a corrupted file fails with the file name', async () => {
    const rt = await getRuntime('wasm');
    const path = join(dir, 'model.safetensors');
    const w = rt.tensor(Float32Array.from({ length: 64 }, (_, i) => i / 7), [8, 8]);
    await saveStateDict(path, new Map([['w', w]]), { epoch: '2' });
    const { tensors, metadata } = await loadStateDict(rt, path, 'require');
    expect(metadata.epoch).toBe('2');
    expect([...(await tensors.get('w')!.data())]).toEqual([...(await w.data())]);
    tensors.get('w')!.dispose();

    const into = new Map([['w', rt.zeros([8, 8])]]);
    await loadStateDictInto(into, path);
    expect([...(await into.get('w')!.data())]).toEqual([...(await w.data())]);

    const bytes = readFileSync(path);
    bytes[bytes.length - 5] ^= 1;
    writeFileSync(path, bytes);
    await expect(loadStateDict(rt, path)).rejects.toThrow(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: checksum mismatch`));
    writeFileSync(path, bytes.subarray(0, 50));
    await expect(loadStateDict(rt, path)).rejects.toThrow(/model\.safetensors: .*exceeds/);
    w.dispose();
    into.get('w')!.dispose();
  });
});

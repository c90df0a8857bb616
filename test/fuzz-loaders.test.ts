// Fuzzing every reader with random bytes and truncated / mutated versions of the real small
// files in test/fixtures: data loaders (ratings.dat, ratings.csv, u.data, "user item",
// generic CSV/TSV, gzip, zip, movies.dat, and preprocessing + split of what they accept) and
// the safetensors / checkpoint reader (runtime/io). The only acceptable outcomes are a result
// that satisfies the format's invariants, or an error of the reader's own class
// (DataFormatError / DatasetError, SafetensorsError); never a TypeError/RangeError, and never
// a slow input (each one is timed). Seeded (FUZZ_SEED overrides) so any failure reproduces.
import { readFileSync } from 'node:fs';
import { gzipSync, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DataFormatError,
  DatasetError,
  leaveOneOut,
  parseInteractions,
  parseMovies,
  preprocess,
  readMovieLensZip,
  type Interactions,
  type LoadOptions,
} from '../src/data/index.js';
import {
  decodeSafetensors,
  encodeSafetensorsWithChecksum,
  loadSafetensorsInto,
  SafetensorsError,
  stateDictFromSafetensors,
  verifySafetensors,
} from '../runtime/index.js';
import { destroyRuntimes, getRuntime } from './backends.js';
import { rng } from './reference/random.js';

afterAll(destroyRuntimes);

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
/** Slowest acceptable single input (inputs are at most a few KB; a hang or quadratic blow-up fails). */
const MAX_MS_PER_INPUT = 250;
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const MAX_ID = 2 ** 31 - 1;

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];
/** Bytes that matter to the parsers: digits, separators, line ends, quotes, signs, non-ASCII, NUL. */
const ALPHABET = Uint8Array.from([...'0123456789::,;\t \n\r\n"-+.eE|xA'].map((c) => c.charCodeAt(0)).concat([0, 0xff, 0xfe, 0xe9, 0xc3, 0xa9, 0x80, 0xef, 0xbb, 0xbf]));

function randomBytes(r: Rand, max: number): Uint8Array {
  const n = int(r, max);
  const biased = r() < 0.6;
  return Uint8Array.from({ length: n }, () => (biased ? pick(r, ALPHABET) : int(r, 256)));
}

/** One random mutation of `src` (which is not modified). */
function mutate(r: Rand, src: Uint8Array, others: readonly Uint8Array[]): Uint8Array {
  const n = src.length;
  const at = () => int(r, n + 1);
  switch (int(r, 9)) {
    case 0: // truncate
      return src.slice(0, at());
    case 1: { // overwrite a few bytes
      const out = src.slice();
      for (let k = 1 + int(r, 6); k > 0 && n; k--) out[int(r, n)] = r() < 0.7 ? pick(r, ALPHABET) : int(r, 256);
      return out;
    }
    case 2: { // insert a random chunk
      const i = at();
      return concat(src.subarray(0, i), randomBytes(r, 40), src.subarray(i));
    }
    case 3: { // delete a range
      const i = at();
      return concat(src.subarray(0, i), src.subarray(Math.min(n, i + 1 + int(r, 30))));
    }
    case 4: { // duplicate a range (repeated lines, repeated headers)
      const i = at();
      const j = Math.min(n, i + int(r, 60));
      return concat(src.subarray(0, j), src.subarray(i, j), src.subarray(j));
    }
    case 5: { // splice with another file
      const o = pick(r, others);
      return concat(src.subarray(0, at()), o.subarray(int(r, o.length + 1)));
    }
    case 6: // pure noise
      return randomBytes(r, 300);
    case 7: { // huge numbers / signs / decimals in place of a digit run
      const text = new TextDecoder('latin1').decode(src);
      const repl = pick(r, ['99999999999999999999', '2147483648', '2147483647', '-1', '1.5', '1e309', '', 'NaN', '0x1F', '\u00e9']);
      const out = text.replace(/\d+/g, (m) => (r() < 0.15 ? repl : m));
      return Uint8Array.from(out, (c) => c.charCodeAt(0) & 0xff);
    }
    default: { // swap line endings / separators
      const text = new TextDecoder('latin1').decode(src);
      const [a, b] = pick(r, [['\n', '\r'], ['\n', '\r\n'], ['::', ','], [',', ';'], ['\t', ' '], ['::', ':'], [' ', '\t\t']] as const);
      return Uint8Array.from(text.split(a).join(b), (c) => c.charCodeAt(0) & 0xff);
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Tallies outcomes; any other exception fails the test with the input that caused it. */
class Fuzz {
  inputs = 0;
  accepted = 0;
  rejected = 0;
  slowest = 0;
  constructor(
    readonly name: string,
    readonly allowed: ReadonlyArray<new (...a: never[]) => Error>,
  ) {}

  async run(input: Uint8Array, what: string, f: () => unknown): Promise<void> {
    this.inputs++;
    const t0 = performance.now();
    try {
      await f();
      this.accepted++;
    } catch (e) {
      if (!this.allowed.some((c) => e instanceof c)) {
        const b64 = Buffer.from(input.subarray(0, 2000)).toString('base64');
        throw new Error(`${this.name}: ${what} (seed ${SEED}, input #${this.inputs}) threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}\ninput (base64, ${input.length} bytes): ${b64}`);
      }
      expect((e as Error).message.length, `${what}: error message length`).toBeLessThan(2000);
      this.rejected++;
    }
    const ms = performance.now() - t0;
    this.slowest = Math.max(this.slowest, ms);
    expect(ms, `${this.name}: ${what} took ${ms.toFixed(1)} ms (seed ${SEED}, input #${this.inputs})`).toBeLessThan(MAX_MS_PER_INPUT);
  }

  summary(): string {
    return `${this.name}: ${this.inputs} inputs, ${this.accepted} accepted, ${this.rejected} rejected, slowest ${this.slowest.toFixed(1)} ms`;
  }
}

/** What every accepted interaction log must satisfy. */
function checkInteractions(d: Interactions, strict: boolean): void {
  expect(d.length).toBeGreaterThan(0);
  expect(d.users.length).toBe(d.length);
  expect(d.items.length).toBe(d.length);
  if (d.timestamps) expect(d.timestamps.length).toBe(d.length);
  for (let i = 0; i < d.length; i++) {
    if (!(d.users[i] >= 0 && d.users[i] <= MAX_ID && d.items[i] >= 0 && d.items[i] <= MAX_ID)) throw new Error(`id out of range at row ${i}: ${d.users[i]}, ${d.items[i]}`);
    if (d.timestamps && !Number.isFinite(d.timestamps[i])) throw new Error(`non-finite timestamp at row ${i}`);
  }
  expect(d.report.parsed).toBe(d.length);
  if (strict) expect(d.report.skipped).toBe(0);
  expect(d.report.firstErrors.length).toBeLessThanOrEqual(Math.min(5, d.report.skipped));
}

/** Accepted data also goes through preprocessing and the split (DatasetError allowed). */
function pipeline(d: Interactions): void {
  try {
    const ds = preprocess(d, { minItemCount: 1, minUserCount: 1 });
    const split = leaveOneOut(ds);
    // Dense items 1..V; a user with < 2 interactions is dropped (test item 0, empty train).
    let dropped = 0;
    for (let u = 0; u < ds.numUsers; u++) {
      const n = ds.sequences[u].length;
      if (n < 2) dropped++;
      if ((split.test[u] === 0) !== n < 2 || split.train[u].length !== Math.max(0, n - 2) + (n === 2 ? 1 : 0)) throw new Error(`user ${u}: bad split of ${n} items`);
      for (const it of ds.sequences[u]) if (!(it >= 1 && it <= ds.numItems)) throw new Error(`user ${u}: item ${it} outside 1..${ds.numItems}`);
    }
    expect(split.droppedUsers).toBe(dropped);
  } catch (e) {
    if (!(e instanceof DatasetError)) throw e;
  }
}

describe('fuzz: data loaders', () => {
  const texts: Record<string, Uint8Array> = {
    'ratings.dat': fixture('ratings-mini.dat'),
    'ratings-bad.dat': fixture('ratings-bad.dat'),
    'ratings.csv': fixture('ratings-mini.csv'),
    'events.tsv': fixture('ratings-mini.tsv'),
    'seq.txt': fixture('user-item-mini.txt'),
    'movies.dat': fixture('movies-mini.dat'),
  };
  const all = Object.values(texts);
  // u.data has no fixture: the .dat one with tabs.
  texts['u.data'] = Uint8Array.from(new TextDecoder().decode(texts['ratings.dat']).replaceAll('::', '\t'), (c) => c.charCodeAt(0));

  const targets: Array<{ name: string; source: string; options: LoadOptions; wrap?: 'gzip' | 'zip' }> = [
    { name: 'ratings.dat', source: 'ratings.dat', options: {} },
    { name: 'ratings.dat (bad lines)', source: 'ratings-bad.dat', options: { fileName: 'ratings.dat' } },
    { name: 'ratings.csv', source: 'ratings.csv', options: {} },
    { name: 'u.data', source: 'u.data', options: {} },
    { name: 'user-item', source: 'seq.txt', options: {} },
    { name: 'generic TSV (auto)', source: 'events.tsv', options: {} },
    { name: 'generic CSV (explicit columns)', source: 'ratings.csv', options: { format: 'delimited', delimiter: ',', userColumn: 0, itemColumn: 'movieId', timeColumn: 3 } },
    { name: 'ratings.dat.gz', source: 'ratings.dat', options: { fileName: 'ratings.dat.gz' }, wrap: 'gzip' },
    { name: 'ml-1m.zip', source: 'ratings.dat', options: { fileName: 'ml-1m.zip' }, wrap: 'zip' },
  ];

  for (const t of targets) {
    it(`${t.name}: 300 mutated inputs, strict and lenient`, async () => {
      const r = rng(SEED ^ hash(t.name));
      const fuzz = new Fuzz(t.name, [DataFormatError, DatasetError]);
      const fileName = t.options.fileName ?? t.source;
      const base = texts[t.source];
      const gz = gzipSync(base);
      const zip = zipSync({ 'ml-1m/ratings.dat': base, 'ml-1m/movies.dat': texts['movies.dat'] });
      for (let i = 0; i < 150; i++) {
        let input: Uint8Array;
        if (t.wrap && r() < 0.5) {
          // Damage the container itself (truncated / flipped gzip or zip bytes).
          input = mutate(r, t.wrap === 'gzip' ? gz : zip, [gz, zip]);
        } else {
          const text = mutate(r, base, all);
          input = t.wrap === 'gzip' ? gzipSync(text) : t.wrap === 'zip' ? zipSync({ 'ml-1m/ratings.dat': text, 'ml-1m/movies.dat': mutate(r, texts['movies.dat'], all) }) : text;
        }
        for (const strict of [true, false]) {
          await fuzz.run(input, `${t.name} strict=${strict}`, () => {
            const d = parseInteractions(input, { ...t.options, fileName, strict });
            checkInteractions(d, strict);
            if (!strict) pipeline(d);
          });
        }
      }
      expect(fuzz.accepted).toBeGreaterThan(0); // mutations that keep the file valid still parse
      expect(fuzz.rejected).toBeGreaterThan(0);
      console.log(fuzz.summary());
    });
  }

  it('movies.dat and readMovieLensZip (ratings + titles): 300 mutated inputs', async () => {
    const r = rng(SEED ^ hash('movies'));
    const fuzz = new Fuzz('movies', [DataFormatError]);
    for (let i = 0; i < 150; i++) {
      const text = mutate(r, texts['movies.dat'], all);
      await fuzz.run(text, 'movies.dat', () => {
        for (const strict of [true, false]) {
          const m = parseMovies(text, 'movies.dat', { strict });
          for (const [id, movie] of m.movies) if (!(Number.isInteger(id) && id >= 0 && id <= MAX_ID && movie.id === id)) throw new Error(`bad movie id ${id}`);
        }
      });
      const zip = r() < 0.5 ? mutate(r, fixture('ml-1m-mini.zip'), all) : zipSync({ 'ml-1m/ratings.dat': mutate(r, texts['ratings.dat'], all), 'ml-1m/movies.dat': text });
      await fuzz.run(zip, 'readMovieLensZip', () => {
        const a = readMovieLensZip(zip, 'ml-1m.zip', { strict: false });
        checkInteractions(a.ratings, false);
      });
    }
    expect(fuzz.accepted).toBeGreaterThan(0);
    expect(fuzz.rejected).toBeGreaterThan(0);
    console.log(fuzz.summary());
  });
});

describe('fuzz: safetensors / checkpoint reader', () => {
  /** A checkpoint with several dtypes and metadata (checksummed), as the trainer writes them. */
  async function sample(): Promise<Uint8Array> {
    return encodeSafetensorsWithChecksum(
      new Map([
        ['embedding.weight', { dtype: 'F32' as const, shape: [5, 4], data: Float32Array.from({ length: 20 }, (_, i) => i / 3) }],
        ['layers.0.norm.bias', { dtype: 'F32' as const, shape: [4], data: new Float32Array(4) }],
        ['step', { dtype: 'I32' as const, shape: [], data: new Int32Array([7]) }],
        ['half', { dtype: 'F16' as const, shape: [2], data: new Uint16Array([0x3c00, 0x7c00]) }],
        ['bf', { dtype: 'BF16' as const, shape: [1, 2], data: new Uint16Array([0x3f80, 0xffc0]) }],
        ['flags', { dtype: 'U8' as const, shape: [3], data: new Uint8Array([1, 0, 1]) }],
        ['big', { dtype: 'I64' as const, shape: [1], data: new BigInt64Array([1n]) }],
      ]),
      { epoch: '3', config: '{"d":4}' },
    );
  }

  /** Re-encodes a file with a structurally mutated header (length prefix kept consistent). */
  function mutateHeader(r: Rand, file: Uint8Array): Uint8Array {
    const n = Number(new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Record<string, Record<string, unknown>>;
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    const e = header[pick(r, names)];
    const junk = () => pick(r, [-1, 1.5, 2 ** 53, 2 ** 60, 1e308, NaN, null, '3', [], {}, true, 0, 4, 16, 2 ** 31]);
    switch (int(r, 8)) {
      case 0: e.dtype = pick(r, ['F32', 'F64', 'I8', 'BOOL', 'F8_E4M3', 'U64', 'f32', 'Q4', '', 7]); break;
      case 1: e.shape = Array.from({ length: int(r, 4) }, () => (r() < 0.5 ? int(r, 8) : junk())); break;
      case 2: e.data_offsets = [r() < 0.5 ? int(r, 200) : junk(), r() < 0.5 ? int(r, 200) : junk()]; break;
      case 3: e[pick(r, ['__proto__', 'constructor', 'extra'])] = junk(); break;
      case 4: header[pick(r, ['__proto__', 'constructor', 'toString', 'new'])] = { dtype: 'U8', shape: [0], data_offsets: [0, 0] }; break;
      case 5: (header.__metadata__ as Record<string, unknown>)[pick(r, ['__proto__', 'epoch', 'x'])] = r() < 0.5 ? junk() : 'v'; break;
      case 6: header[pick(r, names)] = junk() as never; break;
      default: delete header[pick(r, names)];
    }
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + (file.length - 8 - n));
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(file.subarray(8 + n), 8 + json.length);
    return r() < 0.3 ? out.subarray(0, int(r, out.length + 1)) : out;
  }

  it('1200 mutated files: decode, verify (checksum required), load into tensors and into a state dict', async () => {
    const rt = await getRuntime('wasm');
    const good = await sample();
    const r = rng(SEED ^ hash('safetensors'));
    const fuzz = new Fuzz('safetensors', [SafetensorsError]);
    const target = new Map([['embedding.weight', rt.zeros([5, 4])], ['layers.0.norm.bias', rt.zeros([4])]]);
    const live = rt.memory().liveCount;
    let verified = 0;
    for (let i = 0; i < 400; i++) {
      const kind = int(r, 3);
      const input = kind === 0 ? mutateHeader(r, good) : kind === 1 ? mutate(r, good, [good]) : randomBytes(r, 200);
      await fuzz.run(input, 'decodeSafetensors', () => {
        const { tensors } = decodeSafetensors(input);
        for (const [name, t] of tensors) if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) throw new Error(`'${name}': ${t.data.length} elements for shape ${JSON.stringify(t.shape)}`);
      });
      await fuzz.run(input, 'verifySafetensors(require)', async () => {
        await verifySafetensors(input, 'require');
        verified++;
      });
      await fuzz.run(input, 'stateDictFromSafetensors + loadSafetensorsInto', async () => {
        const { tensors } = await stateDictFromSafetensors(rt, input, 'skip');
        for (const t of tensors.values()) t.dispose();
        await loadSafetensorsInto(target, input, { strict: false, checksum: 'skip' });
      });
    }
    // Only unchanged or equivalent files pass the checksum; nothing leaked on the device.
    expect(verified).toBeLessThan(fuzz.inputs / 3);
    expect(rt.memory().liveCount).toBe(live);
    expect(fuzz.accepted).toBeGreaterThan(0);
    expect(fuzz.rejected).toBeGreaterThan(600);
    for (const t of target.values()) t.dispose();
    console.log(`${fuzz.summary()}; ${verified} passed the checksum`);
  });
});

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

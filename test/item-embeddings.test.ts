// Pre-trained item embeddings (src/data/item-embeddings*.ts, src/data/pca.ts,
// src/data/node/item-embeddings-file.ts, scripts/movie-embeddings.mjs): every format round-trips,
// every bad file gives an ItemEmbeddingsError naming the file and the line/row, PCA against a
// float64 Jacobi reference, determinism, scaling, coverage, zero-padding, and the movie script.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { encodeSafetensors, type SafetensorsTensor } from '../runtime/index.js';
import {
  alignItemEmbeddings,
  DataFormatError,
  ItemEmbeddingsError,
  parseItemEmbeddings,
  parseItemEmbeddingsNpy,
  parseItemEmbeddingsSafetensors,
  parseItemEmbeddingsText,
  type ItemEmbeddings,
} from '../src/data/index.js';
import { readItemEmbeddingsFile } from '../src/data/node/item-embeddings-file.js';
import { pca, symmetricEigen } from '../src/data/pca.js';

const IDS = [10, 20, 30, 40];
const VECS = [
  [0.5, -1, 2],
  [1.25, 0, -0.5],
  [3, 2, 1],
  [-2, 0.75, 0],
];
const flat = (rows: number[][]) => Float32Array.from(rows.flat());

function expectVectors(e: ItemEmbeddings, ids = IDS, vecs = VECS) {
  expect(Array.from(e.ids)).toEqual(ids);
  expect(e.count).toBe(ids.length);
  expect(e.dim).toBe(vecs[0].length);
  expect(Array.from(e.vectors)).toEqual(Array.from(flat(vecs)));
}

/** Runs f, expects an ItemEmbeddingsError whose message starts with `file:LINE: ` (line > 0) or `file: `. */
function thrown(f: () => unknown): ItemEmbeddingsError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ItemEmbeddingsError);
    expect(e).toBeInstanceOf(DataFormatError);
    const err = e as ItemEmbeddingsError;
    expect(err.message.startsWith(err.line > 0 ? `${err.file}:${err.line}: ` : `${err.file}: `)).toBe(true);
    return err;
  }
  throw new Error('expected an ItemEmbeddingsError');
}

async function thrownAsync(f: () => Promise<unknown>): Promise<ItemEmbeddingsError> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(ItemEmbeddingsError);
    return e as ItemEmbeddingsError;
  }
  throw new Error('expected an ItemEmbeddingsError');
}

function st(tensors: Record<string, SafetensorsTensor>, metadata?: Record<string, string>): Uint8Array {
  return encodeSafetensors(new Map(Object.entries(tensors)), metadata);
}
const f32 = (rows: number[][]): SafetensorsTensor => ({ dtype: 'F32', shape: [rows.length, rows[0].length], data: flat(rows) });
const i32 = (ids: number[]): SafetensorsTensor => ({ dtype: 'I32', shape: [ids.length], data: Int32Array.from(ids) });

/** A version-1 .npy file. */
function npy(descr: string, shape: number[], values: ArrayLike<number>, fortran = false): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const size = Number(descr.slice(2));
  const out = new Uint8Array(10 + header.length + values.length * size);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const dv = new DataView(out.buffer);
  dv.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  for (let i = 0, o = 10 + header.length; i < values.length; i++, o += size) {
    if (descr === '<f4') dv.setFloat32(o, values[i], true);
    else if (descr === '<f8') dv.setFloat64(o, values[i], true);
    else if (descr === '<i8') dv.setBigInt64(o, BigInt(values[i]), true);
    else if (descr === '<i4') dv.setInt32(o, values[i], true);
    else throw new Error(descr);
  }
  return out;
}

/** float -> IEEE half bits (round to nearest; exact for the test values). */
function toHalf(x: number): number {
  if (x === 0) return 0;
  const s = x < 0 ? 0x8000 : 0;
  const a = Math.abs(x);
  const e = Math.floor(Math.log2(a));
  const m = Math.round((a / 2 ** e - 1) * 1024);
  return s | ((e + 15) << 10) | m;
}
function toBf16(x: number): number {
  return new Uint32Array(new Float32Array([x]).buffer)[0] >>> 16;
}

describe('item embeddings: formats round-trip', () => {
  it('safetensors: embeddings + item_ids (I32 / I64 / U32), `vectors`, the only 2-D float tensor, ids in __metadata__, F64/F16/BF16, gzip', () => {
    expectVectors(parseItemEmbeddingsSafetensors(st({ embeddings: f32(VECS), item_ids: i32(IDS) }), 'e.safetensors'));
    const i64: SafetensorsTensor = { dtype: 'I64', shape: [4], data: BigInt64Array.from(IDS.map(BigInt)) };
    expectVectors(parseItemEmbeddingsSafetensors(st({ vectors: f32(VECS), ids: i64 }), 'e.safetensors'));
    const u32: SafetensorsTensor = { dtype: 'U32', shape: [4, 1], data: Uint32Array.from(IDS) };
    expectVectors(parseItemEmbeddingsSafetensors(st({ my_table: f32(VECS), item_ids: u32, other: { dtype: 'F32', shape: [3], data: new Float32Array(3) } }), 'e.safetensors'));
    expectVectors(parseItemEmbeddingsSafetensors(st({ embeddings: f32(VECS) }, { item_ids: JSON.stringify(IDS) }), 'e.safetensors'));
    const f64: SafetensorsTensor = { dtype: 'F64', shape: [4, 3], data: Float64Array.from(VECS.flat()) };
    expectVectors(parseItemEmbeddingsSafetensors(st({ embeddings: f64, item_ids: i32(IDS) }), 'e.safetensors'));
    const f16: SafetensorsTensor = { dtype: 'F16', shape: [4, 3], data: Uint16Array.from(VECS.flat(), toHalf) };
    expectVectors(parseItemEmbeddingsSafetensors(st({ embeddings: f16, item_ids: i32(IDS) }), 'e.safetensors'));
    const bf16: SafetensorsTensor = { dtype: 'BF16', shape: [4, 3], data: Uint16Array.from(VECS.flat(), toBf16) };
    expectVectors(parseItemEmbeddingsSafetensors(st({ embeddings: bf16, item_ids: i32(IDS) }), 'e.safetensors'));
    expectVectors(parseItemEmbeddings(gzipSync(st({ embeddings: f32(VECS), item_ids: i32(IDS) })), { file: 'e.safetensors.gz' }));
    // detected from the bytes under any name
    expectVectors(parseItemEmbeddings(st({ embeddings: f32(VECS), item_ids: i32(IDS) }), { file: 'e.bin' }));
  });

  it('.npy (f4, f8, Fortran order) with ids one per line, a CSV first column with a header, or an integer .npy', () => {
    const ids = '10\n20\n30\n40\n';
    expectVectors(parseItemEmbeddingsNpy(npy('<f4', [4, 3], VECS.flat()), 'e.npy', ids, 'ids.txt'));
    expectVectors(parseItemEmbeddingsNpy(npy('<f8', [4, 3], VECS.flat()), 'e.npy', 'item_id,title\n10,"A, b"\n20,B\r\n# note\n30,C\n40,D\n', 'ids.csv'));
    const colMajor = [0, 1, 2].flatMap((c) => VECS.map((r) => r[c]));
    expectVectors(parseItemEmbeddingsNpy(npy('<f4', [4, 3], colMajor, true), 'e.npy', ids, 'ids.txt'));
    expectVectors(parseItemEmbeddingsNpy(npy('<f4', [4, 3], VECS.flat()), 'e.npy', npy('<i8', [4], IDS), 'ids.npy'));
    expectVectors(parseItemEmbeddings(npy('<f4', [4, 3], VECS.flat()), { file: 'e.npy', ids: new TextEncoder().encode(ids), idsFile: 'ids.txt' }));
    expect(thrown(() => parseItemEmbeddings(npy('<f4', [4, 3], VECS.flat()), { file: 'e.npy' })).message).toMatch(/^e\.npy: a \.npy file holds only the vectors: give the item ids file/);
  });

  it('text: CSV with a header, TSV, space-separated, comments, blank lines, CRLF, quotes, gzip', () => {
    const rows = VECS.map((v, i) => [IDS[i], ...v]);
    const csv = `item_id,v1,v2,v3\n${rows.map((r) => r.join(',')).join('\n')}\n`;
    expectVectors(parseItemEmbeddingsText(csv, 'e.csv'));
    expectVectors(parseItemEmbeddingsText(`# made by hand\n\n${rows.map((r) => r.join('\t')).join('\r\n')}\r\n`, 'e.tsv'));
    expectVectors(parseItemEmbeddingsText(rows.map((r) => `  ${r.join('   ')} `).join('\n'), 'e.txt'));
    expectVectors(parseItemEmbeddingsText(rows.map((r) => `"${r[0]}",${r.slice(1).join(', ')}`).join('\n'), 'e.csv'));
    expectVectors(parseItemEmbeddings(gzipSync(new TextEncoder().encode(csv)), { file: 'e.csv.gz' }));
    // ids written by float writers
    expect(Array.from(parseItemEmbeddingsText('10.0 1\n2e1 2\n', 'e.txt').ids)).toEqual([10, 20]);
  });

  it('readItemEmbeddingsFile picks the parser by extension (.safetensors, .npy + idsPath, .csv, .tsv.gz)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'item-emb-'));
    const p = (n: string) => join(dir, n);
    writeFileSync(p('e.safetensors'), st({ embeddings: f32(VECS), item_ids: i32(IDS) }));
    writeFileSync(p('e.npy'), npy('<f4', [4, 3], VECS.flat()));
    writeFileSync(p('ids.txt'), IDS.join('\n'));
    writeFileSync(p('e.csv'), VECS.map((v, i) => [IDS[i], ...v].join(',')).join('\n'));
    writeFileSync(p('e.tsv.gz'), gzipSync(new TextEncoder().encode(VECS.map((v, i) => [IDS[i], ...v].join('\t')).join('\n'))));
    expectVectors(await readItemEmbeddingsFile(p('e.safetensors')));
    expectVectors(await readItemEmbeddingsFile(p('e.npy'), { idsPath: p('ids.txt') }));
    expectVectors(await readItemEmbeddingsFile(p('e.csv')));
    expectVectors(await readItemEmbeddingsFile(p('e.tsv.gz')));
    const noIds = await thrownAsync(() => readItemEmbeddingsFile(p('e.npy')));
    expect(noIds.message).toContain(p('e.npy'));
    expect(noIds.message).toContain('item ids file');
    expect((await thrownAsync(() => readItemEmbeddingsFile(p('missing.csv')))).message).toBe(`${p('missing.csv')}: no such file`);
  });
});

describe('item embeddings: bad files name the file and the line / row', () => {
  it('text: wrong width, NaN/Inf, overflow, duplicate id, non-integer and non-numeric ids, bad values, empty and header-only files', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['1 0.1 0.2\n2 0.3\n', 2, /1 values where the first row \(line 1\) has 2/],
      ['1 0.1 0.2\n# c\n2 0.3 0.4 0.5\n', 3, /3 values where the first row/],
      ['1 0.1 0.2\n2 NaN 0.4\n', 2, /non-finite value NaN in column 2 \(item id 2\)/],
      ['id,a,b\n1,0.1,0.2\n2,0.3,-inf\n', 3, /non-finite value -inf in column 3/],
      ['1 0.1 1e39\n', 1, /overflows float32/],
      ['1 0.1 0.2\n2 0.3 0.4\n1 0.5 0.6\n', 3, /duplicate item id 1 \(first on line 1\)/],
      ['1 0.1\n2.5 0.2\n', 2, /item id "2\.5" is not an integer/],
      ['1 0.1\nabc 0.2\n', 2, /non-numeric item id "abc"/],
      ['1 0.1\n-3 0.2\n', 2, /outside 0\.\.2\^31-1/],
      ['1,0.1,x\n', 1, /non-numeric value "x" in column 3/],
      ['1,0.1,,0.3\n', 1, /empty value in column 3/],
      ['1\n', 1, /1 field where an item id and at least one value were expected/],
    ];
    for (const [text, line, re] of cases) {
      const e = thrown(() => parseItemEmbeddingsText(text, 'vec.txt'));
      expect(e.file).toBe('vec.txt');
      expect(e.line, text).toBe(line);
      expect(e.message, text).toMatch(re);
    }
    expect(thrown(() => parseItemEmbeddingsText('', 'vec.txt')).message).toBe('vec.txt: no vectors: the file is empty; expected lines "item_id v1 v2 ..."');
    expect(thrown(() => parseItemEmbeddingsText('# only a comment\n\n', 'vec.txt')).message).toMatch(/empty/);
    expect(thrown(() => parseItemEmbeddingsText('item,v1,v2\n', 'vec.txt')).message).toMatch(/only a header/);
    expect(thrown(() => parseItemEmbeddings(new Uint8Array([0xff, 0xfe, 0x31, 0]), { file: 'vec.csv' })).message).toMatch(/^vec\.csv: bad encoding/);
  });

  it('tensors: NaN/Inf rows, duplicate ids, non-integer ids, missing ids, wrong shapes, empty, corrupt file', () => {
    const bad = VECS.map((r) => [...r]);
    bad[2][1] = NaN;
    let e = thrown(() => parseItemEmbeddingsSafetensors(st({ embeddings: f32(bad), item_ids: i32(IDS) }), 'e.safetensors'));
    expect(e.row).toBe(2);
    expect(e.message).toBe('e.safetensors: row 2 (item id 30): non-finite value NaN in column 1');
    bad[2][1] = Infinity;
    expect(thrown(() => parseItemEmbeddingsNpy(npy('<f8', [4, 3], bad.flat()), 'e.npy', IDS.join('\n'), 'ids.txt')).message).toBe('e.npy: row 2 (item id 30): non-finite value Infinity in column 1');
    bad[2][1] = 1e300;
    expect(thrown(() => parseItemEmbeddingsNpy(npy('<f8', [4, 3], bad.flat()), 'e.npy', IDS.join('\n'), 'ids.txt')).message).toMatch(/row 2 \(item id 30\): value 1e\+300 overflows float32/);
    e = thrown(() => parseItemEmbeddingsSafetensors(st({ embeddings: f32(VECS), item_ids: i32([10, 20, 10, 40]) }), 'e.safetensors'));
    expect(e.row).toBe(2);
    expect(e.message).toBe('e.safetensors: row 2 (item id 10): duplicate item id (first at row 0)');
    e = thrown(() => parseItemEmbeddingsSafetensors(st({ embeddings: f32(VECS) }, { item_ids: '[10, 20, 30.5, 40]' }), 'e.safetensors'));
    expect(e.message).toBe("e.safetensors: row 2: item id 30.5 is not an integer (__metadata__ 'item_ids')");
    e = thrown(() => parseItemEmbeddingsSafetensors(st({ embeddings: f32(VECS), item_ids: { dtype: 'I64', shape: [4], data: BigInt64Array.from([10n, 20n, 30n, 1n << 40n]) } }), 'e.safetensors'));
    expect(e.message).toMatch(/^e\.safetensors: row 3: item id 1099511627776 is outside/);
    expect(thrown(() => parseItemEmbeddingsSafetensors(st({ embeddings: f32(VECS), item_ids: { dtype: 'F32', shape: [4], data: Float32Array.from(IDS) } }), 'e.safetensors')).message).toMatch(/expected an integer dtype/);
    expect(thrown(() => parseItemEmbeddingsSafetensors(st({ embeddings: f32(VECS) }), 'e.safetensors')).message).toMatch(/no item ids: expected a 1-D integer tensor 'item_ids'/);
    expect(thrown(() => parseItemEmbeddingsSafetensors(st({ embeddings: f32(VECS), item_ids: i32([1, 2]) }), 'e.safetensors')).message).toMatch(/holds 2 item ids but the embeddings have 4 rows/);
    expect(thrown(() => parseItemEmbeddingsSafetensors(st({ a: f32(VECS), b: f32(VECS), item_ids: i32(IDS) }), 'e.safetensors')).message).toMatch(/more than one 2-D float tensor/);
    expect(thrown(() => parseItemEmbeddingsSafetensors(st({ embeddings: { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) }, item_ids: i32([]) }), 'e.safetensors')).message).toMatch(/0 rows/);
    expect(thrown(() => parseItemEmbeddingsSafetensors(new Uint8Array(0), 'e.safetensors')).message).toMatch(/^e\.safetensors: safetensors: file is 0 bytes/);
    expect(thrown(() => parseItemEmbeddingsNpy(npy('<f4', [4, 3], VECS.flat()), 'e.npy', '10\n20\n30\n', 'ids.txt')).message).toBe('ids.txt: 3 item ids but e.npy has 4 rows');
    e = thrown(() => parseItemEmbeddingsNpy(npy('<f4', [4, 3], VECS.flat()), 'e.npy', '10\n20\nx\n40\n', 'ids.txt'));
    expect(e.message).toMatch(/^ids\.txt:3: non-numeric item id "x"/);
    expect(thrown(() => parseItemEmbeddingsNpy(npy('<f4', [12], VECS.flat()), 'e.npy', '1', 'ids.txt')).message).toMatch(/expected 2-D/);
    expect(thrown(() => parseItemEmbeddingsNpy(npy('<f4', [4, 3], VECS.flat()).subarray(0, 60), 'e.npy', '1', 'ids.txt')).message).toMatch(/truncated/);
  });

  it('no overlap with the data set is an error naming the file', () => {
    const v = parseItemEmbeddingsText('100 1 2\n200 3 4\n', 'vec.csv');
    const e = thrown(() => alignItemEmbeddings(v, { itemIds: Int32Array.from([-1, 1, 2, 3]), numItems: 3, hidden: 2, projection: 'pca', targetStd: 0.02 }));
    expect(e.message).toMatch(/^vec\.csv: no overlap: none of its 2 item ids is an item of the data set \(file ids 100, 200; data set ids 1, 2, 3\)/);
  });

  it('property: the text parser accepts or throws an ItemEmbeddingsError naming the file, never anything else', () => {
    const chars = [...'0123456789,\t \n\r#.-+eE"x', 'nan', 'inf', 'id', '\ufeff'];
    const text = fc.array(fc.constantFrom(...chars), { maxLength: 300 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 300 })), (input) => {
        try {
          const r = typeof input === 'string' ? parseItemEmbeddingsText(input, 'fz.csv') : parseItemEmbeddings(input, { file: 'fz.csv' });
          expect(r.vectors.length).toBe(r.count * r.dim);
          expect(r.vectors.every(Number.isFinite)).toBe(true);
        } catch (e) {
          if (!(e instanceof ItemEmbeddingsError)) throw e;
          expect(e.file).toBe('fz.csv');
        }
      }),
      { seed: 20261204, numRuns: 400 },
    );
  });

  it('property: random and mutated safetensors / .npy bytes give a result or an ItemEmbeddingsError', () => {
    const good = [st({ embeddings: f32(VECS), item_ids: i32(IDS) }), npy('<f4', [4, 3], VECS.flat())];
    const mutated = fc.tuple(fc.constantFrom(0, 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat()).map(([k, edits, cut]) => {
      const b = good[k].slice(0, good[k].length - (cut % 3 === 0 ? cut % 40 : 0));
      for (const [at, v] of edits) b[at % b.length] = v;
      return b;
    });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 200 })), fc.constantFrom('safetensors', 'npy', undefined), (bytes, format) => {
        try {
          const r = parseItemEmbeddings(bytes, { file: 'fz.bin', format, ids: '10\n20\n30\n40\n', idsFile: 'ids.txt' });
          expect(r.vectors.every(Number.isFinite)).toBe(true);
        } catch (e) {
          if (!(e instanceof ItemEmbeddingsError)) throw e;
          expect(['fz.bin', 'ids.txt']).toContain(e.file);
        }
      }),
      { seed: 20261204, numRuns: 400 },
    );
  });
});

// ---- float64 references ----

/** Seeded normal draws. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Brute-force eigenvalues of a symmetric matrix by cyclic Jacobi rotations (descending). */
function jacobiEigenvalues(m: Float64Array, n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => m[i * n + j]));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] ** 2;
    if (off < 1e-28) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) [a[k][p], a[k][q]] = [c * a[k][p] - s * a[k][q], s * a[k][p] + c * a[k][q]];
        for (let k = 0; k < n; k++) [a[p][k], a[q][k]] = [c * a[p][k] - s * a[q][k], s * a[p][k] + c * a[q][k]];
      }
    }
  }
  return a.map((r, i) => r[i]).sort((x, y) => y - x);
}

/** Population covariance of the rows of x (rows x cols). */
function cov(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += x[r * cols + c] / rows;
  const out = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) out[i * cols + j] += ((x[r * cols + i] - mean[i]) * (x[r * cols + j] - mean[j])) / rows;
  return out;
}

/** A random [n, d] embedding set with very different variances per direction (so the subspace is well defined). */
function randomVectors(n: number, d: number, seed: number): ItemEmbeddings {
  const g = gaussian(seed);
  const mix = Array.from({ length: d * d }, () => g());
  const scales = Array.from({ length: d }, (_, j) => 3 * 0.7 ** j);
  const vectors = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    const z = scales.map((s) => s * g());
    for (let c = 0; c < d; c++) {
      let v = 1.5; // a common offset, removed by centring
      for (let j = 0; j < d; j++) v += mix[c * d + j] * z[j];
      vectors[r * d + c] = v;
    }
  }
  return { file: 'rand.safetensors', format: 'safetensors', ids: Int32Array.from({ length: n }, (_, i) => 1000 + i), vectors, count: n, dim: d };
}

const denseIds = (v: ItemEmbeddings, extra: number[] = []) => Int32Array.from([-1, ...v.ids, ...extra]);

describe('item embeddings: alignment, PCA and scaling', () => {
  it('symmetricEigen: A v = lambda v, orthonormal, eigenvalues equal a Jacobi reference', () => {
    const g = gaussian(7);
    for (const n of [1, 2, 3, 9, 25]) {
      const b = Array.from({ length: n * n }, g);
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += b[i * n + k] * b[j * n + k];
      const { values, vectors } = symmetricEigen(a, n);
      const ref = jacobiEigenvalues(a, n);
      for (let k = 0; k < n; k++) expect(values[k]).toBeCloseTo(ref[k], 9);
      for (let k = 0; k < n; k++) {
        for (let l = 0; l < n; l++) {
          let dot = 0;
          for (let r = 0; r < n; r++) dot += vectors[r * n + k] * vectors[r * n + l];
          expect(dot).toBeCloseTo(k === l ? 1 : 0, 10);
        }
        for (let i = 0; i < n; i++) {
          let av = 0;
          for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[j * n + k];
          expect(av).toBeCloseTo(values[k] * vectors[i * n + k], 9);
        }
      }
    }
  });

  it('pca in float64: the projection covariance is diag(top-k eigenvalues) of a brute-force reference; explained variance', () => {
    const v = randomVectors(300, 12, 1);
    const x = Float64Array.from(v.vectors);
    const ref = jacobiEigenvalues(cov(x, 300, 12), 12);
    const p = pca(x, 300, 12, 5);
    const c = cov(p.projected, 300, 5);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(c[i * 5 + j]).toBeCloseTo(i === j ? ref[i] : 0, 9);
    const total = ref.reduce((a, b) => a + b, 0);
    expect(p.explainedVariance).toBeCloseTo(ref.slice(0, 5).reduce((a, b) => a + b, 0) / total, 12);
  });

  it('alignItemEmbeddings pca (D > hidden): top-k subspace, targetStd, report, same bytes twice', () => {
    const v = randomVectors(200, 10, 2);
    const opts = { itemIds: denseIds(v), numItems: 200, hidden: 4, projection: 'pca' as const, targetStd: 0.05 };
    const a = alignItemEmbeddings(v, opts);
    expect(a.outDim).toBe(4);
    expect(a.sourceDim).toBe(10);
    expect(a.coveredCount).toBe(200);
    const ref = jacobiEigenvalues(cov(Float64Array.from(v.vectors), 200, 10), 10);
    // Undo the scale: the table's covariance is diag(top-4 eigenvalues) (f32 storage: relative 1e-5).
    const c = cov(Float64Array.from(a.table, (t) => t / a.scale), 200, 4);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(Math.abs(c[i * 4 + j] - (i === j ? ref[i] : 0))).toBeLessThan(1e-5 * ref[0]);
    // overall std of the entries = targetStd; column means 0
    const n = a.table.length;
    const mean = a.table.reduce((s, t) => s + t, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(1e-7);
    expect(Math.sqrt(a.table.reduce((s, t) => s + (t - mean) ** 2, 0) / n)).toBeCloseTo(0.05, 6);
    const explained = ref.slice(0, 4).reduce((s, t) => s + t, 0) / ref.reduce((s, t) => s + t, 0);
    expect(a.explainedVariance).toBeCloseTo(explained, 10);
    expect(a.report).toBe(`item embeddings: 200 of 200 items covered (100.0%) from rand.safetensors, D=10 -> 4 by PCA (explained variance ${(100 * explained).toFixed(1)}%), scaled to std 0.05`);
    const b = alignItemEmbeddings(v, opts);
    expect(Buffer.from(b.table.buffer).equals(Buffer.from(a.table.buffer))).toBe(true);
    // the file's row order does not change an item's coordinates beyond float rounding of the sums
    const perm = Array.from({ length: 200 }, (_, i) => (i * 37) % 200);
    const shuffled: ItemEmbeddings = { ...v, ids: Int32Array.from(perm, (i) => v.ids[i]), vectors: Float32Array.from(perm.flatMap((i) => Array.from(v.vectors.subarray(i * 10, i * 10 + 10)))) };
    const s = alignItemEmbeddings(shuffled, opts);
    for (let i = 0; i < a.table.length; i++) expect(s.table[i]).toBeCloseTo(a.table[i], 5);
  });

  it('coverage: uncovered items stay 0, unused file vectors are counted, the report says so', () => {
    const v = parseItemEmbeddingsText('# id x y\n5 1 0\n7 0 1\n9 1 1\n11 2 2\n', 'small.csv');
    // dense items: 1 -> 7, 2 -> 8 (no vector), 3 -> 5, 4 -> 6 (no vector), 5 -> 11; file id 9 unused
    const a = alignItemEmbeddings(v, { itemIds: Int32Array.from([-1, 7, 8, 5, 6, 11]), numItems: 5, hidden: 2, projection: 'none', targetStd: 1 });
    expect(Array.from(a.covered)).toEqual([1, 0, 1, 0, 1]);
    expect(a.coveredCount).toBe(3);
    expect(a.unusedVectors).toBe(1);
    expect(a.explainedVariance).toBeNull();
    // 'none': not centred, one factor; entries 0,1,1,0,2,2 have std sqrt(2/3)
    const f = 1 / Math.sqrt(2 / 3);
    expect(Array.from(a.table)).toEqual(Array.from(Float32Array.from([0, 1, 0, 0, 1, 0, 0, 0, 2, 2].map((t) => t * f))));
    expect(a.report).toBe("item embeddings: 3 of 5 items covered (60.0%) from small.csv (1 of its 4 vectors unused: items not in the data set), D=2, used as given (projection 'none'), scaled to std 1");
    expect(thrown(() => alignItemEmbeddings(v, { itemIds: Int32Array.from([-1, 7]), numItems: 1, hidden: 3, projection: 'none', targetStd: 1 })).message).toMatch(
      /^small\.csv: the vectors have D=2 but the model's hidden size is 3; with projection 'none' they must be equal: use projection 'pca'/,
    );
  });

  it('D == hidden: centred only; D < hidden: centred and zero-padded, said in the report', () => {
    const v = randomVectors(50, 3, 3);
    const same = alignItemEmbeddings(v, { itemIds: denseIds(v), numItems: 50, hidden: 3, projection: 'pca', targetStd: 0.1 });
    const x = Array.from(v.vectors);
    const mean = [0, 1, 2].map((c) => x.filter((_, i) => i % 3 === c).reduce((s, t) => s + t, 0) / 50);
    for (let i = 0; i < 150; i++) expect(same.table[i]).toBeCloseTo((x[i] - mean[i % 3]) * same.scale, 6);
    expect(same.report).toContain('D=3 = hidden, centred (no projection)');
    const padded = alignItemEmbeddings(v, { itemIds: denseIds(v, [99999]), numItems: 51, hidden: 5, projection: 'pca', targetStd: 0.1 });
    expect(padded.outDim).toBe(5);
    expect(padded.coveredCount).toBe(50);
    expect(padded.covered[50]).toBe(0);
    for (let r = 0; r < 50; r++) {
      for (let c = 0; c < 3; c++) expect(padded.table[r * 5 + c]).toBeCloseTo(same.table[r * 3 + c], 7);
      expect([padded.table[r * 5 + 3], padded.table[r * 5 + 4]]).toEqual([0, 0]);
    }
    expect(Array.from(padded.table.subarray(250))).toEqual([0, 0, 0, 0, 0]);
    expect(padded.report).toContain('50 of 51 items covered (98.0%)');
    expect(padded.report).toContain('D=3 < hidden 5: centred, columns 4..5 zero-padded, scaled to std 0.1');
  });
});

describe('scripts/movie-embeddings.mjs', () => {
  it('turns a tiny movies.dat (Latin-1, gzipped too) into a readable safetensors file whose ids match; same bytes twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'movie-emb-'));
    const movies = [
      '1::Toy Story (1995)::Animation|Children\'s|Comedy',
      '2::Jumanji (1995)::Adventure|Children\'s|Fantasy',
      '3::Grumpier Old Men (1995)::Comedy|Romance',
      '6::Heat (1995)::Action|Crime|Thriller',
      '20::Am\u00e9lie (Fabuleux destin d\'Am\u00e9lie Poulain, Le) (2001)::Comedy|Romance',
      '21::Toy Story 2 (1999)::Animation|Children\'s|Comedy',
      '25::Men in Black (1997)::Action|Adventure|Comedy|Sci-Fi',
      '30::Grumpy Old Men Return (1998)::Comedy',
    ];
    const dat = join(dir, 'movies.dat');
    writeFileSync(dat, Buffer.from(`${movies.join('\n')}\n`, 'latin1'));
    writeFileSync(`${dat}.gz`, gzipSync(readFileSync(dat)));
    const script = new URL('../scripts/movie-embeddings.mjs', import.meta.url).pathname;
    const run = (input: string, out: string) => execFileSync(process.execPath, [script, '--movies', input, '--dim', '4', '--min-df', '1', '--out', out], { encoding: 'utf8' });
    expect(run(dat, join(dir, 'a.safetensors'))).toMatch(/8 movies, \d+ features .* -> 4 dims/);
    run(`${dat}.gz`, join(dir, 'b.safetensors'));
    const a = readFileSync(join(dir, 'a.safetensors'));
    expect(a.equals(readFileSync(join(dir, 'b.safetensors')))).toBe(true);
    const e = await readItemEmbeddingsFile(join(dir, 'a.safetensors'));
    expect(Array.from(e.ids)).toEqual([1, 2, 3, 6, 20, 21, 25, 30]);
    expect(e.dim).toBe(4);
    for (let r = 0; r < e.count; r++) {
      const norm = Math.hypot(...e.vectors.subarray(r * 4, r * 4 + 4));
      expect(norm).toBeCloseTo(1, 5);
    }
    // Toy Story's nearest neighbour is Toy Story 2
    const dot = (i: number, j: number) => e.vectors.subarray(i * 4, i * 4 + 4).reduce((s, t, k) => s + t * e.vectors[j * 4 + k], 0);
    const nearest = [1, 2, 3, 4, 5, 6, 7].sort((i, j) => dot(0, j) - dot(0, i))[0];
    expect(e.ids[nearest]).toBe(21);
    // and it aligns to a data set by original id
    const aligned = alignItemEmbeddings(e, { itemIds: Int32Array.from([-1, 21, 1, 999]), numItems: 3, hidden: 2, projection: 'pca', targetStd: 0.02 });
    expect(Array.from(aligned.covered)).toEqual([1, 1, 0]);
  });

  it('reads ML-20M movies.csv (quoted titles, "(no genres listed)") and ML-100K u.item; a missing file is a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'movie-emb-'));
    const script = new URL('../scripts/movie-embeddings.mjs', import.meta.url).pathname;
    writeFileSync(join(dir, 'movies.csv'), 'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation|Children\n5,"American President, The (1995)",Comedy|Drama\n9,Toy Story 2 (1999),Animation|Children\n12,Unknown (2015),(no genres listed)\n');
    const uItem = (id: number, title: string, flags: number[]) => `${id}|${title}|01-Jan-1995||http://x|${Array.from({ length: 19 }, (_, g) => (flags.includes(g) ? 1 : 0)).join('|')}`;
    writeFileSync(join(dir, 'u.item'), Buffer.from(`${[uItem(1, 'Toy Story (1995)', [3, 4, 5]), uItem(2, 'GoldenEye (1995)', [1, 2, 16]), uItem(4, 'Four Rooms', [16])].join('\n')}\n`, 'latin1'));
    for (const [name, ids] of [['movies.csv', [1, 5, 9, 12]], ['u.item', [1, 2, 4]]] as const) {
      const out = join(dir, `${name}.safetensors`);
      execFileSync(process.execPath, [script, '--movies', join(dir, name), '--dim', '2', '--min-df', '1', '--out', out]);
      const e = await readItemEmbeddingsFile(out);
      expect(Array.from(e.ids)).toEqual(ids);
      expect(e.dim).toBe(2);
    }
    let stderr = '';
    try {
      execFileSync(process.execPath, [script, '--movies', join(dir, 'none.dat'), '--out', join(dir, 'x')], { stdio: 'pipe' });
    } catch (err) {
      stderr = String((err as { stderr: Buffer }).stderr);
    }
    expect(stderr).toBe(`movie-embeddings: ${join(dir, 'none.dat')}: no such file\n`);
  });
});

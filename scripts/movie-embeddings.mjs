#!/usr/bin/env node
// Item vectors for MovieLens from the movie catalogue alone (no ratings), for
// `--item-embeddings` (docs/item-embeddings.md). Reproducible: same input, same bytes.
//
//   node scripts/movie-embeddings.mjs --movies ../shared/datasets/ml-1m/movies.dat --dim 64 --out movies-64.safetensors
//
// Input: ML-1M movies.dat (`MovieID::Title (Year)::Genre|Genre`, Latin-1), ML-20M/25M
// movies.csv (`movieId,title,genres`, UTF-8) or ML-100K u.item (`id|title|date|video date|url|19 genre flags`);
// any of them gzipped (.gz). Features per movie, each block L2-normalised then weighted:
//   - TF-IDF of the lower-cased title words (the year in parentheses removed; words in at
//     least --min-df titles; tf = count, idf = ln((1 + n) / (1 + df)) + 1) x --title-weight (1);
//   - one-hot genres x --genre-weight (1);
//   - one-hot decade of the year in the title (or release date) x --decade-weight (0.5).
// Reduced to --dim by a truncated SVD (subspace iteration from a fixed-seed start, then the
// exact SVD of the small projected matrix; each direction signed so that its largest entry is
// positive), rows = U_k S_k, L2-normalised. Written as safetensors: `embeddings` [n, dim] F32
// and `item_ids` [n] I32 (original movie ids, file order), with the parameters in __metadata__.
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const USAGE = `usage: node scripts/movie-embeddings.mjs --movies FILE --out FILE.safetensors [options]
  --movies FILE        movies.dat (ML-1M), movies.csv (ML-20M/25M) or u.item (ML-100K), optionally .gz
  --out FILE           the safetensors file to write (embeddings [n, dim] F32, item_ids [n] I32)
  --dim D              output width (default 64)
  --min-df N           keep title words found in at least N titles (default 2)
  --title-weight W     weight of the title TF-IDF block (default 1)
  --genre-weight W     weight of the genre block (default 1)
  --decade-weight W    weight of the decade block (default 0.5)
  --iterations N       subspace iterations of the truncated SVD (default 8)
  --seed S             seed of the SVD's start (default 1)`;

function fail(msg) {
  process.stderr.write(`movie-embeddings: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { dim: 64, minDf: 2, titleWeight: 1, genreWeight: 1, decadeWeight: 0.5, iterations: 8, seed: 1 };
  const keys = { '--movies': 'movies', '--out': 'out', '--dim': 'dim', '--min-df': 'minDf', '--title-weight': 'titleWeight', '--genre-weight': 'genreWeight', '--decade-weight': 'decadeWeight', '--iterations': 'iterations', '--seed': 'seed' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const key = keys[flag];
    if (!key) fail(`unknown option ${a}\n${USAGE}`);
    const v = inline ?? argv[++i];
    if (v === undefined) fail(`${flag} needs a value`);
    if (key === 'movies' || key === 'out') o[key] = v;
    else {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) fail(`${flag} must be a non-negative number, got ${JSON.stringify(v)}`);
      o[key] = n;
    }
  }
  if (!o.movies || !o.out) fail(`--movies and --out are required\n${USAGE}`);
  if (!Number.isInteger(o.dim) || o.dim < 1) fail(`--dim must be a positive integer, got ${o.dim}`);
  if (!Number.isInteger(o.iterations) || !Number.isInteger(o.seed)) fail('--iterations and --seed must be integers');
  return o;
}

// ---- reading the catalogue ----

const U_ITEM_GENRES = ['unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western'];

/** Splits one CSV line (RFC 4180 quotes). */
function csvFields(line) {
  const out = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** [{ id, title, genres, year }] in file order. */
export function readMovies(path) {
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    fail(`${path}: ${e.code === 'ENOENT' ? 'no such file' : `cannot read the file (${e.code ?? e.message})`}`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      fail(`${path}: corrupt gzip data (${e.message})`);
    }
  }
  const name = basename(path).replace(/\.gz$/i, '').toLowerCase();
  const utf8 = name.endsWith('.csv');
  const text = utf8 ? bytes.toString('utf8').replace(/^\uFEFF/, '') : bytes.toString('latin1');
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const first = lines.find((l) => l.trim()) ?? '';
  const kind = first.includes('::') ? 'dat' : name.endsWith('.csv') || /^movieId,/i.test(first) ? 'csv' : first.includes('|') ? 'u.item' : null;
  if (!kind) fail(`${path}: unknown layout (expected movies.dat "MovieID::Title::Genres", movies.csv or u.item); first line ${JSON.stringify(first.slice(0, 80))}`);
  const movies = [];
  const seen = new Set();
  let header = kind === 'csv';
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    if (header) {
      header = false;
      return;
    }
    let id, title, genres, date = '';
    if (kind === 'dat') {
      const a = line.indexOf('::');
      const b = line.lastIndexOf('::');
      if (a < 0 || a === b) fail(`${path}:${i + 1}: expected MovieID::Title::Genres, got ${JSON.stringify(line.slice(0, 80))}`);
      [id, title, genres] = [line.slice(0, a), line.slice(a + 2, b), line.slice(b + 2).split('|')];
    } else if (kind === 'csv') {
      const f = csvFields(line);
      if (f.length < 3) fail(`${path}:${i + 1}: expected movieId,title,genres, got ${JSON.stringify(line.slice(0, 80))}`);
      [id, title, genres] = [f[0], f.slice(1, -1).join(','), f[f.length - 1].split('|')];
    } else {
      const f = line.split('|');
      if (f.length < 5 + U_ITEM_GENRES.length) fail(`${path}:${i + 1}: expected u.item's 24 |-separated fields, got ${f.length}`);
      [id, title, date] = [f[0], f[1], f[2]];
      genres = U_ITEM_GENRES.filter((_, g) => f[5 + g] === '1');
    }
    if (!/^\d+$/.test(id.trim())) fail(`${path}:${i + 1}: non-numeric movie id ${JSON.stringify(id)}`);
    const movieId = Number(id.trim());
    if (movieId > 2147483647) fail(`${path}:${i + 1}: movie id ${movieId} does not fit an int32`);
    if (seen.has(movieId)) fail(`${path}:${i + 1}: duplicate movie id ${movieId}`);
    seen.add(movieId);
    const ym = /\((\d{4})(?:[-–]\d{0,4})?\)\s*$/.exec(title.trim()) ?? /(\d{4})\s*$/.exec(date);
    const year = ym ? Number(ym[1]) : null;
    genres = genres.map((g) => g.trim()).filter((g) => g && g !== '(no genres listed)');
    movies.push({ id: movieId, title: title.trim(), genres, year });
  });
  if (movies.length === 0) fail(`${path}: no movies`);
  return movies;
}

// ---- features ----

/** Lower-cased title words without the trailing "(year)". */
function titleWords(title) {
  const t = title.replace(/\(\d{4}(?:[-–]\d{0,4})?\)\s*$/, '').toLowerCase();
  return t.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Sparse rows: per movie, sorted [column, value] pairs. Returns { rows, cols, blocks }. */
export function buildFeatures(movies, o) {
  const n = movies.length;
  const words = movies.map((m) => titleWords(m.title));
  const df = new Map();
  for (const ws of words) for (const w of new Set(ws)) df.set(w, (df.get(w) ?? 0) + 1);
  const vocab = [...df.keys()].filter((w) => df.get(w) >= o.minDf).sort();
  const genres = [...new Set(movies.flatMap((m) => m.genres))].sort();
  const decades = [...new Set(movies.filter((m) => m.year !== null).map((m) => Math.floor(m.year / 10) * 10))].sort((a, b) => a - b);
  const wordCol = new Map(vocab.map((w, i) => [w, i]));
  const genreCol = new Map(genres.map((g, i) => [g, vocab.length + i]));
  const decadeCol = new Map(decades.map((d, i) => [d, vocab.length + genres.length + i]));
  const cols = vocab.length + genres.length + decades.length;
  const block = (entries, weight) => {
    let s = 0;
    for (const [, v] of entries) s += v * v;
    const f = s > 0 ? weight / Math.sqrt(s) : 0;
    return entries.map(([c, v]) => [c, v * f]);
  };
  const rows = movies.map((m, r) => {
    const tf = new Map();
    for (const w of words[r]) if (wordCol.has(w)) tf.set(w, (tf.get(w) ?? 0) + 1);
    const title = [...tf].map(([w, c]) => [wordCol.get(w), c * (Math.log((1 + n) / (1 + df.get(w))) + 1)]);
    const genre = m.genres.filter((g, i, a) => a.indexOf(g) === i).map((g) => [genreCol.get(g), 1]);
    const decade = m.year !== null ? [[decadeCol.get(Math.floor(m.year / 10) * 10), 1]] : [];
    const row = [...block(title, o.titleWeight), ...block(genre, o.genreWeight), ...block(decade, o.decadeWeight)].filter(([, v]) => v !== 0);
    return row.sort((a, b) => a[0] - b[0]);
  });
  return { rows, cols, blocks: { words: vocab.length, genres: genres.length, decades: decades.length } };
}

// ---- truncated SVD ----

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Orthonormalises the k columns of Y (n x k, column arrays) in place by modified Gram-Schmidt, twice. */
function orthonormalise(Y) {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < Y.length; j++) {
      const y = Y[j];
      for (let i = 0; i < j; i++) {
        const q = Y[i];
        let d = 0;
        for (let r = 0; r < y.length; r++) d += q[r] * y[r];
        for (let r = 0; r < y.length; r++) y[r] -= d * q[r];
      }
      let s = 0;
      for (let r = 0; r < y.length; r++) s += y[r] * y[r];
      s = Math.sqrt(s);
      if (s > 1e-300) for (let r = 0; r < y.length; r++) y[r] /= s;
      else y.fill(0);
    }
  }
}

/** X q for a column vector q (length cols) -> length n. */
function mulX(rows, q) {
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    let s = 0;
    for (const [c, v] of rows[r]) s += v * q[c];
    out[r] = s;
  }
  return out;
}

/** X^T y for a column vector y (length n) -> length cols. */
function mulXt(rows, cols, y) {
  const out = new Float64Array(cols);
  for (let r = 0; r < rows.length; r++) {
    const yr = y[r];
    if (yr === 0) continue;
    for (const [c, v] of rows[r]) out[c] += v * yr;
  }
  return out;
}

/** Eigen-decomposition of a small symmetric matrix (array of Float64Array rows) by cyclic Jacobi; values descending. */
function jacobiEigen(A) {
  const n = A.length;
  const a = A.map((r) => Float64Array.from(r));
  const v = Array.from({ length: n }, (_, i) => {
    const r = new Float64Array(n);
    r[i] = 1;
    return r;
  });
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y][y] - a[x][x] || x - y);
  return { values: order.map((i) => a[i][i]), vectors: order.map((i) => Float64Array.from(v, (row) => row[i])) };
}

/**
 * Top-k left singular vectors times singular values (n x k, as k column arrays) of the sparse
 * matrix X (rows x cols) by subspace iteration with oversampling, from a fixed-seed start.
 */
export function truncatedSvd(rows, cols, k, { iterations = 8, seed = 1 } = {}) {
  const n = rows.length;
  const kk = Math.min(k, n, cols);
  const l = Math.min(kk + 10, n, cols);
  const rnd = mulberry32(seed);
  let Q = Array.from({ length: l }, () => mulX(rows, Float64Array.from({ length: cols }, () => rnd() * 2 - 1)));
  orthonormalise(Q);
  for (let it = 0; it < iterations; it++) {
    const Z = Q.map((q) => mulXt(rows, cols, q));
    orthonormalise(Z);
    Q = Z.map((z) => mulX(rows, z));
    orthonormalise(Q);
  }
  // B = Q^T X (l x cols); B B^T = Q^T X X^T Q (l x l): its eigenvectors W give U = Q W, S^2 = eigenvalues.
  const Bt = Q.map((q) => mulXt(rows, cols, q)); // rows of B
  const G = Bt.map((bi) => Float64Array.from(Bt, (bj) => {
    let s = 0;
    for (let c = 0; c < cols; c++) s += bi[c] * bj[c];
    return s;
  }));
  const { values, vectors } = jacobiEigen(G);
  const out = [];
  for (let j = 0; j < k; j++) {
    const col = new Float64Array(n);
    if (j < kk) {
      const w = vectors[j];
      const sigma = Math.sqrt(Math.max(values[j], 0));
      for (let i = 0; i < l; i++) {
        const qi = Q[i];
        const f = w[i] * sigma;
        if (f !== 0) for (let r = 0; r < n; r++) col[r] += f * qi[r];
      }
      // Sign: the largest-magnitude entry positive (first on a tie).
      let best = 0;
      for (let r = 1; r < n; r++) if (Math.abs(col[r]) > Math.abs(col[best])) best = r;
      if (col[best] < 0) for (let r = 0; r < n; r++) col[r] = -col[r];
    }
    out.push(col);
  }
  return { columns: out, singularValues: values.slice(0, kk).map((v) => Math.sqrt(Math.max(v, 0))) };
}

// ---- safetensors ----

/** safetensors bytes for embeddings (F32 [n, d]) and item_ids (I32 [n]), laid out as the reference writer does. */
export function encodeSafetensors(embeddings, n, d, ids, metadata) {
  const emb = Buffer.from(embeddings.buffer, embeddings.byteOffset, embeddings.byteLength);
  const idb = Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength);
  // Descending dtype rank (F32 before I32), as the reference implementation orders tensors.
  const header = {
    __metadata__: Object.fromEntries(Object.keys(metadata).sort().map((k) => [k, String(metadata[k])])),
    embeddings: { dtype: 'F32', shape: [n, d], data_offsets: [0, emb.length] },
    item_ids: { dtype: 'I32', shape: [n], data_offsets: [emb.length, emb.length + idb.length] },
  };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, emb, idb]);
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const movies = readMovies(o.movies);
  const { rows, cols, blocks } = buildFeatures(movies, o);
  const n = movies.length;
  const d = o.dim;
  if (d > Math.min(n, cols)) process.stderr.write(`movie-embeddings: warning: --dim ${d} exceeds min(movies ${n}, features ${cols}); columns past ${Math.min(n, cols)} are 0\n`);
  const { columns } = truncatedSvd(rows, cols, d, { iterations: o.iterations, seed: o.seed });
  const emb = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += columns[j][r] ** 2;
    const f = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) emb[r * d + j] = columns[j][r] * f;
  }
  const ids = Int32Array.from(movies, (m) => m.id);
  const metadata = {
    source: basename(o.movies).replace(/\.gz$/i, ''), // the content's name: the same bytes for NAME and NAME.gz
    generator: 'scripts/movie-embeddings.mjs',
    features: `tfidf title words (${blocks.words}, min-df ${o.minDf}) x ${o.titleWeight} + genres (${blocks.genres}) x ${o.genreWeight} + decades (${blocks.decades}) x ${o.decadeWeight}`,
    reduction: `truncated SVD to ${d} (subspace iteration, ${o.iterations} iterations, seed ${o.seed}), L2-normalised rows`,
  };
  writeFileSync(o.out, encodeSafetensors(emb, n, d, ids, metadata));
  process.stdout.write(`movie-embeddings: ${n} movies, ${cols} features (${blocks.words} title words, ${blocks.genres} genres, ${blocks.decades} decades) -> ${d} dims; wrote ${o.out}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();

// Synthetic ratings with MovieLens-20M's shape, for the scale benchmarks (bench/scale/):
//   node scripts/gen-ml20m.mjs --out /tmp/ml20m-synth/ratings.csv [--scale 1] [--seed 1]
// writes ratings.csv as ML-20M's (header userId,movieId,rating,timestamp; rows sorted by user,
// then movieId; half-star ratings; Unix-second timestamps) with, at --scale 1,
//   138,493 users (ids 1..138493), 26,744 items (ids spread over 1..131262), 20,000,263 rows:
//   - each user rates >= 20 distinct items, lengths 20 + lognormal (median ~68, mean ~144,
//     capped at 9,254: ML-20M's figures), rescaled so the rows add up exactly;
//   - item popularity Zipf-Mandelbrot p_i ~ (i + 400)^-2.3 (top item ~65k ratings, median
//     ~19, as ML-20M: 67,310 and 18), every item rated at least once;
//   - timestamps: each user starts at a uniform time in 1995-01-09 .. 2015-03-31 and rates in
//     sessions (30% of ratings share the previous one's second; gaps heavy-tailed), and the
//     order of a user's items in time is random (no sequential signal: sizes, not quality).
// --scale s (tests) multiplies users and rows by s and items by sqrt(s), so that users keep
// ML-20M's history lengths within a catalogue that can hold them. Deterministic for a seed.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

export const ML20M_SHAPE = { users: 138_493, items: 26_744, interactions: 20_000_263, maxMovieId: 131_262, minPerUser: 20, maxPerUser: 9_254 };
const T_START = 789_652_009; // 1995-01-09, ML-20M's first rating
const T_END = 1_427_784_002; // 2015-03-31, its last
const RATINGS = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5];
const RATING_SHARE = [0.011, 0.034, 0.014, 0.072, 0.044, 0.214, 0.105, 0.278, 0.077, 0.151]; // ~ML-20M's histogram

/** splitmix32-style generator: next() uniform in [0, 1). */
function rng(seed) {
  let s = seed >>> 0 || 0x9e3779b9;
  const u32 = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const next = () => (u32() * 2 ** 21 + (u32() >>> 11)) / 2 ** 53;
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, normal, int: (n) => Math.floor(next() * n) };
}

/** Per-user lengths: min + lognormal excess, capped, rescaled so they sum to `total` exactly. */
export function userLengths(users, total, r, { min = 20, max = 9_254, sigma = 1.2 } = {}) {
  if (total < users * min) throw new RangeError(`gen-ml20m: ${total} interactions cannot give ${users} users ${min} each`);
  const w = new Float64Array(users);
  for (let u = 0; u < users; u++) w[u] = Math.exp(sigma * r.normal());
  const lengths = new Int32Array(users).fill(min);
  let left = total - users * min;
  // Distribute the excess proportionally to w, respecting the cap; repeat for what the cap cut off.
  while (left > 0) {
    let open = 0;
    for (let u = 0; u < users; u++) if (lengths[u] < max) open += w[u];
    if (open === 0) throw new RangeError(`gen-ml20m: ${total} interactions exceed ${users} users x ${max}`);
    const before = left;
    for (let u = 0; u < users && left > 0; u++) {
      if (lengths[u] >= max) continue;
      const add = Math.min(max - lengths[u], left, Math.floor((before * w[u]) / open));
      lengths[u] += add;
      left -= add;
    }
    for (let u = 0; left > 0 && u < users; u++) {
      const k = (u * 7919) % users; // the remainder, one each, spread over users
      if (lengths[k] < max) {
        lengths[k]++;
        left--;
      }
    }
  }
  return lengths;
}

/** Cumulative Zipf-Mandelbrot weights over item ranks 0..items-1, for inverse-CDF sampling. */
function popularityCdf(items, s = 2.3, q = 400) {
  const cdf = new Float64Array(items);
  let acc = 0;
  for (let i = 0; i < items; i++) cdf[i] = acc += (i + 1 + q) ** -s;
  for (let i = 0; i < items; i++) cdf[i] /= acc;
  return cdf;
}

function drawRank(cdf, x) {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `count` distinct ascending ids in 1..maxId (the movieIds: ML's are sparse). */
function sparseIds(count, maxId, r) {
  const taken = new Uint8Array(maxId + 1);
  let n = 0;
  while (n < count) {
    const id = 1 + r.int(maxId);
    if (!taken[id]) {
      taken[id] = 1;
      n++;
    }
  }
  const ids = new Int32Array(count);
  for (let id = 1, k = 0; id <= maxId; id++) if (taken[id]) ids[k++] = id;
  return ids;
}

/**
 * Generates the rows, user by user, calling emit(userId, movieIds, ratings, timestamps) with
 * the user's rows sorted by movieId. Returns the shape it produced.
 */
export function generate({ scale = 1, seed = 1 }, emit) {
  if (!(scale > 0 && scale <= 1)) throw new RangeError(`gen-ml20m: --scale must be in (0, 1], got ${scale}`);
  const r = rng(seed);
  const users = Math.max(1, Math.round(ML20M_SHAPE.users * scale));
  const items = Math.max(4 * ML20M_SHAPE.minPerUser, Math.round(ML20M_SHAPE.items * Math.sqrt(scale)));
  const total = Math.max(users * ML20M_SHAPE.minPerUser, Math.round(ML20M_SHAPE.interactions * scale));
  const maxLen = Math.min(ML20M_SHAPE.maxPerUser, items);
  const lengths = userLengths(users, total, r, { min: ML20M_SHAPE.minPerUser, max: maxLen });
  const cdf = popularityCdf(items);
  const movieIds = sparseIds(items, Math.max(items, Math.round(ML20M_SHAPE.maxMovieId * Math.sqrt(scale))), r);
  // Popularity rank -> item index: a random permutation, so popular items are not the low ids.
  const rankToItem = Int32Array.from({ length: items }, (_, i) => i);
  for (let i = items - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [rankToItem[i], rankToItem[j]] = [rankToItem[j], rankToItem[i]];
  }
  // Every item rated at least once: item k goes to a user drawn in proportion to length.
  const userCdf = new Float64Array(users);
  for (let u = 0, acc = 0; u < users; u++) userCdf[u] = acc += lengths[u] / total;
  const forced = Array.from({ length: users }, () => []);
  for (let k = 0; k < items; k++) {
    for (;;) {
      const u = drawRank(userCdf, r.next());
      if (forced[u].length < lengths[u]) {
        forced[u].push(k);
        break;
      }
    }
  }
  const stamp = new Int32Array(items).fill(-1); // stamp[item] = u when user u has it
  const itemCounts = new Int32Array(items);
  const ratingCdf = RATING_SHARE.map(((acc) => (p) => (acc += p))(0));
  let rows = 0;
  for (let u = 0; u < users; u++) {
    const n = lengths[u];
    const chosen = new Int32Array(n);
    let k = 0;
    for (const item of forced[u]) {
      stamp[item] = u;
      chosen[k++] = item;
    }
    while (k < n) {
      const item = rankToItem[drawRank(cdf, r.next())];
      if (stamp[item] === u) continue;
      stamp[item] = u;
      chosen[k++] = item;
    }
    chosen.sort(); // item index order = movieId order (movieIds ascend with the index)
    const ids = new Int32Array(n);
    const ratings = new Float32Array(n);
    const times = new Float64Array(n);
    let t = T_START + Math.floor(r.next() * (T_END - T_START) * 0.9);
    for (let j = 0; j < n; j++) {
      if (r.next() >= 0.3) t += Math.floor(Math.exp(Math.min(17, 4 + 2.5 * r.normal()))); // median ~1 minute, up to ~9 months
      times[j] = Math.min(t, T_END);
    }
    for (let j = n - 1; j > 0; j--) {
      const i = r.int(j + 1);
      const x = times[i];
      times[i] = times[j];
      times[j] = x;
    }
    for (let j = 0; j < n; j++) {
      ids[j] = movieIds[chosen[j]];
      itemCounts[chosen[j]]++;
      const x = r.next();
      let b = 0;
      while (b < RATINGS.length - 1 && x >= ratingCdf[b]) b++;
      ratings[j] = RATINGS[b];
    }
    emit(u + 1, ids, ratings, times);
    rows += n;
  }
  const sortedCounts = Int32Array.from(itemCounts).sort();
  const sortedLengths = Int32Array.from(lengths).sort();
  return {
    users, items, interactions: rows,
    perUser: { min: sortedLengths[0], median: sortedLengths[users >> 1], max: sortedLengths[users - 1] },
    perItem: { min: sortedCounts[0], median: sortedCounts[items >> 1], max: sortedCounts[items - 1] },
  };
}

/** Writes ratings.csv; returns the shape and the bytes written. */
export function writeRatingsCsv(path, options) {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  let bytes = 0;
  let buf = 'userId,movieId,rating,timestamp\n';
  const flush = () => {
    bytes += writeSync(fd, buf);
    buf = '';
  };
  try {
    const shape = generate(options, (user, ids, ratings, times) => {
      const prefix = `${user},`;
      for (let j = 0; j < ids.length; j++) buf += `${prefix}${ids[j]},${ratings[j]},${times[j]}\n`;
      if (buf.length > 1 << 22) flush();
    });
    flush();
    return { ...shape, bytes };
  } finally {
    closeSync(fd);
  }
}

function main() {
  const { values: a } = parseArgs({ options: { out: { type: 'string' }, scale: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean' } } });
  if (a.help || !a.out) {
    process.stdout.write('Usage: node scripts/gen-ml20m.mjs --out PATH/ratings.csv [--scale 1] [--seed 1]\n');
    process.exit(a.help ? 0 : 2);
  }
  const t0 = performance.now();
  const shape = writeRatingsCsv(a.out, { scale: a.scale ? Number(a.scale) : 1, seed: a.seed ? Number(a.seed) : 1 });
  console.log(JSON.stringify({ out: a.out, ...shape, seconds: +((performance.now() - t0) / 1000).toFixed(1) }));
}

if (import.meta.url === `file://${process.argv[1]}`) main();

// Twins of wgsl/attention_fwd.wgsl, attention_bwd_prep.wgsl, and of attention_bwd_q.wgsl with
// attention_bwd_kv.wgsl together (see those files for the math). q, k, v, out, dO: [B, L, d],
// head j at columns j*dh..; mask [B, L] u32; lse [B, heads, L]; stats [B, heads, L, 2] = (lse, D).
// With R > 0 query rows (ascending flat indices b * L + i, stored in `mask` after the B*L key
// flags), only those queries: q, out, dO, dq [R, d], lse [heads, R], stats [heads, R, 2]
// (wgsl/attention_common.wgsl). Each query carries its position in its sequence (vecPos), which
// the causal test and the dropout bits use.
//
// Per (b, head), the rows the kernel reads many times are packed once into the thread's
// scratch, as rows of dpad = dh rounded up to 8 floats (zero padded) or as transposed blocks of
// 64 rows ([dpad][64]). Every product of two 64-row blocks is a small GEMM (gemmBlock) on
// 4 x 8 register tiles, as the matmul micro-kernel: scores S = Q K^T of a whole block, then the
// online softmax row by row (exp four lanes at a time), then O += P V. The L x L matrix is never
// stored beyond one 64 x 64 block.
//
// The backward is one pass (attention_bwd: dq, dk and dv), where the GPU takes two (dq over
// query blocks, dk/dv over key blocks: no float atomics there). One thread owns a (b, head), so
// per key block (keys as rows) it recomputes S^T = K Q^T and dP^T = V dO^T once, forms
// dS^T = P (f dP - D) and (P f)^T, and accumulates dk += dS^T Q, dv += (P f)^T dO and, into a
// [L][dpad] accumulator of the whole sequence, dq += dS K (gemmBlockT, A read transposed).
// The fused kernels work on the (b, head) pairs item = b * heads + head in
// [itemStart, itemEnd), so the backend splits them across threads; each thread brings its own
// scratch (attention_scratch_bytes, sized by the call's L and head size).
import { expSoftmax4 } from './math';
import { hash_u32, hash_u32x4 } from './rng';
import { madd } from './simd';

const KB: u32 = 64; // keys per block
const QB: u32 = 64; // queries per block (== KB: the causal skips rely on it)
const BLK_ROW: usize = 64 * 4; // bytes of one row of a 64 x 64 block or of a transposed block
const NEG: f32 = -1e30; // finite running-max sentinel, as in the WGSL

// Workspace (the calling thread's scratch), laid out by setWork for the call: five arrays of all
// Lp = ceil(max(L, R) / 64) * 64 rows of the (b, head), four blocks of 64 packed rows, two 64 x 64
// blocks, and vectors. Globals are per instance, so per thread.
let allA: usize = 0; // K^T by blocks (fwd) or (scale Q)^T by blocks (bwd)
let allB: usize = 0; // V rows (fwd) or dO^T by blocks (bwd)
let allC: usize = 0; // (scale Q) rows (bwd)
let allD: usize = 0; // dO rows (bwd)
let allE: usize = 0; // dq accumulator rows (bwd)
let bufK: usize = 0; // K rows of one key block (bwd)
let bufV: usize = 0; // V rows of one key block (bwd)
let bufQ: usize = 0; // Q rows (times scale) of one query block (fwd)
let bufA: usize = 0; // accumulators: out (fwd) or dk (bwd)
let bufB: usize = 0; // accumulators: dv (bwd)
let blkS: usize = 0; // [64][64] scores, then weights / dS^T
let blkP: usize = 0; // [64][64] weights (fwd), dP^T then (P f)^T (bwd)
let vecM: usize = 0; // running max per query (fwd)
let vecL: usize = 0; // running sum per query (fwd)
let vecF: usize = 0; // key valid flags of all Lp keys (lane masks)
let vecN: usize = 0; // valid keys per key block
let vecLse: usize = 0; // lse of all Lp queries (bwd)
let vecD: usize = 0; // D = dO . O of all Lp queries (bwd)
let vecPos: usize = 0; // positions of the sequence's queries (u32), zero past their count
let queryCount: u32 = 0; // the number of queries loadQueries found

/** Bytes of workspace the kernels below need for sequence length L and head size dh. */
function attention_work_bytes(L: u32, dh: u32): usize {
  const rb = (<usize>((dh + 7) & ~7)) << 2;
  const nb = (<usize>L + 63) >> 6;
  const Lp = nb << 6;
  return 5 * Lp * rb + 4 * 64 * rb + 2 * 64 * BLK_ROW + 2 * 256 + 4 * (Lp << 2) + ((nb << 2) + 15 & ~15);
}

/**
 * Per-thread scratch for a call with these params (the fused kernels'). With R query rows a
 * sequence can hold up to R queries (repeated rows), so the arrays hold max(L, R) rows.
 */
export function attention_scratch_bytes(
  B: u32, L: u32, d: u32, heads: u32, dh: u32, scale: f32, dropout: u32, threshold: u32, seed: u32, invKeep: f32, causal: u32, R: u32,
): u32 {
  return <u32>attention_work_bytes(max(L, R), dh);
}

function setWork(work: usize, L: u32, dpad: u32): void {
  const rb = (<usize>dpad) << 2;
  const nb = (<usize>L + 63) >> 6;
  const Lp = nb << 6;
  allA = work;
  allB = allA + Lp * rb;
  allC = allB + Lp * rb;
  allD = allC + Lp * rb;
  allE = allD + Lp * rb;
  bufK = allE + Lp * rb;
  bufV = bufK + 64 * rb;
  bufQ = bufK; // the forward uses no bufK
  bufA = bufV + 64 * rb;
  bufB = bufA + 64 * rb;
  blkS = bufB + 64 * rb;
  blkP = blkS + 64 * BLK_ROW;
  vecM = blkP + 64 * BLK_ROW;
  vecL = vecM + 256;
  vecF = vecL + 256;
  vecLse = vecF + (Lp << 2);
  vecD = vecLse + (Lp << 2);
  vecPos = vecD + (Lp << 2);
  vecN = vecPos + (Lp << 2);
}

// ---- block GEMM ----

// C[0:4, 0:8] = (accumulate ? C : 0) + sum_{k < kc} A[r][k] B[k][0:8]: A[r][k] at
// a + r * aRow + k * aStep bytes (read as broadcasts; aRow = lda, aStep = 4 for row-major A,
// aRow = 4, aStep = ldaT for A given transposed), B rows ldb bytes apart, C rows ldc bytes apart.
// Eight accumulators in registers, one k per iteration, as the matmul micro-kernel (kernels/matmul.ts).
function tile4x8(kc: u32, a: usize, aRow: usize, aStep: usize, b: usize, ldb: usize, c: usize, ldc: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const c1 = c + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  if (accumulate) {
    c00 = v128.load(c);
    c01 = v128.load(c, 16);
    c10 = v128.load(c1);
    c11 = v128.load(c1, 16);
    c20 = v128.load(c2);
    c21 = v128.load(c2, 16);
    c30 = v128.load(c3);
    c31 = v128.load(c3, 16);
  }
  const a2: usize = aRow << 1;
  const a3: usize = aRow * 3;
  for (let k: u32 = 0; k < kc; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(a + aRow);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load32_splat(a + a2);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    x = v128.load32_splat(a + a3);
    c30 = madd(x, b0, c30);
    c31 = madd(x, b1, c31);
    a += aStep;
    b += ldb;
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c1, c10);
  v128.store(c1, c11, 16);
  v128.store(c2, c20);
  v128.store(c2, c21, 16);
  v128.store(c3, c30);
  v128.store(c3, c31, 16);
}

// C[m x n] (+)= A[m x kc] B[kc x n], m a multiple of 4, n of 8 (the blocks are padded so).
function gemmBlock(m: u32, n: u32, kc: u32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize, accumulate: bool): void {
  for (let r: u32 = 0; r < m; r += 4) {
    for (let col: u32 = 0; col < n; col += 8) {
      tile4x8(kc, a + (<usize>r) * lda, lda, 4, b + ((<usize>col) << 2), ldb, c + (<usize>r) * ldc + ((<usize>col) << 2), ldc, accumulate);
    }
  }
}

// C[m x n] (+)= A[m x kc] B[kc x n] with A given transposed (aT: [kc][m], rows ldaT bytes apart).
function gemmBlockT(m: u32, n: u32, kc: u32, aT: usize, ldaT: usize, b: usize, ldb: usize, c: usize, ldc: usize, accumulate: bool): void {
  for (let r: u32 = 0; r < m; r += 4) {
    for (let col: u32 = 0; col < n; col += 8) {
      tile4x8(kc, aT + ((<usize>r) << 2), 4, ldaT, b + ((<usize>col) << 2), ldb, c + (<usize>r) * ldc + ((<usize>col) << 2), ldc, accumulate);
    }
  }
}

// ---- packing ----

// dst[0..dpad) = alpha * src[0..dh), zero past dh.
@inline function packRow(dst: usize, src: usize, dh: u32, dpad: u32, alpha: f32): void {
  const a4 = f32x4.splat(alpha);
  const dh4 = dh & ~3;
  let e: u32 = 0;
  for (; e < dh4; e += 4) v128.store(dst + ((<usize>e) << 2), f32x4.mul(v128.load(src + ((<usize>e) << 2)), a4));
  for (; e < dh; e++) store<f32>(dst + ((<usize>e) << 2), load<f32>(src + ((<usize>e) << 2)) * alpha);
  for (; e < dpad; e++) store<f32>(dst + ((<usize>e) << 2), 0);
}

// dst[0..dh) = alpha * src[0..dh) (src packed, dst a strided row of a [B, L, d] tensor).
@inline function unpackRow(dst: usize, src: usize, dh: u32, alpha: f32): void {
  const a4 = f32x4.splat(alpha);
  const dh4 = dh & ~3;
  let e: u32 = 0;
  for (; e < dh4; e += 4) v128.store(dst + ((<usize>e) << 2), f32x4.mul(v128.load(src + ((<usize>e) << 2)), a4));
  for (; e < dh; e++) store<f32>(dst + ((<usize>e) << 2), load<f32>(src + ((<usize>e) << 2)) * alpha);
}

// Transposed block: dst[e][j] = alpha * row_j[e] for j < n, e < dh (rows of a [B, L, d] tensor
// from row `i0`, column `col`), zero for j in [n, n8) and for e in [dh, dpad).
function packTransposed(dst: usize, src: usize, b: u32, L: u32, i0: u32, n: u32, n8: u32, d: u32, col: u32, dh: u32, dpad: u32, alpha: f32): void {
  for (let j: u32 = 0; j < n; j++) {
    const row = rowAddr(src, b, L, i0 + j, d, col);
    const at = dst + ((<usize>j) << 2);
    for (let e: u32 = 0; e < dh; e++) store<f32>(at + (<usize>e) * BLK_ROW, load<f32>(row + ((<usize>e) << 2)) * alpha);
  }
  for (let e: u32 = 0; e < dpad; e++) {
    const at = dst + (<usize>e) * BLK_ROW;
    if (e >= dh) memory.fill(at, 0, (<usize>n8) << 2);
    else if (n8 > n) memory.fill(at + ((<usize>n) << 2), 0, (<usize>(n8 - n)) << 2);
  }
}

@inline function rowAddr(base: usize, b: u32, L: u32, i: u32, d: u32, col: u32): usize {
  return base + ((<usize>((b * L + i) * d + col)) << 2);
}

// Loads the valid flags of keys 0..L-1 of sequence b into vecF as lane masks (valid: all ones,
// else 0), zero padded to a multiple of 64, and each key block's count of valid keys into vecN.
function loadAllFlags(mask: usize, b: u32, L: u32): void {
  for (let k0: u32 = 0; k0 < L; k0 += KB) {
    const k1 = min(L, k0 + KB);
    let n: u32 = 0;
    for (let j = k0; j < k1; j++) {
      const ok: u32 = load<u32>(mask + ((<usize>(b * L + j)) << 2)) != 0 ? 1 : 0;
      store<u32>(vecF + ((<usize>j) << 2), 0 - ok);
      n += ok;
    }
    store<u32>(vecN + ((<usize>(k0 / KB)) << 2), n);
  }
  const Lp = (L + 63) & ~63;
  if (Lp > L) memory.fill(vecF + ((<usize>L) << 2), 0, (<usize>(Lp - L)) << 2);
}

// The first of the R ascending query rows at `rows` that is >= x.
function firstQueryRowFrom(rows: usize, R: u32, x: u32): u32 {
  let lo: u32 = 0;
  let hi = R;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (load<u32>(rows + ((<usize>mid) << 2)) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The queries of sequence b: without query rows (R == 0) the q rows b*L .. b*L+L-1 at positions
// 0 .. L-1, else the query rows inside the sequence. Writes their positions into vecPos (zero
// past them, to a multiple of 64) and their count into queryCount; returns the first q row.
function loadQueries(mask: usize, B: u32, L: u32, R: u32, b: u32): u32 {
  let first = b * L;
  let count = L;
  if (R == 0) {
    for (let i: u32 = 0; i < L; i++) store<u32>(vecPos + ((<usize>i) << 2), i);
  } else {
    const rows = mask + ((<usize>(B * L)) << 2);
    first = firstQueryRowFrom(rows, R, b * L);
    count = firstQueryRowFrom(rows, R, (b + 1) * L) - first;
    for (let i: u32 = 0; i < count; i++) store<u32>(vecPos + ((<usize>i) << 2), load<u32>(rows + ((<usize>(first + i)) << 2)) - b * L);
  }
  const np = (count + 63) & ~63;
  if (np > count) memory.fill(vecPos + ((<usize>count) << 2), 0, (<usize>(np - count)) << 2);
  queryCount = count;
  return first;
}

@inline function posAt(i: u32): u32 {
  return load<u32>(vecPos + ((<usize>i) << 2));
}

// Lane masks of the dropout keep test for four indices: all ones where hash_u32(i ^ hs) >= threshold.
@inline function keepAt4(idx: v128, hs: u32, threshold: u32): v128 {
  return i32x4.ge_u(hash_u32x4(v128.xor(idx, i32x4.splat(hs))), i32x4.splat(threshold));
}

// Lane masks of the dropout keep test for the indices i0, i0 + step, i0 + 2 step, i0 + 3 step:
// all ones where hash_u32(i ^ hs) >= threshold (the same bits as the scalar test).
@inline function keep4(i0: u32, step: u32, hs: u32, threshold: u32): v128 {
  return keepAt4(i32x4.add(i32x4.splat(i0), i32x4.mul(i32x4(0, 1, 2, 3), i32x4.splat(step))), hs, threshold);
}

// Causal lane masks: all ones where j0 + lane <= limit (keys j0.. of a query that may read keys
// up to `limit`, relative to the block), else 0.
@inline function upTo4(j0: i32, limit: i32): v128 {
  return i32x4.le_s(i32x4.add(i32x4.splat(j0), i32x4(0, 1, 2, 3)), i32x4.splat(limit));
}

@inline function hmax4(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

@inline function hsum4(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

@inline function zeroRows(base: usize, from: u32, to: u32, rowBytes: usize): void {
  if (to > from) memory.fill(base + (<usize>from) * rowBytes, 0, (<usize>(to - from)) * rowBytes);
}

// Rows i0 .. i0 + n - 1 of a [B, L, d] tensor (the head's columns from `col`), packed and
// times alpha into dst, then zero rows n .. npad - 1.
function packRows(dst: usize, src: usize, b: u32, L: u32, i0: u32, n: u32, npad: u32, d: u32, col: u32, dh: u32, dpad: u32, alpha: f32): void {
  const rb = (<usize>dpad) << 2;
  for (let i: u32 = 0; i < n; i++) packRow(dst + (<usize>i) * rb, rowAddr(src, b, L, i0 + i, d, col), dh, dpad, alpha);
  zeroRows(dst, n, npad, rb);
}

// ---- kernels ----

// Packs what the forward reads for every query block of (b, head) once: K^T by blocks into allA
// ([dpad][64] each), V rows into allB. Key blocks with no valid key are skipped (never read).
function packKeys(k: usize, v: usize, b: u32, L: u32, d: u32, col: u32, dh: u32, dpad: u32): void {
  const rb = (<usize>dpad) << 2;
  for (let k0: u32 = 0; k0 < L; k0 += KB) {
    if (load<u32>(vecN + ((<usize>(k0 / KB)) << 2)) == 0) continue;
    const nk = min(KB, L - k0);
    packTransposed(allA + (<usize>k0) * rb, k, b, L, k0, nk, (nk + 7) & ~7, d, col, dh, dpad, 1);
    packRows(allB + (<usize>k0) * rb, v, b, L, k0, nk, nk, d, col, dh, dpad, 1);
  }
}

export function attention_fwd(
  q: usize, k: usize, v: usize, mask: usize, out: usize, lse: usize,
  B: u32, L: u32, d: u32, heads: u32, dh: u32, scale: f32, dropout: u32, threshold: u32, seed: u32, invKeep: f32, causal: u32, R: u32,
  itemStart: u32, itemEnd: u32, scratch: usize,
): void {
  const dpad = (dh + 7) & ~7;
  const rb = (<usize>dpad) << 2;
  const hs = hash_u32(seed);
  setWork(scratch, max(L, R), dpad);
  let flagsOf: u32 = 0xffffffff; // the sequence whose flags, queries and packed keys are loaded
  let first: u32 = 0; // its first q row
  let count: u32 = 0; // its number of queries
  for (let item: u32 = itemStart; item < itemEnd; item++) {
    const b = item / heads;
    const head = item % heads;
    const col = head * dh;
    if (b != flagsOf) {
      loadAllFlags(mask, b, L);
      first = loadQueries(mask, B, L, R, b);
      count = queryCount;
      flagsOf = b;
    }
    if (count == 0) continue;
    const statBase = R == 0 ? (b * heads + head) * L : head * R + first; // lse row of the first query
    packKeys(k, v, b, L, d, col, dh, dpad);
    for (let q0: u32 = 0; q0 < count; q0 += QB) {
      const nq = min(QB, count - q0);
      const nq4 = (nq + 3) & ~3;
      packRows(bufQ, q, 0, 0, first + q0, nq, nq4, d, col, dh, dpad, scale);
      for (let ii: u32 = 0; ii < nq; ii++) {
        store<f32>(vecM + ((<usize>ii) << 2), NEG);
        store<f32>(vecL + ((<usize>ii) << 2), 0);
      }
      zeroRows(bufA, 0, nq4, rb);
      // causal: key blocks after this query block's last position are skipped; the blocks past
      // its first position are masked per query
      const kEnd = causal ? min(L, posAt(q0 + nq - 1) + 1) : L;
      for (let k0: u32 = 0; k0 < kEnd; k0 += KB) {
        if (load<u32>(vecN + ((<usize>(k0 / KB)) << 2)) == 0) continue;
        const nk = min(KB, L - k0);
        const nk8 = (nk + 7) & ~7;
        const flags = vecF + ((<usize>k0) << 2);
        const diagonal = causal != 0 && k0 + nk > posAt(q0);
        gemmBlock(nq4, nk8, dpad, bufQ, rb, allA + (<usize>k0) * rb, BLK_ROW, blkS, BLK_ROW, false); // S = (scale Q) K^T
        for (let ii: u32 = 0; ii < nq; ii++) {
          const rowS = blkS + (<usize>ii) * BLK_ROW;
          const rowW = blkP + (<usize>ii) * BLK_ROW;
          const pos = posAt(q0 + ii);
          const limit = <i32>pos - <i32>k0;
          // max over the valid keys, four at a time (invalid and padding lanes read as NEG)
          let m4 = f32x4.splat(NEG);
          for (let j: u32 = 0; j < nk; j += 4) {
            const o = (<usize>j) << 2;
            let ok = v128.load(flags + o);
            if (diagonal) ok = v128.and(ok, upTo4(<i32>j, limit));
            m4 = f32x4.pmax(m4, v128.bitselect(v128.load(rowS + o), f32x4.splat(NEG), ok));
          }
          const mOld = load<f32>(vecM + ((<usize>ii) << 2));
          const mNew = max(mOld, hmax4(m4));
          const corr = Mathf.exp(mOld - mNew);
          const rng0 = ((b * heads + head) * L + pos) * L + k0;
          // weights: p_j of the valid keys (0 elsewhere), times the dropout keep factor; l sums
          // the undropped p_j in four lane-wise partial sums
          const m4New = f32x4.splat(mNew);
          let l4 = f32x4.splat(0);
          for (let j: u32 = 0; j < nk; j += 4) {
            const o = (<usize>j) << 2;
            let ok = v128.load(flags + o);
            if (diagonal) ok = v128.and(ok, upTo4(<i32>j, limit));
            const p4 = v128.and(expSoftmax4(f32x4.sub(v128.load(rowS + o), m4New)), ok);
            l4 = f32x4.add(l4, p4);
            v128.store(rowW + o, dropout ? v128.and(f32x4.mul(p4, f32x4.splat(invKeep)), keep4(rng0 + j, 1, hs, threshold)) : p4);
          }
          store<f32>(vecL + ((<usize>ii) << 2), load<f32>(vecL + ((<usize>ii) << 2)) * corr + hsum4(l4));
          store<f32>(vecM + ((<usize>ii) << 2), mNew);
          // rescale this query's accumulator by corr before adding the block
          if (corr != 1) {
            const accRow = bufA + (<usize>ii) * rb;
            const c4 = f32x4.splat(corr);
            for (let e: u32 = 0; e < dpad; e += 4) v128.store(accRow + ((<usize>e) << 2), f32x4.mul(v128.load(accRow + ((<usize>e) << 2)), c4));
          }
        }
        zeroRows(blkP, nq, nq4, BLK_ROW);
        gemmBlock(nq4, dpad, nk, blkP, BLK_ROW, allB + (<usize>k0) * rb, rb, bufA, rb, true); // O += W V
      }
      for (let ii: u32 = 0; ii < nq; ii++) {
        const l = load<f32>(vecL + ((<usize>ii) << 2));
        const m = load<f32>(vecM + ((<usize>ii) << 2));
        unpackRow(rowAddr(out, 0, 0, first + q0 + ii, d, col), bufA + (<usize>ii) * rb, dh, l > 0 ? 1 / l : 0);
        store<f32>(lse + ((<usize>(statBase + q0 + ii)) << 2), l > 0 ? m + Mathf.log(l) : 0);
      }
    }
  }
}

// stats[2r] = lse[r], stats[2r+1] = dO_r . O_r, r = (b*heads + head)*L + i.
export function attention_bwd_prep(dOut: usize, out: usize, lse: usize, stats: usize, rows: u32, L: u32, d: u32, heads: u32, dh: u32): void {
  const dh4 = dh & ~3;
  let r: u32 = 0;
  for (let bh: u32 = 0; r < rows; bh++) {
    const base = (<usize>((bh / heads) * L * d + (bh % heads) * dh)) << 2;
    for (let i: u32 = 0; i < L && r < rows; i++, r++) {
      const off = base + ((<usize>(i * d)) << 2);
      let acc4 = f32x4.splat(0);
      let e: u32 = 0;
      for (; e < dh4; e += 4) acc4 = madd(v128.load(dOut + off + ((<usize>e) << 2)), v128.load(out + off + ((<usize>e) << 2)), acc4);
      let acc = hsum4(acc4);
      for (; e < dh; e++) acc += load<f32>(dOut + off + ((<usize>e) << 2)) * load<f32>(out + off + ((<usize>e) << 2));
      store<f32>(stats + ((<usize>r) << 3), load<f32>(lse + ((<usize>r) << 2)));
      store<f32>(stats + ((<usize>r) << 3) + 4, acc);
    }
  }
}

// Packs what the backward reads for every key block of (b, head) once, for the `count` queries
// in q rows first.. (stats rows s0..): (scale Q)^T and dO^T by blocks (allA, allB), scale Q and
// dO rows (allC, allD), lse and D of every query (zero past count).
function packQueries(q: usize, dOut: usize, stats: usize, s0: u32, first: u32, count: u32, d: u32, col: u32, dh: u32, dpad: u32, scale: f32): void {
  const rb = (<usize>dpad) << 2;
  for (let q0: u32 = 0; q0 < count; q0 += QB) {
    const nq = min(QB, count - q0);
    const nq8 = (nq + 7) & ~7;
    const at = (<usize>q0) * rb;
    packTransposed(allA + at, q, 0, 0, first + q0, nq, nq8, d, col, dh, dpad, scale);
    packTransposed(allB + at, dOut, 0, 0, first + q0, nq, nq8, d, col, dh, dpad, 1);
    packRows(allC + at, q, 0, 0, first + q0, nq, nq, d, col, dh, dpad, scale);
    packRows(allD + at, dOut, 0, 0, first + q0, nq, nq, d, col, dh, dpad, 1);
  }
  for (let i: u32 = 0; i < count; i++) {
    const s = stats + ((<usize>(s0 + i)) << 3);
    store<f32>(vecLse + ((<usize>i) << 2), load<f32>(s));
    store<f32>(vecD + ((<usize>i) << 2), load<f32>(s, 4));
  }
  const np = (count + 63) & ~63;
  if (np > count) {
    memory.fill(vecLse + ((<usize>count) << 2), 0, (<usize>(np - count)) << 2);
    memory.fill(vecD + ((<usize>count) << 2), 0, (<usize>(np - count)) << 2);
  }
}

// dv_j = sum_i P_ij f_ij dO_i;  dk_j = scale * sum_i dS_ij q_i;  dq_i = scale * sum_j dS_ij k_j,
// dS_ij = P_ij (f_ij dO_i.v_j - D_i). Outputs dq, dk, dv.
export function attention_bwd(
  q: usize, k: usize, v: usize, mask: usize, dOut: usize, stats: usize, dq: usize, dk: usize, dv: usize,
  B: u32, L: u32, d: u32, heads: u32, dh: u32, scale: f32, dropout: u32, threshold: u32, seed: u32, invKeep: f32, causal: u32, R: u32,
  itemStart: u32, itemEnd: u32, scratch: usize,
): void {
  const dpad = (dh + 7) & ~7;
  const rb = (<usize>dpad) << 2;
  const hs = hash_u32(seed);
  setWork(scratch, max(L, R), dpad);
  let flagsOf: u32 = 0xffffffff;
  let first: u32 = 0; // the sequence's first q row
  let count: u32 = 0; // its number of queries
  for (let item: u32 = itemStart; item < itemEnd; item++) {
    const b = item / heads;
    const head = item % heads;
    const col = head * dh;
    const rngBase = (b * heads + head) * L; // dropout index of query position i, key j: (rngBase + i) * L + j
    if (b != flagsOf) {
      loadAllFlags(mask, b, L);
      first = loadQueries(mask, B, L, R, b);
      count = queryCount;
      flagsOf = b;
    }
    const statBase = R == 0 ? rngBase : head * R + first; // stats row of the first query
    packQueries(q, dOut, stats, statBase, first, count, d, col, dh, dpad, scale);
    zeroRows(allE, 0, (count + 3) & ~3, rb);
    for (let k0: u32 = 0; k0 < L; k0 += KB) {
      const nk = min(KB, L - k0);
      const nk4 = (nk + 3) & ~3;
      const nValid = load<u32>(vecN + ((<usize>(k0 / KB)) << 2));
      const flags = vecF + ((<usize>k0) << 2);
      zeroRows(bufA, 0, nk4, rb);
      zeroRows(bufB, 0, nk4, rb);
      if (nValid > 0) {
        packRows(bufK, k, b, L, k0, nk, nk4, d, col, dh, dpad, 1);
        packRows(bufV, v, b, L, k0, nk, nk4, d, col, dh, dpad, 1);
      }
      for (let q0: u32 = 0; nValid > 0 && q0 < count; q0 += QB) {
        const nq = min(QB, count - q0);
        // causal: a query block whose last position is before this key block is skipped; one
        // whose first position is before the block's last key is masked per element
        if (causal != 0 && posAt(q0 + nq - 1) < k0) continue;
        const nq4 = (nq + 3) & ~3;
        const nq8 = (nq + 7) & ~7;
        const diagonal = causal != 0 && posAt(q0) < k0 + nk;
        const pos4At = vecPos + ((<usize>q0) << 2);
        const at = (<usize>q0) * rb;
        const lse4At = vecLse + ((<usize>q0) << 2);
        const d4At = vecD + ((<usize>q0) << 2);
        gemmBlock(nk4, nq8, dpad, bufK, rb, allA + at, BLK_ROW, blkS, BLK_ROW, false); // S^T = K (scale Q)^T
        gemmBlock(nk4, nq8, dpad, bufV, rb, allB + at, BLK_ROW, blkP, BLK_ROW, false); // dP^T = V dO^T
        // per key j (a row), four queries at a time: dS^T = P (f dP - D) into blkS, (P f)^T into
        // blkP; rows of invalid keys are zeroed, so they add nothing (their dk, dv stay 0)
        for (let j: u32 = 0; j < nk; j++) {
          const rowS = blkS + (<usize>j) * BLK_ROW;
          const rowP = blkP + (<usize>j) * BLK_ROW;
          if (!load<u32>(flags + ((<usize>j) << 2))) {
            memory.fill(rowS, 0, (<usize>nq4) << 2);
            memory.fill(rowP, 0, (<usize>nq4) << 2);
            continue;
          }
          const key = k0 + j;
          const rngKey = i32x4.splat(rngBase * L + key);
          for (let i: u32 = 0; i < nq; i += 4) {
            const o = (<usize>i) << 2;
            let p4 = expSoftmax4(f32x4.sub(v128.load(rowS + o), v128.load(lse4At + o)));
            // causal: a query reads the key when its position is >= the key's
            if (diagonal) p4 = v128.and(p4, i32x4.ge_s(v128.load(pos4At + o), i32x4.splat(key)));
            if (dropout) {
              const idx = i32x4.add(i32x4.mul(v128.load(pos4At + o), i32x4.splat(L)), rngKey);
              const f4 = v128.and(f32x4.splat(invKeep), keepAt4(idx, hs, threshold));
              v128.store(rowS + o, f32x4.mul(p4, f32x4.sub(f32x4.mul(f4, v128.load(rowP + o)), v128.load(d4At + o))));
              v128.store(rowP + o, f32x4.mul(p4, f4));
            } else {
              v128.store(rowS + o, f32x4.mul(p4, f32x4.sub(v128.load(rowP + o), v128.load(d4At + o))));
              v128.store(rowP + o, p4);
            }
          }
        }
        zeroRows(blkS, nk, nk4, BLK_ROW);
        zeroRows(blkP, nk, nk4, BLK_ROW);
        gemmBlock(nk4, dpad, nq, blkS, BLK_ROW, allC + at, rb, bufA, rb, true); // dK += dS^T (scale Q)
        gemmBlock(nk4, dpad, nq, blkP, BLK_ROW, allD + at, rb, bufB, rb, true); // dV += (P f)^T dO
        gemmBlockT(nq4, dpad, nk, blkS, BLK_ROW, bufK, rb, allE + at, rb, true); // dQ += dS K
      }
      for (let jj: u32 = 0; jj < nk; jj++) {
        unpackRow(rowAddr(dk, b, L, k0 + jj, d, col), bufA + (<usize>jj) * rb, dh, 1);
        unpackRow(rowAddr(dv, b, L, k0 + jj, d, col), bufB + (<usize>jj) * rb, dh, 1);
      }
    }
    for (let i: u32 = 0; i < count; i++) unpackRow(rowAddr(dq, 0, 0, first + i, d, col), allE + (<usize>i) * rb, dh, scale);
  }
}

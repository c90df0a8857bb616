// Twins of wgsl/attention_fwd.wgsl, attention_bwd_prep.wgsl, attention_bwd_q.wgsl and
// attention_bwd_kv.wgsl (see those files for the math). q, k, v, out, dO: [B, L, d], head j at
// columns j*dh..; mask [B, L] u32; lse [B, heads, L]; stats [B, heads, L, 2] = (lse, D).
//
// Per (b, head), blocks of QB queries and KB keys are packed into a workspace, row-major as
// rows of dpad = dh rounded up to 8 floats (zero padded), or transposed ([dpad][64]). Every
// product of two blocks is a small GEMM (gemmBlock) on 4 x 8 register tiles, as the matmul
// micro-kernel: scores S = Q K^T of a whole block, then the online softmax row by row (exp
// four lanes at a time), then O += P V. The L x L matrix is never stored beyond one 64 x 64
// block. The backward passes recompute S the same way: dq from dS K, and dk, dv from the
// transposed blocks (keys as rows): S^T = K Q^T, dP^T = V dO^T, dk += dS^T Q, dv += (P f)^T dO.
// The fused kernels work on the (b, head) pairs item = b * heads + head in
// [itemStart, itemEnd), so the backend splits them across threads; each thread brings its own
// scratch (attention_scratch_bytes).
import { exp4 } from './math';
import { pcg_hash, pcg_hash4 } from './rng';
import { madd } from './simd';

const KB: u32 = 64; // keys per block
const QB: u32 = 64; // queries per block
const BLK_ROW: usize = 64 * 4; // bytes of one row of a 64 x 64 block or of a transposed block
const NEG: f32 = -1e30; // finite running-max sentinel, as in the WGSL

// Workspace (the calling thread's scratch): six blocks of 64 packed rows, two transposed
// blocks [dpad][64], two 64 x 64 blocks and five vectors of 64.
// The addresses are set by setWork() at each entry (globals are per instance, so per thread).
let bufK: usize = 0; // K rows
let bufV: usize = 0; // V rows
let bufQ: usize = 0; // Q rows (times scale)
let bufO: usize = 0; // dO rows
let bufA: usize = 0; // accumulators (out / dq / dk)
let bufB: usize = 0; // accumulators (dv)
let bufT1: usize = 0; // transposed block: K^T (fwd, dq) or (scale Q)^T (dk/dv)
let bufT2: usize = 0; // transposed block: V^T (dq) or dO^T (dk/dv)
let blkS: usize = 0; // [64][64] scores, then weights / dS
let blkP: usize = 0; // [64][64] weights (fwd), dP (dq), dP^T then (P f)^T (dk/dv)
let vecM: usize = 0; // running max per query
let vecL: usize = 0; // running sum per query
let vecF: usize = 0; // key valid flags (lane masks)
let vecLse: usize = 0; // lse per query (dk/dv)
let vecD: usize = 0; // D = dO . O per query (dk/dv)

/** Bytes of workspace the kernels below need for head size dh. */
export function attention_work_bytes(dh: u32): u32 {
  const dpad = (dh + 7) & ~7;
  return 6 * 64 * (dpad << 2) + 2 * dpad * <u32>BLK_ROW + 2 * KB * QB * 4 + 5 * 64 * 4;
}

/** Per-thread scratch for the largest head size (ATTENTION_MAX_HEAD_DIM = 128). */
export function attention_scratch_bytes(): u32 {
  return attention_work_bytes(128);
}

function setWork(work: usize, rb: usize, dpad: u32): void {
  bufK = work;
  bufV = bufK + 64 * rb;
  bufQ = bufV + 64 * rb;
  bufO = bufQ + 64 * rb;
  bufA = bufO + 64 * rb;
  bufB = bufA + 64 * rb;
  bufT1 = bufB + 64 * rb;
  bufT2 = bufT1 + <usize>dpad * BLK_ROW;
  blkS = bufT2 + <usize>dpad * BLK_ROW;
  blkP = blkS + <usize>(KB * QB * 4);
  vecM = blkP + <usize>(KB * QB * 4);
  vecL = vecM + 256;
  vecF = vecL + 256;
  vecLse = vecF + 256;
  vecD = vecLse + 256;
}

// ---- block GEMM ----

// C[0:4, 0:8] = (accumulate ? C : 0) + sum_{k < kc} A[r][k] B[k][0:8]: A rows lda bytes apart
// (read as broadcasts), B rows ldb bytes apart, C rows ldc bytes apart. Eight accumulators in
// registers, one k per iteration, as the matmul micro-kernel (kernels/matmul.ts).
function tile4x8(kc: u32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize, accumulate: bool): void {
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
  const a1 = a + lda;
  const a2 = a1 + lda;
  const a3 = a2 + lda;
  for (let k: u32 = 0; k < kc; k++) {
    const o = (<usize>k) << 2;
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a + o);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(a1 + o);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load32_splat(a2 + o);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    x = v128.load32_splat(a3 + o);
    c30 = madd(x, b0, c30);
    c31 = madd(x, b1, c31);
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
      tile4x8(kc, a + (<usize>r) * lda, lda, b + ((<usize>col) << 2), ldb, c + (<usize>r) * ldc + ((<usize>col) << 2), ldc, accumulate);
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

// Loads the key block's valid flags into vecF as lane masks (valid: all ones, else 0), zero
// padded to a multiple of 8 keys; returns how many keys are valid.
@inline function loadFlags(mask: usize, b: u32, L: u32, k0: u32, nk: u32): u32 {
  let n: u32 = 0;
  for (let j: u32 = 0; j < nk; j++) {
    const ok: u32 = load<u32>(mask + ((<usize>(b * L + k0 + j)) << 2)) != 0 ? 1 : 0;
    store<u32>(vecF + ((<usize>j) << 2), 0 - ok);
    n += ok;
  }
  for (let j = nk; (j & 7) != 0; j++) store<u32>(vecF + ((<usize>j) << 2), 0);
  return n;
}

// Lane masks of the dropout keep test for the indices i0, i0 + step, i0 + 2 step, i0 + 3 step:
// all ones where pcg_hash(i ^ hs) >= threshold (the same bits as the scalar test).
@inline function keep4(i0: u32, step: u32, hs: u32, threshold: u32): v128 {
  const idx = i32x4.add(i32x4.splat(i0), i32x4.mul(i32x4(0, 1, 2, 3), i32x4.splat(step)));
  return i32x4.ge_u(pcg_hash4(v128.xor(idx, i32x4.splat(hs))), i32x4.splat(threshold));
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

export function attention_fwd(
  q: usize, k: usize, v: usize, mask: usize, out: usize, lse: usize,
  B: u32, L: u32, d: u32, heads: u32, dh: u32, scale: f32, dropout: u32, threshold: u32, seed: u32, invKeep: f32, causal: u32,
  itemStart: u32, itemEnd: u32, scratch: usize,
): void {
  const dpad = (dh + 7) & ~7;
  const rb = (<usize>dpad) << 2;
  const hs = pcg_hash(seed);
  setWork(scratch, rb, dpad);
  for (let item: u32 = itemStart; item < itemEnd; item++) {
    const b = item / heads;
    const head = item % heads;
    const col = head * dh;
    for (let q0: u32 = 0; q0 < L; q0 += QB) {
      const nq = min(QB, L - q0);
      const nq4 = (nq + 3) & ~3;
      packRows(bufQ, q, b, L, q0, nq, nq4, d, col, dh, dpad, scale);
      for (let ii: u32 = 0; ii < nq; ii++) {
        store<f32>(vecM + ((<usize>ii) << 2), NEG);
        store<f32>(vecL + ((<usize>ii) << 2), 0);
      }
      zeroRows(bufA, 0, nq4, rb);
      // causal: key blocks after this query block are skipped; the diagonal block is masked per query
      const kEnd = causal ? min(L, q0 + nq) : L;
      for (let k0: u32 = 0; k0 < kEnd; k0 += KB) {
        const nk = min(KB, L - k0);
        const nk8 = (nk + 7) & ~7;
        if (loadFlags(mask, b, L, k0, nk) == 0) continue;
        const diagonal = causal != 0 && k0 + nk > q0;
        packTransposed(bufT1, k, b, L, k0, nk, nk8, d, col, dh, dpad, 1);
        packRows(bufV, v, b, L, k0, nk, nk, d, col, dh, dpad, 1);
        gemmBlock(nq4, nk8, dpad, bufQ, rb, bufT1, BLK_ROW, blkS, BLK_ROW, false); // S = (scale Q) K^T
        for (let ii: u32 = 0; ii < nq; ii++) {
          const rowS = blkS + (<usize>ii) * BLK_ROW;
          const rowW = blkP + (<usize>ii) * BLK_ROW;
          const limit = diagonal ? <i32>(q0 + ii) - <i32>k0 : <i32>KB;
          // max over the valid keys, four at a time (invalid and padding lanes read as NEG)
          let m4 = f32x4.splat(NEG);
          for (let j: u32 = 0; j < nk; j += 4) {
            const o = (<usize>j) << 2;
            m4 = f32x4.max(m4, v128.bitselect(v128.load(rowS + o), f32x4.splat(NEG), v128.and(v128.load(vecF + o), upTo4(<i32>j, limit))));
          }
          const mOld = load<f32>(vecM + ((<usize>ii) << 2));
          const mNew = max(mOld, hmax4(m4));
          const corr = Mathf.exp(mOld - mNew);
          const rng0 = ((b * heads + head) * L + q0 + ii) * L + k0;
          // weights: p_j of the valid keys (0 elsewhere), times the dropout keep factor; l sums
          // the undropped p_j in four lane-wise partial sums
          const m4New = f32x4.splat(mNew);
          let l4 = f32x4.splat(0);
          for (let j: u32 = 0; j < nk; j += 4) {
            const o = (<usize>j) << 2;
            const p4 = v128.and(exp4(f32x4.sub(v128.load(rowS + o), m4New)), v128.and(v128.load(vecF + o), upTo4(<i32>j, limit)));
            l4 = f32x4.add(l4, p4);
            v128.store(rowW + o, dropout ? v128.and(f32x4.mul(p4, f32x4.splat(invKeep)), keep4(rng0 + j, 1, hs, threshold)) : p4);
          }
          store<f32>(vecL + ((<usize>ii) << 2), load<f32>(vecL + ((<usize>ii) << 2)) * corr + hsum4(l4));
          store<f32>(vecM + ((<usize>ii) << 2), mNew);
          // rescale this query's accumulator by corr before adding the block
          const accRow = bufA + (<usize>ii) * rb;
          const c4 = f32x4.splat(corr);
          for (let e: u32 = 0; e < dpad; e += 4) v128.store(accRow + ((<usize>e) << 2), f32x4.mul(v128.load(accRow + ((<usize>e) << 2)), c4));
        }
        zeroRows(blkP, nq, nq4, BLK_ROW);
        gemmBlock(nq4, dpad, nk, blkP, BLK_ROW, bufV, rb, bufA, rb, true); // O += W V
      }
      for (let ii: u32 = 0; ii < nq; ii++) {
        const l = load<f32>(vecL + ((<usize>ii) << 2));
        const m = load<f32>(vecM + ((<usize>ii) << 2));
        unpackRow(rowAddr(out, b, L, q0 + ii, d, col), bufA + (<usize>ii) * rb, dh, l > 0 ? 1 / l : 0);
        store<f32>(lse + ((<usize>((b * heads + head) * L + q0 + ii)) << 2), l > 0 ? m + Mathf.log(l) : 0);
      }
    }
  }
}

// stats[2r] = lse[r], stats[2r+1] = dO_r . O_r, r = (b*heads + head)*L + i.
export function attention_bwd_prep(dOut: usize, out: usize, lse: usize, stats: usize, rows: u32, L: u32, d: u32, heads: u32, dh: u32): void {
  for (let r: u32 = 0; r < rows; r++) {
    const i = r % L;
    const bh = r / L;
    const off = (<usize>(((bh / heads) * L + i) * d + (bh % heads) * dh)) << 2;
    let acc: f32 = 0;
    for (let e: u32 = 0; e < dh; e++) acc += load<f32>(dOut + off + ((<usize>e) << 2)) * load<f32>(out + off + ((<usize>e) << 2));
    store<f32>(stats + ((<usize>r) << 3), load<f32>(lse + ((<usize>r) << 2)));
    store<f32>(stats + ((<usize>r) << 3) + 4, acc);
  }
}

// dq_i = scale * sum_j P_ij (f_ij dO_i.v_j - D_i) k_j.
export function attention_bwd_q(
  q: usize, k: usize, v: usize, mask: usize, dOut: usize, stats: usize, dq: usize,
  B: u32, L: u32, d: u32, heads: u32, dh: u32, scale: f32, dropout: u32, threshold: u32, seed: u32, invKeep: f32, causal: u32,
  itemStart: u32, itemEnd: u32, scratch: usize,
): void {
  const dpad = (dh + 7) & ~7;
  const rb = (<usize>dpad) << 2;
  const hs = pcg_hash(seed);
  setWork(scratch, rb, dpad);
  for (let item: u32 = itemStart; item < itemEnd; item++) {
    const b = item / heads;
    const head = item % heads;
    const col = head * dh;
    const r0 = (b * heads + head) * L;
    for (let q0: u32 = 0; q0 < L; q0 += QB) {
      const nq = min(QB, L - q0);
      const nq4 = (nq + 3) & ~3;
      packRows(bufQ, q, b, L, q0, nq, nq4, d, col, dh, dpad, scale);
      packRows(bufO, dOut, b, L, q0, nq, nq4, d, col, dh, dpad, 1);
      zeroRows(bufA, 0, nq4, rb);
      const kEnd = causal ? min(L, q0 + nq) : L; // causal: as the forward
      for (let k0: u32 = 0; k0 < kEnd; k0 += KB) {
        const nk = min(KB, L - k0);
        const nk8 = (nk + 7) & ~7;
        if (loadFlags(mask, b, L, k0, nk) == 0) continue;
        const diagonal = causal != 0 && k0 + nk > q0;
        packTransposed(bufT1, k, b, L, k0, nk, nk8, d, col, dh, dpad, 1);
        packTransposed(bufT2, v, b, L, k0, nk, nk8, d, col, dh, dpad, 1);
        packRows(bufK, k, b, L, k0, nk, nk, d, col, dh, dpad, 1);
        gemmBlock(nq4, nk8, dpad, bufQ, rb, bufT1, BLK_ROW, blkS, BLK_ROW, false); // S = (scale Q) K^T
        gemmBlock(nq4, nk8, dpad, bufO, rb, bufT2, BLK_ROW, blkP, BLK_ROW, false); // dP = dO V^T
        for (let ii: u32 = 0; ii < nq; ii++) {
          const r = r0 + q0 + ii;
          const lse4 = f32x4.splat(load<f32>(stats + ((<usize>r) << 3)));
          const dI4 = f32x4.splat(load<f32>(stats + ((<usize>r) << 3) + 4));
          const rowS = blkS + (<usize>ii) * BLK_ROW;
          const rowP = blkP + (<usize>ii) * BLK_ROW;
          const rng0 = r * L + k0;
          const limit = diagonal ? <i32>(q0 + ii) - <i32>k0 : <i32>KB;
          // dS_ij = P_ij (f_ij dP_ij - D_i) for the valid keys, 0 elsewhere, four at a time (into blkS)
          for (let j: u32 = 0; j < nk; j += 4) {
            const o = (<usize>j) << 2;
            const p4 = exp4(f32x4.sub(v128.load(rowS + o), lse4));
            let dp4 = v128.load(rowP + o);
            if (dropout) dp4 = v128.and(f32x4.mul(dp4, f32x4.splat(invKeep)), keep4(rng0 + j, 1, hs, threshold));
            v128.store(rowS + o, v128.and(f32x4.mul(p4, f32x4.sub(dp4, dI4)), v128.and(v128.load(vecF + o), upTo4(<i32>j, limit))));
          }
        }
        zeroRows(blkS, nq, nq4, BLK_ROW);
        gemmBlock(nq4, dpad, nk, blkS, BLK_ROW, bufK, rb, bufA, rb, true); // dQ += dS K
      }
      for (let ii: u32 = 0; ii < nq; ii++) unpackRow(rowAddr(dq, b, L, q0 + ii, d, col), bufA + (<usize>ii) * rb, dh, scale);
    }
  }
}

// dv_j = sum_i P_ij f_ij dO_i;  dk_j = scale * sum_i P_ij (f_ij dO_i.v_j - D_i) q_i.
export function attention_bwd_kv(
  q: usize, k: usize, v: usize, mask: usize, dOut: usize, stats: usize, dk: usize, dv: usize,
  B: u32, L: u32, d: u32, heads: u32, dh: u32, scale: f32, dropout: u32, threshold: u32, seed: u32, invKeep: f32, causal: u32,
  itemStart: u32, itemEnd: u32, scratch: usize,
): void {
  const dpad = (dh + 7) & ~7;
  const rb = (<usize>dpad) << 2;
  const hs = pcg_hash(seed);
  setWork(scratch, rb, dpad);
  for (let item: u32 = itemStart; item < itemEnd; item++) {
    const b = item / heads;
    const head = item % heads;
    const col = head * dh;
    const r0 = (b * heads + head) * L;
    for (let k0: u32 = 0; k0 < L; k0 += KB) {
      const nk = min(KB, L - k0);
      const nk4 = (nk + 3) & ~3;
      const nValid = loadFlags(mask, b, L, k0, nk);
      packRows(bufK, k, b, L, k0, nk, nk4, d, col, dh, dpad, 1);
      packRows(bufV, v, b, L, k0, nk, nk4, d, col, dh, dpad, 1);
      zeroRows(bufA, 0, nk4, rb);
      zeroRows(bufB, 0, nk4, rb);
      // causal: query blocks before this key block are skipped (QB == KB: they start at k0)
      for (let q0: u32 = causal ? k0 : 0; nValid > 0 && q0 < L; q0 += QB) {
        const nq = min(QB, L - q0);
        const nq8 = (nq + 7) & ~7;
        const diagonal = causal != 0 && q0 < k0 + nk;
        packTransposed(bufT1, q, b, L, q0, nq, nq8, d, col, dh, dpad, scale);
        packTransposed(bufT2, dOut, b, L, q0, nq, nq8, d, col, dh, dpad, 1);
        packRows(bufQ, q, b, L, q0, nq, nq, d, col, dh, dpad, scale);
        packRows(bufO, dOut, b, L, q0, nq, nq, d, col, dh, dpad, 1);
        for (let ii: u32 = 0; ii < nq; ii++) {
          const r = r0 + q0 + ii;
          store<f32>(vecLse + ((<usize>ii) << 2), load<f32>(stats + ((<usize>r) << 3)));
          store<f32>(vecD + ((<usize>ii) << 2), load<f32>(stats + ((<usize>r) << 3) + 4));
        }
        for (let ii = nq; ii < nq8; ii++) {
          store<f32>(vecLse + ((<usize>ii) << 2), 0);
          store<f32>(vecD + ((<usize>ii) << 2), 0);
        }
        gemmBlock(nk4, nq8, dpad, bufK, rb, bufT1, BLK_ROW, blkS, BLK_ROW, false); // S^T = K (scale Q)^T
        gemmBlock(nk4, nq8, dpad, bufV, rb, bufT2, BLK_ROW, blkP, BLK_ROW, false); // dP^T = V dO^T
        // per key j (a row), four queries at a time: dS^T = P (f dP - D) into blkS, (P f)^T into
        // blkP; rows of invalid keys are zeroed, so they add nothing (their dk, dv stay 0)
        for (let j: u32 = 0; j < nk; j++) {
          const rowS = blkS + (<usize>j) * BLK_ROW;
          const rowP = blkP + (<usize>j) * BLK_ROW;
          if (!load<u32>(vecF + ((<usize>j) << 2))) {
            memory.fill(rowS, 0, (<usize>nq) << 2);
            memory.fill(rowP, 0, (<usize>nq) << 2);
            continue;
          }
          const rng0 = (r0 + q0) * L + k0 + j;
          // causal: query q0 + i reads key k0 + j when i >= k0 + j - q0, i.e. not when i < that
          const first = diagonal ? <i32>(k0 + j) - <i32>q0 : 0;
          for (let i: u32 = 0; i < nq; i += 4) {
            const o = (<usize>i) << 2;
            let p4 = exp4(f32x4.sub(v128.load(rowS + o), v128.load(vecLse + o)));
            if (diagonal) p4 = v128.andnot(p4, upTo4(<i32>i, first - 1));
            const f4 = dropout ? v128.and(f32x4.splat(invKeep), keep4(rng0 + i * L, L, hs, threshold)) : f32x4.splat(1);
            v128.store(rowS + o, f32x4.mul(p4, f32x4.sub(f32x4.mul(f4, v128.load(rowP + o)), v128.load(vecD + o))));
            v128.store(rowP + o, f32x4.mul(p4, f4));
          }
        }
        zeroRows(blkS, nk, nk4, BLK_ROW);
        zeroRows(blkP, nk, nk4, BLK_ROW);
        gemmBlock(nk4, dpad, nq, blkS, BLK_ROW, bufQ, rb, bufA, rb, true); // dK += dS^T (scale Q)
        gemmBlock(nk4, dpad, nq, blkP, BLK_ROW, bufO, rb, bufB, rb, true); // dV += (P f)^T dO
      }
      for (let jj: u32 = 0; jj < nk; jj++) {
        unpackRow(rowAddr(dk, b, L, k0 + jj, d, col), bufA + (<usize>jj) * rb, dh, 1);
        unpackRow(rowAddr(dv, b, L, k0 + jj, d, col), bufB + (<usize>jj) * rb, dh, 1);
      }
    }
  }
}

// Twins of wgsl/attention_fwd.wgsl, attention_bwd_prep.wgsl, attention_bwd_q.wgsl and
// attention_bwd_kv.wgsl (see those files for the math). q, k, v, out, dO: [B, L, d], head j at
// columns j*dh..; mask [B, L] u32; lse [B, heads, L]; stats [B, heads, L, 2] = (lse, D).
//
// Per (b, head), blocks of QB queries and KB keys are packed into a workspace as rows of
// dp = dh rounded up to 4 floats (zero padded), so every inner loop is whole v128s over dh.
// Scores come four keys at a time (dot4) and go through exp four lanes at a time (exp4); the
// L x L matrix is never stored. The fused kernels work on the (b, head) pairs
// item = b * heads + head in [itemStart, itemEnd), so the backend splits them across threads;
// each thread brings its own scratch (attention_scratch_bytes).
import { exp4 } from './gelu';
import { pcg_hash } from './rng';
import { madd } from './simd';

const KB: u32 = 64; // keys per block
const QB: u32 = 64; // queries per block
const NEG: f32 = -1e30; // finite running-max sentinel, as in the WGSL

// Workspace (the calling thread's scratch): six blocks of 64 packed rows, six vectors of 64
// and two 64 x 64 blocks.
// The addresses are set by setWork() at each entry (globals are per instance, so per thread).
let bufK: usize = 0;
let bufV: usize = 0;
let bufQ: usize = 0;
let bufO: usize = 0; // dO rows
let bufA: usize = 0; // accumulators (out / dq / dk)
let bufB: usize = 0; // accumulators (dv)
let vecS: usize = 0; // scores of one query vs. a key block
let vecP: usize = 0; // dO . v per key
let vecW: usize = 0; // weights per key
let vecM: usize = 0; // running max per query
let vecL: usize = 0; // running sum per query
let vecF: usize = 0; // key valid flags
let blkS: usize = 0; // [KB][QB] dS transposed (attention_bwd_kv)
let blkP: usize = 0; // [KB][QB] P * dropout factor, transposed (attention_bwd_kv)

/** Bytes of workspace the kernels below need for head size dh. */
export function attention_work_bytes(dh: u32): u32 {
  return 6 * 64 * (((dh + 3) & ~3) << 2) + 6 * 64 * 4 + 2 * KB * QB * 4;
}

/** Per-thread scratch for the largest head size (ATTENTION_MAX_HEAD_DIM = 128). */
export function attention_scratch_bytes(): u32 {
  return attention_work_bytes(128);
}

function setWork(work: usize, rb: usize): void {
  bufK = work;
  bufV = bufK + 64 * rb;
  bufQ = bufV + 64 * rb;
  bufO = bufQ + 64 * rb;
  bufA = bufO + 64 * rb;
  bufB = bufA + 64 * rb;
  vecS = bufB + 64 * rb;
  vecP = vecS + 256;
  vecW = vecP + 256;
  vecM = vecW + 256;
  vecL = vecM + 256;
  vecF = vecL + 256;
  blkS = vecF + 256;
  blkP = blkS + <usize>(KB * QB * 4);
}

// dst[0..dp) = alpha * src[0..dh), zero past dh.
@inline function packRow(dst: usize, src: usize, dh: u32, dp: u32, alpha: f32): void {
  const a4 = f32x4.splat(alpha);
  const dh4 = dh & ~3;
  let e: u32 = 0;
  for (; e < dh4; e += 4) v128.store(dst + ((<usize>e) << 2), f32x4.mul(v128.load(src + ((<usize>e) << 2)), a4));
  for (; e < dh; e++) store<f32>(dst + ((<usize>e) << 2), load<f32>(src + ((<usize>e) << 2)) * alpha);
  for (; e < dp; e++) store<f32>(dst + ((<usize>e) << 2), 0);
}

// dst[0..dh) = alpha * src[0..dh) (src packed, dst a strided row of a [B, L, d] tensor).
@inline function unpackRow(dst: usize, src: usize, dh: u32, alpha: f32): void {
  const a4 = f32x4.splat(alpha);
  const dh4 = dh & ~3;
  let e: u32 = 0;
  for (; e < dh4; e += 4) v128.store(dst + ((<usize>e) << 2), f32x4.mul(v128.load(src + ((<usize>e) << 2)), a4));
  for (; e < dh; e++) store<f32>(dst + ((<usize>e) << 2), load<f32>(src + ((<usize>e) << 2)) * alpha);
}

// [x . r0, x . r1, x . r2, x . r3] for four packed rows `stride` bytes apart.
@inline function dot4(x: usize, rows: usize, stride: usize, dp: u32): v128 {
  let a0 = f32x4.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  for (let e: u32 = 0; e < dp; e += 4) {
    const o = (<usize>e) << 2;
    const xv = v128.load(x + o);
    a0 = madd(xv, v128.load(rows + o), a0);
    a1 = madd(xv, v128.load(rows + stride + o), a1);
    a2 = madd(xv, v128.load(rows + 2 * stride + o), a2);
    a3 = madd(xv, v128.load(rows + 3 * stride + o), a3);
  }
  const t0 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const t1 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
}

// dst[j] = exp(src[j] - sub) for j < n rounded up to 4 (lanes past n hold garbage; callers read j < n).
@inline function expBlock(dst: usize, src: usize, sub: f32, n: u32): void {
  const s4 = f32x4.splat(sub);
  for (let j: u32 = 0; j < n; j += 4) v128.store(dst + ((<usize>j) << 2), exp4(f32x4.sub(v128.load(src + ((<usize>j) << 2)), s4)));
}

// acc[0..dp) = acc * alpha + sum_{j < n} w[j] * rows[j]  (rows packed, `stride` bytes apart).
// The accumulators stay in registers over j: eight v128 (32 floats) at a time, then four,
// then one, so the adds form independent chains instead of one serial chain per vector.
// Each lane still sums over j in ascending order (results do not depend on the chunking).
@inline function accumulateRows(acc: usize, alpha: f32, w: usize, rows: usize, stride: usize, n: u32, dp: u32): void {
  const a4 = f32x4.splat(alpha);
  let e: u32 = 0;
  for (; e + 32 <= dp; e += 32) {
    const p = acc + ((<usize>e) << 2);
    let x0 = f32x4.mul(v128.load(p), a4);
    let x1 = f32x4.mul(v128.load(p, 16), a4);
    let x2 = f32x4.mul(v128.load(p, 32), a4);
    let x3 = f32x4.mul(v128.load(p, 48), a4);
    let x4 = f32x4.mul(v128.load(p, 64), a4);
    let x5 = f32x4.mul(v128.load(p, 80), a4);
    let x6 = f32x4.mul(v128.load(p, 96), a4);
    let x7 = f32x4.mul(v128.load(p, 112), a4);
    let r = rows + ((<usize>e) << 2);
    for (let j: u32 = 0; j < n; j++) {
      const wj = v128.load32_splat(w + ((<usize>j) << 2));
      x0 = madd(wj, v128.load(r), x0);
      x1 = madd(wj, v128.load(r, 16), x1);
      x2 = madd(wj, v128.load(r, 32), x2);
      x3 = madd(wj, v128.load(r, 48), x3);
      x4 = madd(wj, v128.load(r, 64), x4);
      x5 = madd(wj, v128.load(r, 80), x5);
      x6 = madd(wj, v128.load(r, 96), x6);
      x7 = madd(wj, v128.load(r, 112), x7);
      r += stride;
    }
    v128.store(p, x0);
    v128.store(p, x1, 16);
    v128.store(p, x2, 32);
    v128.store(p, x3, 48);
    v128.store(p, x4, 64);
    v128.store(p, x5, 80);
    v128.store(p, x6, 96);
    v128.store(p, x7, 112);
  }
  for (; e + 16 <= dp; e += 16) {
    const p = acc + ((<usize>e) << 2);
    let x0 = f32x4.mul(v128.load(p), a4);
    let x1 = f32x4.mul(v128.load(p, 16), a4);
    let x2 = f32x4.mul(v128.load(p, 32), a4);
    let x3 = f32x4.mul(v128.load(p, 48), a4);
    let r = rows + ((<usize>e) << 2);
    for (let j: u32 = 0; j < n; j++) {
      const wj = v128.load32_splat(w + ((<usize>j) << 2));
      x0 = madd(wj, v128.load(r), x0);
      x1 = madd(wj, v128.load(r, 16), x1);
      x2 = madd(wj, v128.load(r, 32), x2);
      x3 = madd(wj, v128.load(r, 48), x3);
      r += stride;
    }
    v128.store(p, x0);
    v128.store(p, x1, 16);
    v128.store(p, x2, 32);
    v128.store(p, x3, 48);
  }
  for (; e < dp; e += 4) {
    const o = (<usize>e) << 2;
    let a = f32x4.mul(v128.load(acc + o), a4);
    for (let j: u32 = 0; j < n; j++) {
      a = madd(v128.load32_splat(w + ((<usize>j) << 2)), v128.load(rows + (<usize>j) * stride + o), a);
    }
    v128.store(acc + o, a);
  }
}

@inline function rowAddr(base: usize, b: u32, L: u32, i: u32, d: u32, col: u32): usize {
  return base + ((<usize>((b * L + i) * d + col)) << 2);
}

// Loads the key block's valid flags into vecF as lane masks (valid: all ones, else 0), zero
// padded to a multiple of 4 keys; returns how many keys are valid.
@inline function loadFlags(mask: usize, b: u32, L: u32, k0: u32, nk: u32): u32 {
  let n: u32 = 0;
  for (let j: u32 = 0; j < nk; j++) {
    const ok: u32 = load<u32>(mask + ((<usize>(b * L + k0 + j)) << 2)) != 0 ? 1 : 0;
    store<u32>(vecF + ((<usize>j) << 2), 0 - ok);
    n += ok;
  }
  for (let j = nk; (j & 3) != 0; j++) store<u32>(vecF + ((<usize>j) << 2), 0);
  return n;
}

// Lane masks of the dropout keep test for the four indices i0 .. i0+3:
// all ones where pcg_hash(i ^ hs) >= threshold (the same bits as the scalar test).
@inline function keep4(i0: u32, hs: u32, threshold: u32): v128 {
  let m = i32x4.splat(pcg_hash(i0 ^ hs) >= threshold ? -1 : 0);
  m = i32x4.replace_lane(m, 1, pcg_hash((i0 + 1) ^ hs) >= threshold ? -1 : 0);
  m = i32x4.replace_lane(m, 2, pcg_hash((i0 + 2) ^ hs) >= threshold ? -1 : 0);
  return i32x4.replace_lane(m, 3, pcg_hash((i0 + 3) ^ hs) >= threshold ? -1 : 0);
}

@inline function hmax4(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

@inline function hsum4(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// Scores of packed row x against nk packed rows (rounded up to 4) into vec.
@inline function scoreBlock(vec: usize, x: usize, rows: usize, rb: usize, nk: u32, dp: u32): void {
  for (let j: u32 = 0; j < nk; j += 4) v128.store(vec + ((<usize>j) << 2), dot4(x, rows + (<usize>j) * rb, rb, dp));
}

export function attention_fwd(
  q: usize, k: usize, v: usize, mask: usize, out: usize, lse: usize,
  B: u32, L: u32, d: u32, heads: u32, dh: u32, scale: f32, dropout: u32, threshold: u32, seed: u32, invKeep: f32,
  itemStart: u32, itemEnd: u32, scratch: usize,
): void {
  const dp = (dh + 3) & ~3;
  const rb = (<usize>dp) << 2;
  const hs = pcg_hash(seed);
  setWork(scratch, rb);
  for (let item: u32 = itemStart; item < itemEnd; item++) {
    const b = item / heads;
    const head = item % heads;
    {
      const col = head * dh;
      for (let q0: u32 = 0; q0 < L; q0 += QB) {
        const nq = min(QB, L - q0);
        for (let ii: u32 = 0; ii < nq; ii++) {
          packRow(bufQ + (<usize>ii) * rb, rowAddr(q, b, L, q0 + ii, d, col), dh, dp, scale);
          memory.fill(bufA + (<usize>ii) * rb, 0, rb);
          store<f32>(vecM + ((<usize>ii) << 2), NEG);
          store<f32>(vecL + ((<usize>ii) << 2), 0);
        }
        for (let k0: u32 = 0; k0 < L; k0 += KB) {
          const nk = min(KB, L - k0);
          if (loadFlags(mask, b, L, k0, nk) == 0) continue;
          for (let jj: u32 = 0; jj < nk; jj++) {
            packRow(bufK + (<usize>jj) * rb, rowAddr(k, b, L, k0 + jj, d, col), dh, dp, 1);
            packRow(bufV + (<usize>jj) * rb, rowAddr(v, b, L, k0 + jj, d, col), dh, dp, 1);
          }
          for (let ii: u32 = 0; ii < nq; ii++) {
            scoreBlock(vecS, bufQ + (<usize>ii) * rb, bufK, rb, nk, dp);
            // max over the valid keys, four at a time (invalid and padding lanes read as NEG)
            let m4 = f32x4.splat(NEG);
            for (let j: u32 = 0; j < nk; j += 4) {
              const o = (<usize>j) << 2;
              m4 = f32x4.max(m4, v128.bitselect(v128.load(vecS + o), f32x4.splat(NEG), v128.load(vecF + o)));
            }
            const tmax = hmax4(m4);
            const mOld = load<f32>(vecM + ((<usize>ii) << 2));
            const mNew = max(mOld, tmax);
            const corr = Mathf.exp(mOld - mNew);
            const rng0 = ((b * heads + head) * L + q0 + ii) * L + k0;
            expBlock(vecP, vecS, mNew, nk);
            // weights: p_j of the valid keys (0 elsewhere), times the dropout keep factor; l sums
            // the undropped p_j in four lane-wise partial sums
            let l4 = f32x4.splat(0);
            for (let j: u32 = 0; j < nk; j += 4) {
              const o = (<usize>j) << 2;
              const p4 = v128.and(v128.load(vecP + o), v128.load(vecF + o));
              l4 = f32x4.add(l4, p4);
              v128.store(vecW + o, dropout ? v128.and(f32x4.mul(p4, f32x4.splat(invKeep)), keep4(rng0 + j, hs, threshold)) : p4);
            }
            const l = load<f32>(vecL + ((<usize>ii) << 2)) * corr + hsum4(l4);
            store<f32>(vecL + ((<usize>ii) << 2), l);
            store<f32>(vecM + ((<usize>ii) << 2), mNew);
            accumulateRows(bufA + (<usize>ii) * rb, corr, vecW, bufV, rb, nk, dp);
          }
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
  B: u32, L: u32, d: u32, heads: u32, dh: u32, scale: f32, dropout: u32, threshold: u32, seed: u32, invKeep: f32,
  itemStart: u32, itemEnd: u32, scratch: usize,
): void {
  const dp = (dh + 3) & ~3;
  const rb = (<usize>dp) << 2;
  const hs = pcg_hash(seed);
  setWork(scratch, rb);
  for (let item: u32 = itemStart; item < itemEnd; item++) {
    const b = item / heads;
    const head = item % heads;
    {
      const col = head * dh;
      const r0 = (b * heads + head) * L;
      for (let q0: u32 = 0; q0 < L; q0 += QB) {
        const nq = min(QB, L - q0);
        for (let ii: u32 = 0; ii < nq; ii++) {
          packRow(bufQ + (<usize>ii) * rb, rowAddr(q, b, L, q0 + ii, d, col), dh, dp, scale);
          packRow(bufO + (<usize>ii) * rb, rowAddr(dOut, b, L, q0 + ii, d, col), dh, dp, 1);
          memory.fill(bufA + (<usize>ii) * rb, 0, rb);
        }
        for (let k0: u32 = 0; k0 < L; k0 += KB) {
          const nk = min(KB, L - k0);
          if (loadFlags(mask, b, L, k0, nk) == 0) continue;
          for (let jj: u32 = 0; jj < nk; jj++) {
            packRow(bufK + (<usize>jj) * rb, rowAddr(k, b, L, k0 + jj, d, col), dh, dp, 1);
            packRow(bufV + (<usize>jj) * rb, rowAddr(v, b, L, k0 + jj, d, col), dh, dp, 1);
          }
          for (let ii: u32 = 0; ii < nq; ii++) {
            const r = r0 + q0 + ii;
            const lseI = load<f32>(stats + ((<usize>r) << 3));
            const dI = load<f32>(stats + ((<usize>r) << 3) + 4);
            scoreBlock(vecS, bufQ + (<usize>ii) * rb, bufK, rb, nk, dp);
            scoreBlock(vecP, bufO + (<usize>ii) * rb, bufV, rb, nk, dp);
            const rng0 = r * L + k0;
            expBlock(vecM, vecS, lseI, nk);
            // dS_ij = P_ij (f_ij dP_ij - D_i) for the valid keys, 0 elsewhere, four at a time
            const dI4 = f32x4.splat(dI);
            for (let j: u32 = 0; j < nk; j += 4) {
              const o = (<usize>j) << 2;
              let dp4 = v128.load(vecP + o);
              if (dropout) dp4 = v128.and(f32x4.mul(dp4, f32x4.splat(invKeep)), keep4(rng0 + j, hs, threshold));
              v128.store(vecW + o, v128.and(f32x4.mul(v128.load(vecM + o), f32x4.sub(dp4, dI4)), v128.load(vecF + o)));
            }
            accumulateRows(bufA + (<usize>ii) * rb, 1, vecW, bufK, rb, nk, dp);
          }
        }
        for (let ii: u32 = 0; ii < nq; ii++) unpackRow(rowAddr(dq, b, L, q0 + ii, d, col), bufA + (<usize>ii) * rb, dh, scale);
      }
    }
  }
}

// dv_j = sum_i P_ij f_ij dO_i;  dk_j = scale * sum_i P_ij (f_ij dO_i.v_j - D_i) q_i.
export function attention_bwd_kv(
  q: usize, k: usize, v: usize, mask: usize, dOut: usize, stats: usize, dk: usize, dv: usize,
  B: u32, L: u32, d: u32, heads: u32, dh: u32, scale: f32, dropout: u32, threshold: u32, seed: u32, invKeep: f32,
  itemStart: u32, itemEnd: u32, scratch: usize,
): void {
  const dp = (dh + 3) & ~3;
  const rb = (<usize>dp) << 2;
  const hs = pcg_hash(seed);
  setWork(scratch, rb);
  for (let item: u32 = itemStart; item < itemEnd; item++) {
    const b = item / heads;
    const head = item % heads;
    {
      const col = head * dh;
      const r0 = (b * heads + head) * L;
      for (let k0: u32 = 0; k0 < L; k0 += KB) {
        const nk = min(KB, L - k0);
        const nValid = loadFlags(mask, b, L, k0, nk);
        for (let jj: u32 = 0; jj < nk; jj++) {
          packRow(bufK + (<usize>jj) * rb, rowAddr(k, b, L, k0 + jj, d, col), dh, dp, 1);
          packRow(bufV + (<usize>jj) * rb, rowAddr(v, b, L, k0 + jj, d, col), dh, dp, 1);
          memory.fill(bufA + (<usize>jj) * rb, 0, rb);
          memory.fill(bufB + (<usize>jj) * rb, 0, rb);
        }
        for (let q0: u32 = 0; nValid > 0 && q0 < L; q0 += QB) {
          const nq = min(QB, L - q0);
          for (let ii: u32 = 0; ii < nq; ii++) {
            packRow(bufQ + (<usize>ii) * rb, rowAddr(q, b, L, q0 + ii, d, col), dh, dp, scale);
            packRow(bufO + (<usize>ii) * rb, rowAddr(dOut, b, L, q0 + ii, d, col), dh, dp, 1);
          }
          // dS and P*f of the block, transposed ([key][query]), then per key
          // dk_j += sum_i dS_ij q_i and dv_j += sum_i P_ij f_ij dO_i with register accumulators.
          for (let ii: u32 = 0; ii < nq; ii++) {
            const r = r0 + q0 + ii;
            const lseI = load<f32>(stats + ((<usize>r) << 3));
            const dI = load<f32>(stats + ((<usize>r) << 3) + 4);
            scoreBlock(vecS, bufQ + (<usize>ii) * rb, bufK, rb, nk, dp);
            scoreBlock(vecP, bufO + (<usize>ii) * rb, bufV, rb, nk, dp);
            const rng0 = r * L + k0;
            expBlock(vecM, vecS, lseI, nk);
            // four keys at a time: dS_ij = P_ij (f_ij dP_ij - D_i) and P_ij f_ij, stored transposed
            // (entries of invalid keys are written too; the per-key pass below skips them)
            const dI4 = f32x4.splat(dI);
            for (let j: u32 = 0; j < nk; j += 4) {
              const o = (<usize>j) << 2;
              const p4 = v128.load(vecM + o);
              const f4 = dropout ? v128.and(f32x4.splat(invKeep), keep4(rng0 + j, hs, threshold)) : f32x4.splat(1);
              const ds4 = f32x4.mul(p4, f32x4.sub(f32x4.mul(f4, v128.load(vecP + o)), dI4));
              const pf4 = f32x4.mul(p4, f4);
              const at = (<usize>(j * QB + ii)) << 2;
              const st: usize = QB << 2;
              store<f32>(blkS + at, f32x4.extract_lane(ds4, 0));
              store<f32>(blkP + at, f32x4.extract_lane(pf4, 0));
              if (j + 1 >= nk) break;
              store<f32>(blkS + at + st, f32x4.extract_lane(ds4, 1));
              store<f32>(blkP + at + st, f32x4.extract_lane(pf4, 1));
              if (j + 2 >= nk) break;
              store<f32>(blkS + at + 2 * st, f32x4.extract_lane(ds4, 2));
              store<f32>(blkP + at + 2 * st, f32x4.extract_lane(pf4, 2));
              if (j + 3 >= nk) break;
              store<f32>(blkS + at + 3 * st, f32x4.extract_lane(ds4, 3));
              store<f32>(blkP + at + 3 * st, f32x4.extract_lane(pf4, 3));
            }
          }
          for (let j: u32 = 0; j < nk; j++) {
            if (!load<u32>(vecF + ((<usize>j) << 2))) continue;
            const at = (<usize>(j * QB)) << 2;
            accumulateRows(bufA + (<usize>j) * rb, 1, blkS + at, bufQ, rb, nq, dp);
            accumulateRows(bufB + (<usize>j) * rb, 1, blkP + at, bufO, rb, nq, dp);
          }
        }
        for (let jj: u32 = 0; jj < nk; jj++) {
          unpackRow(rowAddr(dk, b, L, k0 + jj, d, col), bufA + (<usize>jj) * rb, dh, 1);
          unpackRow(rowAddr(dv, b, L, k0 + jj, d, col), bufB + (<usize>jj) * rb, dh, 1);
        }
      }
    }
  }
}

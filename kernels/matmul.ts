// Twin of wgsl/matmul.wgsl: batched out[b] = act(op(A[b]) @ op(B[b]) + bias), op = transpose
// when the flag is set. A: [M,K] or [K,M] (transA); B: [K,N] or [N,K] (transB); bias: [N].
// strideA / strideB are per-batch element strides (0 shares one matrix across the batch).
//
// Goto-style blocking: B is packed in KC x NC blocks (panels of NR columns, [k][NR]),
// A in MC x KC blocks (panels of MR rows, [k][MR]); a 4x8 register-blocked SIMD
// micro-kernel (8 f32x4 accumulators) multiplies one A panel by one B panel.
// The transposes are absorbed by the packing. Rows are split into items so the
// backend can hand ranges [itemStart, itemEnd) to several threads; `scratch` is the
// calling thread's packing buffer (matmul_scratch_bytes() bytes).

import { gelu4, geluWithSlope4 } from './math';
import { madd } from './simd';

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 512;
/** Rows per work item handed to a thread. */
const ROWS_PER_ITEM: i32 = 16;

const BP_BYTES: usize = <usize>(KC * NC * 4);
const AP_BYTES: usize = <usize>(MC * KC * 4);
const TMP_BYTES: usize = <usize>(MR * NR * 4);

export const ACT_NONE: u32 = 0;
export const ACT_RELU: u32 = 1;
export const ACT_GELU_TANH: u32 = 2;
export const ACT_GELU_ERF: u32 = 3;

export function matmul_scratch_bytes(): u32 {
  return <u32>(BP_BYTES + AP_BYTES + 3 * TMP_BYTES + 64);
}

export function matmul_rows_per_item(): u32 {
  return <u32>ROWS_PER_ITEM;
}

// ---- activations (SIMD) ----

// GELU from kernels/math.ts, the function gelu_backward differentiates.
@inline function activate(v: v128, act: u32): v128 {
  if (act == ACT_RELU) return f32x4.max(v, f32x4.splat(0));
  if (act == ACT_GELU_TANH) return gelu4(v, 0);
  if (act == ACT_GELU_ERF) return gelu4(v, 1);
  return v;
}

// act(v), also storing act'(v) at slopeAt (ReLU's slope at 0 is 0).
@inline function activateWithSlope(v: v128, act: u32, slopeAt: usize): v128 {
  if (act == ACT_RELU) {
    v128.store(slopeAt, v128.and(f32x4.gt(v, f32x4.splat(0)), f32x4.splat(1)));
    return f32x4.max(v, f32x4.splat(0));
  }
  if (act == ACT_GELU_TANH) return geluWithSlope4(v, 0, slopeAt);
  if (act == ACT_GELU_ERF) return geluWithSlope4(v, 1, slopeAt);
  v128.store(slopeAt, f32x4.splat(1));
  return v;
}

// ---- packing ----

// 4x4 transpose of rows r0..r3 stored at dst, dst+stride, ... (stride in bytes).
@inline function store4x4T(dst: usize, stride: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

// Packs op(A)[i0:i0+mc, p0:p0+kc] into panels of MR rows, [k][MR], zero-padded past M.
function packA(a: usize, dst: usize, M: i32, K: i32, transA: u32, i0: i32, mc: i32, p0: i32, kc: i32): void {
  for (let r = 0; r < mc; r += MR) {
    const m = i0 + r;
    const rows = min(MR, M - m);
    const panel = dst + <usize>(r * kc * 4);
    if (transA) {
      // element (m, k) at a[k*M + m]: MR consecutive rows are contiguous
      for (let k = 0; k < kc; k++) {
        const src = a + ((<usize>(p0 + k) * <usize>M + <usize>m) << 2);
        const d = panel + <usize>(k * MR * 4);
        if (rows == MR) v128.store(d, v128.load(src));
        else for (let i = 0; i < MR; i++) store<f32>(d + (i << 2), i < rows ? load<f32>(src + (i << 2)) : 0);
      }
    } else {
      // element (m, k) at a[m*K + k]: rows are contiguous in k; transpose 4x4 blocks
      const src = a + ((<usize>m * <usize>K + <usize>p0) << 2);
      const ld = <usize>K << 2;
      let k = 0;
      if (rows == MR) {
        for (; k + 4 <= kc; k += 4) {
          const s = src + (<usize>k << 2);
          store4x4T(panel + <usize>(k * MR * 4), MR * 4, v128.load(s), v128.load(s + ld), v128.load(s + 2 * ld), v128.load(s + 3 * ld));
        }
      }
      for (; k < kc; k++) {
        const d = panel + <usize>(k * MR * 4);
        for (let i = 0; i < MR; i++) store<f32>(d + (i << 2), i < rows ? load<f32>(src + <usize>i * ld + (<usize>k << 2)) : 0);
      }
    }
  }
}

// Packs op(B)[p0:p0+kc, j0:j0+nc] into panels of NR columns, [k][NR], zero-padded past N.
function packB(b: usize, dst: usize, N: i32, K: i32, transB: u32, j0: i32, nc: i32, p0: i32, kc: i32): void {
  for (let c = 0; c < nc; c += NR) {
    const n = j0 + c;
    const cols = min(NR, N - n);
    const panel = dst + <usize>(c * kc * 4);
    if (!transB) {
      // element (k, n) at b[k*N + n]
      for (let k = 0; k < kc; k++) {
        const src = b + ((<usize>(p0 + k) * <usize>N + <usize>n) << 2);
        const d = panel + <usize>(k * NR * 4);
        if (cols == NR) {
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
        } else for (let j = 0; j < NR; j++) store<f32>(d + (j << 2), j < cols ? load<f32>(src + (j << 2)) : 0);
      }
    } else {
      // element (k, n) at b[n*K + k]: columns are contiguous in k; transpose 4x4 blocks
      const src = b + ((<usize>n * <usize>K + <usize>p0) << 2);
      const ld = <usize>K << 2;
      let k = 0;
      if (cols == NR) {
        for (; k + 4 <= kc; k += 4) {
          const s = src + (<usize>k << 2);
          const d = panel + <usize>(k * NR * 4);
          store4x4T(d, NR * 4, v128.load(s), v128.load(s + ld), v128.load(s + 2 * ld), v128.load(s + 3 * ld));
          const s4 = s + 4 * ld;
          store4x4T(d + 16, NR * 4, v128.load(s4), v128.load(s4 + ld), v128.load(s4 + 2 * ld), v128.load(s4 + 3 * ld));
        }
      }
      for (; k < kc; k++) {
        const d = panel + <usize>(k * NR * 4);
        for (let j = 0; j < NR; j++) store<f32>(d + (j << 2), j < cols ? load<f32>(src + <usize>j * ld + (<usize>k << 2)) : 0);
      }
    }
  }
}

// ---- micro-kernel ----

// The end of a 4x8 tile: C[0:4, 0:8] (row stride ldc bytes) = (accumulate ? C : 0) + the
// accumulators; when `last`, plus the bias (8 floats at bias, or none when bias == 0). The
// activation runs afterwards over whole blocks (activateBlock): inlined here, each of the eight
// vectors rematerialised GELU's ~23 constants (3 instructions each, V8 does not hoist them out
// of straight-line code), about as many instructions as the GELU itself.
@inline function finishTile(
  c: usize, ldc: usize, accumulate: bool, last: bool, bias: usize,
  c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128,
): void {
  const c1 = c + ldc;
  const c2 = c + 2 * ldc;
  const c3 = c + 3 * ldc;
  if (accumulate) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c1));
    c11 = f32x4.add(c11, v128.load(c1, 16));
    c20 = f32x4.add(c20, v128.load(c2));
    c21 = f32x4.add(c21, v128.load(c2, 16));
    c30 = f32x4.add(c30, v128.load(c3));
    c31 = f32x4.add(c31, v128.load(c3, 16));
  }
  if (last && bias) {
    const bb0 = v128.load(bias);
    const bb1 = v128.load(bias, 16);
    c00 = f32x4.add(c00, bb0);
    c01 = f32x4.add(c01, bb1);
    c10 = f32x4.add(c10, bb0);
    c11 = f32x4.add(c11, bb1);
    c20 = f32x4.add(c20, bb0);
    c21 = f32x4.add(c21, bb1);
    c30 = f32x4.add(c30, bb0);
    c31 = f32x4.add(c31, bb1);
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

// The 4x8 micro-kernel on packed panels: A [k][MR] (Ap), B [k][NR] (Bp), over kc; then finishTile.
// The k loop is deliberately not unrolled: unrolled by 2, V8's TurboFan hoisted all eight
// broadcasts and spilled half the accumulators to the stack (chains through store-to-load
// forwarding, ~20% slower); one k per iteration keeps all 8 accumulators in xmm registers
// (checked with node --print-wasm-code).
function micro(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, accumulate: bool, last: bool, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  finishTile(c, ldc, accumulate, last, bias, c00, c01, c10, c11, c20, c21, c30, c31);
}

// As micro, with A read in place instead of packed: A[r][k] at a + r * aRow + k * aStep (bytes):
// aRow = 4, aStep = 4 M for a transposed A ([K, M]: the four rows of one k are contiguous),
// aRow = 4 K, aStep = 4 for a row-major A ([M, K]: four rows, each read along k). B's eight
// columns of one k are contiguous, bStep bytes from those of the next: 32 packed, 4 N in place.
function microStrided(kc: i32, a: usize, aRow: usize, aStep: usize, bp: usize, bStep: usize, c: usize, ldc: usize, accumulate: bool, last: bool, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const a2: usize = aRow << 1;
  const a3: usize = aRow * 3;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
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
    bp += bStep;
  }
  finishTile(c, ldc, accumulate, last, bias, c00, c01, c10, c11, c20, c21, c30, c31);
}

// Copies a rows x cols block between row strides (bytes); zero-fills the rest of a 4x8 tile when `pad`.
function copyTile(dst: usize, ldd: usize, src: usize, lds: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++) memory.copy(dst + <usize>i * ldd, src + <usize>i * lds, <usize>cols << 2);
}

// act over a rows x cols block of C (row stride ldc bytes), in place; act' into the same block
// of `slope` when slope != 0. A loop, so V8 materialises the activation's constants once per
// call. Tails through lane 0 of the same SIMD functions (tmp: 16 bytes of scratch).
function activateBlock(c: usize, slope: usize, ldc: usize, rows: i32, cols: i32, act: u32, tmp: usize): void {
  const cols4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const row = c + <usize>r * ldc;
    const srow = slope + <usize>r * ldc;
    let j = 0;
    for (; j < cols4; j += 4) {
      const o = <usize>j << 2;
      const v = v128.load(row + o);
      v128.store(row + o, slope ? activateWithSlope(v, act, srow + o) : activate(v, act));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const v = f32x4.splat(load<f32>(row + o));
      if (slope) {
        store<f32>(row + o, f32x4.extract_lane(activateWithSlope(v, act, tmp), 0));
        store<f32>(srow + o, load<f32>(tmp));
      } else store<f32>(row + o, f32x4.extract_lane(activate(v, act), 0));
    }
  }
}

// ---- driver ----

// Rows [mStart, mEnd) of one batch entry.
function gemmRows(
  a: usize, b: usize, bias: usize, out: usize, slope: usize,
  M: i32, N: i32, K: i32, transA: u32, transB: u32, act: u32,
  mStart: i32, mEnd: i32, scratch: usize,
): void {
  const bp = (scratch + 63) & ~(<usize>63);
  const apk = bp + BP_BYTES;
  const tmpC = apk + AP_BYTES;
  const tmpSlope = tmpC + TMP_BYTES;
  const tmpBias = tmpSlope + TMP_BYTES;
  const ldc = <usize>N << 2;
  // A is read in place (no packing) when every tile has MR rows and either A is transposed (its
  // packing is a plain copy of contiguous rows) or K <= 64 and N <= NC (short rows, one column
  // block: the 4x4 transposes of packing cost much of what the products they feed cost); else
  // packed (zero-padded). Measured on one thread, 2026-12-04, in place against packed:
  // [M 64, N 64, K 12800] transposed A 0.89-0.90x, [3420, 64, 2560] transposed 0.80-0.88x,
  // [12800, 64, 64] 0.93-0.97x; row-major A was 2-4% slower in place at [2560, 3420, 64] (seven
  // column blocks) and [1024, 1024, 1024] (rows 4 KiB apart).
  const direct = M % MR == 0 && (transA != 0 || (K <= 64 && N <= NC));
  const aRow: usize = direct && !transA ? (<usize>K) << 2 : 4;
  const aStep: usize = direct && transA ? (<usize>M) << 2 : 4;
  // B is read in place too when A is transposed and in place, B is row-major with whole panels
  // and this thread has at most 32 rows, too few to repay packing the long B: the weight
  // gradients X^T dY of d = 64 (M = 64 split in two). Measured 2026-12-05 (bench/matmul-quick.ts
  // grads, 2 threads, alternating builds): [64, 64, 12800] 8-16% faster, [64, 256, 12800] 3%;
  // with 128 rows or more per thread ([256, 64, 12800], [3420, 64, 2560]) 15-35% slower.
  const directB = direct && transA != 0 && transB == 0 && N % NR == 0 && mEnd - mStart <= 32;
  const bStep: usize = directB ? (<usize>N) << 2 : NR * 4;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    // K == 0 still runs one (empty) block so the epilogue writes bias/activation.
    for (let pc = 0; pc < K || pc == 0; pc += KC) {
      const kc = min(KC, K - pc);
      const first = pc == 0;
      const last = pc + kc >= K;
      if (!directB) packB(b, bp, N, K, transB, jc, nc, pc, kc);
      for (let ic = mStart; ic < mEnd; ic += MC) {
        const mc = min(MC, mEnd - ic);
        if (!direct) packA(a, apk, M, K, transA, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const n = jc + jr;
          const cols = min(NR, N - n);
          const bpanel = directB ? b + ((<usize>pc * <usize>N + <usize>n) << 2) : bp + <usize>(jr * kc * 4);
          let biasP: usize = 0;
          if (bias && last) {
            if (cols == NR) biasP = bias + (<usize>n << 2);
            else {
              memory.fill(tmpBias, 0, NR * 4);
              memory.copy(tmpBias, bias + (<usize>n << 2), <usize>cols << 2);
              biasP = tmpBias;
            }
          }
          for (let ir = 0; ir < mc; ir += MR) {
            const m = ic + ir;
            const rows = min(MR, mEnd - m);
            const cp = out + ((<usize>m * <usize>N + <usize>n) << 2);
            // A's panel: packed, or in place at (m, pc)
            const apanel = !direct ? apk + <usize>(ir * kc * 4) : transA ? a + ((<usize>pc * <usize>M + <usize>m) << 2) : a + ((<usize>m * <usize>K + <usize>pc) << 2);
            if (rows == MR && cols == NR) {
              if (direct) microStrided(kc, apanel, aRow, aStep, bpanel, bStep, cp, ldc, !first, last, biasP);
              else micro(kc, apanel, bpanel, cp, ldc, !first, last, biasP);
            } else {
              // edge tile: run on a full 4x8 scratch tile, copy the valid part
              if (!first) copyTile(tmpC, NR * 4, cp, ldc, rows, cols);
              if (direct) microStrided(kc, apanel, aRow, aStep, bpanel, bStep, tmpC, NR * 4, !first, last, biasP);
              else micro(kc, apanel, bpanel, tmpC, NR * 4, !first, last, biasP);
              copyTile(cp, ldc, tmpC, NR * 4, rows, cols);
            }
          }
          // The finished panel (mc rows x cols, still in L1) through the activation (and its
          // slope, 1 for none).
          if (last && (act != ACT_NONE || slope)) {
            const at = (<usize>ic * <usize>N + <usize>n) << 2;
            activateBlock(out + at, slope ? slope + at : 0, ldc, mc, cols, act, tmpSlope);
          }
        }
      }
    }
  }
}

// Items are (batch entry, block of ROWS_PER_ITEM rows), batch-major.
function run(
  A: usize, B: usize, bias: usize, out: usize, slope: usize,
  batch: u32, M: u32, N: u32, K: u32, strideA: u32, strideB: u32,
  transA: u32, transB: u32, hasBias: u32, act: u32,
  itemStart: u32, itemEnd: u32, scratch: usize,
): void {
  const perBatch = (M + ROWS_PER_ITEM - 1) / ROWS_PER_ITEM;
  if (perBatch == 0) return;
  let item = itemStart;
  while (item < itemEnd) {
    const bi = item / perBatch;
    const first = item - bi * perBatch;
    const stop = min(itemEnd - bi * perBatch, perBatch);
    const m0 = <i32>(first * ROWS_PER_ITEM);
    const m1 = min(<i32>(stop * ROWS_PER_ITEM), <i32>M);
    const o = (<usize>bi * <usize>M * <usize>N) << 2;
    gemmRows(
      A + ((<usize>bi * strideA) << 2), B + ((<usize>bi * strideB) << 2), hasBias ? bias : 0,
      out + o, slope ? slope + o : 0,
      <i32>M, <i32>N, <i32>K, transA, transB, act, m0, m1, scratch,
    );
    item = bi * perBatch + stop;
  }
}

/** out = act(op(A) @ op(B) + bias). Trailing (itemStart, itemEnd, scratch) are supplied by the backend's thread split. */
export function matmul(
  A: usize, B: usize, bias: usize, out: usize,
  batch: u32, M: u32, N: u32, K: u32, strideA: u32, strideB: u32,
  transA: u32, transB: u32, hasBias: u32, act: u32, _tile: u32,
  itemStart: u32, itemEnd: u32, scratch: usize,
): void {
  run(A, B, bias, out, 0, batch, M, N, K, strideA, strideB, transA, transB, hasBias, act, itemStart, itemEnd, scratch);
}

/** As matmul, also writing slope = act'(op(A) @ op(B) + bias), the activation's derivative there. */
export function matmul_slope(
  A: usize, B: usize, bias: usize, out: usize, slope: usize,
  batch: u32, M: u32, N: u32, K: u32, strideA: u32, strideB: u32,
  transA: u32, transB: u32, hasBias: u32, act: u32, _tile: u32,
  itemStart: u32, itemEnd: u32, scratch: usize,
): void {
  run(A, B, bias, out, slope, batch, M, N, K, strideA, strideB, transA, transB, hasBias, act, itemStart, itemEnd, scratch);
}

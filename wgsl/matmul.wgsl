// Tiled batched matmul with fused bias + activation epilogue.
//   out[b] = act(op(A[b]) @ op(B[b]) + bias)    (entry `main`)
//   also slope[b] = act'(op(A[b]) @ op(B[b]) + bias)   (entry `main_slope`: the activation's
//   derivative at the pre-activation, which the backward multiplies the output's gradient by)
// A is stored [M, K] ([K, M] when TRANS_A), B [K, N] ([N, K] when TRANS_B); bias [N].
// strideA / strideB are per-batch element strides (0 shares one matrix over the batch).
//
// This file is completed by a tile file and a loader file (the op concatenates them).
// Tile files define `struct Invocation` (the entry points' builtins) and compute_tile:
// wgsl/matmul_tile.wgsl (every invocation loads the shared A rows itself) or
// wgsl/matmul_tile_subgroup.wgsl (each lane loads one share of them; the rest arrive by
// subgroup shuffles; needs subgroups of at least TM lanes). Loader files are
// wgsl/matmul_io_vec4.wgsl (A and B bound as array<vec4f>, for shapes whose contiguous
// dims are multiples of 4) or wgsl/matmul_io_scalar.wgsl (array<f32>, any shape). Both
// provide a_rows / b_rows, which read 4x4 blocks of op(A) and op(B).
//
// Register blocking: a workgroup of WG invocations computes a TM x (4*WG) tile; each
// invocation a TM x 4 block (TM vec4 accumulators) for columns n0 + 4*lid .. +3. The A
// rows are the same for the whole workgroup; the B block is each invocation's own. Per
// 4-step of k: 4 vec4 loads of B and TM of A (ceil(TM / 8) with subgroups) for 16*TM multiply-adds.
// (Staging A or B through workgroup memory was measured 1.7x slower on lavapipe, whose
// workgroup-memory reads are per-invocation and whose barriers switch coroutines. On
// lavapipe every storage load, uniform address or not, is a per-lane loop costing about
// as much as 20 multiply-adds, so loads per multiply-add is what the tiles minimise.)
override TRANS_A: u32 = 0u;
override TRANS_B: u32 = 0u;
override HAS_BIAS: u32 = 0u;
// 0 none, 1 relu, 2 gelu_tanh, 3 gelu_erf
override ACT: u32 = 0u;
// Tile shape per shape class (TILE_DIMS in runtime/ops/matmul.ts):
// 0: 8 x 64 (general), 1: 4 x 64 (M < 8), 2: 8 x 32 (N <= 32: narrow outputs),
// 3: 16 x 64 (tall outputs, subgroup tile only)
override TILE: u32 = 0u;

override TM: u32 = select(select(8u, 4u, TILE == 1u), 16u, TILE == 3u);
override WG: u32 = select(16u, 8u, TILE == 2u);
override BN: u32 = WG * 4u;
const MAX_TM = 16u;

struct Params { batch: u32, M: u32, N: u32, K: u32, strideA: u32, strideB: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> slope: array<f32>;

var<private> acc: array<vec4f, MAX_TM>;

struct Tile { batch: u32, m0: u32, n: u32, valid: bool }

// Workgroups are numbered linearly (batch-major, then row tiles, then column tiles).
fn tile_of(wid: vec3u, nwg: vec3u, lid: u32) -> Tile {
  let tilesN = (p.N + BN - 1u) / BN;
  let tilesM = (p.M + TM - 1u) / TM;
  let t = wid.x + wid.y * nwg.x;
  let perBatch = tilesN * tilesM;
  let b = t / perBatch;
  let r = t - b * perBatch;
  return Tile(b, (r / tilesN) * TM, (r % tilesN) * BN + 4u * lid, b < p.batch);
}

// acc + a.x * bm[0] + a.y * bm[1] + a.z * bm[2] + a.w * bm[3]: one row of A (4 k) times
// the 4 x 4 block of B.
fn fma_row(acc: vec4f, a: vec4f, bm: mat4x4f) -> vec4f {
  var s = fma(vec4f(a.x), bm[0], acc);
  s = fma(vec4f(a.y), bm[1], s);
  s = fma(vec4f(a.z), bm[2], s);
  return fma(vec4f(a.w), bm[3], s);
}

// GELU from wgsl/lib/math.wgsl (prepended), the function geluBackward differentiates.
fn activate(x: f32) -> f32 {
  switch (ACT) {
    case 1u: { return max(x, 0.0); }
    case 2u: { return gelu_tanh(x); }
    case 3u: { return gelu_erf(x); }
    default: { return x; }
  }
}

// vec2(act(x), act'(x)); ReLU's slope at 0 is 0.
fn activate_with_slope(x: f32) -> vec2f {
  switch (ACT) {
    case 1u: { return vec2f(max(x, 0.0), select(0.0, 1.0, x > 0.0)); }
    case 2u: { return gelu_tanh_with_grad(x); }
    case 3u: { return gelu_erf_with_grad(x); }
    default: { return vec2f(x, 1.0); }
  }
}

// bias[n .. n+3] (0 past N or without a bias), loaded once per invocation, not per row.
fn bias4(n: u32) -> vec4f {
  var b = vec4f(0.0);
  if (HAS_BIAS == 1u) {
    for (var j = 0u; j < 4u; j++) { if (n + j < p.N) { b[j] = bias[n + j]; } }
  }
  return b;
}

@compute @workgroup_size(WG)
fn main(inv: Invocation) {
  let t = tile_of(inv.wid, inv.nwg, inv.lid);
  if (!t.valid) { return; }
  compute_tile(t, inv);
  let o = t.batch * p.M * p.N;
  let bv = bias4(t.n);
  for (var r = 0u; r < TM; r++) {
    let m = t.m0 + r;
    if (m >= p.M) { break; }
    let v = acc[r] + bv;
    for (var j = 0u; j < 4u; j++) {
      let n = t.n + j;
      if (n < p.N) { out[o + m * p.N + n] = activate(v[j]); }
    }
  }
}

@compute @workgroup_size(WG)
fn main_slope(inv: Invocation) {
  let t = tile_of(inv.wid, inv.nwg, inv.lid);
  if (!t.valid) { return; }
  compute_tile(t, inv);
  let o = t.batch * p.M * p.N;
  let bv = bias4(t.n);
  for (var r = 0u; r < TM; r++) {
    let m = t.m0 + r;
    if (m >= p.M) { break; }
    let v = acc[r] + bv;
    for (var j = 0u; j < 4u; j++) {
      let n = t.n + j;
      if (n < p.N) {
        let y = activate_with_slope(v[j]);
        slope[o + m * p.N + n] = y.y;
        out[o + m * p.N + n] = y.x;
      }
    }
  }
}

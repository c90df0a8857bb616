// Batched matmul, one invocation per output element (the reference GPU kernel).
// out[b, m, n] = sum_k A[b, m, k] * B[b, k, n]
// A is stored [M, K] (or [K, M] when TRANS_A), B is stored [K, N] (or [N, K] when TRANS_B).
// strideA / strideB are the per-batch element strides (0 broadcasts one matrix over the batch).
override TRANS_A: u32 = 0u;
override TRANS_B: u32 = 0u;

struct Params { batch: u32, M: u32, N: u32, K: u32, strideA: u32, strideB: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let n = g.x;
  let m = g.y;
  let b = g.z;
  if (n >= p.N || m >= p.M) { return; }
  let a0 = b * p.strideA;
  let b0 = b * p.strideB;
  var acc = 0.0;
  for (var k = 0u; k < p.K; k++) {
    let av = select(A[a0 + m * p.K + k], A[a0 + k * p.M + m], TRANS_A == 1u);
    let bv = select(B[b0 + k * p.N + n], B[b0 + n * p.K + k], TRANS_B == 1u);
    acc += av * bv;
  }
  out[(b * p.M + m) * p.N + n] = acc;
}

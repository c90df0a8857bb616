// Loaders for wgsl/matmul.wgsl with A and B bound as array<f32>: any shape. Reads past
// K give 0 (they multiply); rows / columns past the edge are clamped (never stored).
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;

// op(A)[m, k] with m clamped and k past K read as 0.
fn a_at(base: u32, m: u32, k: u32) -> f32 {
  let mm = min(m, p.M - 1u);
  let kk = min(k, p.K - 1u);
  let v = select(A[base + mm * p.K + kk], A[base + kk * p.M + mm], TRANS_A == 1u);
  return select(0.0, v, k < p.K);
}

fn b_at(base: u32, k: u32, n: u32) -> f32 {
  let nn = min(n, p.N - 1u);
  let kk = min(k, p.K - 1u);
  let v = select(B[base + kk * p.N + nn], B[base + nn * p.K + kk], TRANS_B == 1u);
  return select(0.0, v, k < p.K);
}

fn a_rows(base: u32, m: u32, k: u32) -> mat4x4f {
  var r: mat4x4f;
  for (var i = 0u; i < 4u; i++) {
    r[i] = vec4f(a_at(base, m + i, k), a_at(base, m + i, k + 1u), a_at(base, m + i, k + 2u), a_at(base, m + i, k + 3u));
  }
  return r;
}

fn b_rows(base: u32, k: u32, n: u32) -> mat4x4f {
  var r: mat4x4f;
  for (var i = 0u; i < 4u; i++) {
    r[i] = vec4f(b_at(base, k + i, n), b_at(base, k + i, n + 1u), b_at(base, k + i, n + 2u), b_at(base, k + i, n + 3u));
  }
  return r;
}

// For wgsl/matmul_tile_subgroup.wgsl: lane l's share of the A block at k .. k+3, row m0 + l.
const A_LANE_ROWS: bool = true;
fn a_lane(base: u32, m0: u32, k: u32, l: u32) -> vec4f {
  let m = m0 + l;
  return vec4f(a_at(base, m, k), a_at(base, m, k + 1u), a_at(base, m, k + 2u), a_at(base, m, k + 3u));
}

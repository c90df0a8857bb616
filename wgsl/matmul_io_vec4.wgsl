// Loaders for wgsl/matmul.wgsl with A and B bound as array<vec4f>. Used when every
// contiguous dimension that is read is a multiple of 4 (so every vec4 is aligned): K
// always; M when TRANS_A; N when !TRANS_B; and the batch strides then are too.
// Rows / columns past the edge are clamped (their results are never stored).
@group(0) @binding(1) var<storage, read> A: array<vec4f>;
@group(0) @binding(2) var<storage, read> B: array<vec4f>;

// Rows m .. m+3 of op(A), each as k .. k+3.
fn a_rows(base: u32, m: u32, k: u32) -> mat4x4f {
  if (TRANS_A == 1u) {
    // A[k'][m'] at base + k' * M + m': one vec4 holds 4 rows (m is a multiple of 4)
    let i = (base + k * p.M + min(m, p.M - 4u)) / 4u;
    let s = p.M / 4u;
    return transpose(mat4x4f(A[i], A[i + s], A[i + 2u * s], A[i + 3u * s]));
  }
  let s = p.K / 4u;
  let i = base / 4u + k / 4u;
  let last = p.M - 1u;
  return mat4x4f(A[i + min(m, last) * s], A[i + min(m + 1u, last) * s], A[i + min(m + 2u, last) * s], A[i + min(m + 3u, last) * s]);
}

// Rows k .. k+3 of op(B), each as columns n .. n+3.
fn b_rows(base: u32, k: u32, n: u32) -> mat4x4f {
  if (TRANS_B == 1u) {
    // B[n'][k'] at base + n' * K + k': one vec4 holds 4 k of one column
    let s = p.K / 4u;
    let i = base / 4u + k / 4u;
    let last = p.N - 1u;
    return transpose(mat4x4f(B[i + min(n, last) * s], B[i + min(n + 1u, last) * s], B[i + min(n + 2u, last) * s], B[i + min(n + 3u, last) * s]));
  }
  let i = (base + k * p.N + min(n, p.N - 4u)) / 4u;
  let s = p.N / 4u;
  return mat4x4f(B[i], B[i + s], B[i + 2u * s], B[i + 3u * s]);
}

// For wgsl/matmul_tile_subgroup.wgsl: lane l's share of the A block of rows m0 .. m0+TM-1
// at k .. k+3. Without TRANS_A: row m0 + l. With TRANS_A one vec4 holds 4 rows at one k:
// lane l = 4 * j + i holds A[k + i][m0 + 4j .. m0 + 4j + 3].
override A_LANE_ROWS: bool = TRANS_A == 0u;
fn a_lane(base: u32, m0: u32, k: u32, l: u32) -> vec4f {
  if (TRANS_A == 1u) {
    let i = l & 3u;
    let m = m0 + (l & ~3u);
    return A[(base + (k + i) * p.M + min(m, p.M - 4u)) / 4u];
  }
  return A[base / 4u + k / 4u + min(m0 + l, p.M - 1u) * (p.K / 4u)];
}

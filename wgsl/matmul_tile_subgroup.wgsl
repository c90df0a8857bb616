// compute_tile for wgsl/matmul.wgsl with subgroups (the op prepends `enable subgroups;` and
// `diagnostic(off, subgroup_uniformity);`, and uses it only when every subgroup has at
// least 8 lanes). The A block of a 4-step of k (TM rows x 4 k, the same for the whole
// workgroup) is loaded once per subgroup, in groups of G = min(TM, 8) rows: lane l (l < G)
// loads one vec4 of each group (a_lane in the loader file), and every lane gathers the rows
// it needs with subgroupShuffle. Per 4-step of k: TM / G + 4 vec4 loads for 16*TM
// multiply-adds instead of TM + 4. Lanes l >= G load a copy of lane l % G's share.
// The shuffles sit in workgroup-uniform control flow (loops over uniforms; the early
// return of a tile past the batch depends on workgroup_id only); the uniformity analysis
// cannot see that through the Tile struct, hence the diagnostic.

struct Invocation {
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) lid: u32,
  @builtin(subgroup_invocation_id) lane: u32,
}

// Rows rb .. rb+3 of the A block (each as k .. k+3) from the lanes' shares. Lane rb + i
// holds either row rb + i (A_LANE_ROWS) or, for a transposed A, k + i of rows rb .. rb+3.
fn a_rows_from_lanes(share: vec4f, rb: u32) -> mat4x4f {
  let m = mat4x4f(subgroupShuffle(share, rb), subgroupShuffle(share, rb + 1u), subgroupShuffle(share, rb + 2u), subgroupShuffle(share, rb + 3u));
  if (A_LANE_ROWS) { return m; }
  return transpose(m);
}

// acc[r] (r < TM) = op(A)[m0 + r, :] @ op(B)[:, n .. n+3]. The A block goes in groups of
// up to 8 rows (one share per lane per group).
fn compute_tile(t: Tile, inv: Invocation) {
  for (var r = 0u; r < TM; r++) { acc[r] = vec4f(0.0); }
  let aBase = t.batch * p.strideA;
  let bBase = t.batch * p.strideB;
  let G = min(TM, 8u);
  let lane = inv.lane % G;
  for (var k = 0u; k < p.K; k += 4u) {
    let bm = b_rows(bBase, k, t.n); // bm[kk] = op(B)[k + kk, n .. n+3]
    for (var g = 0u; g < TM; g += G) {
      let share = a_lane(aBase, t.m0 + g, k, lane);
      for (var rb = 0u; rb < G; rb += 4u) {
        let am = a_rows_from_lanes(share, rb); // am[r] = op(A)[m0 + g + rb + r, k .. k+3]
        for (var r = 0u; r < 4u; r++) { acc[g + rb + r] = fma_row(acc[g + rb + r], am[r], bm); }
      }
    }
  }
}

// compute_tile for wgsl/matmul.wgsl, plain: every invocation loads the A rows of its tile
// itself (TM vec4 loads per 4-step of k, the same addresses in all invocations).
struct Invocation {
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) lid: u32,
}

// acc[r] (r < TM) = op(A)[m0 + r, :] @ op(B)[:, n .. n+3]
fn compute_tile(t: Tile, inv: Invocation) {
  for (var r = 0u; r < TM; r++) { acc[r] = vec4f(0.0); }
  let aBase = t.batch * p.strideA;
  let bBase = t.batch * p.strideB;
  for (var k = 0u; k < p.K; k += 4u) {
    let bm = b_rows(bBase, k, t.n); // bm[kk] = op(B)[k + kk, n .. n+3]
    for (var rb = 0u; rb < TM; rb += 4u) {
      let am = a_rows(aBase, t.m0 + rb, k); // am[r] = op(A)[m0 + rb + r, k .. k+3]
      for (var r = 0u; r < 4u; r++) { acc[rb + r] = fma_row(acc[rb + r], am[r], bm); }
    }
  }
}

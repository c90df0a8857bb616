// Attention backward, step 1: per-row statistics for the two gradient passes.
// stats[2r] = lse[r], stats[2r+1] = D[r] = dO_r . O_r (over the head's dh columns),
// for r = (b*heads + head)*L + i. dOut, out: [B, L, d]; lse: [B, heads, L].
struct Params { rows: u32, L: u32, d: u32, heads: u32, dh: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> out: array<f32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (r >= p.rows) { return; }
  let i = r % p.L;
  let bh = r / p.L;
  let head = bh % p.heads;
  let b = bh / p.heads;
  let off = (b * p.L + i) * p.d + head * p.dh;
  var acc = 0.0;
  for (var e = 0u; e < p.dh; e++) { acc = fma(dOut[off + e], out[off + e], acc); }
  stats[2u * r] = lse[r];
  stats[2u * r + 1u] = acc;
}

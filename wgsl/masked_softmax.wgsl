// Row softmax with a key mask (the unfused attention path; wgsl/lib/rng.wgsl is prepended).
// x: [B*heads, L, L] scores; mask: [B, L] u32 (1 = key may be attended to).
// Row r = (b*heads + head)*L + i: y[r, j] = exp(a_j - max) / sum over valid j' of exp(a_j' - max),
// a_j = scale * x[r, j], and 0 for masked keys (with causal, also keys j > i); a row with no valid key is all zeros.
// Optional dropout: kept elements (rng_u32(seed, r*L + j) >= threshold) are scaled by invKeep,
// the others are 0 (the same bits as the fused kernel).
// One workgroup of 64 per row; max and sum are tree reductions in shared memory.
struct Params { rows: u32, L: u32, heads: u32, scale: f32, dropout: u32, threshold: u32, seed: u32, invKeep: f32, causal: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mask: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

const WG: u32 = 64u;
const NEG: f32 = -1e30;
var<workgroup> red: array<f32, WG>;

fn reduce(v: f32, t: u32, isMax: bool) -> f32 {
  red[t] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { red[t] = select(red[t] + red[t + s], max(red[t], red[t + s]), isMax); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) t: u32) {
  let r = wid.x + wid.y * nwg.x;
  if (r >= p.rows) { return; } // uniform over the workgroup
  let L = p.L;
  let b = r / L / p.heads;
  let base = r * L;
  // causal: keys after the query (j > i) are masked too
  let last = select(L - 1u, r % L, p.causal != 0u);
  var m = NEG;
  for (var j = t; j < L; j += WG) {
    if (mask[b * L + j] != 0u && j <= last) { m = max(m, x[base + j] * p.scale); }
  }
  m = reduce(m, t, true);
  var s = 0.0;
  for (var j = t; j < L; j += WG) {
    if (mask[b * L + j] != 0u && j <= last) { s += exp(x[base + j] * p.scale - m); }
  }
  s = reduce(s, t, false);
  let inv = select(0.0, 1.0 / s, s > 0.0);
  let hs = hash_u32(p.seed);
  for (var j = t; j < L; j += WG) {
    var e = 0.0;
    if (mask[b * L + j] != 0u && j <= last) { e = exp(x[base + j] * p.scale - m) * inv; }
    if (p.dropout != 0u) { e = select(0.0, e * p.invKeep, hash_u32((base + j) ^ hs) >= p.threshold); }
    y[base + j] = e;
  }
}

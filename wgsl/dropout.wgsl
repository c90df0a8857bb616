// Inverted dropout with a counter-based mask (wgsl/lib/rng.wgsl is prepended):
//   keep e  <=>  rng_u32(seed, e) >= threshold   (threshold = floor(p * 2^32), e the float's index)
//   out[e] = keep ? x[e] * scale : 0             (scale = 1 / (1 - p))
// The backward is the same kernel on dy with the same seed: the mask is regenerated, never stored.
// Written once over the element type E (wgsl/lib/element_f32.wgsl or element_vec4.wgsl is
// prepended): with vec4s, n counts vec4s and each float keeps its own index's bit.
struct Params { n: u32, seed: u32, threshold: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<E>;
@group(0) @binding(2) var<storage, read_write> out: array<E>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let xi = x[i];
  var r = xi;
  for (var k = 0u; k < LANES; k++) {
    let keep = rng_u32(p.seed, i * LANES + k) >= p.threshold;
    r = with_lane(r, k, select(0.0, lane(xi, k) * p.scale, keep));
  }
  out[i] = r;
}

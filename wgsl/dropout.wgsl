// Inverted dropout with a counter-based mask (wgsl/lib/rng.wgsl is prepended):
//   keep i  <=>  rng_u32(seed, i) >= threshold   (threshold = floor(p * 2^32))
//   out[i] = keep ? x[i] * scale : 0             (scale = 1 / (1 - p))
// The backward is the same kernel on dy with the same seed: the mask is regenerated, never stored.
struct Params { n: u32, seed: u32, threshold: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= p.n) { return; }
  let keep = rng_u32(p.seed, i) >= p.threshold;
  out[i] = select(0.0, x[i] * p.scale, keep);
}

// wgsl/dropout.wgsl on vec4s, for n % 4 == 0 (the op's choice; wgsl/lib/rng.wgsl is
// prepended): invocation i handles elements 4i .. 4i+3 with the same per-element bits
//   keep e  <=>  rng_u32(seed, e) >= threshold,  out[e] = keep ? x[e] * scale : 0.
struct Params { n4: u32, seed: u32, threshold: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4f>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (i >= p.n4) { return; }
  let hs = pcg_hash(p.seed);
  let e = 4u * i;
  let bits = vec4u(pcg_hash(e ^ hs), pcg_hash((e + 1u) ^ hs), pcg_hash((e + 2u) ^ hs), pcg_hash((e + 3u) ^ hs));
  out[i] = select(vec4f(0.0), x[i] * p.scale, bits >= vec4u(p.threshold));
}

// dpre[i] = dy[i] * gelu'(pre[i]), APPROX 0 = tanh form, 1 = erf form (wgsl/lib/math.wgsl is
// prepended). Written once over the element type E (wgsl/lib/element_f32.wgsl or
// element_vec4.wgsl is prepended): with vec4s, n counts vec4s.
override APPROX: u32 = 0u;

struct Params { n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<E>;
@group(0) @binding(2) var<storage, read> pre: array<E>;
@group(0) @binding(3) var<storage, read_write> dpre: array<E>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let x = pre[i];
  var g = x;
  for (var k = 0u; k < LANES; k++) { g = with_lane(g, k, gelu_grad(lane(x, k), APPROX)); }
  dpre[i] = dy[i] * g;
}

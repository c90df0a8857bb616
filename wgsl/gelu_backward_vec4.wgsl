// wgsl/gelu_backward.wgsl on vec4s, for n % 4 == 0 (the op's choice; gelu_lib.wgsl is
// prepended): dpre[i] = dy[i] * gelu'(pre[i]) for the 4 floats of vec4 i (n4 = n / 4).
override APPROX: u32 = 0u;

struct Params { n4: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<vec4f>;
@group(0) @binding(2) var<storage, read> pre: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> dpre: array<vec4f>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (i >= p.n4) { return; }
  let x = pre[i];
  let g = vec4f(gelu_grad(x.x, APPROX), gelu_grad(x.y, APPROX), gelu_grad(x.z, APPROX), gelu_grad(x.w, APPROX));
  dpre[i] = dy[i] * g;
}

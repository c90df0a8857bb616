// dpre[i] = dy[i] * gelu'(pre[i]), APPROX 0 = tanh form, 1 = erf form (gelu_lib.wgsl is prepended).
override APPROX: u32 = 0u;

struct Params { n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> pre: array<f32>;
@group(0) @binding(3) var<storage, read_write> dpre: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i < p.n) { dpre[i] = dy[i] * gelu_grad(pre[i], APPROX); }
}

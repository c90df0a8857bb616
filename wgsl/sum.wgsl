// Sum over the middle axis of x viewed as [outer, len, inner] -> out [outer, inner].
// One invocation per output element; f32 accumulation.
struct Params { outer: u32, len: u32, inner: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= p.outer * p.inner) { return; }
  let o = i / p.inner;
  let j = i % p.inner;
  var base = o * p.len * p.inner + j;
  var acc = 0.0;
  for (var k = 0u; k < p.len; k++) {
    acc += x[base];
    base += p.inner;
  }
  out[i] = acc;
}

// Global gradient norm, pass 1 (one dispatch per tensor): partial sums of squares over blocks
// of BLOCK = 4096 elements of x [n]: partials[offset + b] = sum of x[i]^2 in block b.
// Thread lid sums elements b * 4096 + k * 256 + lid (k < 16, coalesced), then a fixed tree.
struct Params { n: u32, offset: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x + wid.y * nwg.x;
  let base = b * 4096u;
  var acc = 0.0;
  for (var k = 0u; k < 16u; k++) {
    let i = base + k * 256u + lid;
    if (i < p.n) {
      let v = x[i];
      acc += v * v;
    }
  }
  red[lid] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { partials[p.offset + b] = red[0]; }
}

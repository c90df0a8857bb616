// Batched 2-D transpose: x [batch, R, C] -> out [batch, C, R], through a 16x16 shared tile
// so both the read and the write are coalesced.
struct Params { batch: u32, R: u32, C: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> tile: array<array<f32, 17>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let b = wid.z;
  let r = wid.y * 16u + lid.y;
  let c = wid.x * 16u + lid.x;
  let base = b * p.R * p.C;
  if (r < p.R && c < p.C) { tile[lid.y][lid.x] = x[base + r * p.C + c]; }
  workgroupBarrier();
  // write: out row = c' (tile column), out col = r' (tile row)
  let oc = wid.y * 16u + lid.x; // index along R
  let orow = wid.x * 16u + lid.y; // index along C
  if (oc < p.R && orow < p.C) { out[base + orow * p.R + oc] = tile[lid.x][lid.y]; }
}

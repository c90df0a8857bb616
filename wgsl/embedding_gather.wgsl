// Embedding lookup: out[r, c] = table[ids[r], c] for table [V, d], ids [n] -> out [n, d].
// Ids outside [0, V) give a zero row (never read out of bounds). One invocation per output.
struct Params { n: u32, d: u32, V: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> table: array<f32>;
@group(0) @binding(2) var<storage, read> ids: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= p.n * p.d) { return; }
  let r = i / p.d;
  let c = i - r * p.d;
  let id = ids[r];
  var v = 0.0;
  if (id >= 0 && u32(id) < p.V) { v = table[u32(id) * p.d + c]; }
  out[i] = v;
}

// Embedding scatter-add, pass 2 of 4: order[offsets[ids[i]] + rank[i]] = i, i.e. the
// positions grouped by id, in increasing i within each id (a stable sort). Ids outside
// [0, V) are skipped.
struct Params { n: u32, V: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read> rank: array<u32>;
@group(0) @binding(3) var<storage, read> offsets: array<u32>;
@group(0) @binding(4) var<storage, read_write> order: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= p.n) { return; }
  let t = ids[i];
  if (t >= 0 && u32(t) < p.V) { order[offsets[u32(t)] + rank[i]] = i; }
}

// Embedding scatter-add, pass 4 of 4: dTable[v, c] = sum over the chunks of row v (in order)
// of partial[k, c]; 0 for rows no id hit. One invocation per element of dTable [V, d].
const CHUNK: u32 = 64u; // must match EMBEDDING_CHUNK in runtime/ops/embedding.ts
struct Params { V: u32, d: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read> counts: array<u32>;
@group(0) @binding(3) var<storage, read> chunkOff: array<u32>;
@group(0) @binding(4) var<storage, read_write> dTable: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (idx >= p.V * p.d) { return; }
  let v = idx / p.d;
  let c = idx - v * p.d;
  let nch = (counts[v] + CHUNK - 1u) / CHUNK;
  var k = chunkOff[v];
  var acc = 0.0;
  for (var j = 0u; j < nch; j++) {
    acc += partial[k * p.d + c];
    k += 1u;
  }
  dTable[idx] = acc;
}

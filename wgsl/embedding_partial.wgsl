// Embedding scatter-add, pass 3 of 4: partial sums over chunks of at most CHUNK entries of
// each row's list, so that a very frequent id (PAD, MASK) does not serialise one thread:
//   partial[k, c] = sum over e in chunk k (in order) of dOut[order[e], c]
// where chunk k = the (k - chunkOff[v])-th block of CHUNK entries of row v = chunkV[k].
// One invocation per (chunk, column); unused chunks (chunkV = 0xffffffff) write nothing.
const CHUNK: u32 = 64u; // must match EMBEDDING_CHUNK in runtime/ops/embedding.ts
struct Params { d: u32, maxChunks: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<storage, read> offsets: array<u32>;
@group(0) @binding(4) var<storage, read> counts: array<u32>;
@group(0) @binding(5) var<storage, read> chunkOff: array<u32>;
@group(0) @binding(6) var<storage, read> chunkV: array<u32>;
@group(0) @binding(7) var<storage, read_write> partial: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (idx >= p.maxChunks * p.d) { return; }
  let k = idx / p.d;
  let c = idx - k * p.d;
  let v = chunkV[k];
  if (v == 0xffffffffu) { return; }
  let start = offsets[v] + (k - chunkOff[v]) * CHUNK;
  let end = min(offsets[v] + counts[v], start + CHUNK);
  var acc = 0.0;
  for (var e = start; e < end; e++) { acc += dOut[order[e] * p.d + c]; }
  partial[idx] = acc;
}

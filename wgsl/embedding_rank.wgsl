// Embedding scatter-add (deterministic), pass 1 of 4: a stable counting sort of the ids, in
// ONE workgroup. For ids [n] over a vocabulary of V rows it writes
//   rank[i]     = #{ j < i : ids[j] == ids[i] }            (the stable position within its row)
//   counts[v]   = #{ i : ids[i] == v }
//   offsets[v]  = sum_{u < v} counts[u]                    (where row v's list starts)
//   chunkOff[v] = sum_{u < v} ceil(counts[u] / CHUNK)      (first chunk of row v)
//   chunkV[k]   = the row that chunk k belongs to, 0xffffffff for unused chunks (< maxChunks)
// Ids outside [0, V) are skipped. The ids are walked in blocks of 256: within a block each
// thread counts equal ids before it in shared memory; the last occurrence of an id in the
// block advances counts[id] (a running cursor). Everything is ordered, nothing is atomic.
const WG: u32 = 256u;
const CHUNK: u32 = 64u; // must match EMBEDDING_CHUNK in runtime/ops/embedding.ts
const NONE: u32 = 0xffffffffu;

struct Params { n: u32, V: u32, maxChunks: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read_write> rank: array<u32>;
@group(0) @binding(3) var<storage, read_write> counts: array<u32>;
@group(0) @binding(4) var<storage, read_write> offsets: array<u32>;
@group(0) @binding(5) var<storage, read_write> chunkOff: array<u32>;
@group(0) @binding(6) var<storage, read_write> chunkV: array<u32>;

var<workgroup> sid: array<u32, WG>;
var<workgroup> scan: array<vec2u, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  for (var v = lid; v < p.V; v += WG) { counts[v] = 0u; }
  for (var k = lid; k < p.maxChunks; k += WG) { chunkV[k] = NONE; }
  storageBarrier();

  for (var base = 0u; base < p.n; base += WG) {
    let i = base + lid;
    var id = NONE;
    if (i < p.n) {
      let t = ids[i];
      if (t >= 0 && u32(t) < p.V) { id = u32(t); }
    }
    sid[lid] = id;
    workgroupBarrier();
    var before = 0u;
    var last = true;
    if (id != NONE) {
      for (var j = 0u; j < lid; j++) {
        if (sid[j] == id) { before += 1u; }
      }
      for (var j = lid + 1u; j < WG; j++) {
        if (sid[j] == id) { last = false; break; }
      }
      rank[i] = counts[id] + before;
    }
    storageBarrier(); // every read of counts in this block precedes the updates
    if (id != NONE && last) { counts[id] += before + 1u; }
    storageBarrier();
    workgroupBarrier(); // sid is rewritten by the next block
  }

  // Exclusive scans of (counts, chunks per row): thread lid owns rows [lo, hi).
  let per = (p.V + WG - 1u) / WG;
  let lo = min(p.V, lid * per);
  let hi = min(p.V, lo + per);
  var tot = vec2u(0u, 0u);
  for (var v = lo; v < hi; v++) {
    let c = counts[v];
    tot += vec2u(c, (c + CHUNK - 1u) / CHUNK);
  }
  scan[lid] = tot;
  workgroupBarrier();
  for (var off = 1u; off < WG; off <<= 1u) {
    var x = vec2u(0u, 0u);
    if (lid >= off) { x = scan[lid - off]; }
    workgroupBarrier();
    scan[lid] += x;
    workgroupBarrier();
  }
  var run = scan[lid] - tot;
  for (var v = lo; v < hi; v++) {
    let c = counts[v];
    let nch = (c + CHUNK - 1u) / CHUNK;
    offsets[v] = run.x;
    chunkOff[v] = run.y;
    for (var j = 0u; j < nch; j++) { chunkV[run.y + j] = v; }
    run += vec2u(c, nch);
  }
}

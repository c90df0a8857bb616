// Softmax cross-entropy, pre-pass: count[0] = number of rows whose target counts, as f32.
// A target counts when t != ignoreIndex and 0 <= t < V (out-of-range targets are treated as
// ignored). One workgroup: integer per-thread counts, then a fixed tree (deterministic).
struct Params { R: u32, V: u32, ignoreIndex: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> targets: array<i32>;
@group(0) @binding(2) var<storage, read_write> count: array<f32>;

var<workgroup> red: array<u32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var c = 0u;
  for (var r = lid; r < p.R; r += 256u) {
    let t = targets[r];
    if (t != p.ignoreIndex && t >= 0 && u32(t) < p.V) { c += 1u; }
  }
  red[lid] = c;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { count[0] = f32(red[0]); }
}

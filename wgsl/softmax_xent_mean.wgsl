// Softmax cross-entropy, final pass: loss[0] = sum(rowLoss) / count (0 when count == 0).
// One workgroup: strided per-thread sums, then a fixed tree (deterministic).
struct Params { R: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> rowLoss: array<f32>;
@group(0) @binding(2) var<storage, read> count: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var r = lid; r < p.R; r += 256u) { acc += rowLoss[r]; }
  red[lid] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let cnt = count[0];
    loss[0] = select(0.0, red[0] / cnt, cnt > 0.0);
  }
}

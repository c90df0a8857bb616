// Fused softmax cross-entropy, forward and backward, one workgroup (256 threads) per row of
// logits [R, V]:
//   M = max_j x_j,  S = sum_j exp(x_j - M)   (online: each thread keeps a running (max, sum),
//                                              merged by a fixed tree, so never overflows)
//   rowLoss = (M - x_t) + log(S)              (= logsumexp(x) - x_t; 0 for ignored rows)
//   dlogits_j = (exp(x_j - M) / S - [j == t]) / count   (GRAD = 1; all 0 for ignored rows)
// count = number of counted rows (softmax_xent_count.wgsl), so dlogits is the gradient of the
// mean loss. A target counts when t != ignoreIndex and 0 <= t < V; others are ignored.
override GRAD: u32 = 1u;
const WG: u32 = 256u;
const NEG_MAX: f32 = -3.402823e38;

struct Params { R: u32, V: u32, ignoreIndex: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<i32>;
@group(0) @binding(3) var<storage, read> count: array<f32>;
@group(0) @binding(4) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(5) var<storage, read_write> dlogits: array<f32>;

var<workgroup> redM: array<f32, WG>;
var<workgroup> redS: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.R) { return; } // uniform per workgroup
  let base = row * p.V;
  var m = NEG_MAX;
  var s = 0.0;
  for (var j = lid; j < p.V; j += WG) {
    let x = logits[base + j];
    if (x > m) {
      s = s * exp(m - x) + 1.0;
      m = x;
    } else {
      s += exp(x - m);
    }
  }
  redM[lid] = m;
  redS[lid] = s;
  workgroupBarrier();
  for (var st = WG / 2u; st > 0u; st >>= 1u) {
    if (lid < st) {
      let m2 = redM[lid + st];
      let mm = max(m, m2);
      s = s * exp(m - mm) + redS[lid + st] * exp(m2 - mm);
      m = mm;
      redM[lid] = m;
      redS[lid] = s;
    }
    workgroupBarrier();
  }
  let M = redM[0];
  let S = redS[0];
  let t = targets[row];
  let valid = t != p.ignoreIndex && t >= 0 && u32(t) < p.V;
  if (lid == 0u) {
    var loss = 0.0;
    if (valid) { loss = (M - logits[base + u32(t)]) + log(S); }
    rowLoss[row] = loss;
  }
  if (GRAD == 1u) {
    let cnt = count[0];
    var scale = 0.0;
    if (valid && cnt > 0.0) { scale = 1.0 / cnt; }
    let invS = 1.0 / S;
    for (var j = lid; j < p.V; j += WG) {
      var g = exp(logits[base + j] - M) * invS;
      if (valid && j == u32(t)) { g -= 1.0; }
      dlogits[base + j] = g * scale;
    }
  }
}

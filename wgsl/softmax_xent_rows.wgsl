// Fused softmax cross-entropy, one row per invocation: the variant for WebGPU adapters that
// run on the CPU (lavapipe, SwiftShader), for V % 4 == 0 (rows as vec4s, no barriers). Same
// results as wgsl/softmax_xent.wgsl, in three passes over the row instead of an online max:
//   M = max_j x_j,  S = sum_j exp(x_j - M),  rowLoss = (M - x_t) + log(S) (0 if ignored),
//   dlogits_j = (exp(x_j - M) / S - [j == t]) / count   (GRAD = 1).
override GRAD: u32 = 1u;
const WG: u32 = 16u;
const NEG_MAX: f32 = -3.402823e38;

struct Params { R: u32, V: u32, ignoreIndex: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<vec4f>;
@group(0) @binding(2) var<storage, read> targets: array<i32>;
@group(0) @binding(3) var<storage, read> count: array<f32>;
@group(0) @binding(4) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(5) var<storage, read_write> dlogits: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.x + wid.y * nwg.x) * WG + lid;
  if (row >= p.R) { return; }
  let n4 = p.V / 4u;
  let base = row * n4;
  var mv = vec4f(NEG_MAX);
  for (var j = 0u; j < n4; j++) { mv = max(mv, logits[base + j]); }
  let M = max(max(mv.x, mv.y), max(mv.z, mv.w));
  var sv = vec4f(0.0);
  for (var j = 0u; j < n4; j++) { sv += exp(logits[base + j] - M); }
  let S = (sv.x + sv.y) + (sv.z + sv.w);
  let t = targets[row];
  let valid = t != p.ignoreIndex && t >= 0 && u32(t) < p.V;
  var loss = 0.0;
  if (valid) { loss = (M - logits[base + u32(t) / 4u][u32(t) % 4u]) + log(S); }
  rowLoss[row] = loss;
  if (GRAD == 1u) {
    let cnt = count[0];
    var scale = 0.0;
    if (valid && cnt > 0.0) { scale = 1.0 / cnt; }
    let invS = 1.0 / S;
    for (var j = 0u; j < n4; j++) { dlogits[base + j] = exp(logits[base + j] - M) * (invS * scale); }
    if (valid) {
      let i = base + u32(t) / 4u;
      var g = dlogits[i];
      g[u32(t) % 4u] -= scale;
      dlogits[i] = g;
    }
  }
}

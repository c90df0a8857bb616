// Layer norm over the last dim of input [R, d] (input = x, or x + res with a residual):
//   mean = sum(input) / d,  var = sum((input - mean)^2) / d  (biased, as in BERT),
//   rstd = 1 / sqrt(var + eps),  y = (input - mean) * rstd * gamma + beta.
// Variance by the corrected two-pass method: m0 = sum(v) / d, then with t = v - m0 and
// c = sum(t) / d:  mean = m0 + c,  var = (sum(t^2) - sum(t)^2 / d) / d,  xhat = (t - c) * rstd
// (never E[x^2] - E[x]^2; t is exact for inputs near m0, so a large common offset such as
// x ~ 1e4 costs no precision). Needs the bindings (load_input/store_input) and layernorm_lib.
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.x + wid.y * nwg.x) * (WG / TPR) + lid / TPR;
  let lane = lid & (TPR - 1u);
  let valid = row < p.R;
  let base = row * p.d;
  let nk = (p.d + TPR - 1u) / TPR;
  let fd = f32(p.d);
  var v: array<f32, MAXK>;
  var s = 0.0;
  for (var k = 0u; k < MAXK; k++) {
    let c = lane + k * TPR;
    var xv = 0.0;
    if (k < nk && valid && c < p.d) {
      xv = load_input(base + c);
      store_input(base + c, xv);
    }
    v[k] = xv;
    s += xv;
  }
  let m0 = row_sum(lid, vec4f(s, 0.0, 0.0, 0.0)).x / fd;
  var s1 = 0.0;
  var s2 = 0.0;
  for (var k = 0u; k < MAXK; k++) {
    let c = lane + k * TPR;
    if (k < nk && c < p.d) {
      let t = v[k] - m0;
      s1 += t;
      s2 += t * t;
    }
  }
  let r = row_sum(lid, vec4f(s1, s2, 0.0, 0.0));
  let corr = r.x / fd;
  let mean = m0 + corr;
  let variance = max(0.0, (r.y - r.x * r.x / fd) / fd);
  let rstd = inverseSqrt(variance + p.eps);
  if (!valid) { return; }
  for (var k = 0u; k < MAXK; k++) {
    let c = lane + k * TPR;
    if (k < nk && c < p.d) {
      y[base + c] = ((v[k] - m0) - corr) * rstd * gamma[c] + beta[c];
    }
  }
  if (lane == 0u) {
    mean_out[row] = mean;
    rstd_out[row] = rstd;
  }
}

// Layer norm, one row per invocation (the variant for WebGPU adapters that run on the CPU,
// such as lavapipe: no barriers and no workgroup memory, vec4 loads; rows of d <= 128 with
// d % 4 == 0). Same formulas as wgsl/layernorm.wgsl (corrected two-pass variance):
//   m0 = sum(v) / d,  t = v - m0,  c = sum(t) / d,  mean = m0 + c,
//   var = (sum(t^2) - sum(t)^2 / d) / d,  y = (t - c) * rstd * gamma + beta.
// Prepended: layernorm_rows_bindings.wgsl or layernorm_rows_residual_bindings.wgsl.
const ROW_MAX_D4: u32 = 32u; // vec4s per row held in registers (d <= 128)

fn hsum(v: vec4f) -> f32 { return (v.x + v.y) + (v.z + v.w); }

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (row >= p.R) { return; }
  let n4 = p.d / 4u;
  let base = row * n4;
  let fd = f32(p.d);
  var v: array<vec4f, ROW_MAX_D4>;
  var s = vec4f(0.0);
  for (var c = 0u; c < ROW_MAX_D4; c++) {
    if (c < n4) {
      let xv = load_input(base + c);
      store_input(base + c, xv);
      v[c] = xv;
      s += xv;
    }
  }
  let m0 = hsum(s) / fd;
  var s1 = vec4f(0.0);
  var s2 = vec4f(0.0);
  for (var c = 0u; c < ROW_MAX_D4; c++) {
    if (c < n4) {
      let t = v[c] - m0;
      s1 += t;
      s2 += t * t;
    }
  }
  let r1 = hsum(s1);
  let corr = r1 / fd;
  let variance = max(0.0, (hsum(s2) - r1 * r1 / fd) / fd);
  let rstd = inverseSqrt(variance + p.eps);
  for (var c = 0u; c < ROW_MAX_D4; c++) {
    if (c < n4) { y[base + c] = ((v[c] - m0) - corr) * rstd * gamma[c] + beta[c]; }
  }
  mean_out[row] = m0 + corr;
  rstd_out[row] = rstd;
}

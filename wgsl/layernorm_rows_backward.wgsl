// Layer-norm backward, rows per invocation (the variant for WebGPU adapters that run on the
// CPU; d <= 128, d % 4 == 0). Same formulas as wgsl/layernorm_backward.wgsl: per row, with
// t = input - mean, delta = mean(t), xhat = (t - delta) * rstd, g = dy * gamma,
//   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  mean(g * xhat) = rstd * (mean(g t) - delta * mean(g)).
// Invocation b handles rows [b * rowsPerBlock, min(R, (b + 1) * rowsPerBlock)) in order and
// writes its column sums pg[b] = sum dy * xhat, pb[b] = sum dy (the op reduces the blocks).
struct Params { R: u32, d: u32, rowsPerBlock: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<vec4f>;
@group(0) @binding(2) var<storage, read> inp: array<vec4f>;
@group(0) @binding(3) var<storage, read> gamma: array<vec4f>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> pg: array<vec4f>;
@group(0) @binding(8) var<storage, read_write> pb: array<vec4f>;

const ROW_MAX_D4: u32 = 32u;
const WG: u32 = 16u;

fn hsum(v: vec4f) -> f32 { return (v.x + v.y) + (v.z + v.w); }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let block = (wid.x + wid.y * nwg.x) * WG + lid;
  let r0 = block * p.rowsPerBlock;
  if (r0 >= p.R) { return; }
  let r1 = min(p.R, r0 + p.rowsPerBlock);
  let n4 = p.d / 4u;
  let fd = f32(p.d);
  var gm: array<vec4f, ROW_MAX_D4>;
  var ag: array<vec4f, ROW_MAX_D4>;
  var ab: array<vec4f, ROW_MAX_D4>;
  for (var c = 0u; c < ROW_MAX_D4; c++) {
    if (c < n4) { gm[c] = gamma[c]; }
    ag[c] = vec4f(0.0);
    ab[c] = vec4f(0.0);
  }
  var dyv: array<vec4f, ROW_MAX_D4>;
  var t: array<vec4f, ROW_MAX_D4>;
  for (var row = r0; row < r1; row++) {
    let m = mean[row];
    let rs = rstd[row];
    let base = row * n4;
    var sg = vec4f(0.0);
    var sgt = vec4f(0.0);
    var st = vec4f(0.0);
    for (var c = 0u; c < ROW_MAX_D4; c++) {
      if (c < n4) {
        let dk = dy[base + c];
        let tk = inp[base + c] - m;
        let gk = dk * gm[c];
        dyv[c] = dk;
        t[c] = tk;
        sg += gk;
        sgt += gk * tk;
        st += tk;
        ab[c] += dk;
      }
    }
    let mg = hsum(sg) / fd;
    let delta = hsum(st) / fd;
    let mgx = rs * (hsum(sgt) / fd - delta * mg);
    for (var c = 0u; c < ROW_MAX_D4; c++) {
      if (c < n4) {
        let xh = (t[c] - delta) * rs;
        dx[base + c] = rs * (dyv[c] * gm[c] - mg - xh * mgx);
        ag[c] += dyv[c] * xh;
      }
    }
  }
  for (var c = 0u; c < ROW_MAX_D4; c++) {
    if (c < n4) {
      pg[block * n4 + c] = ag[c];
      pb[block * n4 + c] = ab[c];
    }
  }
}

// Layer-norm backward (prepended with layernorm_lib.wgsl). Per row, with
//   xhat = (input - mean) * rstd,  g = dy * gamma:
//   dx = rstd * (g - mean(g) - xhat * mean(g * xhat))         (also the residual's gradient)
// and per block of rows (rows [b * rowsPerBlock, min(R, (b + 1) * rowsPerBlock))):
//   pg[b, c] = sum dy * xhat,  pb[b, c] = sum dy
// which the op reduces over blocks (a second, deterministic pass) into dgamma and dbeta.
// The saved mean is f32-rounded; with t = input - mean (exact for inputs near the mean) the
// row's residual offset delta = mean(t) is recovered and xhat = (t - delta) * rstd, so a large
// common offset (x ~ 1e4) costs no precision. One row reduction gives sum(g), sum(g t), sum(t):
//   mean(g * xhat) = rstd * (sum(g t) - delta * sum(g)) / d.
struct Params { R: u32, d: u32, rowsPerBlock: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(7) var<storage, read_write> pg: array<f32>;
@group(0) @binding(8) var<storage, read_write> pb: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let block = wid.x + wid.y * nwg.x;
  let slots = WG / TPR;
  let slot = lid / TPR;
  let lane = lid & (TPR - 1u);
  let nk = (p.d + TPR - 1u) / TPR;
  let fd = f32(p.d);
  let r0 = block * p.rowsPerBlock;
  let r1 = min(p.R, r0 + p.rowsPerBlock);
  var ag: array<f32, MAXK>; // this thread's column sums of dy * xhat
  var ab: array<f32, MAXK>; // and of dy
  var dyv: array<f32, MAXK>;
  var t: array<f32, MAXK>;
  for (var rb = r0; rb < r1; rb += slots) {
    let row = rb + slot;
    let valid = row < r1;
    var m = 0.0;
    var rs = 0.0;
    if (valid) {
      m = mean[row];
      rs = rstd[row];
    }
    let base = row * p.d;
    var sums = vec4f(0.0);
    for (var k = 0u; k < MAXK; k++) {
      let c = lane + k * TPR;
      if (k < nk && valid && c < p.d) {
        let dk = dy[base + c];
        let tk = inp[base + c] - m;
        let gk = dk * gamma[c];
        dyv[k] = dk;
        t[k] = tk;
        sums += vec4f(gk, gk * tk, tk, 0.0);
        ab[k] += dk;
      }
    }
    let r = row_sum(lid, sums) / fd;
    let delta = r.z;
    let mgx = rs * (r.y - delta * r.x);
    if (valid) {
      for (var k = 0u; k < MAXK; k++) {
        let c = lane + k * TPR;
        if (k < nk && c < p.d) {
          let xh = (t[k] - delta) * rs;
          dx[base + c] = rs * (dyv[k] * gamma[c] - r.x - xh * mgx);
          ag[k] += dyv[k] * xh;
        }
      }
    }
  }
  // Sum the column accumulators over the row slots: red[slot * TPR + lane].
  for (var k = 0u; k < nk; k++) {
    red[lid] = vec4f(ag[k], ab[k], 0.0, 0.0);
    workgroupBarrier();
    for (var s = slots >> 1u; s > 0u; s >>= 1u) {
      if (slot < s) { red[lid] += red[lid + s * TPR]; }
      workgroupBarrier();
    }
    let c = lane + k * TPR;
    if (slot == 0u && c < p.d) {
      pg[block * p.d + c] = red[lane].x;
      pb[block * p.d + c] = red[lane].y;
    }
    workgroupBarrier();
  }
}

// Attention backward, step 3: dK and dV. Prepended: wgsl/lib/rng.wgsl, wgsl/attention_common.wgsl,
// wgsl/attention_rows_f32.wgsl, wgsl/attention_dout_f32.wgsl.
// One workgroup per (key block of 64, head, b), one invocation per key j; Q and dO tiles (and
// the rows' lse, D) are shared. Same P, f, dS as attention_bwd_q.wgsl:
//   dV_j = sum_i P_ij f_ij dO_i,   dK_j = scale * sum_i dS_ij q_i.
// Padded keys (mask 0) get zero gradients. dk, dv: [B, L, d]. With query rows (p.R > 0,
// wgsl/attention_common.wgsl) the queries are those rows: q, dO [R, d], stats [heads, R, 2].
@group(0) @binding(6) var<storage, read> stats: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<f32>;
@group(0) @binding(8) var<storage, read_write> dv: array<f32>;

var<workgroup> qT: array<vec4f, TILE_V4>; // q rows, pre-multiplied by scale
var<workgroup> doT: array<vec4f, TILE_V4>;
var<workgroup> lseT: array<f32, 64>;
var<workgroup> dT: array<f32, 64>;
var<workgroup> posT: array<u32, 64>; // the queries' positions
var<workgroup> wgInfo: vec2u;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let head = wid.y;
  let b = wid.z;
  let L = p.L;
  let j = wid.x * BQ + t;
  let jc = min(j, L - 1u);
  let col0 = head * p.dh;
  let hs = hash_u32(p.seed);
  let keyOk = j < L && mask[b * L + jc] != 0u;
  let rngBase = (b * p.heads + head) * L;
  if (t == 0u) { wgInfo = querySet(b); }
  let qs = workgroupUniformLoad(&wgInfo); // (first q row, query count) of the sequence

  var kv: array<vec4f, 32>;
  var vv: array<vec4f, 32>;
  var dka: array<vec4f, 32>;
  var dva: array<vec4f, 32>;
  let off = (b * L + jc) * p.d + col0;
  for (var c = 0u; c < DHP; c++) {
    kv[c] = ldK(off, c);
    vv[c] = ldV(off, c);
    dka[c] = vec4f(0.0);
    dva[c] = vec4f(0.0);
  }

  // causal without query rows: no query before the workgroup's first key (with query rows,
  // every query is read and the causal test is per element)
  for (var i0 = select(0u, wid.x * BQ, p.causal != 0u && p.R == 0u); i0 < qs.y; i0 += BK) {
    let ni = min(BK, qs.y - i0);
    workgroupBarrier();
    for (var e = t; e < ni * DHP; e += BQ) {
      let qoff = (qs.x + i0 + e / DHP) * p.d + col0;
      qT[e] = ldQ(qoff, e % DHP) * p.scale;
      doT[e] = ldDO(qoff, e % DHP);
    }
    if (t < ni) {
      let sr = statRow(b, head, qs.x + i0 + t);
      lseT[t] = stats[2u * sr];
      dT[t] = stats[2u * sr + 1u];
      posT[t] = queryPos(b, qs.x + i0 + t);
    }
    workgroupBarrier();
    if (keyOk) {
      for (var ii = 0u; ii < ni; ii++) {
        if (p.causal != 0u && posT[ii] < j) { continue; }
        var sv = vec4f(0.0);
        var dpv = vec4f(0.0);
        for (var c = 0u; c < DHP; c++) {
          sv = fma(qT[ii * DHP + c], kv[c], sv);
          dpv = fma(doT[ii * DHP + c], vv[c], dpv);
        }
        let pij = exp(sv.x + sv.y + sv.z + sv.w - lseT[ii]);
        var f = 1.0;
        if (p.dropout != 0u) {
          f = select(0.0, p.invKeep, hash_u32(((rngBase + posT[ii]) * L + j) ^ hs) >= p.threshold);
        }
        let ds = pij * (f * (dpv.x + dpv.y + dpv.z + dpv.w) - dT[ii]);
        let pd = pij * f;
        for (var c = 0u; c < DHP; c++) {
          dva[c] = fma(vec4f(pd), doT[ii * DHP + c], dva[c]);
          dka[c] = fma(vec4f(ds), qT[ii * DHP + c], dka[c]);
        }
      }
    }
  }

  if (j >= L) { return; }
  for (var c = 0u; c < DHP; c++) {
    for (var u = 0u; u < 4u; u++) {
      let e = 4u * c + u;
      if (e < p.dh) {
        dk[off + e] = dka[c][u];
        dv[off + e] = dva[c][u];
      }
    }
  }
}

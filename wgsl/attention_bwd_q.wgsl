// Attention backward, step 2: dQ. Prepended: wgsl/lib/rng.wgsl, wgsl/attention_common.wgsl,
// wgsl/attention_rows_f32.wgsl, wgsl/attention_dout_f32.wgsl.
// One workgroup per (query block of 64, head, b), one invocation per query i; K and V tiles
// are shared. With s_ij = scale q_i.k_j, P_ij = exp(s_ij - lse_i), keep factor
// f_ij = keep_ij / (1 - p) (1 without dropout):
//   dP_ij = f_ij (dO_i . v_j),  dS_ij = P_ij (dP_ij - D_i),  dQ_i = scale * sum_j dS_ij k_j.
// stats: [B, heads, L, 2] = (lse, D) from attention_bwd_prep. dq: [B, L, d].
@group(0) @binding(6) var<storage, read> stats: array<f32>;
@group(0) @binding(7) var<storage, read_write> dq: array<f32>;

var<workgroup> kT: array<vec4f, TILE_V4>;
var<workgroup> vT: array<vec4f, TILE_V4>;
var<workgroup> validT: array<u32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let head = wid.y;
  let b = wid.z;
  let L = p.L;
  let i = wid.x * BQ + t;
  let ic = min(i, L - 1u);
  let col0 = head * p.dh;
  let hs = pcg_hash(p.seed);
  let rngRow = ((b * p.heads + head) * L + i) * L;
  let r = (b * p.heads + head) * L + ic;
  let lseI = stats[2u * r];
  let dI = stats[2u * r + 1u];

  var qv: array<vec4f, 32>;
  var dov: array<vec4f, 32>;
  var acc: array<vec4f, 32>;
  let off = (b * L + ic) * p.d + col0;
  for (var c = 0u; c < DHP; c++) {
    qv[c] = ldQ(off, c) * p.scale;
    dov[c] = ldDO(off, c);
    acc[c] = vec4f(0.0);
  }

  // causal: no key after the workgroup's last query
  let kEnd = select(L, min(L, (wid.x + 1u) * BQ), p.causal != 0u);
  for (var k0 = 0u; k0 < kEnd; k0 += BK) {
    let nk = min(BK, kEnd - k0);
    workgroupBarrier();
    for (var e = t; e < nk * DHP; e += BQ) {
      let koff = (b * L + k0 + e / DHP) * p.d + col0;
      kT[e] = ldK(koff, e % DHP);
      vT[e] = ldV(koff, e % DHP);
    }
    if (t < nk) { validT[t] = mask[b * L + k0 + t]; }
    workgroupBarrier();
    for (var j = 0u; j < nk; j++) {
      if (validT[j] == 0u || (p.causal != 0u && k0 + j > i)) { continue; }
      var sv = vec4f(0.0);
      var dpv = vec4f(0.0);
      for (var c = 0u; c < DHP; c++) {
        sv = fma(qv[c], kT[j * DHP + c], sv);
        dpv = fma(dov[c], vT[j * DHP + c], dpv);
      }
      let pij = exp(sv.x + sv.y + sv.z + sv.w - lseI);
      var dp = dpv.x + dpv.y + dpv.z + dpv.w;
      if (p.dropout != 0u) {
        dp = select(0.0, dp * p.invKeep, pcg_hash((rngRow + k0 + j) ^ hs) >= p.threshold);
      }
      let ds = pij * (dp - dI);
      for (var c = 0u; c < DHP; c++) { acc[c] = fma(vec4f(ds), kT[j * DHP + c], acc[c]); }
    }
  }

  if (i >= L) { return; }
  for (var c = 0u; c < DHP; c++) {
    let rv = acc[c] * p.scale;
    for (var u = 0u; u < 4u; u++) {
      let e = 4u * c + u;
      if (e < p.dh) { dq[off + e] = rv[u]; }
    }
  }
}

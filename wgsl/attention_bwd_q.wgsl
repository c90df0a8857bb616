// Attention backward, step 2: dQ. Prepended: wgsl/lib/rng.wgsl, wgsl/attention_common.wgsl,
// wgsl/attention_rows_f32.wgsl, wgsl/attention_dout_f32.wgsl.
// One workgroup per (query block of 64, head, b), one invocation per query i; K and V tiles
// are shared. With s_ij = scale q_i.k_j, P_ij = exp(s_ij - lse_i), keep factor
// f_ij = keep_ij / (1 - p) (1 without dropout):
//   dP_ij = f_ij (dO_i . v_j),  dS_ij = P_ij (dP_ij - D_i),  dQ_i = scale * sum_j dS_ij k_j.
// stats: [B, heads, L, 2] = (lse, D) from attention_bwd_prep. dq: [B, L, d]. With query rows
// (p.R > 0, wgsl/attention_common.wgsl): q, dO, dq [R, d], stats [heads, R, 2].
@group(0) @binding(6) var<storage, read> stats: array<f32>;
@group(0) @binding(7) var<storage, read_write> dq: array<f32>;

var<workgroup> kT: array<vec4f, TILE_V4>;
var<workgroup> vT: array<vec4f, TILE_V4>;
var<workgroup> validT: array<u32, 64>;
var<workgroup> wgSet: vec2u;
var<workgroup> wgKeys: u32;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) t: u32) {
  let head = wid.y;
  let b = wid.z;
  let L = p.L;
  let hs = hash_u32(p.seed);
  if (t == 0u) { wgSet = querySet(b); }
  let info = workgroupUniformLoad(&wgSet); // (first q row, query count), uniform over the workgroup

  // Blocks of 64 queries, nwg.x * 64 apart: one per workgroup unless repeated query rows give
  // a sequence more queries than positions.
  for (var i0 = wid.x * BQ; i0 < info.y; i0 += nwg.x * BQ) {
    // causal: no key after the position of the block's last query
    workgroupBarrier(); // wgKeys is read by every invocation before it is written again
    if (t == 0u) { wgKeys = select(L, min(L, queryPos(b, info.x + min(info.y, i0 + BQ) - 1u) + 1u), p.causal != 0u); }
    let kEnd = workgroupUniformLoad(&wgKeys);
    let qi = i0 + t;
    let row = info.x + min(qi, info.y - 1u);
    let pos = queryPos(b, row);
    let col0 = head * p.dh;
    let rngRow = ((b * p.heads + head) * L + pos) * L;
    let r = statRow(b, head, row);
    let lseI = stats[2u * r];
    let dI = stats[2u * r + 1u];

    var qv: array<vec4f, 32>;
    var dov: array<vec4f, 32>;
    var acc: array<vec4f, 32>;
    let off = row * p.d + col0;
    for (var c = 0u; c < DHP; c++) {
      qv[c] = ldQ(off, c) * p.scale;
      dov[c] = ldDO(off, c);
      acc[c] = vec4f(0.0);
    }

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
        if (validT[j] == 0u || (p.causal != 0u && k0 + j > pos)) { continue; }
        var sv = vec4f(0.0);
        var dpv = vec4f(0.0);
        for (var c = 0u; c < DHP; c++) {
          sv = fma(qv[c], kT[j * DHP + c], sv);
          dpv = fma(dov[c], vT[j * DHP + c], dpv);
        }
        let pij = exp(sv.x + sv.y + sv.z + sv.w - lseI);
        var dp = dpv.x + dpv.y + dpv.z + dpv.w;
        if (p.dropout != 0u) {
          dp = select(0.0, dp * p.invKeep, hash_u32((rngRow + k0 + j) ^ hs) >= p.threshold);
        }
        let ds = pij * (dp - dI);
        for (var c = 0u; c < DHP; c++) { acc[c] = fma(vec4f(ds), kT[j * DHP + c], acc[c]); }
      }
    }

    if (qi < info.y) {
      for (var c = 0u; c < DHP; c++) {
        let rv = acc[c] * p.scale;
        for (var u = 0u; u < 4u; u++) {
          let e = 4u * c + u;
          if (e < p.dh) { dq[off + e] = rv[u]; }
        }
      }
    }
  }
}

// Fused multi-head attention, forward (flash-attention style). Prepended: wgsl/lib/rng.wgsl,
// wgsl/attention_common.wgsl (params, q/k/v/mask bindings, row loads).
//
// q, k, v: [B, L, d] f32, head j = columns j*dh .. j*dh+dh-1; mask: [B, L] u32 (1 = key may be
// attended to). out: [B, L, d]; lse: [B, heads, L] = log(sum_j exp(s_ij)) over valid keys j,
// s_ij = scale * q_i . k_j. Rows with no valid key: out = 0, lse = 0.
//
// One workgroup per (query block of 64, head, b); one invocation per query. K and V are
// staged through shared tiles of BK keys; each tile's scores are kept in registers, so the
// L x L score matrix is never written. Online softmax: running max m, running sum l and
// the unnormalised output acc are rescaled by exp(m_old - m_new) when the max grows.
// Dropout (optional) multiplies p_ij by keep_ij / (1 - p) in acc only (l is the
// softmax's own normaliser): keep_ij = rng_u32(seed, ((b*heads+head)*L+i)*L+j) >= threshold.
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;

var<workgroup> kT: array<vec4f, TILE_V4>;
var<workgroup> vT: array<vec4f, TILE_V4>;
var<workgroup> validT: array<u32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let head = wid.y;
  let b = wid.z;
  let L = p.L;
  let i = wid.x * BQ + t;
  let col0 = head * p.dh;
  let hs = pcg_hash(p.seed); // rng_u32(seed, x) == pcg_hash(x ^ hs)
  let rngRow = ((b * p.heads + head) * L + i) * L;

  var qv: array<vec4f, 32>;
  var acc: array<vec4f, 32>;
  let qoff = (b * L + min(i, L - 1u)) * p.d + col0;
  for (var c = 0u; c < DHP; c++) {
    qv[c] = ldQ(qoff, c) * p.scale;
    acc[c] = vec4f(0.0);
  }
  var m = NEG;
  var l = 0.0;
  var s: array<f32, 64>;

  for (var k0 = 0u; k0 < L; k0 += BK) {
    let nk = min(BK, L - k0);
    workgroupBarrier(); // the previous tile is consumed
    for (var e = t; e < nk * DHP; e += BQ) {
      let j = e / DHP;
      let off = (b * L + k0 + j) * p.d + col0;
      kT[e] = ldK(off, e % DHP);
      vT[e] = ldV(off, e % DHP);
    }
    if (t < nk) { validT[t] = mask[b * L + k0 + t]; }
    workgroupBarrier();

    // Scores of this tile; validT is uniform over the workgroup, so branches on it do not diverge.
    var tmax = NEG;
    var seen = false;
    for (var j = 0u; j < nk; j++) {
      if (validT[j] == 0u) { continue; }
      var dv = vec4f(0.0);
      for (var c = 0u; c < DHP; c++) { dv = fma(qv[c], kT[j * DHP + c], dv); }
      let sj = dv.x + dv.y + dv.z + dv.w;
      s[j] = sj;
      tmax = max(tmax, sj);
      seen = true;
    }
    // (no `continue` here: the barrier at the top of the loop must stay in uniform control flow)
    if (seen) {
      let mNew = max(m, tmax);
      let corr = exp(m - mNew);
      l *= corr;
      for (var c = 0u; c < DHP; c++) { acc[c] *= corr; }
      for (var j = 0u; j < nk; j++) {
        if (validT[j] == 0u) { continue; }
        let pj = exp(s[j] - mNew);
        l += pj;
        var w = pj;
        if (p.dropout != 0u) {
          w = select(0.0, pj * p.invKeep, pcg_hash((rngRow + k0 + j) ^ hs) >= p.threshold);
        }
        for (var c = 0u; c < DHP; c++) { acc[c] = fma(vec4f(w), vT[j * DHP + c], acc[c]); }
      }
      m = mNew;
    }
  }

  if (i >= L) { return; }
  let inv = select(0.0, 1.0 / l, l > 0.0);
  for (var c = 0u; c < DHP; c++) {
    let r = acc[c] * inv;
    for (var u = 0u; u < 4u; u++) {
      let e = 4u * c + u;
      if (e < p.dh) { out[qoff + e] = r[u]; }
    }
  }
  lse[(b * p.heads + head) * L + i] = select(0.0, m + log(l), l > 0.0);
}

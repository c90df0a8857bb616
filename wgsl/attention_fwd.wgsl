// Fused multi-head attention, forward (flash-attention style). Prepended: wgsl/lib/rng.wgsl,
// wgsl/attention_common.wgsl, wgsl/attention_rows_f32.wgsl (params, q/k/v/mask bindings, row loads).
//
// q, k, v: [B, L, d] f32, head j = columns j*dh .. j*dh+dh-1; mask: [B, L] u32 (1 = key may be
// attended to). out: [B, L, d]; lse: [B, heads, L] = log(sum_j exp(s_ij)) over valid keys j,
// s_ij = scale * q_i . k_j. Rows with no valid key: out = 0, lse = 0.
//
// With query rows (p.R > 0, wgsl/attention_common.wgsl) only those queries are computed:
// q and out are [R, d], lse [heads, R]; the keys stay [B, L, d].
// One workgroup per (block of 64*QPT queries, head, b); each invocation handles QPT queries
// (t, t+64, ...), so every shared-memory load of K and V feeds QPT queries (on lavapipe this
// makes the kernel 2.5x faster than one query per invocation). K and V are staged through
// shared tiles of BK keys; each tile's scores stay in registers, so the L x L score matrix
// is never written. Online softmax: running max m, running sum l and
// the unnormalised output acc are rescaled by exp(m_old - m_new) when the max grows.
// Dropout (optional) multiplies p_ij by keep_ij / (1 - p) in acc only (l is the
// softmax's own normaliser): keep_ij = rng_u32(seed, ((b*heads+head)*L+i)*L+j) >= threshold.
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;

var<workgroup> kT: array<vec4f, TILE_V4>;
var<workgroup> vT: array<vec4f, TILE_V4>;
var<workgroup> validT: array<u32, 64>;
var<workgroup> wgSet: vec2u;
var<workgroup> wgKeys: u32;
override QPT: u32 = 1u; // queries per invocation, 1..4 (the op picks 4 for dh <= 32, 2 for dh <= 64)

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) t: u32) {
  let head = wid.y;
  let b = wid.z;
  let L = p.L;
  let col0 = head * p.dh;
  let hs = hash_u32(p.seed);
  if (t == 0u) { wgSet = querySet(b); }
  let qs = workgroupUniformLoad(&wgSet); // (first q row, query count), uniform over the workgroup
  let first = qs.x;
  let count = qs.y;

  // Blocks of QPT * 64 queries, nwg.x * QPT * 64 apart: one per workgroup unless repeated
  // query rows give a sequence more queries than positions.
  for (var q0 = wid.x * QPT * BQ; q0 < count; q0 += nwg.x * QPT * BQ) {
    // causal: no key after the position of the block's last query
    workgroupBarrier(); // wgKeys is read by every invocation before it is written again
    if (t == 0u) { wgKeys = select(L, min(L, queryPos(b, first + min(count, q0 + QPT * BQ) - 1u) + 1u), p.causal != 0u); }
    let kEnd = workgroupUniformLoad(&wgKeys);

    var qv: array<array<vec4f, 32>, 4>;
    var acc: array<array<vec4f, 32>, 4>;
    var m: array<f32, 4>;
    var l: array<f32, 4>;
    var s: array<array<f32, 64>, 4>;
    var pos: array<u32, 4>;
    for (var r = 0u; r < QPT; r++) {
      let row = first + min(q0 + r * BQ + t, count - 1u);
      pos[r] = queryPos(b, row);
      let qoff = row * p.d + col0;
      for (var c = 0u; c < DHP; c++) {
        qv[r][c] = ldQ(qoff, c) * p.scale;
        acc[r][c] = vec4f(0.0);
      }
      m[r] = NEG;
      l[r] = 0.0;
    }

    for (var k0 = 0u; k0 < kEnd; k0 += BK) {
      let nk = min(BK, kEnd - k0);
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
      var tmax: array<f32, 4>;
      for (var r = 0u; r < QPT; r++) { tmax[r] = NEG; }
      var seen = false;
      for (var j = 0u; j < nk; j++) {
        if (validT[j] == 0u) { continue; }
        var dv: array<vec4f, 4>;
        for (var r = 0u; r < QPT; r++) { dv[r] = vec4f(0.0); }
        for (var c = 0u; c < DHP; c++) {
          let kk = kT[j * DHP + c];
          for (var r = 0u; r < QPT; r++) { dv[r] = fma(qv[r][c], kk, dv[r]); }
        }
        for (var r = 0u; r < QPT; r++) {
          let sj = dv[r].x + dv[r].y + dv[r].z + dv[r].w;
          let ok = p.causal == 0u || k0 + j <= pos[r];
          s[r][j] = sj;
          if (ok) { tmax[r] = max(tmax[r], sj); }
        }
        seen = true;
      }
      // (no `continue` on `seen`: the barrier at the top of the loop must stay in uniform control flow)
      if (seen) {
        var w: array<f32, 4>;
        var mNew: array<f32, 4>;
        for (var r = 0u; r < QPT; r++) {
          mNew[r] = max(m[r], tmax[r]);
          let corr = exp(m[r] - mNew[r]);
          l[r] *= corr;
          for (var c = 0u; c < DHP; c++) { acc[r][c] *= corr; }
          m[r] = mNew[r];
        }
        for (var j = 0u; j < nk; j++) {
          if (validT[j] == 0u) { continue; }
          for (var r = 0u; r < QPT; r++) {
            let ok = p.causal == 0u || k0 + j <= pos[r];
            let pj = select(0.0, exp(s[r][j] - m[r]), ok);
            l[r] += pj;
            w[r] = pj;
            if (p.dropout != 0u) {
              let idx = ((b * p.heads + head) * L + pos[r]) * L + k0 + j;
              w[r] = select(0.0, pj * p.invKeep, hash_u32(idx ^ hs) >= p.threshold);
            }
          }
          for (var c = 0u; c < DHP; c++) {
            let vv = vT[j * DHP + c];
            for (var r = 0u; r < QPT; r++) { acc[r][c] = fma(vec4f(w[r]), vv, acc[r][c]); }
          }
        }
      }
    }

    for (var r = 0u; r < QPT; r++) {
      let qi = q0 + r * BQ + t;
      if (qi >= count) { continue; }
      let qoff = (first + qi) * p.d + col0;
      let inv = select(0.0, 1.0 / l[r], l[r] > 0.0);
      for (var c = 0u; c < DHP; c++) { storeOut(qoff, c, acc[r][c] * inv); }
      lse[statRow(b, head, first + qi)] = select(0.0, m[r] + log(l[r]), l[r] > 0.0);
    }
  }
}

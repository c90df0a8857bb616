// Fused multi-head attention, forward: subgroup variant of attention_fwd.wgsl (same math,
// same online softmax; the running max is updated per block of KB keys instead of per tile,
// which changes only rounding). Prepended: `enable subgroups;`, wgsl/lib/rng.wgsl,
// wgsl/attention_common.wgsl, wgsl/attention_rows_f32.wgsl or _vec4.wgsl. Used when every
// subgroup has at least KB = 8 lanes.
// Each invocation handles QPT queries (t, t+64, ...). Keys come in blocks of KB: lane l
// loads key k0 + l % KB (its K and V rows and mask bit) into registers, and every lane
// takes key j's rows from lane j with subgroupShuffle instead of staging K and V in
// workgroup memory.
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;

const KB: u32 = 8u;
override QPT: u32 = 1u; // queries per invocation, 1..4 (the op picks 4 for dh <= 32, 2 for dh <= 64)

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32, @builtin(subgroup_invocation_id) sgLane: u32) {
  let head = wid.y;
  let b = wid.z;
  let L = p.L;
  let col0 = head * p.dh;
  let hs = hash_u32(p.seed);
  let lane = sgLane % KB;

  var qv: array<array<vec4f, 32>, 4>;
  var acc: array<array<vec4f, 32>, 4>;
  var m: array<f32, 4>;
  var l: array<f32, 4>;
  var s: array<array<f32, KB>, 4>;
  var kl: array<vec4f, 32>; // this lane's key of the block
  var vl: array<vec4f, 32>;
  for (var r = 0u; r < QPT; r++) {
    let i = (wid.x * QPT + r) * BQ + t;
    let qoff = (b * L + min(i, L - 1u)) * p.d + col0;
    for (var c = 0u; c < DHP; c++) {
      qv[r][c] = ldQ(qoff, c) * p.scale;
      acc[r][c] = vec4f(0.0);
    }
    m[r] = NEG;
    l[r] = 0.0;
  }

  // causal: no key after the workgroup's last query (a uniform bound)
  let kEnd = select(L, min(L, (wid.x + 1u) * QPT * BQ), p.causal != 0u);
  for (var k0 = 0u; k0 < kEnd; k0 += KB) {
    let kr = min(k0 + lane, L - 1u);
    let koff = (b * L + kr) * p.d + col0;
    for (var c = 0u; c < DHP; c++) {
      kl[c] = ldK(koff, c);
      vl[c] = ldV(koff, c);
    }
    let valid = select(0u, mask[b * L + kr], k0 + lane < kEnd);
    let anyValid = subgroupAny(valid != 0u);
    if (!anyValid) { continue; }

    // Scores of this block (uniform branches: every lane sees the same key).
    var tmax: array<f32, 4>;
    for (var r = 0u; r < QPT; r++) { tmax[r] = NEG; }
    for (var jj = 0u; jj < KB; jj++) {
      if (subgroupShuffle(valid, jj) == 0u) { continue; }
      var dv: array<vec4f, 4>;
      for (var r = 0u; r < QPT; r++) { dv[r] = vec4f(0.0); }
      for (var c = 0u; c < DHP; c++) {
        let kk = subgroupShuffle(kl[c], jj);
        for (var r = 0u; r < QPT; r++) { dv[r] = fma(qv[r][c], kk, dv[r]); }
      }
      for (var r = 0u; r < QPT; r++) {
        let sj = dv[r].x + dv[r].y + dv[r].z + dv[r].w;
        let ok = p.causal == 0u || k0 + jj <= (wid.x * QPT + r) * BQ + t;
        s[r][jj] = sj;
        tmax[r] = select(tmax[r], max(tmax[r], sj), ok);
      }
    }
    var w: array<f32, 4>;
    for (var r = 0u; r < QPT; r++) {
      let mNew = max(m[r], tmax[r]);
      let corr = exp(m[r] - mNew);
      l[r] *= corr;
      for (var c = 0u; c < DHP; c++) { acc[r][c] *= corr; }
      m[r] = mNew;
    }
    for (var jj = 0u; jj < KB; jj++) {
      if (subgroupShuffle(valid, jj) == 0u) { continue; }
      for (var r = 0u; r < QPT; r++) {
        let ok = p.causal == 0u || k0 + jj <= (wid.x * QPT + r) * BQ + t;
        let pj = select(0.0, exp(s[r][jj] - m[r]), ok);
        l[r] += pj;
        w[r] = pj;
        if (p.dropout != 0u) {
          let i = (wid.x * QPT + r) * BQ + t;
          let idx = ((b * p.heads + head) * L + i) * L + k0 + jj;
          w[r] = select(0.0, pj * p.invKeep, hash_u32(idx ^ hs) >= p.threshold);
        }
      }
      for (var c = 0u; c < DHP; c++) {
        let vv = subgroupShuffle(vl[c], jj);
        for (var r = 0u; r < QPT; r++) { acc[r][c] = fma(vec4f(w[r]), vv, acc[r][c]); }
      }
    }
  }

  for (var r = 0u; r < QPT; r++) {
    let i = (wid.x * QPT + r) * BQ + t;
    if (i >= L) { continue; }
    let qoff = (b * L + i) * p.d + col0;
    let inv = select(0.0, 1.0 / l[r], l[r] > 0.0);
    for (var c = 0u; c < DHP; c++) { storeOut(qoff, c, acc[r][c] * inv); }
    lse[(b * p.heads + head) * L + i] = select(0.0, m[r] + log(l[r]), l[r] > 0.0);
  }
}

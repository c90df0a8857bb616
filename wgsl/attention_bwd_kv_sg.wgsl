// Attention backward, step 3: dK and dV, subgroup variant of attention_bwd_kv.wgsl (same
// math and summation order over queries). Prepended: `enable subgroups;`, wgsl/lib/rng.wgsl,
// wgsl/attention_common.wgsl, wgsl/attention_rows_f32.wgsl or _vec4.wgsl and the matching
// wgsl/attention_dout_*.wgsl. Used when every subgroup has at least QB = 8 lanes.
// One invocation per key j. Queries come in blocks of QB: lane l loads query i0 + l % QB
// (its q and dO rows, lse and D) into registers, and every lane takes query i's from lane i
// with subgroupShuffle instead of staging them in workgroup memory.
@group(0) @binding(6) var<storage, read> stats: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<f32>;
@group(0) @binding(8) var<storage, read_write> dv: array<f32>;

const QB: u32 = 8u;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32, @builtin(subgroup_invocation_id) sgLane: u32) {
  let head = wid.y;
  let b = wid.z;
  let L = p.L;
  let j = wid.x * BQ + t;
  let jc = min(j, L - 1u);
  let col0 = head * p.dh;
  let hs = hash_u32(p.seed);
  let keyOk = j < L && mask[b * L + jc] != 0u;
  let rowBase = (b * p.heads + head) * L;
  let lane = sgLane % QB;

  var kv: array<vec4f, 32>;
  var vv: array<vec4f, 32>;
  var dka: array<vec4f, 32>;
  var dva: array<vec4f, 32>;
  var ql: array<vec4f, 32>; // this lane's query of the block (scaled q) and its dO
  var dol: array<vec4f, 32>;
  let off = (b * L + jc) * p.d + col0;
  for (var c = 0u; c < DHP; c++) {
    kv[c] = ldK(off, c);
    vv[c] = ldV(off, c);
    dka[c] = vec4f(0.0);
    dva[c] = vec4f(0.0);
  }

  // causal: no query before the workgroup's first key (a uniform bound)
  for (var i0 = select(0u, wid.x * BQ, p.causal != 0u); i0 < L; i0 += QB) {
    let ir = min(i0 + lane, L - 1u);
    let qoff = (b * L + ir) * p.d + col0;
    for (var c = 0u; c < DHP; c++) {
      ql[c] = ldQ(qoff, c) * p.scale;
      dol[c] = ldDO(qoff, c);
    }
    let lseL = stats[2u * (rowBase + ir)];
    let dL = stats[2u * (rowBase + ir) + 1u];
    let ni = min(QB, L - i0);
    for (var ii = 0u; ii < QB; ii++) {
      if (ii >= ni) { break; }
      var sv = vec4f(0.0);
      var dpv = vec4f(0.0);
      var qi: array<vec4f, 32>;
      var doi: array<vec4f, 32>;
      for (var c = 0u; c < DHP; c++) {
        qi[c] = subgroupShuffle(ql[c], ii);
        doi[c] = subgroupShuffle(dol[c], ii);
        sv = fma(qi[c], kv[c], sv);
        dpv = fma(doi[c], vv[c], dpv);
      }
      let lseI = subgroupShuffle(lseL, ii);
      let dI = subgroupShuffle(dL, ii);
      if (keyOk && (p.causal == 0u || i0 + ii >= j)) {
        let pij = exp(sv.x + sv.y + sv.z + sv.w - lseI);
        var f = 1.0;
        if (p.dropout != 0u) {
          f = select(0.0, p.invKeep, hash_u32(((rowBase + i0 + ii) * L + j) ^ hs) >= p.threshold);
        }
        let ds = pij * (f * (dpv.x + dpv.y + dpv.z + dpv.w) - dI);
        let pd = pij * f;
        for (var c = 0u; c < DHP; c++) {
          dva[c] = fma(vec4f(pd), doi[c], dva[c]);
          dka[c] = fma(vec4f(ds), qi[c], dka[c]);
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

// Attention backward, step 2: dQ, subgroup variant of attention_bwd_q.wgsl (same math and
// summation order over keys). Prepended: `enable subgroups;`, wgsl/lib/rng.wgsl,
// wgsl/attention_common.wgsl, wgsl/attention_rows_f32.wgsl or _vec4.wgsl and the matching
// wgsl/attention_dout_*.wgsl. Used when every subgroup has at least KB = 8 lanes.
// One invocation per query i. Keys come in blocks of KB: lane l loads key k0 + l % KB (its
// row of K and V and its mask bit) into registers, and every lane takes key j's rows from
// lane j with subgroupShuffle, instead of staging K and V in workgroup memory (whose reads
// on lavapipe are per-lane loops; shuffles are register moves).
@group(0) @binding(6) var<storage, read> stats: array<f32>;
@group(0) @binding(7) var<storage, read_write> dq: array<f32>;

const KB: u32 = 8u;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32, @builtin(subgroup_invocation_id) sgLane: u32) {
  let head = wid.y;
  let b = wid.z;
  let L = p.L;
  let i = wid.x * BQ + t;
  let ic = min(i, L - 1u);
  let col0 = head * p.dh;
  let hs = hash_u32(p.seed);
  let rngRow = ((b * p.heads + head) * L + i) * L;
  let r = (b * p.heads + head) * L + ic;
  let lseI = stats[2u * r];
  let dI = stats[2u * r + 1u];
  let lane = sgLane % KB;

  var qv: array<vec4f, 32>;
  var dov: array<vec4f, 32>;
  var acc: array<vec4f, 32>;
  var kl: array<vec4f, 32>; // this lane's key of the block
  var vl: array<vec4f, 32>;
  let off = (b * L + ic) * p.d + col0;
  for (var c = 0u; c < DHP; c++) {
    qv[c] = ldQ(off, c) * p.scale;
    dov[c] = ldDO(off, c);
    acc[c] = vec4f(0.0);
  }

  // causal: no key after the workgroup's last query (a uniform bound)
  let kEnd = select(L, min(L, (wid.x + 1u) * BQ), p.causal != 0u);
  for (var k0 = 0u; k0 < kEnd; k0 += KB) {
    let kr = min(k0 + lane, L - 1u);
    let koff = (b * L + kr) * p.d + col0;
    for (var c = 0u; c < DHP; c++) {
      kl[c] = ldK(koff, c);
      vl[c] = ldV(koff, c);
    }
    let valid = select(0u, mask[b * L + kr], k0 + lane < kEnd);
    for (var jj = 0u; jj < KB; jj++) {
      // uniform over the subgroup: every lane sees the same key
      if (subgroupShuffle(valid, jj) == 0u) { continue; }
      var sv = vec4f(0.0);
      var dpv = vec4f(0.0);
      var kj: array<vec4f, 32>;
      for (var c = 0u; c < DHP; c++) {
        kj[c] = subgroupShuffle(kl[c], jj);
        sv = fma(qv[c], kj[c], sv);
        dpv = fma(dov[c], subgroupShuffle(vl[c], jj), dpv);
      }
      // causal: a key after this query adds nothing (masked here, after the shuffles)
      let pij = select(0.0, exp(sv.x + sv.y + sv.z + sv.w - lseI), p.causal == 0u || k0 + jj <= i);
      var dp = dpv.x + dpv.y + dpv.z + dpv.w;
      if (p.dropout != 0u) {
        dp = select(0.0, dp * p.invKeep, hash_u32((rngRow + k0 + jj) ^ hs) >= p.threshold);
      }
      let ds = pij * (dp - dI);
      for (var c = 0u; c < DHP; c++) { acc[c] = fma(vec4f(ds), kj[c], acc[c]); }
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

// Shared part of the fused attention kernels (prepended to attention_fwd / _bwd_q / _bwd_kv
// and their _sg variants, after wgsl/lib/rng.wgsl): params and the mask binding. The q/k/v
// bindings and row loads follow: wgsl/attention_rows_f32.wgsl (any dh) or
// wgsl/attention_rows_vec4.wgsl (d and dh multiples of 4); the backward kernels also get
// dOut from wgsl/attention_dout_f32.wgsl / _vec4.wgsl.
// Rows of one head are dh floats at column head*dh of a [B, L, d] tensor; in registers and
// shared tiles they are DHP vec4s, zero past dh.
override DHP: u32 = 8u; // vec4s per head row: ceil(dh / 4), 1..32 (rows are zero padded)
const BQ: u32 = 64u;
const TILE_V4: u32 = 480u; // vec4s per shared tile: two tiles + small arrays stay under 16 KiB
override BK: u32 = min(64u, TILE_V4 / DHP); // keys per tile
const NEG: f32 = -1e30; // finite "minus infinity" (running-max sentinel)

struct Params {
  B: u32, L: u32, d: u32, heads: u32, dh: u32,
  scale: f32, dropout: u32, threshold: u32, seed: u32, invKeep: f32, causal: u32, R: u32,
}
// causal != 0: query i reads keys j <= i only. The kernels skip the tiles past the diagonal
// (forward, dQ: keys after their block's last query; dK/dV: queries before their block's first
// key) and mask per element in the tiles that straddle it.
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(4) var<storage, read> mask: array<u32>;

// The queries. Without query rows (R == 0), those of sequence b are the q rows b*L .. b*L+L-1,
// at positions 0 .. L-1. With R query rows (flat indices b*L + i, ascending, stored in `mask`
// after the B*L key flags), they are the q rows r whose index falls in sequence b, each at
// position index - b*L; q, out, dO and dq are then [R, d] and lse, stats [heads, R].
// The first query row at or after flat index x (binary search over the ascending rows).
fn firstQueryRowFrom(x: u32) -> u32 {
  var lo = 0u;
  var hi = p.R;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (mask[p.B * p.L + mid] < x) { lo = mid + 1u; } else { hi = mid; }
  }
  return lo;
}
// (first q row, number of queries) of sequence b.
fn querySet(b: u32) -> vec2u {
  if (p.R == 0u) { return vec2u(b * p.L, p.L); }
  let first = firstQueryRowFrom(b * p.L);
  return vec2u(first, firstQueryRowFrom((b + 1u) * p.L) - first);
}
// Position in sequence b of the query in q row r.
fn queryPos(b: u32, r: u32) -> u32 {
  if (p.R == 0u) { return r - b * p.L; }
  return mask[p.B * p.L + r] - b * p.L;
}
// Row of lse / stats for the query in q row r of sequence b, head `head`.
fn statRow(b: u32, head: u32, r: u32) -> u32 {
  if (p.R == 0u) { return (b * p.heads + head) * p.L + r - b * p.L; }
  return head * p.R + r;
}

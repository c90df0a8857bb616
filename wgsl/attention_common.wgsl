// Shared part of the fused attention kernels (prepended to attention_fwd / _bwd_q / _bwd_kv,
// after wgsl/lib/rng.wgsl): params, the q/k/v/mask bindings and zero-padded row loads.
// Rows of one head are dh floats at column head*dh of a [B, L, d] tensor; in registers and
// shared tiles they are DHP vec4s, zero past dh.
override DHP: u32 = 8u; // vec4s per head row: ceil(dh / 4), 1..32 (rows are zero padded)
const BQ: u32 = 64u;
const TILE_V4: u32 = 480u; // vec4s per shared tile: two tiles + small arrays stay under 16 KiB
override BK: u32 = min(64u, TILE_V4 / DHP); // keys per tile
const NEG: f32 = -1e30; // finite "minus infinity" (running-max sentinel)

struct Params {
  B: u32, L: u32, d: u32, heads: u32, dh: u32,
  scale: f32, dropout: u32, threshold: u32, seed: u32, invKeep: f32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> mask: array<u32>;

// Elements 4c..4c+3 of the row starting at off, zero past dh.
fn ldQ(off: u32, c: u32) -> vec4f {
  let e = 4u * c;
  if (e + 3u < p.dh) { return vec4f(q[off + e], q[off + e + 1u], q[off + e + 2u], q[off + e + 3u]); }
  var r = vec4f(0.0);
  for (var t = 0u; t < 4u; t++) { if (e + t < p.dh) { r[t] = q[off + e + t]; } }
  return r;
}
fn ldK(off: u32, c: u32) -> vec4f {
  let e = 4u * c;
  if (e + 3u < p.dh) { return vec4f(k[off + e], k[off + e + 1u], k[off + e + 2u], k[off + e + 3u]); }
  var r = vec4f(0.0);
  for (var t = 0u; t < 4u; t++) { if (e + t < p.dh) { r[t] = k[off + e + t]; } }
  return r;
}
fn ldV(off: u32, c: u32) -> vec4f {
  let e = 4u * c;
  if (e + 3u < p.dh) { return vec4f(v[off + e], v[off + e + 1u], v[off + e + 2u], v[off + e + 3u]); }
  var r = vec4f(0.0);
  for (var t = 0u; t < 4u; t++) { if (e + t < p.dh) { r[t] = v[off + e + t]; } }
  return r;
}


// Counter-based RNG shared by every kernel that draws random bits (dropout).
// The same function is in kernels/rng.ts, so both backends draw identical bits.
// Prepend this file to a kernel's source (the op concatenates the strings).
//
//   hash_u32(x): the "lowbias32" integer hash (C. Wellons, hash-prospector: xor-shift, multiply,
//     xor-shift, multiply, xor-shift; a bijection of u32 with avalanche bias ~0.17%). It replaced
//     one round of PCG's RXS-M-XS output permutation (2026-12-05): as good a mixer, and its shifts
//     are by constants (PCG's data-dependent shift costs WASM SIMD, which shifts all lanes alike,
//     four selects; the hash was a fifth of the attention forward's instructions).
//   rng_u32(seed, index) = hash_u32(index ^ hash_u32(seed))
//   dropout keeps element `index` when rng_u32(seed, index) >= threshold, threshold = floor(p * 2^32).
fn hash_u32(x: u32) -> u32 {
  var h = x ^ (x >> 16u);
  h = h * 0x7feb352du;
  h = h ^ (h >> 15u);
  h = h * 0x846ca68bu;
  return h ^ (h >> 16u);
}

fn rng_u32(seed: u32, index: u32) -> u32 {
  return hash_u32(index ^ hash_u32(seed));
}

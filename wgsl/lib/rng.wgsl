// Counter-based RNG shared by every kernel that draws random bits (dropout).
// The same function is in kernels/rng.ts, so both backends draw identical bits.
// Prepend this file to a kernel's source (the op concatenates the strings).
//
//   pcg_hash(x): one round of the PCG-RXS-M-XS output permutation on a 32-bit state.
//   rng_u32(seed, index) = pcg_hash(index ^ pcg_hash(seed))
//   dropout keeps element `index` when rng_u32(seed, index) >= threshold, threshold = floor(p * 2^32).
fn pcg_hash(x: u32) -> u32 {
  let state = x * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

fn rng_u32(seed: u32, index: u32) -> u32 {
  return pcg_hash(index ^ pcg_hash(seed));
}

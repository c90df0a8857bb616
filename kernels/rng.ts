// Twin of wgsl/lib/rng.wgsl: counter-based random bits, identical on both backends.
@inline export function pcg_hash(x: u32): u32 {
  const state = x * 747796405 + 2891336453;
  const word = ((state >> ((state >> 28) + 4)) ^ state) * 277803737;
  return (word >> 22) ^ word;
}

@inline export function rng_u32(seed: u32, index: u32): u32 {
  return pcg_hash(index ^ pcg_hash(seed));
}

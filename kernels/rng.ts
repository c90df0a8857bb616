// Twin of wgsl/lib/rng.wgsl: counter-based random bits, identical on both backends.
@inline export function pcg_hash(x: u32): u32 {
  const state = x * 747796405 + 2891336453;
  const word = ((state >> ((state >> 28) + 4)) ^ state) * 277803737;
  return (word >> 22) ^ word;
}

@inline export function rng_u32(seed: u32, index: u32): u32 {
  return pcg_hash(index ^ pcg_hash(seed));
}

// pcg_hash on 4 lanes, bit-identical to pcg_hash. The data-dependent shift is done bit by bit
// (WASM SIMD shifts all lanes by one amount): bit k of the amount (state >> 28) is bit 28 + k of
// state, moved to the sign bit and spread over the lane (shl, then shr_s by 31) as the mask that
// picks s >> 2^k over s.
@inline export function pcg_hash4(x: v128): v128 {
  const state = i32x4.add(i32x4.mul(x, i32x4.splat(747796405)), i32x4.splat(<i32>2891336453));
  // state >> ((state >> 28) + 4): shift by 4, then by each set bit of (state >> 28).
  let s = i32x4.shr_u(state, 4);
  s = v128.bitselect(i32x4.shr_u(s, 1), s, i32x4.shr_s(i32x4.shl(state, 3), 31));
  s = v128.bitselect(i32x4.shr_u(s, 2), s, i32x4.shr_s(i32x4.shl(state, 2), 31));
  s = v128.bitselect(i32x4.shr_u(s, 4), s, i32x4.shr_s(i32x4.shl(state, 1), 31));
  s = v128.bitselect(i32x4.shr_u(s, 8), s, i32x4.shr_s(state, 31));
  const word = i32x4.mul(v128.xor(s, state), i32x4.splat(277803737));
  return v128.xor(i32x4.shr_u(word, 22), word);
}

// Twin of wgsl/lib/rng.wgsl: counter-based random bits, identical on both backends
// (lowbias32: xor-shift, multiply, xor-shift, multiply, xor-shift; see the WGSL for why).
@inline export function hash_u32(x: u32): u32 {
  let h = x ^ (x >> 16);
  h *= 0x7feb352d;
  h ^= h >> 15;
  h *= 0x846ca68b;
  return h ^ (h >> 16);
}

@inline export function rng_u32(seed: u32, index: u32): u32 {
  return hash_u32(index ^ hash_u32(seed));
}

// hash_u32 on 4 lanes, bit-identical to hash_u32.
@inline export function hash_u32x4(x: v128): v128 {
  let h = v128.xor(x, i32x4.shr_u(x, 16));
  h = i32x4.mul(h, i32x4.splat(0x7feb352d));
  h = v128.xor(h, i32x4.shr_u(h, 15));
  h = i32x4.mul(h, i32x4.splat(<i32>0x846ca68b));
  return v128.xor(h, i32x4.shr_u(h, 16));
}

// SIMD helpers shared by the kernels.
//
// The module is built twice (asconfig.json targets): `portable` with SIMD only and `relaxed`
// with relaxed SIMD too. `madd` is a * b + c: in the relaxed build one f32x4.relaxed_madd,
// which engines lower to a fused multiply-add where the CPU has one (one rounding instead of
// two; the relaxed-SIMD spec lets the engine pick either), in the portable build a mul and an
// add. On the 2-core AMD EPYC we develop on the fused form doubles the multiply-add
// throughput of a core (docs/kernels.md, "WASM variants").

@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

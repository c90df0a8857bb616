// Entry point of the WASM module: every kernel's AssemblyScript twin, by name.
export function heapBase(): usize {
  return __heap_base;
}
export { fill } from './fill';
export { binary } from './binary';
export { scale } from './scale';
export { sum } from './sum';
export { matmul_naive } from './matmul_naive';
export { transpose } from './transpose';
export { reduce_rows } from './reduce_rows';
export { layernorm, layernorm_residual, layernorm_backward } from './layernorm';
export { gelu, gelu_bias, gelu_backward } from './gelu';
export { dropout } from './dropout';
export { attention_fwd, attention_bwd_prep, attention_bwd_q, attention_bwd_kv } from './attention';
export { masked_softmax } from './masked_softmax';

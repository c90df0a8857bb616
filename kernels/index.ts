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
export { no_scratch_bytes } from './parallel';
export { attention_fwd, attention_bwd_prep, attention_bwd, attention_scratch_bytes } from './attention';
export { masked_softmax } from './masked_softmax';
export { matmul, matmul_slope, matmul_scratch_bytes, matmul_rows_per_item } from './matmul';
export { softmax_xent_count, softmax_xent, softmax_xent_mean } from './softmax_xent';
export { embedding_gather, embedding_rank, embedding_place, embedding_partial, embedding_final } from './embedding';
export { adamw } from './adamw';
export { grad_norm_partial, grad_norm_final, grad_norm_scale } from './grad_norm';
export { nonfinite } from './nonfinite';

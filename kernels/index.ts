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

// Which WebGPU kernel variant an op may pick (see docs/kernels.md, "WebGPU variants").
import type { Backend } from '../backend.js';

/** Directives the subgroup kernels start with; WGSL wants them before every declaration. */
export const SUBGROUP_PRELUDE = 'enable subgroups;\ndiagnostic(off, subgroup_uniformity);\n';

/** Lanes the subgroup kernels rely on (8-row share groups in matmul, 8-key / 8-query blocks in attention). */
export const SUBGROUP_MIN_LANES = 8;

/** Whether the subgroup kernels can run on this backend. */
export function useSubgroups(backend: Backend): boolean {
  return backend.subgroupMinSize >= SUBGROUP_MIN_LANES;
}

/** Whether an elementwise op may take its vec4 WebGPU kernel: every size a multiple of 4 (WebGPU only). */
export function useVec4(backend: Backend, ...sizes: number[]): boolean {
  return backend.name === 'webgpu' && sizes.every((n) => n % 4 === 0);
}

// Building blocks for WebGPU kernel variants (see docs/kernels.md, "WebGPU variants").
// Ops state one kernel per computation; these describe the alternatives the WebGPU backend
// may pick by device capability (runtime/kernel.ts selectVariant). Ops never look at the backend.
import elementF32Wgsl from '../../wgsl/lib/element_f32.wgsl';
import elementVec4Wgsl from '../../wgsl/lib/element_vec4.wgsl';
import type { DeviceCapabilities, KernelDef, KernelVariant } from '../kernel.js';

/**
 * Preludes of the elementwise kernels written once over an element type E (and workgroup size
 * WG): prepend ELEMENT_F32 for the scalar kernel, ELEMENT_VEC4 for its vec4 variant.
 */
export const ELEMENT_F32 = elementF32Wgsl;
export const ELEMENT_VEC4 = elementVec4Wgsl;

/** Directives the subgroup kernels start with; WGSL wants them before every declaration. */
export const SUBGROUP_PRELUDE = 'enable subgroups;\ndiagnostic(off, subgroup_uniformity);\n';

/** Lanes the subgroup kernels rely on (8-row share groups in matmul, 8-key / 8-query blocks in attention). */
export const SUBGROUP_MIN_LANES = 8;

/** Whether the subgroup kernels can run on a device with these capabilities. */
export const hasSubgroups = (device: DeviceCapabilities): boolean => device.subgroupMinSize >= SUBGROUP_MIN_LANES;

/** Whether the device prefers the kernels made for CPU adapters. */
export const prefersCpuKernels = (device: DeviceCapabilities): boolean => device.cpuKernels;

/**
 * The vec4 variant of an elementwise kernel: one vec4 per invocation when the params at
 * `sizeParams` (element counts) are all multiples of 4; those params are divided by 4.
 */
export function vec4Variant(kernel: KernelDef, sizeParams: readonly number[] = [0]): KernelVariant {
  return {
    kernel,
    fits: (params) => sizeParams.every((i) => params[i] % 4 === 0),
    adapt: (params, constants) => ({ params: params.map((p, i) => (sizeParams.includes(i) ? p / 4 : p)), constants }),
  };
}

// Building blocks for WebGPU kernel variants (see docs/kernels.md, "WebGPU variants").
// Ops state one kernel per computation; these describe the alternatives the WebGPU backend
// may pick by device capability (runtime/kernel.ts selectVariant). Ops never look at the backend.
import type { DeviceCapabilities, KernelDef, KernelVariant } from '../kernel.js';

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

// The backends every kernel test runs on. WebGPU is required: a missing adapter fails
// the WebGPU tests (it never skips them), on CI and locally alike.
import { createRuntime, type Runtime, type RuntimeOptions } from '../runtime/index.js';

export const BACKENDS = ['webgpu', 'wasm'] as const;
/**
 * For kernels with variants (subgroup matmul and attention, row-per-invocation layer norm for
 * CPU adapters, fused multiply-add in the relaxed-SIMD WASM build): also WebGPU with subgroups
 * and the CPU-adapter variants turned off, and WASM on the SIMD-only build, so the portable
 * kernels stay tested on machines that would pick the others (lavapipe and Node here do).
 */
export const BACKENDS_WITH_VARIANTS = ['webgpu', 'webgpu-portable', 'wasm', 'wasm-portable'] as const;
export type TestBackend = (typeof BACKENDS_WITH_VARIANTS)[number];

const PORTABLE_OPTIONS: Partial<Record<TestBackend, RuntimeOptions>> = {
  'webgpu-portable': { backend: 'webgpu', webgpu: { subgroups: false, cpuKernels: false } },
  'wasm-portable': { backend: 'wasm', wasm: { relaxedSimd: false } },
};

const runtimes = new Map<TestBackend, Promise<Runtime>>();

export function getRuntime(name: TestBackend): Promise<Runtime> {
  let rt = runtimes.get(name);
  if (!rt) {
    const portable = PORTABLE_OPTIONS[name];
    rt = portable ? createRuntime(portable) : createRuntime({ backend: name as 'webgpu' | 'wasm' });
    runtimes.set(name, rt);
  }
  return rt;
}

export async function destroyRuntimes(): Promise<void> {
  for (const rt of runtimes.values()) (await rt.catch(() => null))?.destroy();
  runtimes.clear();
}

// The backends every kernel test runs on. WebGPU is required: a missing adapter fails
// the WebGPU tests (it never skips them), on CI and locally alike.
import { createRuntime, type Runtime } from '../runtime/index.js';

export const BACKENDS = ['webgpu', 'wasm'] as const;
/**
 * For kernels with variants (subgroup matmul and attention, row-per-invocation layer norm for
 * CPU adapters): also WebGPU with subgroups and the CPU-adapter variants turned off, so the
 * portable kernels stay tested on adapters that would pick the others (lavapipe does).
 */
export const BACKENDS_WITH_PORTABLE_WEBGPU = ['webgpu', 'webgpu-portable', 'wasm'] as const;
export type TestBackend = (typeof BACKENDS_WITH_PORTABLE_WEBGPU)[number];

const runtimes = new Map<TestBackend, Promise<Runtime>>();

export function getRuntime(name: TestBackend): Promise<Runtime> {
  let rt = runtimes.get(name);
  if (!rt) {
    rt = name === 'webgpu-portable' ? createRuntime({ backend: 'webgpu', webgpu: { subgroups: false, cpuKernels: false } }) : createRuntime({ backend: name });
    runtimes.set(name, rt);
  }
  return rt;
}

export async function destroyRuntimes(): Promise<void> {
  for (const rt of runtimes.values()) (await rt.catch(() => null))?.destroy();
  runtimes.clear();
}

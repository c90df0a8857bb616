// The backends every kernel test runs on. WebGPU is required: a missing adapter fails
// the WebGPU tests (it never skips them), on CI and locally alike.
import { createRuntime, type Runtime } from '../runtime/index.js';

export const BACKENDS = ['webgpu', 'wasm'] as const;
/**
 * For kernels with a subgroup variant (matmul, attention): also WebGPU with subgroups turned
 * off, so the plain variant stays tested on adapters that have subgroups (lavapipe does).
 */
export const BACKENDS_WITH_PLAIN_WEBGPU = ['webgpu', 'webgpu-no-subgroups', 'wasm'] as const;
export type TestBackend = (typeof BACKENDS_WITH_PLAIN_WEBGPU)[number];

const runtimes = new Map<TestBackend, Promise<Runtime>>();

export function getRuntime(name: TestBackend): Promise<Runtime> {
  let rt = runtimes.get(name);
  if (!rt) {
    rt = name === 'webgpu-no-subgroups' ? createRuntime({ backend: 'webgpu', webgpu: { subgroups: false } }) : createRuntime({ backend: name });
    runtimes.set(name, rt);
  }
  return rt;
}

export async function destroyRuntimes(): Promise<void> {
  for (const rt of runtimes.values()) (await rt.catch(() => null))?.destroy();
  runtimes.clear();
}

// The backends every kernel test runs on. WebGPU is required: a missing adapter fails
// the WebGPU tests (it never skips them), on CI and locally alike.
import { createRuntime, type Runtime } from '../runtime/index.js';

export const BACKENDS = ['webgpu', 'wasm'] as const;
export type TestBackend = (typeof BACKENDS)[number];

const runtimes = new Map<TestBackend, Promise<Runtime>>();

export function getRuntime(name: TestBackend): Promise<Runtime> {
  let rt = runtimes.get(name);
  if (!rt) {
    rt = createRuntime({ backend: name });
    runtimes.set(name, rt);
  }
  return rt;
}

export async function destroyRuntimes(): Promise<void> {
  for (const rt of runtimes.values()) (await rt.catch(() => null))?.destroy();
  runtimes.clear();
}

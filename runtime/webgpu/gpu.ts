/**
 * Finds the platform's GPU entry point: navigator.gpu in browsers and Deno,
 * the Dawn binding from the `webgpu` npm package in Node (loaded only there).
 */
let nodeGpu: GPU | null | undefined;

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return !!p?.versions?.node && typeof (globalThis as { Deno?: unknown }).Deno === 'undefined';
}

export async function getGPU(): Promise<GPU | null> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (!isNode()) return null;
  if (nodeGpu !== undefined) return nodeGpu;
  try {
    const specifier = 'webgpu';
    // Dawn's `globals` (GPUBufferUsage and the like) stay in the module: the backend uses its
    // own copies of the flag values (flags.ts) and leaves globalThis as it found it.
    const mod = (await import(/* @vite-ignore */ specifier)) as { create(flags: string[]): GPU };
    nodeGpu = mod.create([]);
  } catch (e) {
    nodeGpu = null;
    lastLoadError = e instanceof Error ? e.message : String(e);
  }
  return nodeGpu;
}

let lastLoadError = '';
/** Why the Node binding failed to load, if it did. */
export function gpuLoadError(): string {
  return lastLoadError;
}

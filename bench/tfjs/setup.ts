// TensorFlow.js 4.x as the comparison baseline, in Node, on its `wasm` or `webgpu` backend.
// Benchmarks only: nothing under runtime/ or src/ may import this (or TensorFlow.js).
//
// wasm: SIMD, threads on. In Node, tfjs-backend-wasm 4.22 turns threads off
//   (WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE, tfjs issue #3830) because its
//   Emscripten pthread workers are started from blob: URLs, which Node's Worker refuses.
//   We turn them on: the flag is forced, worker_threads.Worker is wrapped so a blob: worker
//   runs the same worker source with { eval: true } and loads the threaded module from its
//   file, and the thread count is set to the number of logical cores. (XNNPACK's pool is
//   capped at emscripten_num_logical_cores() / 2, which assumes 2 hyper-threads per core;
//   os.cpus() is doubled while the backend initialises so the cap is the core count.)
// webgpu: the `webgpu` npm package's Dawn, the same binding our runtime uses in Node:
//   globalThis.navigator = { gpu: create([]) } and its globals, set before the backend is
//   imported (it registers itself at import only when navigator.gpu exists).
import { createRequire } from 'node:module';
import os from 'node:os';
import workerThreads from 'node:worker_threads';

export type Tf = typeof import('@tensorflow/tfjs-core');
export type TfBackendName = 'wasm' | 'webgpu';

export interface TfjsEnv {
  tf: Tf;
  backend: TfBackendName;
  /** tf.getBackend() after initialisation (checked to equal `backend`). */
  active: string;
  /** e.g. 'TensorFlow.js 4.22.0 wasm (SIMD, 2 threads)' or '... webgpu (mesa software llvmpipe ...)'. */
  description: string;
  versions: Record<string, string>;
  /** Waits until all queued work has finished (no-op on wasm, whose ops run synchronously). */
  sync(): Promise<void>;
}

export interface TfjsOptions {
  /** wasm only: run XNNPACK multi-threaded (default true). */
  threads?: boolean;
}

const req = createRequire(import.meta.url);

function version(pkg: string): string {
  try {
    return (req(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'n/a';
  }
}

let workerPatched = false;

/** Lets the Emscripten pthread pool of tfjs-backend-wasm start in Node (see the header). */
function patchWorkerForTfjsWasm(): void {
  if (workerPatched) return;
  workerPatched = true;
  const dir = req.resolve('@tensorflow/tfjs-backend-wasm/package.json').replace(/package\.json$/, '');
  // The worker source as the backend would put it in its blob (newlines inside string
  // literals escaped the same way).
  const source = (req(`${dir}wasm-out/tfjs-backend-wasm-threaded-simd.worker.js`) as { wasmWorkerContents: string }).wasmWorkerContents.replace(/\n/g, '\\n');
  const mainScript = `${dir}wasm-out/tfjs-backend-wasm-threaded-simd.js`;
  const Base = workerThreads.Worker;
  class TfjsPthreadWorker extends Base {
    constructor(url: string | URL, options?: workerThreads.WorkerOptions) {
      if (typeof url === 'string' && url.startsWith('blob:')) super(source, { ...options, eval: true });
      else super(url, options);
    }
    override postMessage(message: unknown, transfer?: readonly workerThreads.Transferable[]): void {
      const m = message as { cmd?: string; urlOrBlob?: unknown } | null;
      // The 'load' message carries the main script as a Blob; a worker can only importScripts a file.
      if (m && m.cmd === 'load' && typeof m.urlOrBlob !== 'string') message = { ...m, urlOrBlob: mainScript };
      super.postMessage(message, transfer as workerThreads.Transferable[] | undefined);
    }
  }
  (workerThreads as { Worker: typeof Base }).Worker = TfjsPthreadWorker;
}

async function initWasm(tf: Tf, threads: boolean): Promise<string> {
  if (threads) patchWorkerForTfjsWasm();
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const cores = os.cpus().length;
  const cpus = os.cpus;
  if (threads) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(cores);
    os.cpus = () => [...cpus(), ...cpus()];
  } else {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
    await tf.ready();
  } finally {
    os.cpus = cpus;
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const n = wasm.getThreadsCount();
  if (threads && n < 2 && cores > 1) throw new Error(`tfjs-backend-wasm started ${n} thread(s) on ${cores} cores; threads did not come on`);
  return `${simd ? 'SIMD' : 'no SIMD'}, ${n} thread${n === 1 ? '' : 's'}`;
}

/** The Dawn adapter's info, as our runtime prints it. */
function adapterText(info: GPUAdapterInfo | undefined): string {
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter((s) => s && s.length);
  return parts.length ? parts.join(' ') : 'unknown adapter';
}

async function initWebGPU(tf: Tf): Promise<string> {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator?.gpu) {
    const dawn = (await import('webgpu')) as unknown as { create(flags: string[]): GPU; globals: object };
    for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu: dawn.create([]) }, configurable: true, writable: true });
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed (no adapter from navigator.gpu?)');
  await tf.ready();
  // TensorFlow.js keeps the device; its adapter info is a subset, so ask the same GPU object.
  const adapter = await g.navigator!.gpu!.requestAdapter({ powerPreference: 'high-performance' });
  return `Dawn: ${adapterText(adapter?.info)}`;
}

interface TfWebGPUBackendInternals {
  device: GPUDevice;
  commandEncoder: GPUCommandEncoder | null;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

let gradientsRegistered = false;

/**
 * Registers tfjs-core's gradients (tf.grad / variableGrads need them). The `@tensorflow/tfjs`
 * union package does this by importing tfjs-core/dist/register_all_gradients; that file is
 * extension-less ESM, which Node cannot load, so it is bundled here with esbuild (a dev
 * dependency, like TensorFlow.js) and evaluated. Its copy of the core ops shares the one
 * engine and the registries through TFJS's global namespace.
 */
async function registerGradients(): Promise<void> {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  const { build } = await import('esbuild');
  const entry = req.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  const out = await build({ entryPoints: [entry], bundle: true, write: false, format: 'cjs', platform: 'node', target: 'es2022', logLevel: 'silent' });
  const mod = { exports: {} };
  new Function('require', 'module', 'exports', out.outputFiles[0].text)(req, mod, mod.exports);
}

/** Initialises TensorFlow.js on one backend (once per process). */
export async function initTfjs(backend: TfBackendName, options: TfjsOptions = {}): Promise<TfjsEnv> {
  const tf = (await import('@tensorflow/tfjs-core')) as Tf;
  await registerGradients();
  const detail = backend === 'wasm' ? await initWasm(tf, options.threads ?? true) : await initWebGPU(tf);
  const active = tf.getBackend();
  if (active !== backend) throw new Error(`TensorFlow.js: asked for ${backend}, got ${active}`);
  const versions: Record<string, string> = {
    '@tensorflow/tfjs-core': version('@tensorflow/tfjs-core'),
    [`@tensorflow/tfjs-backend-${backend}`]: version(`@tensorflow/tfjs-backend-${backend}`),
  };
  let sync = async () => {};
  if (backend === 'webgpu') {
    const b = tf.backend() as unknown as TfWebGPUBackendInternals;
    if (typeof b.submitQueue !== 'function' || !b.device) throw new Error('tfjs-backend-webgpu internals changed: no submitQueue/device to wait on');
    // TensorFlow.js does not check for WebGPU errors (Dawn only prints them): collect them, so
    // a case whose pipelines are invalid fails instead of timing skipped work.
    const errors: string[] = [];
    b.device.onuncapturederror = (e: GPUUncapturedErrorEvent) => void errors.push(e.error.message.split('\n')[0]);
    // Submit what TensorFlow.js has recorded, then wait for the queue (no readback).
    sync = async () => {
      if (b.commandEncoder) {
        b.endComputePassEncoder();
        b.submitQueue();
      }
      await b.device.queue.onSubmittedWorkDone();
      if (errors.length) throw new Error(`TensorFlow.js webgpu: ${errors.splice(0).join('; ')}`);
    };
  }
  return { tf, backend, active, description: `TensorFlow.js ${versions['@tensorflow/tfjs-core']} ${backend} (${detail})`, versions, sync };
}

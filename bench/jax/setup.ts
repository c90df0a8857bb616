// jax-js (@jax-js/jax) as a second comparison peer, in Node, on its `wasm` device.
// Benchmarks only: nothing under runtime/ or src/ may import this (or jax-js).
//
// What jax-js 0.1.x offers in Node (read from its package, dist/backend-*.js and index.d.ts):
// - devices: 'cpu' (interpreted JS, for debugging) and 'wasm' (kernels generated as
//   WebAssembly per fused expression, SIMD); 'webgpu' needs navigator.gpu and its README
//   lists Node as Wasm-only, so only the wasm device is compared (its webgpu device over the
//   `webgpu` package's Dawn, as TFJS-webgpu runs here, has not been tried).
// - threads: the wasm device runs its kernels on a pool of Web Workers sharing one
//   WebAssembly.Memory when `SharedArrayBuffer` and a global `Worker` exist; the pool has
//   navigator.hardwareConcurrency workers (4 without a navigator), read once when the module
//   is imported (it makes the device then). Node has no global Web Worker (worker_threads
//   only), so in Node jax-js is single-threaded: every kernel runs synchronously on the main
//   thread (threads: 0 here). We turn threads on with a small Web Worker adapter over
//   worker_threads (the worker source jax-js puts in a blob: URL is read back with
//   buffer.resolveObjectURL and evaluated in a worker_thread, `self`/`postMessage` mapped onto
//   its parentPort), and navigator.hardwareConcurrency set to the thread count for the import.
//   With workers the main thread only dispatches: each kernel is split across the workers (at
//   least 512 elements each), one kernel at a time; CPU routines (scatter, sort, ...) run as
//   JavaScript on one worker.
// - jit() traces a function into a jaxpr, fuses elementwise work into the producing kernels
//   (and matmul epilogues) and replays the compiled program; grad/valueAndGrad compose with it.
// - random: a counter-based PRNG (random.key/split/bernoulli/uniform/...), usable inside jit.
import { resolveObjectURL } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { Worker as NodeWorker } from 'node:worker_threads';

export type Jax = typeof import('@jax-js/jax');

export interface JaxEnv {
  jax: Jax;
  /** Worker threads running the wasm kernels; 0 = none (kernels on the main thread). */
  threads: number;
  /** e.g. 'jax-js 0.1.25 wasm (jit, 2 worker threads)'. */
  description: string;
  versions: Record<string, string>;
  /** Terminates the worker threads (the process can then exit); jax-js is unusable afterwards. */
  shutdown(): Promise<void>;
}

export interface JaxOptions {
  /**
   * Worker threads (default: the number of cores, at most 8, as our runtime). 0: none, the
   * kernels run on the main thread (jax-js's own mode in Node); that needs no global Worker in
   * the process, now or later: TensorFlow.js-wasm with threads sets one.
   */
  threads?: number;
}

const req = createRequire(import.meta.url);

/** The installed version (the package's exports do not include its package.json). */
function jaxVersion(): string {
  try {
    const entry = req.resolve('@jax-js/jax'); // <package>/dist/index.cjs
    return (JSON.parse(readFileSync(entry.replace(/dist[\\/][^\\/]+$/, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'n/a';
  }
}

// The worker side of the adapter: a worker_thread that receives the jax-js worker source as
// its first message, evaluates it as a classic script, then forwards messages to self.onmessage.
const WORKER_BOOT = `
const { parentPort } = require('node:worker_threads');
globalThis.self = globalThis;
globalThis.postMessage = (m) => parentPort.postMessage(m);
parentPort.once('message', (source) => {
  (0, eval)(source);
  parentPort.on('message', (data) => self.onmessage({ data }));
});
`;

const workers = new Set<NodeWorker>();

type WorkerCtor = new (url: string | URL, options?: { type?: string }) => object;
/** The global Worker other code installed (TensorFlow.js-wasm's Emscripten sets worker_threads' Worker). */
let otherWorker: WorkerCtor | undefined;

/**
 * The subset of the Web Worker API that jax-js's wasm worker pool uses, over worker_threads.
 * jax-js makes its workers with `new Worker(blobUrl, { type: 'module' })`; any other
 * construction goes to the Worker that other code set as the global (Emscripten's pthreads in
 * TensorFlow.js-wasm call `new Worker(url)` on the global it sets to worker_threads' Worker).
 */
class WebWorkerAdapter {
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onerror: ((e: { message: string }) => void) | null = null;
  private readonly worker!: NodeWorker;
  private pending: unknown[] | null = [];

  constructor(url: string | URL, options?: { type?: string }) {
    if (options?.type !== 'module') {
      if (!otherWorker) throw new Error('jax-js worker adapter: only module workers (jax-js) are supported');
      // A constructor may return another object: the caller gets the other Worker.
      return new otherWorker(url, options) as WebWorkerAdapter;
    }
    const blob = resolveObjectURL(String(url));
    if (!blob) throw new Error(`jax-js worker: ${String(url)} is not a blob: URL of this thread`);
    this.worker = new NodeWorker(WORKER_BOOT, { eval: true });
    this.worker.unref();
    workers.add(this.worker);
    this.worker.on('message', (data) => this.onmessage?.({ data }));
    this.worker.on('error', (e: Error) => this.onerror?.({ message: e.message }));
    this.worker.on('exit', () => workers.delete(this.worker));
    // jax-js revokes the URL once every worker has answered its first message, which cannot
    // happen before the source below is posted.
    void blob.text().then((source) => {
      this.worker.postMessage(source);
      for (const m of this.pending ?? []) this.worker.postMessage(m);
      this.pending = null;
    });
  }

  postMessage(message: unknown): void {
    if (this.pending) this.pending.push(message);
    else this.worker.postMessage(message);
  }

  terminate(): void {
    void this.worker.terminate();
  }
}

let env: Promise<JaxEnv> | null = null;

/** Starts jax-js on its wasm device (once per process, before anything else imports jax-js: the thread count of the first call holds). */
export function initJax(options: JaxOptions = {}): Promise<JaxEnv> {
  env ??= start(Math.max(0, Math.floor(options.threads ?? Math.min(os.cpus().length, 8))));
  return env;
}

async function start(threads: number): Promise<JaxEnv> {
  const g = globalThis as { Worker?: unknown; navigator?: unknown };
  if (threads === 0 && g.Worker !== undefined) {
    // jax-js would see the Worker and make its memory shared and its kernels for a worker pool.
    throw new Error('jax-js on the main thread (threads 0) needs no global Worker, but one is set (TensorFlow.js-wasm sets one): use worker threads');
  }
  if (threads > 0) {
    if (typeof SharedArrayBuffer === 'undefined') throw new Error('jax-js threads need SharedArrayBuffer');
    // jax-js tests for a global Worker whenever it allocates memory or compiles a kernel, so the
    // adapter stays installed. The global is an accessor: what other code assigns to it (before
    // or after this, e.g. TensorFlow.js-wasm's Emscripten runtime) becomes the Worker the adapter
    // hands non-jax-js constructions to. Our runtime uses worker_threads directly in Node.
    otherWorker = g.Worker as WorkerCtor | undefined;
    Object.defineProperty(globalThis, 'Worker', {
      configurable: true,
      get: () => WebWorkerAdapter,
      set: (w: WorkerCtor) => {
        if (w !== WebWorkerAdapter) otherWorker = w;
      },
    });
  }
  // The wasm device, and its pool size from navigator.hardwareConcurrency, are made when the
  // module is first imported; set that for the import only (our runtime reads it too, for its
  // own thread count).
  const had = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  const nav = had ? (g.navigator as object) : undefined;
  Object.defineProperty(globalThis, 'navigator', { value: Object.assign(Object.create(nav ?? null), { hardwareConcurrency: threads }), configurable: true, writable: true });
  let jax: Jax;
  let devices: string[];
  try {
    jax = (await import('@jax-js/jax')) as Jax;
    devices = await jax.init('wasm');
  } finally {
    if (had) Object.defineProperty(globalThis, 'navigator', had);
    else delete (globalThis as { navigator?: unknown }).navigator;
  }
  if (!devices.includes('wasm')) throw new Error(`jax-js: the wasm device did not start (devices: ${devices.join(', ')})`);
  jax.defaultDevice('wasm');
  const versions = { '@jax-js/jax': jaxVersion() };
  return {
    jax,
    threads,
    description: `jax-js ${versions['@jax-js/jax']} wasm (jit, ${threads > 0 ? `${threads} worker thread${threads === 1 ? '' : 's'}` : 'main thread only'})`,
    versions,
    async shutdown() {
      await Promise.all([...workers].map((w) => w.terminate()));
    },
  };
}

/** Worker threads jax-js has started so far (they start at its first threaded kernel). */
export function jaxWorkerCount(): number {
  return workers.size;
}

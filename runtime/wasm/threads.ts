/**
 * Worker threads for the WASM backend. Every worker instantiates the same module over
 * the backend's shared WebAssembly.Memory and then loops: wait for a job in its slot
 * of a shared control block, run the named export on its range, publish completion.
 * The main thread writes the jobs, runs its own share meanwhile, then waits (Atomics.wait
 * where the agent may block, a spin on Atomics.load on a browser main thread).
 *
 * Workers are Node worker_threads (eval'd source) or Web Workers from a Blob URL
 * (browsers, Deno): the source below is self-contained, so it works from the bundle.
 */

// Control block: SLOT u32 per worker, then MAX_ARGS float64 call arguments shared by all.
const SLOT = 16;
const F_SEQ = 0; // job sequence number written by main (0xffffffff = exit)
const F_DONE = 1; // last sequence number the worker finished
const F_FN = 2; // export index
const F_ARGC = 3;
const F_START = 4;
const F_END = 5;
const F_SCRATCH = 6;
const F_ERROR = 7; // 1 when the last job threw
const MAX_WORKERS = 64;
const MAX_ARGS = 48;
const ARGS_OFFSET = MAX_WORKERS * SLOT * 4;
const CTRL_BYTES = ARGS_OFFSET + MAX_ARGS * 8;
const EXIT = 0xffffffff;

const WORKER_SOURCE = `
const SLOT = ${SLOT}, MAX_WORKERS = ${MAX_WORKERS}, MAX_ARGS = ${MAX_ARGS}, ARGS_OFFSET = ${ARGS_OFFSET}, EXIT = ${EXIT};
const isNode = typeof self === 'undefined';
const port = isNode ? require('node:worker_threads').parentPort : self;
function onFirstMessage(f) {
  if (isNode) port.once('message', f);
  else self.onmessage = (e) => { self.onmessage = null; f(e.data); };
}
onFirstMessage(async (msg) => {
  let I, I32, F, fns, base;
  try {
    const env = { memory: msg.memory, abort: (m, f, l, c) => { throw new Error('WASM kernel aborted at ' + l + ':' + c); }, seed: () => 0 };
    const inst = await WebAssembly.instantiate(await WebAssembly.compile(msg.bytes), { env });
    fns = msg.names.map((n) => inst.exports[n]);
    I = new Uint32Array(msg.ctrl, 0, MAX_WORKERS * SLOT);
    I32 = new Int32Array(msg.ctrl, 0, MAX_WORKERS * SLOT);
    F = new Float64Array(msg.ctrl, ARGS_OFFSET, MAX_ARGS);
    base = msg.index * SLOT;
  } catch (e) {
    port.postMessage({ error: String((e && e.message) || e) });
    return;
  }
  port.postMessage({ ready: true });
  let seen = 0;
  for (;;) {
    let seq = Atomics.load(I, base);
    for (let i = 0; i < 4000 && seq === seen; i++) seq = Atomics.load(I, base);
    while (seq === seen) {
      Atomics.wait(I32, base, seen | 0);
      seq = Atomics.load(I, base);
    }
    if (seq === EXIT) break;
    seen = seq;
    try {
      const args = [];
      for (let i = 0; i < I[base + 3]; i++) args.push(F[i]);
      args.push(I[base + 4], I[base + 5], I[base + 6]);
      fns[I[base + 2]](...args);
      I[base + 7] = 0;
    } catch (e) {
      I[base + 7] = 1;
    }
    Atomics.store(I, base + 1, seq);
    Atomics.notify(I32, base + 1);
  }
  if (isNode) port.close(); else self.close();
});
`;

interface WorkerHandle {
  post(message: unknown): void;
  onMessage(cb: (message: unknown) => void): void;
  onError(cb: (error: unknown) => void): void;
  terminate(): void;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return !!p?.versions?.node && typeof (globalThis as { Deno?: unknown }).Deno === 'undefined';
}

type NodeWorker = {
  postMessage(m: unknown): void;
  on(ev: string, cb: (x: unknown) => void): void;
  terminate(): Promise<number>;
  unref(): void;
};

async function spawnWorker(): Promise<WorkerHandle> {
  if (typeof (globalThis as { Worker?: unknown }).Worker === 'function' && !isNode()) {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const w = new Worker(url, { type: 'module' });
    URL.revokeObjectURL(url);
    return {
      post: (m) => w.postMessage(m),
      onMessage: (cb) => w.addEventListener('message', (e) => cb((e as MessageEvent).data)),
      onError: (cb) => w.addEventListener('error', (e) => cb(e)),
      terminate: () => w.terminate(),
    };
  }
  const specifier = 'node:worker_threads';
  const { Worker: NodeWorkerCtor } = (await import(/* @vite-ignore */ specifier)) as { Worker: new (src: string, o: object) => NodeWorker };
  const w = new NodeWorkerCtor(WORKER_SOURCE, { eval: true });
  w.unref(); // an idle pool never keeps Node alive
  return {
    post: (m) => w.postMessage(m),
    onMessage: (cb) => w.on('message', cb),
    onError: (cb) => w.on('error', cb),
    terminate: () => void w.terminate(),
  };
}

/** Whether this agent may block in Atomics.wait (false on a browser's main thread). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Number of hardware threads (navigator.hardwareConcurrency, or os.availableParallelism in Node). */
export async function hardwareThreads(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  if (isNode()) {
    try {
      const specifier = 'node:os';
      const os = (await import(/* @vite-ignore */ specifier)) as { availableParallelism?: () => number; cpus(): unknown[] };
      return os.availableParallelism?.() ?? os.cpus().length;
    } catch {
      return 1;
    }
  }
  return 1;
}

/** Whether shared WebAssembly memory can be created and sent to workers here. */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const coi = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return coi !== false;
}

export class WasmThreadPool {
  private readonly ctrl: Uint32Array;
  private readonly ctrlI32: Int32Array;
  private readonly args: Float64Array;
  private readonly mainCanBlock = canBlock();
  private seq = 0;
  private closed = false;

  private constructor(
    private readonly workers: WorkerHandle[],
    ctrlBuffer: SharedArrayBuffer,
    private readonly exportIndex: Map<string, number>,
  ) {
    this.ctrl = new Uint32Array(ctrlBuffer, 0, MAX_WORKERS * SLOT);
    this.ctrlI32 = new Int32Array(ctrlBuffer, 0, MAX_WORKERS * SLOT);
    this.args = new Float64Array(ctrlBuffer, ARGS_OFFSET, MAX_ARGS);
  }

  /** Number of worker threads (the main thread is one more). */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Starts `count` workers over `memory` (shared) running `bytes` (a module importing
   * shared memory). Rejects when a worker fails to start within `timeoutMs`.
   */
  static async create(bytes: Uint8Array, memory: WebAssembly.Memory, exportNames: string[], count: number, timeoutMs = 30_000): Promise<WasmThreadPool> {
    count = Math.min(count, MAX_WORKERS);
    const ctrl = new SharedArrayBuffer(CTRL_BYTES);
    const workers: WorkerHandle[] = [];
    try {
      const ready: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        const w = await spawnWorker();
        workers.push(w);
        ready.push(
          new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`worker ${i} did not start within ${timeoutMs} ms`)), timeoutMs);
            w.onMessage((m) => {
              clearTimeout(timer);
              const msg = m as { ready?: boolean; error?: string };
              if (msg.ready) resolve();
              else reject(new Error(`worker ${i}: ${msg.error ?? 'unexpected message'}`));
            });
            w.onError((e) => {
              clearTimeout(timer);
              reject(new Error(`worker ${i} failed: ${e instanceof Error ? e.message : ((e as { message?: string }).message ?? String(e))}`));
            });
          }),
        );
        w.post({ bytes, memory, ctrl, names: exportNames, index: i });
      }
      await Promise.all(ready);
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
    return new WasmThreadPool(workers, ctrl, new Map(exportNames.map((n, i) => [n, i])));
  }

  /**
   * Runs export `name`(...args, start, end, scratch) on ranges[i] with scratches[i]:
   * range 0 on the calling thread (`mainCall`), the rest on workers 0..n-2. Returns
   * when all are done; throws if any worker's call threw.
   */
  run(name: string, args: readonly number[], ranges: ReadonlyArray<readonly [number, number]>, scratches: readonly number[], mainCall: (start: number, end: number, scratch: number) => void): void {
    if (this.closed) throw new Error('the WASM thread pool was destroyed');
    const fn = this.exportIndex.get(name);
    if (fn === undefined) throw new Error(`export '${name}' is not registered with the thread pool`);
    if (args.length > MAX_ARGS) throw new Error(`too many arguments (${args.length} > ${MAX_ARGS})`);
    const n = ranges.length - 1;
    if (n > this.workers.length) throw new Error(`${ranges.length} ranges but only ${this.workers.length + 1} threads`);
    const I = this.ctrl;
    this.args.set(args);
    const seqs: number[] = [];
    for (let w = 0; w < n; w++) {
      const base = w * SLOT;
      I[base + F_FN] = fn;
      I[base + F_ARGC] = args.length;
      I[base + F_START] = ranges[w + 1][0];
      I[base + F_END] = ranges[w + 1][1];
      I[base + F_SCRATCH] = scratches[w + 1];
      this.seq = this.seq >= 0x7ffffff0 ? 1 : this.seq + 1;
      seqs.push(this.seq);
      Atomics.store(I, base + F_SEQ, this.seq);
      Atomics.notify(this.ctrlI32, base + F_SEQ, 1);
    }
    let mainError: unknown = null;
    try {
      mainCall(ranges[0][0], ranges[0][1], scratches[0]);
    } catch (e) {
      mainError = e;
    }
    let failed = -1;
    for (let w = 0; w < n; w++) {
      const at = w * SLOT + F_DONE;
      let spins = 0;
      for (let d = Atomics.load(I, at); d !== seqs[w]; d = Atomics.load(I, at)) {
        if (this.mainCanBlock && ++spins > 2000) Atomics.wait(this.ctrlI32, at, d | 0, 5);
      }
      if (I[w * SLOT + F_ERROR]) failed = w;
    }
    if (mainError) throw mainError;
    if (failed >= 0) throw new Error(`WASM kernel '${name}' failed on worker ${failed}`);
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    for (let w = 0; w < this.workers.length; w++) {
      Atomics.store(this.ctrl, w * SLOT + F_SEQ, EXIT);
      Atomics.notify(this.ctrlI32, w * SLOT + F_SEQ);
    }
    for (const w of this.workers) w.terminate();
  }
}

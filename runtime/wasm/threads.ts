/**
 * Worker threads for the WASM backend. Every worker instantiates the same module over
 * the backend's shared WebAssembly.Memory and then loops: wait for a job in its slot
 * of a shared control block, run the named export on its range, publish completion.
 * The main thread writes the jobs, runs its own share meanwhile, then waits (Atomics.wait
 * where the agent may block, a spin on Atomics.load on a browser main thread).
 *
 * Workers are Node worker_threads (eval'd source) or Web Workers from a Blob URL
 * (browsers, Deno): the source below is self-contained, so it works from the bundle.
 *
 * Faults: a job that throws (a trap, an abort) writes its message into the worker's slot and
 * the call throws a WasmWorkerError carrying it; the worker lives on. A worker that dies (an
 * uncaught error marks its slot dead; a terminated or killed one goes silent) is noticed by
 * the waiting main thread within a bounded time (stallTimeoutMs, or 100x the main thread's own
 * share if longer), which cannot receive events while it waits. The call then throws a
 * WasmWorkerError after the other workers finished, and the pool carries on without that
 * worker (one thread fewer). A death noticed by an event between calls is thrown by the next call.
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
const F_MSGLEN = 8; // bytes of the worker's last error message in its message area
const F_STATE = 9; // DEAD once the worker's loop failed outside a job
const DEAD = 2;
const MAX_WORKERS = 64;
const MAX_ARGS = 48;
const MSG_BYTES = 256;
const ARGS_OFFSET = MAX_WORKERS * SLOT * 4;
const MSG_OFFSET = ARGS_OFFSET + MAX_ARGS * 8;
const CTRL_BYTES = MSG_OFFSET + MAX_WORKERS * MSG_BYTES;
const EXIT = 0xffffffff;
/** Default bound on how long the main thread waits for a worker beyond its own share. */
export const DEFAULT_STALL_TIMEOUT_MS = 10_000;

/** A worker thread failed a kernel call: its job threw, or the worker died or stopped responding. */
export class WasmWorkerError extends Error {
  override name = 'WasmWorkerError';
  constructor(
    readonly kernel: string,
    readonly worker: number,
    readonly kind: 'trap' | 'died' | 'unresponsive',
    /** The worker's own message (the exception it threw, the error event), '' when it gave none. */
    readonly workerMessage: string,
    /** Threads the pool has left (main thread included); the pool stays usable. */
    readonly threadsLeft: number,
  ) {
    const what = kind === 'trap' ? 'threw' : kind === 'died' ? 'died' : 'stopped responding';
    const after = kind === 'trap' ? '' : `; the thread pool continues on ${threadsLeft} thread${threadsLeft === 1 ? '' : 's'}`;
    super(`WASM kernel '${kernel}': worker ${worker} ${what}${workerMessage ? `: ${workerMessage}` : ''}${after}`);
  }
}

const WORKER_SOURCE = `
const SLOT = ${SLOT}, MAX_WORKERS = ${MAX_WORKERS}, MAX_ARGS = ${MAX_ARGS}, ARGS_OFFSET = ${ARGS_OFFSET}, EXIT = ${EXIT};
const MSG_OFFSET = ${MSG_OFFSET}, MSG_BYTES = ${MSG_BYTES}, DEAD = ${DEAD};
const isNode = typeof self === 'undefined';
const port = isNode ? require('node:worker_threads').parentPort : self;
function onFirstMessage(f) {
  if (isNode) port.once('message', f);
  else self.onmessage = (e) => { self.onmessage = null; f(e.data); };
}
onFirstMessage(async (msg) => {
  let I, I32, F, fns, base, M;
  try {
    const env = { memory: msg.memory, abort: (m, f, l, c) => { throw new Error('WASM kernel aborted at ' + l + ':' + c); }, seed: () => 0 };
    const inst = await WebAssembly.instantiate(await WebAssembly.compile(msg.bytes), { env });
    fns = msg.names.map((n) => inst.exports[n]);
    I = new Uint32Array(msg.ctrl, 0, MAX_WORKERS * SLOT);
    I32 = new Int32Array(msg.ctrl, 0, MAX_WORKERS * SLOT);
    F = new Float64Array(msg.ctrl, ARGS_OFFSET, MAX_ARGS);
    base = msg.index * SLOT;
    M = new Uint8Array(msg.ctrl, MSG_OFFSET + msg.index * MSG_BYTES, MSG_BYTES);
  } catch (e) {
    port.postMessage({ error: String((e && e.message) || e) });
    return;
  }
  port.postMessage({ ready: true });
  // The message of an exception, as bytes in this worker's message area (non-ASCII as '?').
  const report = (e) => {
    const text = String(e && e.message !== undefined ? (e.name ? e.name + ': ' : '') + e.message : e);
    const n = Math.min(text.length, MSG_BYTES);
    for (let i = 0; i < n; i++) { const c = text.charCodeAt(i); M[i] = c < 128 ? c : 63; }
    I[base + 8] = n;
  };
  let seen = 0;
  try {
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
      report(e);
      I[base + 7] = 1;
    }
    Atomics.store(I, base + 1, seq);
    Atomics.notify(I32, base + 1);
  }
  } catch (e) {
    // The loop itself failed: say why and that this worker is gone, then wake the main thread.
    report(e);
    Atomics.store(I, base + 9, DEAD);
    Atomics.notify(I32, base + 1);
    throw e;
  }
  if (isNode) port.close(); else self.close();
});
`;

interface WorkerHandle {
  post(message: unknown): void;
  onMessage(cb: (message: unknown) => void): void;
  onError(cb: (error: unknown) => void): void;
  /** Node only: the thread ended (exit code); browsers give no such event. */
  onExit(cb: (code: number) => void): void;
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
      onExit: () => {},
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
    onExit: (cb) => w.on('exit', cb as (x: unknown) => void),
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
  private readonly messages: Uint8Array;
  private readonly mainCanBlock = canBlock();
  private seq = 0;
  private closed = false;
  /** Slots of the workers still in use, in the order ranges are handed out. */
  private live: number[];
  /** Why a worker died, from its error/exit event (arrives between calls), not yet thrown. */
  private readonly deaths = new Map<number, string>();
  /** How long the main thread waits for a worker past its own share before declaring it lost (see the file's top). */
  stallTimeoutMs = DEFAULT_STALL_TIMEOUT_MS;

  private constructor(
    private readonly workers: WorkerHandle[],
    ctrlBuffer: SharedArrayBuffer,
    private readonly exportIndex: Map<string, number>,
  ) {
    this.ctrl = new Uint32Array(ctrlBuffer, 0, MAX_WORKERS * SLOT);
    this.ctrlI32 = new Int32Array(ctrlBuffer, 0, MAX_WORKERS * SLOT);
    this.args = new Float64Array(ctrlBuffer, ARGS_OFFSET, MAX_ARGS);
    this.messages = new Uint8Array(ctrlBuffer, MSG_OFFSET, MAX_WORKERS * MSG_BYTES);
    this.live = workers.map((_, i) => i);
    workers.forEach((w, i) => {
      w.onError((e) => this.noteDeath(i, errorText(e)));
      w.onExit((code) => this.noteDeath(i, `the thread exited with code ${code}`));
    });
  }

  /** Number of worker threads in use (the main thread is one more). */
  get size(): number {
    return this.live.length;
  }

  /** Test hook: ends worker `index` (0-based, as in error messages) the way a crash would, without telling the pool. */
  terminateWorkerForTest(index: number): void {
    this.workers[index].terminate();
  }

  private noteDeath(slot: number, why: string): void {
    if (this.closed || !this.live.includes(slot) || this.deaths.has(slot)) return;
    this.deaths.set(slot, why);
  }

  /** Stops using a worker (terminated to be sure: a hung one must not write memory later). */
  private drop(slot: number): void {
    this.live = this.live.filter((s) => s !== slot);
    this.workers[slot].terminate();
  }

  private workerMessage(slot: number): string {
    const n = Math.min(this.ctrl[slot * SLOT + F_MSGLEN], MSG_BYTES);
    return String.fromCharCode(...this.messages.subarray(slot * MSG_BYTES, slot * MSG_BYTES + n));
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
              reject(new Error(`worker ${i} failed: ${errorText(e)}`));
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
   * range 0 on the calling thread (`mainCall`), the rest on the live workers. Returns
   * when all are done; throws a WasmWorkerError if a worker's call threw or the worker was lost.
   */
  run(name: string, args: readonly number[], ranges: ReadonlyArray<readonly [number, number]>, scratches: readonly number[], mainCall: (start: number, end: number, scratch: number) => void): void {
    if (this.closed) throw new Error('the WASM thread pool was destroyed');
    const fn = this.exportIndex.get(name);
    if (fn === undefined) throw new Error(`export '${name}' is not registered with the thread pool`);
    if (args.length > MAX_ARGS) throw new Error(`too many arguments (${args.length} > ${MAX_ARGS})`);
    // A death reported by an event since the last call: drop the worker and say so before dispatching anything.
    for (const [slot, why] of this.deaths) {
      this.deaths.delete(slot);
      if (!this.live.includes(slot)) continue;
      this.drop(slot);
      throw new WasmWorkerError(name, slot, 'died', why, this.live.length + 1);
    }
    const n = ranges.length - 1;
    if (n > this.live.length) throw new Error(`${ranges.length} ranges but only ${this.live.length + 1} threads`);
    const I = this.ctrl;
    this.args.set(args);
    const slots = this.live.slice(0, n);
    const seqs: number[] = [];
    for (let w = 0; w < n; w++) {
      const base = slots[w] * SLOT;
      I[base + F_FN] = fn;
      I[base + F_ARGC] = args.length;
      I[base + F_START] = ranges[w + 1][0];
      I[base + F_END] = ranges[w + 1][1];
      I[base + F_SCRATCH] = scratches[w + 1];
      I[base + F_ERROR] = 0;
      this.seq = this.seq >= 0x7ffffff0 ? 1 : this.seq + 1;
      seqs.push(this.seq);
      Atomics.store(I, base + F_SEQ, this.seq);
      Atomics.notify(this.ctrlI32, base + F_SEQ, 1);
    }
    let mainError: unknown = null;
    const mainStart = performance.now();
    try {
      mainCall(ranges[0][0], ranges[0][1], scratches[0]);
    } catch (e) {
      mainError = e;
    }
    // Past this, a worker still busy is taken as lost: it had 100x the main thread's time for an equal share.
    const deadline = performance.now() + Math.max(this.stallTimeoutMs, 100 * (performance.now() - mainStart));
    let failure: WasmWorkerError | null = null;
    const lost: number[] = [];
    for (let w = 0; w < n; w++) {
      const slot = slots[w];
      const at = slot * SLOT + F_DONE;
      let spins = 0;
      let gone: 'died' | 'unresponsive' | null = null;
      for (let d = Atomics.load(I, at); d !== seqs[w]; d = Atomics.load(I, at)) {
        if (++spins < 2000) continue;
        if (this.mainCanBlock) Atomics.wait(this.ctrlI32, at, d | 0, 5);
        if (Atomics.load(I, slot * SLOT + F_STATE) === DEAD) gone = 'died';
        else if ((spins & 63) === 0 && performance.now() > deadline) gone = 'unresponsive';
        if (gone) break;
      }
      if (gone) {
        lost.push(slot);
        failure ??= new WasmWorkerError(name, slot, gone, gone === 'died' ? this.workerMessage(slot) : `no answer within ${Math.round(deadline - mainStart)} ms`, 0);
      } else if (I[slot * SLOT + F_ERROR]) failure ??= new WasmWorkerError(name, slot, 'trap', this.workerMessage(slot), 0);
    }
    for (const slot of lost) this.drop(slot);
    if (mainError) throw mainError;
    if (failure) throw new WasmWorkerError(failure.kernel, failure.worker, failure.kind, failure.workerMessage, this.live.length + 1);
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

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : ((e as { message?: string })?.message ?? String(e));
}

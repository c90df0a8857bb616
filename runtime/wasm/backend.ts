import type { Backend, KernelCall, MemoryStats, Storage } from '../backend.js';
import { KernelError, OutOfMemoryError } from '../errors.js';
import { WasmAllocator } from './allocator.js';
import { MIN_PARALLEL_COST, parallelSpec, splitRange } from './parallel.js';
import { withSharedMemoryImport } from './shared-module.js';
import { relaxedSimdAvailable, relaxedSimdFlagSet } from './relaxed-simd.js';
import { hardwareThreads, sharedMemorySupported, WasmThreadPool, WasmWorkerError } from './threads.js';
import portableKernelsWasm from '../../build/kernels.wasm';
import relaxedKernelsWasm from '../../build/kernels-relaxed.wasm';

class WasmStorage implements Storage {
  constructor(
    readonly ptr: number,
    readonly byteLength: number,
    readonly reserved: number,
  ) {}
}

type KernelFn = (...args: number[]) => void;

export interface WasmExports {
  heapBase(): number;
  [name: string]: unknown;
}

/** The two builds of kernels/ (asconfig.json targets): SIMD only, and SIMD + relaxed SIMD (fused multiply-add). */
type KernelBuild = 'portable' | 'relaxed';
const BUILD_BYTES: Record<KernelBuild, Uint8Array<ArrayBuffer>> = {
  portable: portableKernelsWasm as Uint8Array<ArrayBuffer>,
  relaxed: relaxedKernelsWasm as Uint8Array<ArrayBuffer>,
};

/** `make` memoized per build (compiled modules are shared by every backend instance). */
function perBuild<T>(make: (build: KernelBuild) => T): (build: KernelBuild) => T {
  const cache = new Map<KernelBuild, T>();
  return (build) => {
    if (!cache.has(build)) cache.set(build, make(build));
    return cache.get(build)!;
  };
}
const compileModule = perBuild((build) => WebAssembly.compile(BUILD_BYTES[build]));
/** Each build with its memory import turned shared (for the thread pool), and compiled. */
const sharedModuleBytes = perBuild((build) => withSharedMemoryImport(BUILD_BYTES[build]));
const compileSharedModule = perBuild((build) => WebAssembly.compile(sharedModuleBytes(build)));

/** Maximum memory: 4 GiB is the wasm32 limit. */
const MAX_PAGES = 65536;
/** Default cap on threads (main thread included). */
const MAX_DEFAULT_THREADS = 8;

/** Options of the WASM (CPU) backend (RuntimeOptions.wasm): threads and the SIMD build. */
export interface WasmBackendOptions {
  /**
   * Threads for kernels that split their work (the main thread included). Default: the
   * number of hardware threads, at most 8. 1 disables the worker pool. Needs shared
   * memory (SharedArrayBuffer; cross-origin isolation in browsers) and workers; without
   * them the backend runs on one thread and says so in its description.
   */
  threads?: number;
  /**
   * Run the relaxed-SIMD build of the kernels (fused multiply-add where the CPU has it) when
   * the engine supports relaxed SIMD. Default true. false: the SIMD-only build (mul + add,
   * rounded twice, on every engine).
   */
  relaxedSimd?: boolean;
  /**
   * With relaxedSimd, in Node 20 (whose V8 keeps relaxed SIMD behind
   * `--experimental-wasm-relaxed-simd`): turn that V8 flag on for the whole process, which
   * every WebAssembly module compiled afterwards sees. Default true; the description then
   * says so. false: never change V8's flags (Node 20 runs the SIMD-only build).
   */
  setV8Flag?: boolean;
}

function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<WebAssembly.Instance> {
  return WebAssembly.instantiate(module, {
    env: {
      memory,
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new Error(`WASM kernel aborted at ${line}:${col}`);
      },
      seed: () => Date.now(),
    },
  });
}

/**
 * The CPU backend: AssemblyScript kernels compiled to WASM (SIMD). Tensors are
 * regions of the module's memory; ops run synchronously and read/write in place.
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  readonly description: string;
  private readonly allocator: WasmAllocator;
  /** Per-thread scratch blocks, by the export that sized them. */
  private readonly scratch = new Map<string, { size: number; blocks: number[] }>();
  private liveBytes = 0;
  private liveCount = 0;
  private peakLiveBytes = 0;
  private destroyed = false;

  private constructor(
    readonly wasmMemory: WebAssembly.Memory,
    readonly exports: WasmExports,
    private readonly pool: WasmThreadPool | null,
    threadNote: string,
    /** Whether the kernels are the relaxed-SIMD build (fused multiply-add). */
    readonly relaxedSimd: boolean,
  ) {
    this.allocator = new WasmAllocator(wasmMemory, exports.heapBase());
    const simd = relaxedSimd ? `SIMD + relaxed-SIMD FMA${relaxedSimdFlagSet() ? ' (V8 flag --experimental-wasm-relaxed-simd set for this process)' : ''}` : 'SIMD';
    this.description = `WASM (AssemblyScript kernels, ${simd}, ${threadNote})`;
  }

  /** Threads kernels may use (main thread included). */
  get threads(): number {
    return (this.pool?.size ?? 0) + 1;
  }

  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const want = Math.max(1, Math.floor(options.threads ?? Math.min(MAX_DEFAULT_THREADS, await hardwareThreads())));
    const relaxed = (options.relaxedSimd ?? true) && relaxedSimdAvailable(BUILD_BYTES.relaxed, options.setV8Flag ?? true);
    const build: KernelBuild = relaxed ? 'relaxed' : 'portable';
    let threadNote = '1 thread';
    if (want > 1) {
      if (!sharedMemorySupported()) threadNote = '1 thread: no SharedArrayBuffer (not cross-origin isolated)';
      else {
        try {
          const module = await compileSharedModule(build);
          const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
          const instance = await instantiate(module, memory);
          const exports = instance.exports as unknown as WasmExports;
          const names = Object.keys(exports).filter((k) => typeof exports[k] === 'function');
          const pool = await WasmThreadPool.create(sharedModuleBytes(build), memory, names, want - 1);
          return new WasmBackend(memory, exports, pool, `${want} threads`, relaxed);
        } catch (e) {
          threadNote = `1 thread: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
    }
    const module = await compileModule(build);
    const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES });
    const instance = await instantiate(module, memory);
    return new WasmBackend(memory, instance.exports as unknown as WasmExports, null, threadNote, relaxed);
  }

  private check(): void {
    if (this.destroyed) throw new Error('wasm backend was destroyed');
  }

  alloc(byteLength: number): Storage {
    this.check();
    const size = WasmAllocator.blockSize(byteLength);
    let ptr: number;
    try {
      ptr = this.allocator.alloc(size);
    } catch (e) {
      throw new OutOfMemoryError('wasm', byteLength, e instanceof Error ? e.message : String(e));
    }
    this.liveBytes += size;
    this.liveCount++;
    if (this.liveBytes > this.peakLiveBytes) this.peakLiveBytes = this.liveBytes;
    return new WasmStorage(ptr, byteLength, size);
  }

  free(storage: Storage): void {
    const s = storage as WasmStorage;
    this.liveBytes -= s.reserved;
    this.liveCount--;
    if (!this.destroyed) this.allocator.free(s.ptr, s.reserved);
  }

  /** A byte view of a storage (valid until the memory grows). */
  bytes(storage: Storage, byteLength = storage.byteLength): Uint8Array {
    return new Uint8Array(this.wasmMemory.buffer, (storage as WasmStorage).ptr, byteLength);
  }

  /** Address of a storage in the module's memory. */
  address(storage: Storage): number {
    return (storage as WasmStorage).ptr;
  }

  write(storage: Storage, data: ArrayBufferView, byteOffset = 0): void {
    this.check();
    if (byteOffset + data.byteLength > storage.byteLength) {
      throw new RangeError(`write of ${data.byteLength} bytes at ${byteOffset} overflows a ${storage.byteLength}-byte storage`);
    }
    new Uint8Array(this.wasmMemory.buffer, (storage as WasmStorage).ptr + byteOffset, data.byteLength).set(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
  }

  async read(storage: Storage, byteLength = storage.byteLength): Promise<ArrayBuffer> {
    return this.readSync(storage, byteLength);
  }

  readSync(storage: Storage, byteLength = storage.byteLength): ArrayBuffer {
    this.check();
    return this.bytes(storage, byteLength).slice().buffer;
  }

  copy(src: Storage, dst: Storage, byteLength: number, srcOffset = 0, dstOffset = 0): void {
    this.check();
    const mem = new Uint8Array(this.wasmMemory.buffer);
    const s = (src as WasmStorage).ptr + srcOffset;
    mem.copyWithin((dst as WasmStorage).ptr + dstOffset, s, s + byteLength);
  }

  run(call: KernelCall): void {
    this.check();
    const { kernel } = call;
    const exportName = kernel.wasmName ?? kernel.name;
    const fn = this.exports[exportName] as KernelFn | undefined;
    if (typeof fn !== 'function') throw new KernelError(kernel.name, 'validation', `the WASM module has no export '${exportName}'`);
    if (call.inputs.length !== kernel.inputs || call.outputs.length !== kernel.outputs || call.params.length !== kernel.params.length) {
      throw new KernelError(
        kernel.name,
        'validation',
        `expected ${kernel.inputs} inputs, ${kernel.outputs} outputs, ${kernel.params.length} params; got ${call.inputs.length}, ${call.outputs.length}, ${call.params.length}`,
      );
    }
    const args: number[] = [];
    for (const s of call.inputs) args.push((s as WasmStorage).ptr);
    for (const s of call.outputs) args.push((s as WasmStorage).ptr);
    for (const p of call.params) args.push(p);
    if (call.constants && kernel.wasmConstants !== false) for (const c of call.constants) args.push(c);
    const spec = parallelSpec(kernel);
    if (!spec) {
      fn(...args);
      return;
    }
    // A splittable kernel: (..., itemStart, itemEnd, scratch), over threads when worth it.
    const constants = call.constants ?? [];
    const items = spec.items(call.params, constants);
    if (items <= 0) return;
    const threads = this.pool && spec.cost(call.params, constants) >= MIN_PARALLEL_COST ? Math.min(this.threads, items) : 1;
    const scratch = this.scratchBlocks(spec.scratchExport, threads, call.params);
    if (threads === 1) {
      fn(...args, 0, items, scratch[0]);
      return;
    }
    try {
      this.pool!.run(exportName, args, splitRange(items, threads), scratch, (start, end, s) => fn(...args, start, end, s));
    } catch (e) {
      if (e instanceof WasmWorkerError) throw e; // a worker's trap or death keeps its type
      throw new KernelError(kernel.name, 'internal', e instanceof Error ? e.message : String(e));
    }
  }

  /**
   * `count` per-thread scratch blocks of at least the size the export `sizeExport` gives for
   * `params` (kept until trim/destroy; blocks too small for a call are replaced).
   */
  private scratchBlocks(sizeExport: string, count: number, params: readonly number[]): number[] {
    const sizeFn = this.exports[sizeExport] as ((...params: number[]) => number) | undefined;
    if (typeof sizeFn !== 'function') throw new KernelError(sizeExport, 'validation', `the WASM module has no export '${sizeExport}'`);
    const size = WasmAllocator.blockSize(sizeFn(...params) >>> 0);
    let entry = this.scratch.get(sizeExport);
    if (entry && entry.size < size) {
      for (const ptr of entry.blocks) this.allocator.free(ptr, entry.size);
      entry = undefined;
    }
    if (!entry) this.scratch.set(sizeExport, (entry = { size, blocks: [] }));
    const { blocks } = entry;
    try {
      while (blocks.length < count) blocks.push(this.allocator.alloc(entry.size));
    } catch (e) {
      throw new OutOfMemoryError('wasm', entry.size, e instanceof Error ? e.message : String(e));
    }
    return blocks;
  }

  flush(): void {}

  async sync(): Promise<void> {}

  memory(): MemoryStats {
    return {
      liveBytes: this.liveBytes,
      liveCount: this.liveCount,
      pooledBytes: this.allocator.pooledBytes,
      peakLiveBytes: this.peakLiveBytes,
      reservedBytes: this.reservedBytes,
    };
  }

  /** Bytes the module's memory has grown to. */
  get reservedBytes(): number {
    return this.wasmMemory.buffer.byteLength;
  }

  resetPeak(): void {
    this.peakLiveBytes = this.liveBytes;
  }

  trim(): void {
    // With nothing live the allocator restarts at the heap base: the scratch goes too.
    if (this.liveCount === 0) this.scratch.clear();
    this.allocator.trim(this.liveCount);
  }

  destroy(): void {
    this.destroyed = true;
    this.pool?.destroy();
  }
}

import type { Backend, KernelCall, MemoryStats, Storage } from '../backend.js';
import { KernelError, OutOfMemoryError } from '../errors.js';
import { WasmAllocator } from './allocator.js';
import kernelsWasm from '../../build/kernels.wasm';

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

let compiledModule: Promise<WebAssembly.Module> | null = null;
function compileModule(): Promise<WebAssembly.Module> {
  compiledModule ??= WebAssembly.compile(kernelsWasm as Uint8Array<ArrayBuffer>);
  return compiledModule;
}

/** Maximum memory: 4 GiB is the wasm32 limit. */
const MAX_PAGES = 65536;

/**
 * The CPU backend: AssemblyScript kernels compiled to WASM (SIMD). Tensors are
 * regions of the module's memory; ops run synchronously and read/write in place.
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  readonly description = 'WASM (AssemblyScript kernels, SIMD)';
  private readonly allocator: WasmAllocator;
  private liveBytes = 0;
  private liveCount = 0;
  private peakLiveBytes = 0;
  private destroyed = false;

  private constructor(
    readonly wasmMemory: WebAssembly.Memory,
    readonly exports: WasmExports,
  ) {
    this.allocator = new WasmAllocator(wasmMemory, exports.heapBase());
  }

  static async create(): Promise<WasmBackend> {
    const module = await compileModule();
    const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES });
    const instance = await WebAssembly.instantiate(module, {
      env: {
        memory,
        abort(_msg: number, _file: number, line: number, col: number) {
          throw new Error(`WASM kernel aborted at ${line}:${col}`);
        },
        seed: () => Date.now(),
      },
    });
    return new WasmBackend(memory, instance.exports as unknown as WasmExports);
  }

  private check(): void {
    if (this.destroyed) throw new Error('wasm backend was destroyed');
  }

  alloc(byteLength: number): Storage {
    this.check();
    const size = WasmAllocator.round(byteLength);
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
    if (call.constants) for (const c of call.constants) args.push(c);
    fn(...args);
  }

  flush(): void {}

  async sync(): Promise<void> {}

  memory(): MemoryStats {
    return { liveBytes: this.liveBytes, liveCount: this.liveCount, pooledBytes: this.allocator.pooledBytes, peakLiveBytes: this.peakLiveBytes };
  }

  /** Bytes the module's memory has grown to. */
  get reservedBytes(): number {
    return this.wasmMemory.buffer.byteLength;
  }

  resetPeak(): void {
    this.peakLiveBytes = this.liveBytes;
  }

  trim(): void {
    this.allocator.trim(this.liveCount);
  }

  destroy(): void {
    this.destroyed = true;
  }
}

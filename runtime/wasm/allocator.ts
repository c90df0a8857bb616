import { poolSizeClass } from '../pool-size.js';

/**
 * Allocator over a growable WebAssembly.Memory. Blocks are 64-byte aligned (whole
 * cache lines, aligned SIMD loads) and pooled by size class (poolSizeClass): a freed
 * block is reused by the next request of its class.
 */
export const ALIGN = 64;
const PAGE = 65536;

export class WasmAllocator {
  private top: number;
  private readonly freeBySize = new Map<number, number[]>();
  pooledBytes = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly heapBase: number,
  ) {
    this.top = WasmAllocator.round(heapBase);
  }

  /** 64-byte aligned size of n bytes (heap base). */
  static round(n: number): number {
    return Math.max(ALIGN, Math.ceil(n / ALIGN) * ALIGN);
  }

  /** The block size handed out for a request of n bytes: its size class. */
  static blockSize(n: number): number {
    return poolSizeClass(n, ALIGN);
  }

  /** Returns the address of a block of at least `bytes` (rounded) bytes. */
  alloc(size: number): number {
    const list = this.freeBySize.get(size);
    const reused = list?.pop();
    if (reused !== undefined) {
      this.pooledBytes -= size;
      return reused;
    }
    const ptr = this.top;
    const end = ptr + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch (e) {
        throw new RangeError(`cannot grow WASM memory by ${pages} pages to ${end} bytes (${e instanceof Error ? e.message : e})`);
      }
    }
    this.top = end;
    return ptr;
  }

  free(ptr: number, size: number): void {
    let list = this.freeBySize.get(size);
    if (!list) this.freeBySize.set(size, (list = []));
    list.push(ptr);
    this.pooledBytes += size;
  }

  /** Drops the pool; when nothing is live the bump pointer restarts at the heap base. */
  trim(liveCount: number): void {
    if (liveCount === 0) {
      this.freeBySize.clear();
      this.pooledBytes = 0;
      this.top = WasmAllocator.round(this.heapBase);
    }
  }

  get heapTop(): number {
    return this.top;
  }
}

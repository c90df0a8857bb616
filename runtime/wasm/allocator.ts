import { poolSizeClass } from '../pool-size.js';

/**
 * Allocator over a growable WebAssembly.Memory. Blocks are 64-byte aligned (whole
 * cache lines, aligned SIMD loads) and pooled by size class (poolSizeClass): a freed
 * block is reused by the next request of its class. A request that finds no block of its
 * class and would have to grow the memory first coalesces the pool (adjacent free blocks
 * merge; free space at the top returns to the bump pointer) and takes the smallest free
 * block that holds it, splitting off the rest: shapes that change from step to step (length
 * bucketing, next-item rows) reuse each other's memory instead of growing it to the limit.
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
    if (this.top + size > this.memory.buffer.byteLength && this.pooledBytes > 0) {
      const fit = this.reclaim(size);
      if (fit !== undefined) return fit;
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

  /**
   * Merges adjacent free blocks, returns free space at the top to the bump pointer, and takes
   * the smallest merged block of at least `size` bytes (the rest stays pooled); undefined when
   * none is large enough.
   */
  private reclaim(size: number): number | undefined {
    const blocks: [number, number][] = [];
    for (const [bytes, ptrs] of this.freeBySize) for (const p of ptrs) blocks.push([p, bytes]);
    blocks.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const [p, bytes] of blocks) {
      const last = merged[merged.length - 1];
      if (last && last[0] + last[1] === p) last[1] += bytes;
      else merged.push([p, bytes]);
    }
    const top = merged[merged.length - 1];
    if (top && top[0] + top[1] === this.top) {
      this.top = top[0];
      merged.pop();
    }
    this.freeBySize.clear();
    this.pooledBytes = 0;
    let best = -1;
    merged.forEach(([, bytes], i) => {
      if (bytes >= size && (best < 0 || bytes < merged[best][1])) best = i;
    });
    for (let i = 0; i < merged.length; i++) {
      if (i === best) continue;
      this.free(merged[i][0], merged[i][1]);
    }
    if (best < 0) return undefined;
    const [ptr, bytes] = merged[best];
    if (bytes > size) this.free(ptr + size, bytes - size);
    return ptr;
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

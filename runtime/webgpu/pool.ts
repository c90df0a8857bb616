import { poolSizeClass } from '../pool-size.js';

/**
 * Storage-buffer pool. Buffers are pooled by size class (poolSizeClass: 16-byte rounded,
 * 8 classes per power of two above 256 bytes). A freed buffer goes to `pending` first and joins
 * the pool only when the work recorded so far is submitted: work recorded before
 * the free must not see the buffer's next contents.
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private pending: GPUBuffer[] = [];
  pooledBytes = 0;
  /** Bytes of every buffer this pool created and has not destroyed (handed out, pending or pooled). */
  reservedBytes = 0;

  constructor(private readonly device: GPUDevice) {}

  /** The buffer size for a request of byteLength bytes: its size class, or the exact 16-byte rounded size where the class would pass `limit`. */
  static roundSize(byteLength: number, limit = Infinity): number {
    const size = poolSizeClass(byteLength, 16);
    return size <= limit ? size : Math.max(16, Math.ceil(byteLength / 16) * 16);
  }

  acquire(size: number, usage: GPUBufferUsageFlags, label: string): GPUBuffer {
    const list = this.free.get(size);
    const buf = list?.pop();
    if (buf) {
      this.pooledBytes -= size;
      return buf;
    }
    const created = this.device.createBuffer({ size, usage, label });
    this.reservedBytes += size;
    return created;
  }

  release(buf: GPUBuffer): void {
    this.pending.push(buf);
  }

  /** Called after a submit: buffers freed before it become reusable. */
  onSubmitted(): void {
    for (const buf of this.pending) {
      const size = buf.size;
      let list = this.free.get(size);
      if (!list) this.free.set(size, (list = []));
      list.push(buf);
      this.pooledBytes += size;
    }
    this.pending = [];
  }

  trim(): void {
    for (const list of this.free.values()) {
      for (const b of list) {
        this.reservedBytes -= b.size;
        b.destroy();
      }
    }
    this.free.clear();
    this.pooledBytes = 0;
  }
}

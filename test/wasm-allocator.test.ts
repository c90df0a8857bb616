// The WASM heap allocator: size-class reuse, and coalescing before growth, so that shapes that
// change every step (bucketed widths, next-item rows) do not grow memory to the 4 GiB limit.
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/data/rng.js';
import { WasmAllocator } from '../runtime/wasm/allocator.js';

const MiB = 1 << 20;
const memory = () => new WebAssembly.Memory({ initial: 1, maximum: 65536 });

describe('WasmAllocator', () => {
  it('reuses a freed block of the same class without growing', () => {
    const m = memory();
    const a = new WasmAllocator(m, 1024);
    const size = WasmAllocator.blockSize(3 * MiB);
    const p = a.alloc(size);
    const grown = m.buffer.byteLength;
    a.free(p, size);
    expect(a.alloc(size)).toBe(p);
    expect(m.buffer.byteLength).toBe(grown);
  });

  it('requests of ever-changing sizes, two live at a time, stay within a few times the largest (not their sum)', () => {
    const m = memory();
    const a = new WasmAllocator(m, 1024);
    let prev: [number, number] | null = null;
    let largest = 0;
    let sum = 0;
    for (let k = 0; k < 200; k++) {
      // 1..40 MiB in an order that visits many size classes, up and down.
      const bytes = WasmAllocator.blockSize(MiB + ((k * 7919) % 40) * MiB + k * 4096);
      largest = Math.max(largest, bytes);
      sum += bytes;
      const p = a.alloc(bytes);
      if (prev) a.free(prev[0], prev[1]);
      prev = [p, bytes];
    }
    expect(sum).toBeGreaterThan(40 * largest);
    expect(m.buffer.byteLength).toBeLessThan(4 * largest);
  });

  it('live blocks never overlap and stay inside the memory (random alloc/free, 2,000 operations)', () => {
    const m = memory();
    const a = new WasmAllocator(m, 4096);
    const rng = new Rng(11);
    const live: [number, number][] = [];
    for (let op = 0; op < 2000; op++) {
      if (live.length && rng.nextInt(100) < 45) {
        const [p, s] = live.splice(rng.nextInt(live.length), 1)[0];
        a.free(p, s);
      } else {
        const s = WasmAllocator.blockSize(64 + rng.nextInt(4 * MiB));
        const p = a.alloc(s);
        expect(p % 64).toBe(0);
        expect(p).toBeGreaterThanOrEqual(4096);
        expect(p + s).toBeLessThanOrEqual(m.buffer.byteLength);
        for (const [q, t] of live) expect(p + s <= q || q + t <= p, `block [${p}, ${p + s}) overlaps [${q}, ${q + t})`).toBe(true);
        live.push([p, s]);
      }
    }
    // Everything freed: the pool holds every byte between the heap base and the top.
    for (const [p, s] of live.splice(0)) a.free(p, s);
    expect(a.pooledBytes).toBe(a.heapTop - WasmAllocator.round(4096));
  });
});

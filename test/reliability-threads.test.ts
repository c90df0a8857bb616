// Faults in the WASM worker pool (runtime/wasm/threads.ts): a job that traps, a worker
// terminated in the middle of a kernel, a worker that died while idle. Each surfaces as a
// WasmWorkerError naming the kernel and the worker and carrying the worker's message, within a
// bounded time (the main thread would otherwise wait forever), and the pool stays usable on
// the threads it has left. The pool-level cases run a hand-assembled module (spin and trap
// exports) so the fault lands inside a running job; the runtime-level case checks that a real
// runtime keeps computing correct results after it lost a worker.
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, matmul, type Runtime } from '../runtime/internal.js';
import { WasmThreadPool, WasmWorkerError } from '../runtime/wasm/threads.js';

/** A WASM module importing shared memory env.memory (1 page) with two pool exports (args..., start, end, scratch). */
function faultModule(): Uint8Array {
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  const name = (s: string) => [s.length, ...[...s].map((c) => c.charCodeAt(0))];
  const f64 = (x: number) => [...new Uint8Array(new Float64Array([x]).buffer)];
  // spin(n: f64, start, end, scratch): memory[0] = 1 (it started), then counts n down to 0.
  const spin = [0x00, 0x41, 0x00, 0x41, 0x01, 0x36, 0x02, 0x00, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x44, ...f64(0), 0x65, 0x0d, 0x01, 0x20, 0x00, 0x44, ...f64(1), 0xa1, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x0b];
  // trap(n, start, end, scratch): unreachable.
  const trap = [0x00, 0x00, 0x0b];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x04, 0x7c, 0x7f, 0x7f, 0x7f, 0x00]),
    ...section(2, [0x01, ...name('env'), ...name('memory'), 0x02, 0x03, 0x01, 0x01]),
    ...section(3, [0x02, 0x00, 0x00]),
    ...section(7, [0x02, ...name('spin'), 0x00, 0x00, ...name('trap'), 0x00, 0x01]),
    ...section(10, [0x02, spin.length, ...spin, trap.length, ...trap]),
  ]);
}

const pools: WasmThreadPool[] = [];
const runtimes: Runtime[] = [];
afterAll(() => {
  for (const p of pools) p.destroy();
  for (const rt of runtimes) rt.destroy();
});

async function pool(workers: number) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const p = await WasmThreadPool.create(faultModule(), memory, ['spin', 'trap'], workers);
  pools.push(p);
  return { p, started: new Int32Array(memory.buffer, 0, 1) };
}

/** The error a call throws (and how long it took), or null. */
function caught(fn: () => void): { error: unknown; ms: number } {
  const t0 = performance.now();
  try {
    fn();
    return { error: null, ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}

const noop = () => {};
const ranges = (threads: number) => Array.from({ length: threads }, () => [0, 1] as const);
const scratches = (threads: number) => new Array(threads).fill(0);

describe('WASM worker pool faults', () => {
  it("a job that traps throws a WasmWorkerError with the worker's message; the pool keeps all its threads", async () => {
    const { p } = await pool(2);
    const { error } = caught(() => p.run('trap', [0], ranges(3), scratches(3), noop));
    expect(error).toBeInstanceOf(WasmWorkerError);
    const e = error as WasmWorkerError;
    expect(e.kind).toBe('trap');
    expect(e.kernel).toBe('trap');
    expect(e.workerMessage).toMatch(/RuntimeError: unreachable/);
    expect(e.message).toMatch(/^WASM kernel 'trap': worker [01] threw: RuntimeError: unreachable/);
    expect(p.size).toBe(2);
    expect(caught(() => p.run('spin', [1000], ranges(3), scratches(3), noop)).error).toBeNull();
  });

  it('a worker terminated in the middle of a kernel is reported within the bounded wait; the pool continues with one thread fewer', async () => {
    const { p, started } = await pool(2);
    p.stallTimeoutMs = 400;
    // Worker 0 spins ~forever (1e12 iterations); the main thread waits until it has started, then kills it.
    const { error, ms } = caught(() =>
      p.run('spin', [1e12], [[0, 1], [0, 1]], [0, 0], () => {
        while (Atomics.load(started, 0) === 0);
        p.terminateWorkerForTest(0);
      }),
    );
    expect(error).toBeInstanceOf(WasmWorkerError);
    const e = error as WasmWorkerError;
    expect(e.worker).toBe(0);
    expect(['died', 'unresponsive']).toContain(e.kind);
    expect(e.message).toMatch(/worker 0 (died|stopped responding).*the thread pool continues on 2 threads/);
    expect(ms, 'bounded wait').toBeLessThan(5_000);
    expect(p.size).toBe(1);
    // Still usable: both remaining threads run a job.
    expect(caught(() => p.run('spin', [1000], ranges(2), scratches(2), noop)).error).toBeNull();
  });

  it("a worker that died between calls: the next call says so at once, with the thread's exit, then the pool works", async () => {
    const { p } = await pool(2);
    p.terminateWorkerForTest(1);
    await new Promise((r) => setTimeout(r, 200)); // the exit event arrives while the main thread is free
    const { error, ms } = caught(() => p.run('spin', [10], ranges(3), scratches(3), noop));
    expect(error).toBeInstanceOf(WasmWorkerError);
    expect((error as Error).message).toMatch(/worker 1 died: the thread exited with code 1; the thread pool continues on 2 threads/);
    expect(ms).toBeLessThan(100);
    expect(p.size).toBe(1);
    expect(caught(() => p.run('spin', [10], ranges(2), scratches(2), noop)).error).toBeNull();
  });

  it('a runtime that lost a worker reports it as a WasmWorkerError naming the worker, then computes correct results on the threads left', async () => {
    const rt = await createRuntime({ backend: 'wasm', wasm: { threads: 3 } });
    runtimes.push(rt);
    const backend = rt.backend as unknown as { threads: number; pool: WasmThreadPool };
    expect(backend.threads).toBe(3);
    const n = 160; // 160^3 * 2 flops: above the threshold for splitting a matmul across threads
    const a = rt.tensor(Float32Array.from({ length: n * n }, (_, i) => ((i * 7) % 13) - 6), [n, n]);
    const expected = await matmul(a, a).data();
    backend.pool.terminateWorkerForTest(0);
    await new Promise((r) => setTimeout(r, 200));
    // WASM runs a kernel when the op is called, so the op call itself throws.
    const { error: err } = caught(() => matmul(a, a).dispose()) as { error: Error };
    expect(err).toBeInstanceOf(WasmWorkerError); // keeps its type through the runtime
    expect(err.message).toMatch(/worker 0 died: the thread exited with code 1; the thread pool continues on 2 threads/);
    expect(backend.threads).toBe(2);
    const again = await matmul(a, a).data();
    expect(Array.from(again)).toEqual(Array.from(expected)); // integer-valued: exact on any split
    a.dispose();
  });
});

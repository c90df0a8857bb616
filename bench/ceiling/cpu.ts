// CPU ceiling: WASM SIMD multiply-add throughput and STREAM-style memory bandwidth, on one
// core and on all cores (worker_threads, one module instance per worker, started together).
import { Worker } from 'node:worker_threads';
import { cpus } from 'node:os';
import peakWasm from '../../build/peak.wasm';
import peakRelaxedWasm from '../../build/peak-relaxed.wasm';
import { relaxedSimdAvailable } from '../../runtime/wasm/relaxed-simd.js';

export interface CpuCeiling {
  /** GFLOP/s of f32x4 mul+add on one core / all cores together. */
  gflopsOneCore: number;
  gflopsAllCores: number;
  /** The same with f32x4.relaxed_madd (fused where the CPU has FMA); null without relaxed SIMD. */
  fmaGflopsOneCore: number | null;
  fmaGflopsAllCores: number | null;
  /** GB/s of a triad (a = b + s*c, 12 bytes/element) on one core / all cores; copy on one core. */
  triadGBsOneCore: number;
  triadGBsAllCores: number;
  copyGBsOneCore: number;
  cores: number;
  /** Triad array size per worker (MiB per array). */
  arrayMiB: number;
}

interface PeakExports {
  memory: WebAssembly.Memory;
  fma_loop(iters: number, seed: number): number;
  triad(a: number, b: number, c: number, n: number, s: number): void;
  copy(a: number, b: number, n: number): void;
  heapBase(): number;
}

/** The measurement, as a function whose source a worker evaluates (so keep it self-contained). */
async function measure(bytes: Uint8Array, what: 'flops' | 'triad' | 'copy', seconds: number, arrayBytes: number): Promise<number> {
  const { instance } = (await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, { env: { abort: () => { throw new Error('peak.wasm aborted'); } } })) as WebAssembly.WebAssemblyInstantiatedSource;
  const x = instance.exports as unknown as PeakExports;
  const now = () => performance.now();
  if (what === 'flops') {
    const iters = 100_000;
    const flopsPerCall = iters * 12 * 4 * 2;
    x.fma_loop(iters, 1); // warm-up (tier-up)
    let calls = 0;
    const t0 = now();
    while (now() - t0 < seconds * 1000) {
      x.fma_loop(iters, calls & 7);
      calls++;
    }
    return (calls * flopsPerCall) / ((now() - t0) / 1000) / 1e9;
  }
  const base = (x.heapBase() + 63) & ~63;
  const need = base + 3 * arrayBytes;
  const pages = Math.ceil((need - x.memory.buffer.byteLength) / 65536);
  if (pages > 0) x.memory.grow(pages);
  const n = arrayBytes / 4;
  const [a, b, c] = [base, base + arrayBytes, base + 2 * arrayBytes];
  new Float32Array(x.memory.buffer, b, n).fill(1);
  new Float32Array(x.memory.buffer, c, n).fill(2);
  const once = () => (what === 'triad' ? x.triad(a, b, c, n, 0.5) : x.copy(a, b, n));
  once();
  const perCall = (what === 'triad' ? 12 : 8) * n;
  // Best of several timed passes: bandwidth is a ceiling, so the least-disturbed pass counts.
  let best = 0;
  const t0 = now();
  while (now() - t0 < seconds * 1000) {
    const t = now();
    once();
    best = Math.max(best, perCall / ((now() - t) / 1000) / 1e9);
  }
  return best;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const measure = ${measure.toString()};
parentPort.on('message', async (m) => {
  parentPort.postMessage(await measure(workerData.bytes, m.what, m.seconds, m.arrayBytes));
});
`;

/** Runs `measure` in `n` workers at once; returns the sum of their rates. */
async function inWorkers(n: number, what: 'flops' | 'triad', seconds: number, arrayBytes: number, bytes: Uint8Array = peakWasm): Promise<number> {
  const workers = Array.from({ length: n }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { bytes } }));
  try {
    const results = await Promise.all(
      workers.map(
        (w) =>
          new Promise<number>((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
            w.postMessage({ what, seconds, arrayBytes });
          }),
      ),
    );
    return results.reduce((a, b) => a + b, 0);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * Measures the CPU ceiling. `seconds` per measurement (quick: 0.2). The triad arrays
 * (3 x arrayMiB per worker) are sized well past the last-level cache.
 */
export async function measureCpuCeiling(seconds = 0.5, arrayMiB = 32): Promise<CpuCeiling> {
  const cores = cpus().length;
  const arrayBytes = arrayMiB * 1024 * 1024;
  const gflopsOneCore = await measure(peakWasm, 'flops', seconds, arrayBytes);
  const triadGBsOneCore = await measure(peakWasm, 'triad', seconds, arrayBytes);
  const copyGBsOneCore = await measure(peakWasm, 'copy', seconds, arrayBytes);
  const gflopsAllCores = cores > 1 ? await inWorkers(cores, 'flops', seconds, arrayBytes) : gflopsOneCore;
  const triadGBsAllCores = cores > 1 ? await inWorkers(cores, 'triad', seconds, arrayBytes) : triadGBsOneCore;
  // (turns on Node 20's V8 flag for relaxed SIMD, as the WASM backend does; workers share it)
  let fmaGflopsOneCore: number | null = null;
  let fmaGflopsAllCores: number | null = null;
  if (relaxedSimdAvailable(peakRelaxedWasm as Uint8Array<ArrayBuffer>, true)) {
    fmaGflopsOneCore = await measure(peakRelaxedWasm, 'flops', seconds, arrayBytes);
    fmaGflopsAllCores = cores > 1 ? await inWorkers(cores, 'flops', seconds, arrayBytes, peakRelaxedWasm) : fmaGflopsOneCore;
  }
  return { gflopsOneCore, gflopsAllCores, fmaGflopsOneCore, fmaGflopsAllCores, triadGBsOneCore, triadGBsAllCores, copyGBsOneCore, cores, arrayMiB };
}

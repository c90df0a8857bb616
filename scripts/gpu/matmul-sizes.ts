// Square matmul sweep on the WebGPU backend, for docs/gpu.md: M = N = K in SIZES, each with
// the plain, transA and transB layouts (the tiled kernel of runtime/ops/matmul.ts, as the model
// calls it). Bundled by scripts/gpu/build.mjs to .gpu/matmul-sizes.js; run by
// scripts/gpu/run-h200.sh on the device machine (or here, on lavapipe, with --sizes 256,512).
//
//   node .gpu/matmul-sizes.js [--sizes 512,1024,2048,4096,8192] [--out FILE.json]
//
// Two timings per case, both wall-clock (performance.now()) around work the GPU finishes:
//  - sync: one matmul + await rt.sync() per iteration (what `npm run bench` does; includes the
//    submit and the readback round trip of each sync);
//  - batched: k matmuls recorded back to back, then one sync (k chosen so a batch lasts >= 60 ms):
//    the kernel's throughput with per-sync overhead amortised.
// Median of the samples. Correctness: 256 sampled output entries against a float64 dot product
// on the CPU, max relative error over them (|got - ref| / max(|ref|, 1e-3 * rowscale)).
import { writeFileSync } from 'node:fs';
import { createRuntime, matmul, scope, type Runtime, type Tensor } from '../../runtime/internal.js';

interface Options {
  sizes: number[];
  out: string | null;
  samples: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sizes: [512, 1024, 2048, 4096, 8192], out: null, samples: 7 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--sizes') o.sizes = argv[++i].split(',').map((s) => parseInt(s, 10));
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--samples') o.samples = parseInt(argv[++i], 10);
    else throw new Error(`matmul-sizes: unknown argument '${a}'`);
  }
  return o;
}

/** Deterministic values in [-0.5, 0.5) from a 32-bit LCG (fast enough for 67M floats). */
function randomArray(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function timeBatch(rt: Runtime, run: () => void, k: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < k; i++) run();
  await rt.sync();
  return (performance.now() - t0) / k;
}

async function timeSync(rt: Runtime, run: () => void, k: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < k; i++) {
    run();
    await rt.sync();
  }
  return (performance.now() - t0) / k;
}

interface Result {
  n: number;
  layout: 'NN' | 'TN' | 'NT';
  gflop: number;
  batchK: number;
  batchedMs: number;
  batchedGflops: number;
  batchedSamplesMs: number[];
  syncMs: number;
  syncGflops: number;
  maxRelErr: number;
}

const reportOf = (adapter: object, results: Result[]) => ({
  date: new Date().toISOString(),
  node: process.versions.node,
  adapter,
  timing: 'wall clock (performance.now) around work ended by await rt.sync(); median of samples',
  results,
});

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const rt = await createRuntime({ backend: 'webgpu' });
  const backend = rt.backend as unknown as { description: string; subgroupMinSize?: number; cpuKernels?: boolean; limits?: GPUSupportedLimits };
  const adapter = { description: backend.description, subgroupMinSize: backend.subgroupMinSize, cpuKernels: backend.cpuKernels, maxStorageBufferBindingSize: backend.limits?.maxStorageBufferBindingSize };
  console.log(`matmul-sizes: ${JSON.stringify(adapter)}`);
  const results: Result[] = [];
  for (const n of o.sizes) {
    const aData = randomArray(n * n, 1 + n);
    const bData = randomArray(n * n, 2 + n);
    const a = rt.tensor(aData, [n, n]);
    const b = rt.tensor(bData, [n, n]);
    for (const layout of ['NN', 'TN', 'NT'] as const) {
      const transA = layout === 'TN';
      const transB = layout === 'NT';
      const flop = 2 * n * n * n;
      // Correctness on sampled entries (A element (i, k) = transA ? aData[k n + i] : aData[i n + k]).
      const c = matmul(a, b, { transA, transB });
      const got = (await c.data()) as Float32Array;
      c.dispose();
      let maxRelErr = 0;
      for (let s = 0; s < 256; s++) {
        const i = (s * 7919 + 13) % n;
        const j = (s * 104729 + 7) % n;
        let ref = 0;
        let scale = 0;
        for (let k = 0; k < n; k++) {
          const av = transA ? aData[k * n + i] : aData[i * n + k];
          const bv = transB ? bData[j * n + k] : bData[k * n + j];
          ref += av * bv;
          scale += Math.abs(av * bv);
        }
        const err = Math.abs(got[i * n + j] - ref) / Math.max(Math.abs(ref), 1e-3 * scale);
        if (!(err <= maxRelErr)) maxRelErr = Number.isNaN(err) ? NaN : Math.max(maxRelErr, err);
      }
      const run = () => scope(() => void matmul(a, b, { transA, transB }));
      // Warm-up (pipeline compile, pool), then calibrate k so a batch lasts >= 60 ms.
      let one = 0;
      for (let w = 0; w < 3; w++) one = await timeBatch(rt, run, 1);
      let k = 1;
      let ms = await timeBatch(rt, run, k);
      while (ms * k < 60 && k < 4096) {
        k = Math.min(4096, Math.max(k * 2, Math.ceil(60 / Math.max(ms, 1e-3))));
        ms = await timeBatch(rt, run, k);
      }
      const batched: number[] = [];
      for (let s = 0; s < o.samples; s++) batched.push(await timeBatch(rt, run, k));
      const syncK = Math.max(1, Math.min(k, Math.ceil(40 / Math.max(one, 1e-3))));
      const synced: number[] = [];
      for (let s = 0; s < o.samples; s++) synced.push(await timeSync(rt, run, syncK));
      const r: Result = {
        n, layout, gflop: flop / 1e9, batchK: k,
        batchedMs: median(batched), batchedGflops: flop / 1e6 / median(batched), batchedSamplesMs: batched,
        syncMs: median(synced), syncGflops: flop / 1e6 / median(synced), maxRelErr,
      };
      results.push(r);
      if (o.out) writeFileSync(o.out, JSON.stringify(reportOf(adapter, results), null, 2) + '\n');
      console.log(`matmul-sizes: ${n}^3 ${layout}: batched ${r.batchedMs.toFixed(3)} ms (k=${k}) = ${r.batchedGflops.toFixed(0)} GFLOP/s; sync ${r.syncMs.toFixed(3)} ms = ${r.syncGflops.toFixed(0)} GFLOP/s; max rel err ${maxRelErr.toExponential(2)}`);
    }
    a.dispose();
    b.dispose();
    await rt.sync();
    rt.backend.trim();
  }
  rt.destroy();
  console.log('\n| n | layout | batched ms | batched GFLOP/s | sync ms | sync GFLOP/s | max rel err |');
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) console.log(`| ${r.n} | ${r.layout} | ${r.batchedMs.toFixed(3)} | ${r.batchedGflops.toFixed(0)} | ${r.syncMs.toFixed(3)} | ${r.syncGflops.toFixed(0)} | ${r.maxRelErr.toExponential(1)} |`);
}

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});

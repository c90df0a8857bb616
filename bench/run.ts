// Benchmark runner: `npm run bench -- [--backend webgpu|wasm|both] [--filter TEXT] [--quick]
//   [--samples N] [--no-ceiling] [--machine NAME] [--out DIR] [--list] [--wasm-simd-only]
//   [--wasm-threads N]`.
// Built by scripts/bench.mjs (esbuild, with the project's .wgsl/.wasm loaders) to dist/bench/run.js.
//
// Why a custom loop rather than benny: benny (benchmark.js underneath) calibrates cycles of a
// synchronous function and reports ops/s; WebGPU work is asynchronous (run() only records, the
// GPU finishes later), so every timed iteration must end with `await rt.sync()`, and we want
// backends and cases interleaved sample by sample so machine drift hits them alike, plus
// median/p10/p90 and FLOP/byte rates. benny offers none of these for async GPU work.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, platform, release, totalmem, arch } from 'node:os';
import { caseModules } from 'bench:cases';
import { createRuntime, WasmBackend, type Runtime } from '../runtime/internal.js';
import { measureCpuCeiling } from './ceiling/cpu.js';
import { measureGpuCeiling } from './ceiling/gpu.js';
import { summarize, toMarkdown, writeReport, type BenchBackend, type BenchReport, type CaseResult, type Ceilings, type Environment } from './report.js';
import type { BenchCase } from './types.js';

interface Options {
  backends: BenchBackend[];
  filter: string | null;
  quick: boolean;
  samples: number;
  ceiling: boolean;
  machine: string | null;
  out: string;
  list: boolean;
  /** WASM on the SIMD-only build of the kernels (no relaxed-SIMD fused multiply-add). */
  wasmSimdOnly: boolean;
  /** WASM threads (main included); 0 = the backend's default (hardware threads, at most 8). */
  wasmThreads: number;
}

const USAGE = `Usage: npm run bench -- [options]
  npm run bench -- --compare ...   ours against TensorFlow.js (idiomatic and expert) and jax-js; options:
      --peers tfjs,tfjs-expert,jax --jax-threads N --backend --filter --quick --samples --out --machine --no-readme
  npm run bench -- --profile ...   one training step's time per WASM kernel; options:
      --threads N --steps N --dropout P --shapes (matmul split by shape)

  --backend NAME      webgpu, wasm or both (default both)
  --filter TEXT       only cases whose group or name contains TEXT (or matches /regex/)
  --quick             5 samples per case instead of 15
  --samples N         samples per case
  --no-ceiling        skip measuring the machine's FMA / GPU ceiling
  --machine NAME      the machine's name in the report file names (default: from the CPU)
  --out DIR           where the JSON and markdown reports go (default bench/results)
  --list              list the cases and exit
  --wasm-simd-only    WASM on the SIMD-only build (no relaxed-SIMD fused multiply-add)
  --wasm-threads N    WASM threads, the main one included (default: hardware threads, at most 8)
  --help              this text
`;

function parseArgs(argv: string[]): Options {
  const o: Options = { backends: ['webgpu', 'wasm'], filter: null, quick: false, samples: 0, ceiling: true, machine: null, out: 'bench/results', list: false, wasmSimdOnly: false, wasmThreads: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench: ${a} needs a value`);
      return v;
    };
    if (a === '--backend') {
      const v = value();
      if (v === 'both') o.backends = ['webgpu', 'wasm'];
      else if (v === 'webgpu' || v === 'wasm') o.backends = [v];
      else throw new Error(`bench: --backend must be webgpu, wasm or both (got '${v}')`);
    } else if (a === '--filter') o.filter = value();
    else if (a === '--quick') o.quick = true;
    else if (a === '--samples') o.samples = Math.max(1, parseInt(value(), 10) || 1);
    else if (a === '--no-ceiling') o.ceiling = false;
    else if (a === '--machine') o.machine = value();
    else if (a === '--out') o.out = value();
    else if (a === '--list') o.list = true;
    else if (a === '--wasm-simd-only') o.wasmSimdOnly = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    else if (a === '--wasm-threads') {
      const v = value();
      if (!/^[1-9][0-9]*$/.test(v)) throw new Error(`bench: --wasm-threads must be a positive integer (got '${v}')`);
      o.wasmThreads = Number(v);
    }
    else throw new Error(`bench: unknown argument '${a}' (see npm run bench -- --help)`);
  }
  if (!o.samples) o.samples = o.quick ? 5 : 15;
  return o;
}

/** Cases from every bench/cases/*.ts (collected at build time), filtered by substring or /regex/ on group and name. */
function collectCases(filter: string | null): BenchCase[] {
  const all: BenchCase[] = [];
  for (const [file, mod] of caseModules) {
    if (!Array.isArray(mod.benchCases)) {
      console.warn(`bench: bench/cases/${file}.ts exports no benchCases array; skipped`);
      continue;
    }
    all.push(...mod.benchCases);
  }
  if (!filter) return all;
  const re = filter.startsWith('/') && filter.lastIndexOf('/') > 0 ? new RegExp(filter.slice(1, filter.lastIndexOf('/')), filter.slice(filter.lastIndexOf('/') + 1) || 'i') : null;
  return all.filter((c) => (re ? re.test(`${c.group} ${c.name}`) : `${c.group} ${c.name}`.toLowerCase().includes(filter.toLowerCase())));
}

/** One (case, backend) pair being measured. */
interface Live {
  c: BenchCase;
  backend: BenchBackend;
  rt: Runtime;
  run: () => void | Promise<void>;
  dispose: () => void;
  iters: number;
  samples: number[];
  error?: string;
}

/** k iterations of run() + await rt.sync(); returns ms per iteration. */
async function timeIters(l: Live, k: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < k; i++) {
    await l.run();
    await l.rt.sync();
  }
  return (performance.now() - t0) / k;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Measures one group's cases on the given runtimes. Warm-up (compiles pipelines, tiers up
 * WASM, fills pools) also calibrates k, the iterations per sample, so a sample lasts about
 * targetMs. Then rounds: each round takes one sample of every pair, in forward order on even
 * rounds and reverse order on odd ones, so slow drift (thermal, other processes) cancels.
 */
async function measureGroup(cases: BenchCase[], runtimes: Map<BenchBackend, Runtime>, o: Options): Promise<CaseResult[]> {
  const warmMs = o.quick ? 40 : 300;
  const targetMs = o.quick ? 10 : 40;
  const budgetMs = o.quick ? 1500 : 8000; // per pair, after warm-up
  const live: Live[] = [];
  const failed: CaseResult[] = [];
  const fail = (c: BenchCase, backend: BenchBackend, error: string): CaseResult => ({
    name: c.name, group: c.group, backend, flops: c.flops, bytes: c.bytes, samples: 0, itersPerSample: 0, medianMs: NaN, p10Ms: NaN, p90Ms: NaN, gflops: NaN, gbs: NaN, error,
  });
  for (const c of cases) {
    for (const [backend, rt] of runtimes) {
      if (c.backends && !c.backends.includes(backend)) continue;
      try {
        const { run, dispose } = await c.setup(rt);
        const l: Live = { c, backend, rt, run, dispose, iters: 1, samples: [] };
        // Warm-up: at least 2 runs, until warmMs has passed.
        let n = 0;
        let spent = 0;
        let last = 0;
        while (n < 2 || spent < warmMs) {
          last = await timeIters(l, 1);
          spent += last;
          n++;
          if (n >= 1000) break;
        }
        l.iters = Math.max(1, Math.min(10_000, Math.ceil(targetMs / Math.max(last, 1e-4))));
        live.push(l);
      } catch (e) {
        failed.push(fail(c, backend, message(e)));
        await rt.sync().catch(() => {});
      }
    }
  }
  // Peak live device memory over the timed rounds, per backend (the group's inputs and workspace).
  for (const rt of runtimes.values()) rt.backend.resetPeak();
  for (let round = 0; round < o.samples; round++) {
    const order = round % 2 === 0 ? live : [...live].reverse();
    for (const l of order) {
      if (l.error) continue;
      const spent = l.samples.reduce((a, b) => a + b, 0) * l.iters;
      if (l.samples.length >= 3 && spent > budgetMs) continue;
      try {
        l.samples.push(await timeIters(l, l.iters));
      } catch (e) {
        l.error = message(e);
      }
    }
  }
  const results: CaseResult[] = [...failed];
  for (const l of live) {
    try {
      l.dispose();
    } catch (e) {
      l.error ??= `dispose: ${message(e)}`;
    }
    if (l.error) {
      results.push(fail(l.c, l.backend, l.error));
      continue;
    }
    results.push({
      name: l.c.name,
      group: l.c.group,
      backend: l.backend,
      itersPerSample: l.iters,
      peakLiveBytes: l.rt.memory().peakLiveBytes,
      ...summarize(l.samples, l.c.flops, l.c.bytes),
    });
  }
  for (const rt of runtimes.values()) {
    await rt.sync().catch(() => {});
    rt.backend.trim();
  }
  return results;
}

function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')).version;
  } catch {
    return 'n/a';
  }
}

function environment(o: Options, runtimes: Map<BenchBackend, Runtime>): Environment {
  const cpuList = cpus();
  const cpuModel = cpuList[0]?.model?.trim() ?? 'unknown CPU';
  const slug = `${cpuModel.toLowerCase().replace(/\(r\)|\(tm\)|cpu|processor|@.*$/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${cpuList.length}c`;
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  const project = existsSync('package.json') ? JSON.parse(readFileSync('package.json', 'utf8')) : {};
  const adapters: Environment['adapters'] = {};
  for (const [name, rt] of runtimes) adapters[name] = rt.backend.description;
  return {
    date: new Date().toISOString(),
    machine: (o.machine ?? slug).replace(/[^A-Za-z0-9._-]+/g, '-'),
    cpuModel,
    cores: cpuList.length,
    memoryGiB: totalmem() / 2 ** 30,
    platform: `${platform()} ${release()} ${arch()}`,
    node: process.versions.node,
    deno: packageVersion('deno'),
    adapters,
    packages: {
      [project.name ?? 'project']: project.version ?? 'n/a',
      webgpu: packageVersion('webgpu'),
      assemblyscript: packageVersion('assemblyscript'),
      esbuild: packageVersion('esbuild'),
    },
    commit,
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const cases = collectCases(o.filter);
  if (o.list) {
    for (const c of cases) console.log(`${c.group.padEnd(16)} ${c.name}`);
    return;
  }
  if (!cases.length) throw new Error(`bench: no case matches '${o.filter}'`);

  const runtimes = new Map<BenchBackend, Runtime>();
  for (const b of o.backends) {
    try {
      runtimes.set(b, await createRuntime({ backend: b, wasm: { relaxedSimd: !o.wasmSimdOnly, ...(o.wasmThreads > 0 && { threads: o.wasmThreads }) } }));
    } catch (e) {
      if (o.backends.length === 1) throw e;
      console.warn(`bench: ${b} unavailable, skipped: ${message(e)}`);
    }
  }
  for (const [b, rt] of runtimes) console.log(`bench: ${b}: ${rt.backend.description}`);

  const wasmRuntime = runtimes.get('wasm');
  const ceilings: Ceilings = wasmRuntime ? { wasmKernelsFma: (wasmRuntime.backend as WasmBackend).relaxedSimd } : {};
  if (o.ceiling) {
    const t0 = performance.now();
    ceilings.cpu = await measureCpuCeiling(o.quick ? 0.2 : 1, 32);
    const gpu = runtimes.get('webgpu');
    if (gpu) ceilings.webgpu = await measureGpuCeiling(gpu, o.quick);
    console.log(`bench: ceiling measured in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }

  const groups = new Map<string, BenchCase[]>();
  for (const c of cases) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  const results: CaseResult[] = [];
  for (const [group, list] of groups) {
    const t0 = performance.now();
    const r = await measureGroup(list, runtimes, o);
    results.push(...r);
    const summary = r.map((x) => `${x.name}/${x.backend}: ${x.error ? 'error' : `${x.medianMs.toFixed(3)} ms`}`).join(', ');
    console.log(`bench: ${group} (${((performance.now() - t0) / 1000).toFixed(1)} s): ${summary}`);
  }

  const report: BenchReport = { env: environment(o, runtimes), options: { quick: o.quick, filter: o.filter, backends: [...runtimes.keys()] }, ceilings, results };
  for (const rt of runtimes.values()) rt.destroy();
  console.log('\n' + toMarkdown(report));
  const paths = writeReport(report, o.out);
  console.log(`bench: wrote ${paths.join(', ')}`);
  if (results.some((r) => r.error)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});

// Benchmark results: the record, the roofline, the markdown tables, the files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CpuCeiling } from './ceiling/cpu.js';
import type { GpuCeiling } from './ceiling/gpu.js';

export type BenchBackend = 'webgpu' | 'wasm';

export interface CaseResult {
  name: string;
  group: string;
  backend: BenchBackend;
  flops: number;
  bytes: number;
  /** Timed samples; each is the mean of itersPerSample runs (run() + await rt.sync()). */
  samples: number;
  itersPerSample: number;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  /** flops / median, bytes / median. */
  gflops: number;
  gbs: number;
  /** Peak live device bytes on this backend while the case's group was timed. */
  peakLiveBytes?: number;
  error?: string;
}

export interface Environment {
  date: string;
  machine: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  deno: string;
  adapters: Partial<Record<BenchBackend, string>>;
  packages: Record<string, string>;
  commit: string;
}

export interface Ceilings {
  cpu?: CpuCeiling;
  webgpu?: GpuCeiling;
  /** Whether the WASM runtime benchmarked runs the relaxed-SIMD (FMA) build of the kernels. */
  wasmKernelsFma?: boolean;
}

export interface BenchReport {
  env: Environment;
  options: { quick: boolean; filter: string | null; backends: BenchBackend[] };
  ceilings: Ceilings;
  results: CaseResult[];
}

/** Linear-interpolated percentile of sorted values (p in [0, 1]). */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  const x = (sorted.length - 1) * p;
  const lo = Math.floor(x);
  const hi = Math.ceil(x);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (x - lo);
}

/** Median, p10, p90 of per-iteration times (ms) and the rates at the median. */
export function summarize(samplesMs: readonly number[], flops: number, bytes: number) {
  const s = [...samplesMs].sort((a, b) => a - b);
  const medianMs = percentile(s, 0.5);
  return {
    flops,
    bytes,
    samples: s.length,
    medianMs,
    p10Ms: percentile(s, 0.1),
    p90Ms: percentile(s, 0.9),
    gflops: flops / (medianMs / 1000) / 1e9,
    gbs: bytes / (medianMs / 1000) / 1e9,
  };
}

export interface Roofline {
  /** Peak GFLOP/s and bandwidth (GB/s) this backend is held to, and what they are. */
  peak: number;
  bandwidth: number;
  label: string;
}

/**
 * The ceiling a backend is judged against: WASM against all cores (matmul and attention split
 * their work over the worker threads; the other kernels use one core, so for them the
 * fraction understates what one core reaches); WebGPU against its own measured peak.
 */
export function rooflineFor(backend: BenchBackend, c: Ceilings): Roofline | null {
  if (backend === 'wasm' && c.cpu) {
    // The kernels' own build decides: relaxed SIMD (fused multiply-add) or plain mul + add.
    const fma = c.wasmKernelsFma && c.cpu.fmaGflopsAllCores != null;
    return {
      peak: fma ? c.cpu.fmaGflopsAllCores! : c.cpu.gflopsAllCores,
      bandwidth: c.cpu.triadGBsAllCores,
      label: `WASM SIMD${fma ? ' FMA' : ''}, ${c.cpu.cores} cores (triad bandwidth)`,
    };
  }
  if (backend === 'webgpu' && c.webgpu) return { peak: c.webgpu.gflops, bandwidth: c.webgpu.copyGBs, label: 'WebGPU vec4 fma / copy kernels' };
  return null;
}

/**
 * Roofline position of one result: arithmetic intensity AI = flops / bytes; attainable
 * GFLOP/s = min(peak, AI * bandwidth); fraction = achieved / attainable. For cases without
 * flops (copies, transposes) the fraction is achieved GB/s / bandwidth.
 */
export function roofline(r: CaseResult, roof: Roofline | null): { ai: number; attainable: number; fraction: number; bound: 'compute' | 'memory' } | null {
  if (!roof || r.error || !(r.medianMs > 0)) return null;
  const ai = r.bytes > 0 ? r.flops / r.bytes : Infinity;
  if (r.flops === 0) return { ai: 0, attainable: 0, fraction: r.gbs / roof.bandwidth, bound: 'memory' };
  const memLimit = ai * roof.bandwidth;
  const attainable = Math.min(roof.peak, memLimit);
  return { ai, attainable, fraction: r.gflops / attainable, bound: memLimit < roof.peak ? 'memory' : 'compute' };
}

const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

export function ceilingTable(c: Ceilings): string {
  const rows: string[] = ['| ceiling | GFLOP/s | GB/s |', '| --- | ---: | ---: |'];
  if (c.cpu) {
    rows.push(`| CPU WASM SIMD, 1 core (mul+add; triad) | ${f(c.cpu.gflopsOneCore, 1)} | ${f(c.cpu.triadGBsOneCore, 1)} |`);
    rows.push(`| CPU WASM SIMD, ${c.cpu.cores} cores (workers) | ${f(c.cpu.gflopsAllCores, 1)} | ${f(c.cpu.triadGBsAllCores, 1)} |`);
    if (c.cpu.fmaGflopsOneCore != null && c.cpu.fmaGflopsAllCores != null) {
      rows.push(`| CPU WASM relaxed-SIMD FMA, 1 core | ${f(c.cpu.fmaGflopsOneCore, 1)} | — |`);
      rows.push(`| CPU WASM relaxed-SIMD FMA, ${c.cpu.cores} cores (workers) | ${f(c.cpu.fmaGflopsAllCores, 1)} | — |`);
    }
    rows.push(`| CPU copy, 1 core | — | ${f(c.cpu.copyGBsOneCore, 1)} |`);
  }
  if (c.webgpu) rows.push(`| WebGPU (vec4 fma; copy) | ${f(c.webgpu.gflops, 1)} | ${f(c.webgpu.copyGBs, 1)} |`);
  return rows.length > 2 ? rows.join('\n') : '(no ceiling measured)';
}

export function resultsTable(results: CaseResult[], c: Ceilings): string {
  const rows = [
    '| case | backend | median ms | p10–p90 ms | GFLOP/s | GB/s | FLOP/B | attainable GFLOP/s | % of roofline | bound | group peak MiB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
  ];
  for (const r of results) {
    if (r.error) {
      rows.push(`| ${r.name} | ${r.backend} | error: ${r.error.replace(/\|/g, '/').slice(0, 120)} | | | | | | | | |`);
      continue;
    }
    const rl = roofline(r, rooflineFor(r.backend, c));
    rows.push(
      `| ${r.name} | ${r.backend} | ${ms(r.medianMs)} | ${ms(r.p10Ms)}–${ms(r.p90Ms)} | ${r.flops ? f(r.gflops) : '—'} | ${f(r.gbs)} | ${r.flops ? f(r.flops / r.bytes) : '—'} | ${rl && r.flops ? f(rl.attainable, 1) : '—'} | ${rl ? f(100 * rl.fraction, 1) : '—'} | ${rl?.bound ?? '—'} | ${r.peakLiveBytes !== undefined ? f(r.peakLiveBytes / 2 ** 20, 1) : '—'} |`,
    );
  }
  return rows.join('\n');
}

export function toMarkdown(report: BenchReport): string {
  const e = report.env;
  const adapters = Object.entries(e.adapters)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  return [
    `# Benchmark ${e.date}${report.options.quick ? ' (quick)' : ''}`,
    '',
    `- machine: ${e.machine}: ${e.cpuModel}, ${e.cores} cores, ${f(e.memoryGiB, 0)} GiB, ${e.platform}`,
    `- adapters: ${adapters || 'none'}`,
    `- Node ${e.node}, Deno ${e.deno}; ${Object.entries(e.packages)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; commit ${e.commit}`,
    `- filter: ${report.options.filter ?? 'none'}; timing: warm-up, then samples of k × (run() + await rt.sync()), backends and cases of a group interleaved; median and p10/p90 of the samples`,
    '',
    '## Machine ceiling',
    '',
    ceilingTable(report.ceilings),
    '',
    'Roofline: attainable = min(peak, FLOP/B × bandwidth). WASM cases are held to all cores (matmul and attention run on every core; the other WASM kernels on one, so their fraction is of a ceiling they do not aim at); WebGPU cases to the WebGPU kernels above. ' +
      'Above 100 %: the working set stays in cache (the bandwidth ceilings stream arrays larger than the caches). Cases without FLOPs: % of bandwidth.',
    '',
    '## Results',
    '',
    resultsTable(report.results, report.ceilings),
    '',
  ].join('\n');
}

/**
 * Writes <dir>/<date>-<machine>.json and .md and <dir>/latest.md; a --quick run writes
 * <date>-<machine>-quick.* and latest-quick.md instead (git-ignored: smoke tests, not results).
 */
export function writeReport(report: BenchReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const q = report.options.quick ? '-quick' : '';
  const stem = `${report.env.date.slice(0, 10)}-${report.env.machine}${q}`;
  const md = toMarkdown(report);
  const paths = [join(dir, `${stem}.json`), join(dir, `${stem}.md`), join(dir, `latest${q}.md`)];
  writeFileSync(paths[0], JSON.stringify(report, null, 2) + '\n');
  writeFileSync(paths[1], md);
  writeFileSync(paths[2], md);
  return paths;
}

// The comparison record: JSON, markdown, the targets of the issue, and the README section.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PairResult } from './measure.js';
import type { CompareBackend } from './types.js';

/** What one child process (one backend) measured. */
export interface ComparePart {
  backend: CompareBackend;
  /** Our backend, as the runtime describes it. */
  ours: string;
  /** TensorFlow.js and its backend, e.g. 'TensorFlow.js 4.22.0 wasm (SIMD, 2 threads)'. */
  theirs: string;
  versions: Record<string, string>;
  results: PairResult[];
  /** Set when the process could not run at all. */
  error?: string;
}

export interface CompareEnv {
  date: string;
  machine: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  commit: string;
  packages: Record<string, string>;
}

export interface CompareReport {
  env: CompareEnv;
  options: { quick: boolean; filter: string | null; samples: number };
  parts: ComparePart[];
}

export interface Target {
  what: string;
  backend: CompareBackend;
  /** Case group and name prefix the target is about. */
  group: string;
  namePrefix: string;
  /** Required speedup (theirs / ours). */
  min: number;
}

/** The issue's targets. */
export const TARGETS: Target[] = [
  { what: 'training step ≥ 10× faster than TFJS-wasm', backend: 'wasm', group: 'train-step', namePrefix: 'BERT4Rec', min: 10 },
  { what: 'training step ≥ 5× faster than TFJS-webgpu', backend: 'webgpu', group: 'train-step', namePrefix: 'BERT4Rec', min: 5 },
  { what: 'WASM matmul 1024³ at least as fast as TFJS-wasm', backend: 'wasm', group: 'matmul', namePrefix: 'matmul 1024x1024', min: 1 },
];

const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const ms = (x: number) => (!Number.isFinite(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const cell = (s: string) => s.replace(/\|/g, '/').replace(/\s+/g, ' ').slice(0, 140);

function sideCell(r: PairResult, side: 'ours' | 'theirs'): string {
  const s = r[side];
  if (s.error) return `error: ${cell(s.error)}`;
  if (!s.samplesMs.length) return '—';
  return `${ms(s.medianMs)} (${ms(s.p10Ms)}–${ms(s.p90Ms)})`;
}

function memoryNote(r: PairResult): string {
  const notes: string[] = [];
  if (!r.ours.error && r.ours.memoryAfter > r.ours.memoryBefore) notes.push(`ours +${((r.ours.memoryAfter - r.ours.memoryBefore) / 2 ** 20).toFixed(1)} MiB live`);
  if (!r.theirs.error && r.theirs.memoryAfter > r.theirs.memoryBefore) notes.push(`TFJS +${r.theirs.memoryAfter - r.theirs.memoryBefore} tensors`);
  return notes.join('; ');
}

export function partTable(p: ComparePart): string {
  const rows = [
    '| case | ours ms (p10–p90) | TFJS ms (p10–p90) | ours / TFJS | speedup | paired ratio | ours GFLOP/s | TFJS GFLOP/s | samples |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of p.results) {
    const mem = memoryNote(r);
    rows.push(
      `| ${r.name}${mem ? ` (memory grew: ${mem})` : ''} | ${sideCell(r, 'ours')} | ${sideCell(r, 'theirs')} | ${f(r.ratio, 3)} | ${Number.isFinite(r.speedup) ? `${f(r.speedup)}×` : '—'} | ${f(r.pairedRatio, 3)} | ${f(r.ours.gflops, 1)} | ${f(r.theirs.gflops, 1)} | ${r.ours.samplesMs.length}/${r.theirs.samplesMs.length} |`,
    );
  }
  return rows.join('\n');
}

export function targetsTable(report: CompareReport): string {
  const rows = ['| target | measured speedup | met |', '| --- | ---: | --- |'];
  for (const t of TARGETS) {
    const part = report.parts.find((p) => p.backend === t.backend);
    const r = part?.results.find((x) => x.group === t.group && x.name.startsWith(t.namePrefix));
    const status = !r ? 'not measured' : !Number.isFinite(r.speedup) ? `not measured (${cell(r.ours.error ?? r.theirs.error ?? 'no samples')})` : r.speedup >= t.min ? 'yes' : 'no';
    rows.push(`| ${t.what} | ${r && Number.isFinite(r.speedup) ? `${f(r.speedup)}×` : '—'} | ${status} |`);
  }
  return rows.join('\n');
}

export function toMarkdown(report: CompareReport, headingLevel = 1): string {
  const h = (n: number) => '#'.repeat(headingLevel + n - 1);
  const e = report.env;
  const out = [
    `${h(1)} Ours vs TensorFlow.js, ${e.date}${report.options.quick ? ' (quick: few samples, noisy)' : ''}`,
    '',
    `- machine: ${e.machine}: ${e.cpuModel}, ${e.cores} cores, ${f(e.memoryGiB, 0)} GiB, ${e.platform}; Node ${e.node}; commit ${e.commit}`,
    `- packages: ${Object.entries(e.packages)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `- timing: one process per backend; warm-up, then samples of k × (run + wait for the device), ours and TFJS alternating and the order reversed every round; median (p10–p90) ms per run over ${report.options.samples} rounds at most. ` +
      'ours / TFJS < 1 and speedup > 1 mean ours is faster; the paired ratio is the median of the per-round ratios.',
    `- TFJS does attention, layer norm and cross-entropy unfused with autograd (tf.valueAndGrads); ours uses the fused kernels. Both training steps run the last layer's output projection, FFN and layer norms only at the masked rows. Waiting: ours \`await rt.sync()\`; TFJS-wasm runs synchronously; TFJS-webgpu submits its queue and awaits \`onSubmittedWorkDone()\` (no readback). Training steps on both sides read the loss back.`,
    `- filter: ${report.options.filter ?? 'none'}`,
    '',
    `${h(2)} Targets`,
    '',
    targetsTable(report),
    '',
  ];
  for (const p of report.parts) {
    out.push(`${h(2)} ${p.backend}: ours ${p.ours} vs ${p.theirs}`, '');
    out.push(p.error ? `error: ${p.error}` : partTable(p), '');
  }
  return out.join('\n');
}

/**
 * Writes <dir>/compare-<date>-<machine>.json and .md and <dir>/compare-latest.md
 * (a --quick run: ...-quick.* and compare-latest-quick.md).
 */
export function writeCompareReport(report: CompareReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const q = report.options.quick ? '-quick' : '';
  const stem = `compare-${report.env.date.slice(0, 10)}-${report.env.machine}${q}`;
  const md = toMarkdown(report);
  const paths = [join(dir, `${stem}.json`), join(dir, `${stem}.md`), join(dir, `compare-latest${q}.md`)];
  writeFileSync(paths[0], JSON.stringify(report, null, 2) + '\n');
  writeFileSync(paths[1], md);
  writeFileSync(paths[2], md);
  return paths;
}

export const README_START = '<!-- bench:compare:start -->';
export const README_END = '<!-- bench:compare:end -->';

/** The README section between the markers (replaced in place, or appended at the end). */
export function readmeSection(report: CompareReport, resultsFile: string): string {
  return [
    README_START,
    '## Benchmarks: ours vs TensorFlow.js',
    '',
    `Generated by \`npm run bench -- --compare\` (full record: \`${resultsFile}\`); do not edit by hand.`,
    '',
    toMarkdown(report, 3),
    README_END,
  ].join('\n');
}

export function updateReadme(path: string, section: string): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  let next: string;
  if (start >= 0 && end > start) next = text.slice(0, start) + section + text.slice(end + README_END.length);
  else next = `${text.replace(/\s*$/, '')}\n\n${section}\n`;
  writeFileSync(path, next);
}

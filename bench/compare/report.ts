// The comparison record: JSON, markdown, the targets of the issue, and the README section.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PairResult, SideStats } from './measure.js';
import type { CompareBackend } from './types.js';

/** One peer of a backend, as the child process started it. */
export interface PeerInfo {
  /** The name in the tables: 'TFJS' or 'jax-js'. */
  name: string;
  /** e.g. 'TensorFlow.js 4.22.0 wasm (SIMD, 2 threads)', 'jax-js 0.1.25 wasm (jit, 2 worker threads)'. */
  description: string;
  /** Set when the peer could not start (its cases then carry the error). */
  error?: string;
}

/** What one child process (one backend) measured. */
export interface ComparePart {
  backend: CompareBackend;
  /** Our backend, as the runtime describes it. */
  ours: string;
  /** The peers compared on this backend, in table order (TensorFlow.js first). */
  peers: PeerInfo[];
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

/** The machine's WASM multiply-add ceiling, measured by the parent after the children (bench/ceiling/cpu.ts). */
export interface CompareCeiling {
  /** GFLOP/s of f32x4 relaxed_madd on all cores; null without relaxed SIMD. */
  fmaGflopsAllCores: number | null;
  /** GFLOP/s of f32x4 mul + add on all cores. */
  gflopsAllCores: number;
  cores: number;
}

export interface CompareReport {
  env: CompareEnv;
  /** minSamples / budgetMs: when a case stops taking rounds (absent in records before 2026-12-05). */
  options: { quick: boolean; filter: string | null; samples: number; minSamples?: number; budgetMs?: number };
  parts: ComparePart[];
  /** Absent when not measured (no wasm part). */
  ceiling?: CompareCeiling;
}

export interface Target {
  what: string;
  backend: CompareBackend;
  /** Case group and name prefix the target is about. */
  group: string;
  namePrefix: string;
  /** A target against a peer: the peer and the required speedup (theirs / ours). */
  peer?: string;
  min?: number;
  /** A target against the machine: the required fraction of the all-core FMA ceiling, in our GFLOP/s. */
  ceilingFraction?: number;
}

const TRAIN = { group: 'train-step', namePrefix: 'BERT4Rec' };
const MATMUL_1024 = { group: 'matmul', namePrefix: 'matmul 1024x1024' };

/** The targets: the performance issue's, then the earlier ones against idiomatic TFJS. */
export const TARGETS: Target[] = [
  { what: 'WASM training step ≥ 60% of the FMA ceiling', backend: 'wasm', ...TRAIN, ceilingFraction: 0.6 },
  { what: 'WASM training step ≥ 4× faster than jax-js', backend: 'wasm', ...TRAIN, peer: 'jax-js', min: 4 },
  { what: 'WASM training step ≥ 3× faster than the expert TFJS-wasm step', backend: 'wasm', ...TRAIN, peer: 'TFJS expert', min: 3 },
  { what: 'WASM matmul 1024³ ≥ 75% of the FMA ceiling', backend: 'wasm', ...MATMUL_1024, ceilingFraction: 0.75 },
  { what: 'WASM matmul 1024³ ≥ 1.2× faster than TFJS-wasm', backend: 'wasm', ...MATMUL_1024, peer: 'TFJS', min: 1.2 },
  { what: 'training step ≥ 10× faster than TFJS-wasm', backend: 'wasm', ...TRAIN, peer: 'TFJS', min: 10 },
  { what: 'training step ≥ 5× faster than TFJS-webgpu', backend: 'webgpu', ...TRAIN, peer: 'TFJS', min: 5 },
];

/** The ceiling a fraction target is held to: the FMA ceiling, or mul + add without relaxed SIMD. */
function ceilingGflops(c: CompareCeiling | undefined): number {
  return c ? (c.fmaGflopsAllCores ?? c.gflopsAllCores) : NaN;
}

const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const ms = (x: number) => (!Number.isFinite(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const cell = (s: string) => s.replace(/\|/g, '/').replace(/\s+/g, ' ').slice(0, 140);

function statsCell(s: SideStats | undefined): string {
  if (!s) return 'n/a';
  if (s.error) return `error: ${cell(s.error)}`;
  if (!s.samplesMs.length) return '—';
  return `${ms(s.medianMs)} (${ms(s.p10Ms)}–${ms(s.p90Ms)})`;
}

function memoryNote(r: PairResult): string {
  const notes: string[] = [];
  if (!r.ours.error && r.ours.memoryAfter > r.ours.memoryBefore) notes.push(`ours +${((r.ours.memoryAfter - r.ours.memoryBefore) / 2 ** 20).toFixed(1)} MiB live`);
  for (const p of r.peers) {
    if (!p.stats.error && p.stats.memoryAfter > p.stats.memoryBefore) notes.push(`${p.peer} +${p.stats.memoryAfter - p.stats.memoryBefore} tensors`);
  }
  return notes.join('; ');
}

/** The peers in a part's tables: those it started, then any other a result names. */
function peerNames(p: ComparePart): string[] {
  const names = p.peers.map((x) => x.name);
  for (const r of p.results) for (const x of r.peers) if (!names.includes(x.peer)) names.push(x.peer);
  return names;
}

/**
 * One row per case: ours and every peer's time, then per peer ours / peer, the speedup and the
 * paired ratio, the rates and the samples. With one peer (TFJS only) this is the table of the
 * earlier records; a case a peer has no side for shows 'n/a' in its columns.
 */
export function partTable(p: ComparePart): string {
  const names = peerNames(p);
  const one = names.length === 1;
  const vs = (label: string, n: string) => (one ? label : `${label} vs ${n}`);
  const header = [
    'case',
    'ours ms (p10–p90)',
    ...names.map((n) => `${n} ms (p10–p90)`),
    ...names.map((n) => `ours / ${n}`),
    ...names.map((n) => vs('speedup', n)),
    ...names.map((n) => vs('paired ratio', n)),
    'ours GFLOP/s',
    ...names.map((n) => `${n} GFLOP/s`),
    'samples',
  ];
  const rows = [`| ${header.join(' | ')} |`, `| --- |${' ---: |'.repeat(header.length - 1)}`];
  for (const r of p.results) {
    const mem = memoryNote(r);
    const peer = names.map((n) => r.peers.find((x) => x.peer === n));
    const num = (x: number | undefined, digits: number, suffix = '') => (x !== undefined && Number.isFinite(x) ? `${f(x, digits)}${suffix}` : '—');
    const cells = [
      `${r.name}${mem ? ` (memory grew: ${mem})` : ''}`,
      statsCell(r.ours),
      ...peer.map((x) => statsCell(x?.stats)),
      ...peer.map((x) => (x ? num(x.ratio, 3) : 'n/a')),
      ...peer.map((x) => (x ? num(x.speedup, 2, '×') : 'n/a')),
      ...peer.map((x) => (x ? num(x.pairedRatio, 3) : 'n/a')),
      f(r.ours.gflops, 1),
      ...peer.map((x) => (x ? f(x.stats.gflops, 1) : 'n/a')),
      [r.ours, ...peer.filter((x) => x).map((x) => x!.stats)].map((s) => s.samplesMs.length).join('/'),
    ];
    rows.push(`| ${cells.join(' | ')} |`);
  }
  return rows.join('\n');
}

export function targetsTable(report: CompareReport): string {
  const rows = ['| target | measured | met |', '| --- | ---: | --- |'];
  for (const t of TARGETS) {
    const part = report.parts.find((p) => p.backend === t.backend);
    const r = part?.results.find((x) => x.group === t.group && x.name.startsWith(t.namePrefix));
    if (t.ceilingFraction !== undefined) {
      const ceiling = ceilingGflops(report.ceiling);
      const ok = r && !r.ours.error && Number.isFinite(r.ours.gflops) && Number.isFinite(ceiling);
      const frac = ok ? r.ours.gflops / ceiling : NaN;
      const status = !r ? 'not measured' : !Number.isFinite(ceiling) ? 'not measured (no ceiling)' : !ok ? `not measured (${cell(r.ours.error ?? 'no samples')})` : frac >= t.ceilingFraction ? 'yes' : 'no';
      rows.push(`| ${t.what} | ${ok ? `${f(r.ours.gflops, 1)} of ${f(ceiling, 1)} GFLOP/s = ${f(100 * frac, 0)}%` : '—'} | ${status} |`);
      continue;
    }
    const peer = r?.peers.find((x) => x.peer === t.peer);
    const status = !peer ? 'not measured' : !Number.isFinite(peer.speedup) ? `not measured (${cell(r!.ours.error ?? peer.stats.error ?? 'no samples')})` : peer.speedup >= (t.min ?? 1) ? 'yes' : 'no';
    rows.push(`| ${t.what} | ${peer && Number.isFinite(peer.speedup) ? `${f(peer.speedup)}×` : '—'} | ${status} |`);
  }
  return rows.join('\n');
}

/** 'TensorFlow.js', 'TensorFlow.js (idiomatic and expert) and jax-js', ...: the peers of the whole report. */
function peersTitle(report: CompareReport): string {
  const names = new Set(report.parts.flatMap((p) => peerNames(p)));
  const list: string[] = [];
  if (names.has('TFJS') && names.has('TFJS expert')) list.push('TensorFlow.js (idiomatic and expert)');
  else if (names.has('TFJS')) list.push('TensorFlow.js');
  else if (names.has('TFJS expert')) list.push('TensorFlow.js (expert)');
  for (const n of names) if (n !== 'TFJS' && n !== 'TFJS expert') list.push(n);
  return list.length ? list.join(' and ') : 'TensorFlow.js';
}

export function toMarkdown(report: CompareReport, headingLevel = 1): string {
  const h = (n: number) => '#'.repeat(headingLevel + n - 1);
  const e = report.env;
  const withJax = report.parts.some((p) => peerNames(p).includes('jax-js'));
  const o = report.options;
  const stopRule =
    o.minSamples !== undefined && o.budgetMs !== undefined
      ? ` (a case stops once every side has ${o.minSamples} samples and one side has spent ${o.budgetMs / 1000} s, or at its own higher minimum: see the samples column)`
      : '';
  const out = [
    `${h(1)} Ours vs ${peersTitle(report)}, ${e.date}${report.options.quick ? ' (quick: few samples, noisy)' : ''}`,
    '',
    `- machine: ${e.machine}: ${e.cpuModel}, ${e.cores} cores, ${f(e.memoryGiB, 0)} GiB, ${e.platform}; Node ${e.node}; commit ${e.commit}`,
    `- packages: ${Object.entries(e.packages)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    withJax
      ? `- timing: one process per backend; warm-up, then samples of k × (run + wait for the device), ours and each peer in turn and the order reversed every round; median (p10–p90) ms per run over ${report.options.samples} rounds at most${stopRule}. ` +
        'ours / peer < 1 and speedup > 1 mean ours is faster; the paired ratio is the median of the per-round ratios.'
      : `- timing: one process per backend; warm-up, then samples of k × (run + wait for the device), ours and TFJS alternating and the order reversed every round; median (p10–p90) ms per run over ${report.options.samples} rounds at most${stopRule}. ` +
        'ours / TFJS < 1 and speedup > 1 mean ours is faster; the paired ratio is the median of the per-round ratios.',
    `- TFJS does attention, layer norm and cross-entropy unfused with autograd (tf.valueAndGrads); ours uses the fused kernels. Every training step (ours, TFJS, TFJS expert, jax-js) runs the last layer's queries (their projection and attention), output projection, FFN and layer norms only at the masked rows: ours ragged (the fused kernels take the rows), the peers with a dense [B, Qmax] query layout for their batched matmuls (Qmax = the most masked rows of one sequence; bench/query-layout.ts). Waiting: ours \`await rt.sync()\`; TFJS-wasm runs synchronously; TFJS-webgpu submits its queue and awaits \`onSubmittedWorkDone()\` (no readback). Training steps on both sides read the loss back.`,
    ...(withJax
      ? [
          '- jax-js (its wasm device only: it lists Node as Wasm-only) writes the same computations unfused in its numpy/nn API with autograd (vjp, valueAndGrad), each compiled by `jit()` (its compiler fuses elementwise work into the kernels); its training step is one jit program (forward, backward, clip, AdamW) with the same restriction to the masked rows. Its kernels run on worker threads (a Web Worker adapter over worker_threads; Node has no Web Worker) and are waited for with `blockUntilReady`; its training step reads the loss back. The training step with dropout 0 draws no random numbers on any side.',
        ]
      : []),
    ...(report.parts.some((p) => peerNames(p).includes('TFJS expert'))
      ? [
          '- TFJS expert (training steps only) is the same TFJS model with every matrix product a plain 2D `matMul` without transpose flags, forward and backward (`tf.customGrad`; transposes materialised with `tf.transpose`; attention one (sequence, head) slice at a time): the only form tfjs-backend-wasm hands to XNNPACK. Idiomatic TFJS runs the transposed products of matMul’s gradient and every batched (per-head) product on its scalar fallback loop. Dropout masks are still drawn by tfjs-core in JavaScript on both TFJS sides; the dropout-0 row draws none.',
        ]
      : []),
    report.ceiling
      ? `- ceiling: WASM ${report.ceiling.fmaGflopsAllCores !== null ? `relaxed-SIMD FMA ${f(report.ceiling.fmaGflopsAllCores, 1)}` : `SIMD mul + add ${f(report.ceiling.gflopsAllCores, 1)}`} GFLOP/s on ${report.ceiling.cores} cores (bench/ceiling/cpu.ts, measured after the cases in the same run); the fraction targets divide our GFLOP/s (nominal FLOPs of the case over our median time) by it.`
      : '- ceiling: not measured',
    `- filter: ${report.options.filter ?? 'none'}`,
    '',
    `${h(2)} Targets`,
    '',
    targetsTable(report),
    '',
  ];
  for (const p of report.parts) {
    const peers = p.peers.map((x) => `${x.description || x.name}${x.error ? ` (did not start: ${cell(x.error)})` : ''}`);
    out.push(`${h(2)} ${p.backend}: ours ${p.ours} vs ${peers.join(' and ') || 'no peer'}`, '');
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
    `## Benchmarks: ours vs ${peersTitle(report)}`,
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

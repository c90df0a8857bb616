// `npm run bench -- --compare [--quick] [--samples N] [--filter TEXT] [--backend wasm|webgpu|both]
//   [--peers tfjs,tfjs-expert,jax] [--jax-threads N] [--out DIR] [--machine NAME] [--no-readme]`: our kernels
// and training step against TensorFlow.js and jax-js. Built by scripts/bench.mjs to
// dist/bench/compare.js (TensorFlow.js and `webgpu` left external, loaded from node_modules at
// run time; jax-js is bundled, and bench/jax/setup.ts imports it lazily).
//
// The parent process starts one child per backend, one after the other (`--child wasm`, then
// `--child webgpu`): each child holds one of our runtimes and its peers on the matching backend
// (TFJS on both; jax-js on wasm only, its wasm device, --jax-threads worker threads, default
// the number of cores up to 8; 0: on the main thread, which cannot share a process with TFJS-wasm) and measures every case interleaved (bench/compare/measure.ts),
// writing its part as JSON. The parent merges the parts, measures the CPU's FMA ceiling (for the
// targets stated as a fraction of it), writes bench/results/compare-*.json/.md and the README
// section. --peers tfjs (or tfjs-expert, or jax) compares with that peer alone; tfjs-expert is
// the expert TFJS variant of the training step (bench/tfjs/expert.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime } from '../../runtime/index.js';
import { initJax, type JaxEnv } from '../jax/setup.js';
import { initTfjs, type TfjsEnv } from '../tfjs/setup.js';
import { measureCpuCeiling } from '../ceiling/cpu.js';
import { compareCases } from './cases.js';
import { measurePair, type MeasureOptions, type PeerSide } from './measure.js';
import { readmeSection, toMarkdown, updateReadme, writeCompareReport, type CompareEnv, type ComparePart, type CompareReport, type PeerInfo } from './report.js';
import type { CompareBackend, CompareCase, PeerName, Side } from './types.js';

interface Options {
  backends: CompareBackend[];
  peers: PeerName[];
  /** jax-js worker threads (null: the number of cores up to 8; 0: none, the main thread). */
  jaxThreads: number | null;
  filter: string | null;
  quick: boolean;
  samples: number;
  out: string;
  machine: string | null;
  readme: boolean;
  list: boolean;
  child: CompareBackend | null;
  part: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { backends: ['wasm', 'webgpu'], peers: ['tfjs', 'tfjs-expert', 'jax'], jaxThreads: null, filter: null, quick: false, samples: 0, out: 'bench/results', machine: null, readme: true, list: false, child: null, part: null };
  const backend = (v: string): CompareBackend => {
    if (v === 'wasm' || v === 'webgpu') return v;
    throw new Error(`bench --compare: backend must be wasm or webgpu (got '${v}')`);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench --compare: ${a} needs a value`);
      return v;
    };
    if (a === '--compare') continue;
    else if (a === '--backend') {
      const v = value();
      o.backends = v === 'both' ? ['wasm', 'webgpu'] : [backend(v)];
    } else if (a === '--peers') {
      const list = value().split(',').map((x) => x.trim()).filter(Boolean);
      for (const x of list) if (x !== 'tfjs' && x !== 'tfjs-expert' && x !== 'jax') throw new Error(`bench --compare: --peers takes tfjs, tfjs-expert and/or jax (got '${x}')`);
      if (!list.length) throw new Error('bench --compare: --peers needs at least one of tfjs, tfjs-expert, jax');
      o.peers = [...new Set(list)] as PeerName[];
    } else if (a === '--jax-threads') o.jaxThreads = Math.max(0, parseInt(value(), 10) || 0);
    else if (a === '--filter') o.filter = value();
    else if (a === '--quick') o.quick = true;
    else if (a === '--samples') o.samples = Math.max(1, parseInt(value(), 10) || 1);
    else if (a === '--out') o.out = value();
    else if (a === '--machine') o.machine = value();
    else if (a === '--no-readme') o.readme = false;
    else if (a === '--list') o.list = true;
    else if (a === '--child') o.child = backend(value());
    else if (a === '--part') o.part = value();
    else throw new Error(`bench --compare: unknown argument '${a}' (see the header of bench/compare/main.ts)`);
  }
  if (!o.samples) o.samples = o.quick ? 5 : 15;
  // jax-js runs on wasm only: with it alone there is nothing to compare on webgpu.
  if (!usesTfjs(o.peers)) o.backends = o.backends.filter((b) => b === 'wasm');
  if (!o.backends.length) throw new Error('bench --compare: jax-js runs on the wasm backend only (--backend wasm, or add tfjs to --peers)');
  return o;
}

/** Whether a TFJS environment is needed (the idiomatic or the expert TFJS side). */
function usesTfjs(peers: PeerName[]): boolean {
  return peers.includes('tfjs') || peers.includes('tfjs-expert');
}

function measureOptions(o: Options): MeasureOptions {
  return o.quick
    ? { samples: o.samples, warmMs: 40, targetMs: 10, budgetMs: 1500, minSamples: 3 }
    : { samples: o.samples, warmMs: 300, targetMs: 40, budgetMs: 8000, minSamples: 5 };
}

/** The cases of `backend` (null: any) that match the filter and have a side for one of `peers` there. */
function selectCases(filter: string | null, backend: CompareBackend | null, peers: PeerName[]): CompareCase[] {
  const hasPeer = (c: CompareCase) => peers.includes('tfjs') || (peers.includes('tfjs-expert') && !!c.tfjsExpert) || (peers.includes('jax') && !!c.jax && backend !== 'webgpu');
  return compareCases.filter((c) => (!backend || !c.backends || c.backends.includes(backend)) && hasPeer(c) && (!filter || `${c.group} ${c.name}`.toLowerCase().includes(filter.toLowerCase())));
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(x >= 100 ? 0 : 2)} ms` : 'error');

/** Child: one backend, ours and its peers in this process. */
async function runChild(o: Options, backend: CompareBackend): Promise<void> {
  const part: ComparePart = { backend, ours: '', peers: [], versions: {}, results: [] };
  try {
    // TFJS first: on webgpu it installs navigator.gpu, which our runtime then finds, so both
    // sides get their adapters from the same Dawn instance.
    const tfjs = usesTfjs(o.peers) ? await initTfjs(backend) : null;
    const rt = await createRuntime({ backend });
    part.ours = rt.backend.description;
    console.log(`compare ${backend}: ours: ${part.ours}`);
    if (tfjs) {
      if (o.peers.includes('tfjs')) part.peers.push({ name: 'TFJS', description: tfjs.description });
      if (o.peers.includes('tfjs-expert')) part.peers.push({ name: 'TFJS expert', description: 'its expert training step (every product a plain 2D matMul, transposes materialised, attention per (sequence, head))' });
      Object.assign(part.versions, tfjs.versions);
      console.log(`compare ${backend}: TFJS: tf.getBackend() = '${tfjs.active}'; ${tfjs.description}`);
    }
    // jax-js: its wasm device, on the wasm backend only (its README lists Node as Wasm-only). A failure to
    // start is reported in its column; the other peers are still measured.
    let jax: JaxEnv | null = null;
    let jaxError: string | null = null;
    if (backend === 'wasm' && o.peers.includes('jax')) {
      try {
        jax = await initJax(o.jaxThreads === null ? {} : { threads: o.jaxThreads });
        part.peers.push({ name: 'jax-js', description: jax.description });
        Object.assign(part.versions, jax.versions);
        console.log(`compare ${backend}: jax-js: ${jax.description}`);
      } catch (e) {
        jaxError = message(e);
        part.peers.push({ name: 'jax-js', description: 'jax-js', error: jaxError });
        console.error(`compare ${backend}: jax-js did not start: ${jaxError}`);
      }
    }
    const opts = measureOptions(o);
    for (const c of selectCases(o.filter, backend, o.peers)) {
      const t0 = performance.now();
      const peers: PeerSide[] = [];
      if (tfjs && o.peers.includes('tfjs')) peers.push({ peer: 'TFJS', make: () => c.theirs(tfjs as TfjsEnv) });
      if (tfjs && c.tfjsExpert && o.peers.includes('tfjs-expert')) {
        const make = c.tfjsExpert;
        peers.push({ peer: 'TFJS expert', make: () => make(tfjs as TfjsEnv) });
      }
      if (c.jax && (jax || jaxError)) {
        const make = c.jax;
        peers.push({ peer: 'jax-js', make: (): Promise<Side> => (jax ? make(jax) : Promise.reject(new Error(`jax-js did not start: ${jaxError}`))) });
      }
      const r = await measurePair(c, () => c.ours(rt), peers, opts);
      part.results.push(r);
      const errs = [r.ours.error && `ours: ${r.ours.error}`, ...r.peers.map((p) => p.stats.error && `${p.peer}: ${p.stats.error}`)].filter(Boolean).join('; ');
      const times = r.peers.map((p) => `, ${p.peer} ${ms(p.stats.medianMs)}` + (Number.isFinite(p.speedup) ? ` (speedup ${p.speedup.toFixed(2)}x)` : '')).join('');
      console.log(`compare ${backend}: ${c.name}: ours ${ms(r.ours.medianMs)}${times} (${((performance.now() - t0) / 1000).toFixed(1)} s)${errs ? ` [${errs}]` : ''}`);
    }
    rt.destroy();
  } catch (e) {
    part.error = message(e);
    console.error(`compare ${backend}: ${e instanceof Error ? (e.stack ?? e.message) : e}`);
  }
  if (o.part) writeFileSync(o.part, JSON.stringify(part));
}

function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')).version;
  } catch {
    return 'n/a';
  }
}

function environment(o: Options): CompareEnv {
  const list = cpus();
  const cpuModel = list[0]?.model?.trim() ?? 'unknown CPU';
  const slug = `${cpuModel.toLowerCase().replace(/\(r\)|\(tm\)|cpu|processor|@.*$/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${list.length}c`;
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  const packages: Record<string, string> = {};
  const peerPackages = [...(usesTfjs(o.peers) ? ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu'] : []), ...(o.peers.includes('jax') ? ['@jax-js/jax'] : [])];
  for (const p of [...peerPackages, 'webgpu', 'assemblyscript']) packages[p] = packageVersion(p);
  return {
    date: new Date().toISOString(),
    machine: (o.machine ?? slug).replace(/[^A-Za-z0-9._-]+/g, '-'),
    cpuModel,
    cores: list.length,
    memoryGiB: totalmem() / 2 ** 30,
    platform: `${platform()} ${release()} ${arch()}`,
    node: process.versions.node,
    commit,
    packages,
  };
}

/** Parent: a child per backend, sequentially; then the report. */
async function runParent(o: Options, argv: string[]): Promise<void> {
  if (!selectCases(o.filter, null, o.peers).length) throw new Error(`bench --compare: no case matches '${o.filter}'`);
  const script = fileURLToPath(import.meta.url);
  const tmp = mkdtempSync(join(tmpdir(), 'bench-compare-'));
  const parts: ComparePart[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Dawn wants a writable XDG_RUNTIME_DIR (it only warns without one).
  if (!env.XDG_RUNTIME_DIR) env.XDG_RUNTIME_DIR = tmpdir();
  const passOn = argv.filter((a, i) => a !== '--compare' && a !== '--backend' && argv[i - 1] !== '--backend');
  try {
    for (const backend of o.backends) {
      const partFile = join(tmp, `${backend}.json`);
      const r = spawnSync(process.execPath, ['--enable-source-maps', script, ...passOn, '--child', backend, '--part', partFile], { stdio: 'inherit', env });
      if (existsSync(partFile)) parts.push(JSON.parse(readFileSync(partFile, 'utf8')) as ComparePart);
      else parts.push({ backend, ours: '', peers: [], versions: {}, results: [], error: `child process exited with ${r.status ?? r.signal} before writing its results` });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const { minSamples, budgetMs } = measureOptions(o);
  const report: CompareReport = { env: environment(o), options: { quick: o.quick, filter: o.filter, samples: o.samples, minSamples, budgetMs }, parts };
  if (o.backends.includes('wasm')) {
    // After the children, on an otherwise idle process: the ceiling the fraction targets use.
    const c = await measureCpuCeiling(o.quick ? 0.2 : 0.5);
    report.ceiling = { fmaGflopsAllCores: c.fmaGflopsAllCores, gflopsAllCores: c.gflopsAllCores, cores: c.cores };
    console.log(`bench --compare: WASM ceiling ${c.fmaGflopsAllCores?.toFixed(1) ?? '-'} GFLOP/s FMA, ${c.gflopsAllCores.toFixed(1)} mul+add (${c.cores} cores)`);
  }
  console.log('\n' + toMarkdown(report));
  const paths = writeCompareReport(report, o.out);
  console.log(`bench --compare: wrote ${paths.join(', ')}`);
  if (o.readme) {
    updateReadme('README.md', readmeSection(report, paths[1]));
    console.log('bench --compare: updated the README section between <!-- bench:compare:start --> and <!-- bench:compare:end -->');
  }
  if (parts.some((p) => p.error || p.results.some((r) => r.ours.error || r.peers.some((x) => x.stats.error)))) process.exitCode = 1;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = parseArgs(argv);
  if (o.list) {
    for (const c of selectCases(o.filter, null, o.peers)) console.log(`${c.group.padEnd(14)} ${c.name}`);
    return;
  }
  if (o.child) {
    await runChild(o, o.child);
    // TFJS-wasm's pthread workers, jax-js's workers and Dawn keep the event loop alive.
    process.exit(0);
  }
  await runParent(o, argv);
}

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});

// `npm run bench -- --profile [--threads N] [--steps N] [--dropout P] [--shapes]`: where one
// BERT4Rec training step at the benchmark shape (bench/compare/batch.ts: B=64, L=200, R=2560,
// the default model) spends its time on the WASM backend, kernel by kernel. WASM kernels run
// synchronously (split across the worker threads and joined), so the wall time of each
// Backend.run() call is that kernel's time; what is left of the step is JavaScript (autograd,
// allocation, host work). --shapes splits matmul by its params (batch, M, N, K, strides) and
// flags (TRANS_A TRANS_B HAS_BIAS ACT). For a function-level profile, run the bundle under
// `node --cpu-prof` with --threads 1 (build/kernels*.wat names the WASM functions).
import { createRuntime } from '../../runtime/index.js';
import { DEFAULT_MODEL } from '../../src/config.js';
import { syntheticBatch, TRAIN_SHAPE } from '../compare/batch.js';
import { createOursTrainStep } from '../compare/ours-train.js';

interface Options {
  threads: number;
  steps: number;
  dropout: number;
  shapes: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { threads: 0, steps: 10, dropout: DEFAULT_MODEL.dropout, shapes: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (min: number, max: number) => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < min || v > max) throw new Error(`bench --profile: ${a} takes a number in [${min}, ${max}] (got '${argv[i]}')`);
      return v;
    };
    if (a === '--profile') continue;
    else if (a === '--threads') o.threads = Math.floor(num(1, 64));
    else if (a === '--steps') o.steps = Math.floor(num(1, 10000));
    else if (a === '--dropout') o.dropout = num(0, 0.99);
    else if (a === '--shapes') o.shapes = true;
    else throw new Error(`bench --profile: unknown argument '${a}' (takes --threads N, --steps N, --dropout P, --shapes)`);
  }
  return o;
}

interface KernelCallLike {
  kernel: { name: string };
  params: readonly number[];
  constants?: readonly number[];
}

const o = parseArgs(process.argv.slice(2));
const rt = await createRuntime({ backend: 'wasm', ...(o.threads ? { wasm: { threads: o.threads } } : {}) });
const { B, L, V, R } = TRAIN_SHAPE;
const step = createOursTrainStep(rt, syntheticBatch(B, L, V, R), V, { ...DEFAULT_MODEL, dropout: o.dropout, attnDropout: o.dropout });
// Times every kernel call (the backend's run(), wrapped; WASM runs it to completion).
const backend = rt.backend as unknown as { run(call: KernelCallLike): void };
const run = backend.run.bind(backend);
const times = new Map<string, { ms: number; calls: number }>();
let recording = false;
backend.run = (call) => {
  if (!recording) return run(call);
  const t0 = performance.now();
  run(call);
  const key = o.shapes && call.kernel.name.startsWith('matmul') ? `${call.kernel.name} [${call.params.join(',')}] flags ${(call.constants ?? []).slice(0, 4).join('')}` : call.kernel.name;
  const e = times.get(key) ?? { ms: 0, calls: 0 };
  e.ms += performance.now() - t0;
  e.calls++;
  times.set(key, e);
};
try {
  for (let i = 0; i < 3; i++) await step.step(); // warm-up (pools, scratch, JIT)
  recording = true;
  const stepMs: number[] = [];
  for (let i = 0; i < o.steps; i++) {
    const t0 = performance.now();
    await step.step();
    stepMs.push(performance.now() - t0);
  }
  stepMs.sort((a, b) => a - b);
  const mean = stepMs.reduce((a, b) => a + b, 0) / o.steps;
  console.log(`${rt.backend.description}`);
  console.log(`training step B=${B} L=${L} R=${R} V=${V}+2, dropout ${o.dropout}: median ${stepMs[o.steps >> 1].toFixed(1)} ms, mean ${mean.toFixed(1)} ms over ${o.steps} steps`);
  console.log('  ms/step  share  calls/step  kernel');
  let kernelMs = 0;
  for (const [name, e] of [...times].sort((a, b) => b[1].ms - a[1].ms)) {
    kernelMs += e.ms / o.steps;
    console.log(`${(e.ms / o.steps).toFixed(2).padStart(9)} ${((100 * e.ms) / o.steps / mean).toFixed(1).padStart(5)}% ${String(e.calls / o.steps).padStart(11)}  ${name}`);
  }
  console.log(`${(mean - kernelMs).toFixed(2).padStart(9)} ${((100 * (mean - kernelMs)) / mean).toFixed(1).padStart(5)}% ${''.padStart(11)}  (rest: JavaScript, allocation, host work)`);
} finally {
  step.dispose();
  rt.destroy();
}

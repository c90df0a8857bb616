// Quick side-by-side timing of the matmul kernels, median of `reps` (each includes the
// readback of the output); the bench runner uses bench/cases/matmul.ts. Build and run:
//   npx esbuild bench/matmul-quick.ts --bundle --format=esm --platform=node --target=es2022 \
//     --loader:.wgsl=text --loader:.wasm=binary --external:webgpu --outfile=build/matmul-quick.mjs
//   node build/matmul-quick.mjs [webgpu|wasm|both] [reps] [bert|grads]
import { createRuntime, matmul, matmulNaive, type Runtime, type Tensor } from '../runtime/internal.js';

const argv = (globalThis as { process?: { argv: string[] } }).process?.argv ?? [];
const which = argv[2] ?? 'both';
const reps = Number(argv[3] ?? 5);
// 'bert' (the forward products) or 'grads' (the weight-gradient products of a training step: transposed A, long K)
const list = argv[4] ?? 'bert';

function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

async function time(rt: Runtime, fn: () => Tensor): Promise<number> {
  const warm = fn();
  await warm.data();
  warm.dispose();
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const out = fn();
    await rt.sync();
    await out.data();
    ts.push(performance.now() - t0);
    out.dispose();
  }
  ts.sort((x, y) => x - y);
  return ts[Math.floor(ts.length / 2)];
}

async function shapes(rt: Runtime, label: string, list: Array<[number, number, number, boolean, boolean, string]>, naive = false) {
  for (const [M, N, K, tA, tB, name] of list) {
    const a = rt.tensor(rand(M * K), tA ? [K, M] : [M, K]);
    const b = rt.tensor(rand(K * N), tB ? [N, K] : [K, N]);
    const ms = await time(rt, () => matmul(a, b, { transA: tA, transB: tB }));
    let extra = '';
    if (naive) {
      const msN = await time(rt, () => matmulNaive(a, b, { transA: tA, transB: tB }));
      extra = `  naive ${msN.toFixed(1)} ms (${(2 * M * N * K / msN / 1e6).toFixed(2)} GFLOP/s)  speedup ${(msN / ms).toFixed(1)}x`;
    }
    console.log(`${label} ${name} ${M}x${N}x${K} tA=${+tA} tB=${+tB}: ${ms.toFixed(2)} ms ${(2 * M * N * K / ms / 1e6).toFixed(2)} GFLOP/s${extra}`);
    a.dispose();
    b.dispose();
  }
}

const bert: Array<[number, number, number, boolean, boolean, string]> = [
  [1024, 1024, 1024, false, false, 'square'],
  [12800, 64, 64, false, true, 'qkv'],
  [12800, 256, 64, false, true, 'ffn1'],
  [12800, 64, 256, false, true, 'ffn2'],
  [2560, 3418, 64, false, true, 'logits'],
];

const grads: Array<[number, number, number, boolean, boolean, string]> = [
  [64, 64, 12800, true, false, 'dW qkv/out'],
  [64, 256, 12800, true, false, 'dW ffn1'],
  [256, 64, 12800, true, false, 'dW ffn2'],
  [3420, 64, 2560, true, false, 'dE logits'],
  [64, 64, 2560, true, false, 'dW last layer'],
];
const cases = list === 'grads' ? grads : bert;

if (which === 'wasm' || which === 'both') {
  // The SIMD-only and the relaxed-SIMD (FMA) builds, alternately.
  for (const threads of [1, 2]) {
    for (const relaxedSimd of [false, true]) {
      const rt = await createRuntime({ backend: 'wasm', wasm: { threads, relaxedSimd } });
      console.log(rt.backend.description);
      await shapes(rt, `wasm t=${threads}${relaxedSimd ? ' fma' : ''}`, cases);
      rt.destroy();
    }
  }
}
if (which === 'webgpu' || which === 'both') {
  const rt = await createRuntime({ backend: 'webgpu' });
  console.log(rt.backend.description);
  await shapes(rt, 'webgpu', [[512, 512, 512, false, false, 'medium'], [512, 512, 512, true, true, 'medium']], true);
  await shapes(rt, 'webgpu', bert);
  rt.destroy();
}

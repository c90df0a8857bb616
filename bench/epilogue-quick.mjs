// node bench/epilogue-quick.mjs (after `npm run build`): the FFN's first GEMM, [12800, 64] x
// [64, 256]^T + bias, on WASM with the default threads, without an activation, with GELU(erf),
// and with the output's slope as well (ops.matmulBiasActivation, what F.linear runs). Medians of 15.
import { createRuntime, ops } from '../dist/index.js';

const rt = await createRuntime({ backend: 'wasm' });
const [M, K, N] = [12800, 64, 256];
const x = rt.tensor(Float32Array.from({ length: M * K }, () => Math.random() * 2 - 1), [M, K]);
const w = rt.tensor(Float32Array.from({ length: N * K }, () => Math.random() * 0.3), [N, K]);
const b = rt.tensor(new Float32Array(N), [N]);
async function time(label, f) {
  const ts = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    const r = f();
    await rt.sync();
    ts.push(performance.now() - t0);
    for (const t of [].concat(r)) t.dispose();
  }
  ts.sort((p, q) => p - q);
  console.log(`${label.padEnd(22)} ${ts[7].toFixed(2)} ms`);
}
console.log(`${rt.backend.description}: [${M}, ${K}] x [${K}, ${N}]^T + bias`);
for (let round = 0; round < 2; round++) {
  await time('none', () => ops.matmul(x, w, { transB: true, bias: b }));
  await time('gelu_erf', () => ops.matmul(x, w, { transB: true, bias: b, activation: 'gelu_erf' }));
  await time('gelu_erf + slope', () => {
    const r = ops.matmulBiasActivation(x, w, b, 'gelu_erf', { transB: true });
    return [r.out, r.slope];
  });
}
rt.destroy();

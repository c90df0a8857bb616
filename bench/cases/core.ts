// Benchmarks of the first ops: elementwise add, sum over an axis, transpose, naive matmul.
import { add, matmulNaive, scope, sum, transpose, type Runtime, type Tensor } from '../../runtime/internal.js';
import type { BenchCase } from '../types.js';

/** A deterministic f32 tensor (values in [-1, 1]). */
function input(rt: Runtime, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i * 0.7311 + 0.1);
  return rt.tensor(data, shape);
}

/** A case whose run() applies `op` to fixed inputs; the op's output is freed by a scope. */
function opCase(name: string, group: string, flops: number, bytes: number, shapes: number[][], op: (...xs: Tensor[]) => Tensor): BenchCase {
  return {
    name,
    group,
    flops,
    bytes,
    async setup(rt) {
      const xs = shapes.map((s) => input(rt, s));
      return {
        run: () => scope(() => void op(...xs)),
        dispose: () => xs.forEach((x) => x.dispose()),
      };
    },
  };
}

const addCase = (n: number) => opCase(`add ${n}`, 'add', n, 12 * n, [[n], [n]], (a, b) => add(a, b));
const sumCase = (rows: number, cols: number, axis: number) => {
  const n = rows * cols;
  const out = axis === 1 ? rows : cols;
  return opCase(`sum [${rows},${cols}] axis ${axis}`, 'sum', n, 4 * (n + out), [[rows, cols]], (x) => sum(x, axis));
};
const transposeCase = (r: number, c: number) => opCase(`transpose [${r},${c}]`, 'transpose', 0, 8 * r * c, [[r, c]], (x) => transpose(x));
const matmulCase = (M: number, K: number, N: number) =>
  opCase(`matmul_naive ${M}x${K}x${N}`, 'matmul_naive', 2 * M * N * K, 4 * (M * K + K * N + M * N), [[M, K], [K, N]], (a, b) => matmulNaive(a, b));

export const benchCases: BenchCase[] = [
  addCase(1 << 16),
  addCase(1 << 22),
  sumCase(4096, 1024, 1),
  sumCase(4096, 1024, 0),
  transposeCase(2048, 2048),
  matmulCase(256, 256, 256),
  // BERT4Rec-sized projection: (batch x seq) x hidden @ hidden x hidden.
  matmulCase(2048, 256, 256),
];

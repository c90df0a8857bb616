// Plain float64 reference implementations of the runtime's ops. Tests only.

export function refBinary(op: 'add' | 'sub' | 'mul' | 'div', a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i % b.length];
    out[i] = op === 'add' ? x + y : op === 'sub' ? x - y : op === 'mul' ? x * y : x / y;
  }
  return out;
}

export function refScale(x: Float64Array, alpha: number, beta: number): Float64Array {
  return x.map((v) => v * alpha + beta);
}

/** Sum over `axis` of x with shape `shape`. */
export function refSum(x: Float64Array, shape: number[], axis: number): Float64Array {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const len = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < len; k++)
      for (let j = 0; j < inner; j++) out[o * inner + j] += x[(o * len + k) * inner + j];
  return out;
}

/**
 * out[b] = op(A[b]) @ op(B[b]); A stored [M,K] ([K,M] if transA), B stored [K,N] ([N,K] if transB).
 * A batch of 1 broadcasts.
 */
export function refMatmul(
  A: Float64Array,
  B: Float64Array,
  batchA: number,
  batchB: number,
  M: number,
  N: number,
  K: number,
  transA = false,
  transB = false,
): Float64Array {
  const batch = Math.max(batchA, batchB);
  const out = new Float64Array(batch * M * N);
  for (let b = 0; b < batch; b++) {
    const a0 = batchA === 1 ? 0 : b * M * K;
    const b0 = batchB === 1 ? 0 : b * K * N;
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) {
          const av = transA ? A[a0 + k * M + m] : A[a0 + m * K + k];
          const bv = transB ? B[b0 + n * K + k] : B[b0 + k * N + n];
          acc += av * bv;
        }
        out[(b * M + m) * N + n] = acc;
      }
  }
  return out;
}

/** [batch, R, C] -> [batch, C, R] */
export function refTranspose(x: Float64Array, batch: number, R: number, C: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let b = 0; b < batch; b++)
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[b * R * C + c * R + r] = x[b * R * C + r * C + c];
  return out;
}

// Twin of wgsl/matmul_naive.wgsl: out[b] = op(A[b]) @ op(B[b]), op = transpose when the flag is set.
// A: [M,K] or [K,M] (transA); B: [K,N] or [N,K] (transB). Strides are per batch, in elements.
export function matmul_naive(
  A: usize, B: usize, out: usize,
  batch: u32, M: u32, N: u32, K: u32, strideA: u32, strideB: u32,
  transA: u32, transB: u32,
): void {
  for (let b: u32 = 0; b < batch; b++) {
    const a0 = A + ((<usize>b * strideA) << 2);
    const b0 = B + ((<usize>b * strideB) << 2);
    const o0 = out + ((<usize>b * M * N) << 2);
    for (let m: u32 = 0; m < M; m++) {
      const orow = o0 + ((<usize>m * N) << 2);
      if (transB == 0) {
        // out row m = sum_k a[m,k] * B row k (SIMD over n)
        memory.fill(orow, 0, (<usize>N) << 2);
        const n4 = N & ~3;
        for (let k: u32 = 0; k < K; k++) {
          const av = transA ? load<f32>(a0 + ((<usize>k * M + m) << 2)) : load<f32>(a0 + ((<usize>m * K + k) << 2));
          const av4 = f32x4.splat(av);
          const brow = b0 + ((<usize>k * N) << 2);
          let n: u32 = 0;
          for (; n < n4; n += 4) {
            const off = (<usize>n) << 2;
            v128.store(orow + off, f32x4.add(v128.load(orow + off), f32x4.mul(av4, v128.load(brow + off))));
          }
          for (; n < N; n++) {
            const off = (<usize>n) << 2;
            store<f32>(orow + off, load<f32>(orow + off) + av * load<f32>(brow + off));
          }
        }
      } else {
        for (let n: u32 = 0; n < N; n++) {
          const brow = b0 + ((<usize>n * K) << 2);
          let acc: f32 = 0;
          for (let k: u32 = 0; k < K; k++) {
            const av = transA ? load<f32>(a0 + ((<usize>k * M + m) << 2)) : load<f32>(a0 + ((<usize>m * K + k) << 2));
            acc += av * load<f32>(brow + ((<usize>k) << 2));
          }
          store<f32>(orow + ((<usize>n) << 2), acc);
        }
      }
    }
  }
}

// Twin of wgsl/transpose.wgsl: x [batch, R, C] -> out [batch, C, R], in 16x16 blocks.
export function transpose(x: usize, out: usize, batch: u32, R: u32, C: u32): void {
  const BS: u32 = 16;
  for (let b: u32 = 0; b < batch; b++) {
    const xb = x + ((<usize>b * R * C) << 2);
    const ob = out + ((<usize>b * R * C) << 2);
    for (let r0: u32 = 0; r0 < R; r0 += BS) {
      const r1 = min(r0 + BS, R);
      for (let c0: u32 = 0; c0 < C; c0 += BS) {
        const c1 = min(c0 + BS, C);
        for (let r = r0; r < r1; r++) {
          for (let c = c0; c < c1; c++) {
            store<f32>(ob + ((<usize>c * R + r) << 2), load<f32>(xb + ((<usize>r * C + c) << 2)));
          }
        }
      }
    }
  }
}

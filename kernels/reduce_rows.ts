// Twin of wgsl/reduce_rows.wgsl: x [R, C] -> out [nBlocks, C], out[b] = sum of the rows of block b
// (rows [b * rowsPerBlock, min(R, (b + 1) * rowsPerBlock))). Same summation order as the WGSL:
// 4 row lanes (lane j sums rows j, j+4, ... of the block), then (l0 + l1) + (l2 + l3); so both
// backends give bit-identical sums. SIMD over 4 columns at a time. Blocks [itemStart, itemEnd)
// (the backend splits the blocks across threads; no scratch).
export function reduce_rows(x: usize, out: usize, R: u32, C: u32, rowsPerBlock: u32, itemStart: u32, itemEnd: u32, _scratch: usize): void {
  const rowBytes = (<usize>C) << 2;
  const C4 = C & ~3;
  const nBlocks = min(itemEnd, (R + rowsPerBlock - 1) / rowsPerBlock);
  for (let b: u32 = itemStart; b < nBlocks; b++) {
    const r0 = b * rowsPerBlock;
    const r1 = min(R, r0 + rowsPerBlock);
    const full = r0 + ((r1 - r0) & ~3); // rows [r0, full) come in groups of 4
    const dst = out + (<usize>b) * rowBytes;
    let j: u32 = 0;
    for (; j < C4; j += 4) {
      let src = x + (<usize>r0) * rowBytes + ((<usize>j) << 2);
      let l0 = f32x4.splat(0);
      let l1 = f32x4.splat(0);
      let l2 = f32x4.splat(0);
      let l3 = f32x4.splat(0);
      let r = r0;
      for (; r < full; r += 4) {
        l0 = f32x4.add(l0, v128.load(src));
        l1 = f32x4.add(l1, v128.load(src + rowBytes));
        l2 = f32x4.add(l2, v128.load(src + 2 * rowBytes));
        l3 = f32x4.add(l3, v128.load(src + 3 * rowBytes));
        src += 4 * rowBytes;
      }
      if (r < r1) l0 = f32x4.add(l0, v128.load(src));
      if (r + 1 < r1) l1 = f32x4.add(l1, v128.load(src + rowBytes));
      if (r + 2 < r1) l2 = f32x4.add(l2, v128.load(src + 2 * rowBytes));
      v128.store(dst + ((<usize>j) << 2), f32x4.add(f32x4.add(l0, l1), f32x4.add(l2, l3)));
    }
    for (; j < C; j++) {
      let src = x + (<usize>r0) * rowBytes + ((<usize>j) << 2);
      let l0: f32 = 0;
      let l1: f32 = 0;
      let l2: f32 = 0;
      let l3: f32 = 0;
      let r = r0;
      for (; r < full; r += 4) {
        l0 += load<f32>(src);
        l1 += load<f32>(src + rowBytes);
        l2 += load<f32>(src + 2 * rowBytes);
        l3 += load<f32>(src + 3 * rowBytes);
        src += 4 * rowBytes;
      }
      if (r < r1) l0 += load<f32>(src);
      if (r + 1 < r1) l1 += load<f32>(src + rowBytes);
      if (r + 2 < r1) l2 += load<f32>(src + 2 * rowBytes);
      store<f32>(dst + ((<usize>j) << 2), (l0 + l1) + (l2 + l3));
    }
  }
}

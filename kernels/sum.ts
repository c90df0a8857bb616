// Twin of wgsl/sum.wgsl: x [outer, len, inner] -> out [outer, inner], summing over len.
export function sum(x: usize, out: usize, outer: u32, len: u32, inner: u32): void {
  const rowBytes = (<usize>inner) << 2;
  const inner4 = inner & ~3;
  for (let o: u32 = 0; o < outer; o++) {
    const dst = out + (<usize>o) * rowBytes;
    const src0 = x + (<usize>o) * (<usize>len) * rowBytes;
    memory.fill(dst, 0, rowBytes);
    for (let k: u32 = 0; k < len; k++) {
      const src = src0 + (<usize>k) * rowBytes;
      let j: u32 = 0;
      for (; j < inner4; j += 4) {
        const off = (<usize>j) << 2;
        v128.store(dst + off, f32x4.add(v128.load(dst + off), v128.load(src + off)));
      }
      for (; j < inner; j++) {
        const off = (<usize>j) << 2;
        store<f32>(dst + off, load<f32>(dst + off) + load<f32>(src + off));
      }
    }
  }
}

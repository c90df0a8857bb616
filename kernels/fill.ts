// Twin of wgsl/fill.wgsl: out[i] = bits.
export function fill(out: usize, n: u32, bits: u32): void {
  const v = i32x4.splat(bits);
  const n4 = n & ~3;
  let i: u32 = 0;
  for (; i < n4; i += 4) v128.store(out + ((<usize>i) << 2), v);
  for (; i < n; i++) store<u32>(out + ((<usize>i) << 2), bits);
}

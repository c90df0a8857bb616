// Twin of wgsl/nonfinite.wgsl: counts[slot] += number of elements of x [n] whose exponent
// bits are all ones (NaN, +Inf, -Inf), tested on the bits.

export function nonfinite(x: usize, counts: usize, n: u32, slot: u32): void {
  const mask = i32x4.splat(0x7f800000);
  const n4 = n & ~3;
  let acc = i32x4.splat(0);
  let i: u32 = 0;
  for (; i < n4; i += 4) {
    const v = v128.and(v128.load(x + ((<usize>i) << 2)), mask);
    acc = i32x4.sub(acc, i32x4.eq(v, mask)); // eq lanes are -1
  }
  let c: u32 = <u32>(i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3));
  for (; i < n; i++) {
    if ((load<u32>(x + ((<usize>i) << 2)) & 0x7f800000) == 0x7f800000) c++;
  }
  const dst = counts + ((<usize>slot) << 2);
  store<u32>(dst, load<u32>(dst) + c);
}

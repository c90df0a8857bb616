// Twin of wgsl/binary.wgsl: out[i] = a[i] OP b[i % nb], OP: 0 add, 1 sub, 2 mul, 3 div.
import { ELEMENTWISE_CHUNK } from './parallel';

@inline function apply4(op: u32, x: v128, y: v128): v128 {
  if (op == 0) return f32x4.add(x, y);
  if (op == 1) return f32x4.sub(x, y);
  if (op == 2) return f32x4.mul(x, y);
  return f32x4.div(x, y);
}

@inline function apply1(op: u32, x: f32, y: f32): f32 {
  if (op == 0) return x + y;
  if (op == 1) return x - y;
  if (op == 2) return x * y;
  return x / y;
}

// One contiguous run: out[0..len) = a[0..len) OP b[0..len).
@inline function run(op: u32, a: usize, b: usize, out: usize, len: u32): void {
  const n4 = len & ~3;
  let i: u32 = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, apply4(op, v128.load(a + o), v128.load(b + o)));
  }
  for (; i < len; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, apply1(op, load<f32>(a + o), load<f32>(b + o)));
  }
}

// Elements of chunks [itemStart, itemEnd) (kernels/parallel.ts), in runs that do not wrap b.
export function binary(a: usize, b: usize, out: usize, n: u32, nb: u32, op: u32, itemStart: u32, itemEnd: u32, scratch: usize): void {
  const end = min(n, itemEnd * ELEMENTWISE_CHUNK);
  let i: u32 = itemStart * ELEMENTWISE_CHUNK;
  if (i >= end) return;
  if (nb == 1) {
    const y = load<f32>(b);
    const y4 = f32x4.splat(y);
    const n4 = i + ((end - i) & ~3);
    for (; i < n4; i += 4) {
      const o = (<usize>i) << 2;
      v128.store(out + o, apply4(op, v128.load(a + o), y4));
    }
    for (; i < end; i++) {
      const o = (<usize>i) << 2;
      store<f32>(out + o, apply1(op, load<f32>(a + o), y));
    }
    return;
  }
  while (i < end) {
    const j = i % nb;
    const len = min(end - i, nb - j);
    run(op, a + ((<usize>i) << 2), b + ((<usize>j) << 2), out + ((<usize>i) << 2), len);
    i += len;
  }
}

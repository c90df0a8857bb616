// Twins of wgsl/gelu.wgsl, wgsl/gelu_bias.wgsl and wgsl/gelu_backward.wgsl: GELU and its
// derivative from kernels/math.ts (approx 0 = tanh form, 1 = erf form), on 4 lanes.

import { gelu1, gelu4, geluGrad1, geluGrad4 } from './math';
import { ELEMENTWISE_CHUNK } from './parallel';

export function gelu(x: usize, out: usize, n: u32, approx: u32): void {
  const n4 = n & ~3;
  let i: u32 = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, gelu4(v128.load(x + o), approx));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, gelu1(load<f32>(x + o), approx));
  }
}

// x [n / C, C], bias [C]: pre = x + bias, out = gelu(pre).
export function gelu_bias(x: usize, bias: usize, out: usize, pre: usize, n: u32, C: u32, approx: u32): void {
  const C4 = C & ~3;
  const rowBytes = (<usize>C) << 2;
  const rows = n / C;
  for (let r: u32 = 0; r < rows; r++) {
    const row = (<usize>r) * rowBytes;
    let j: u32 = 0;
    for (; j < C4; j += 4) {
      const o = (<usize>j) << 2;
      const v = f32x4.add(v128.load(x + row + o), v128.load(bias + o));
      v128.store(pre + row + o, v);
      v128.store(out + row + o, gelu4(v, approx));
    }
    for (; j < C; j++) {
      const o = (<usize>j) << 2;
      const v = load<f32>(x + row + o) + load<f32>(bias + o);
      store<f32>(pre + row + o, v);
      store<f32>(out + row + o, gelu1(v, approx));
    }
  }
}

// dpre = dy * gelu'(pre), elements of chunks [itemStart, itemEnd) (kernels/parallel.ts).
export function gelu_backward(dy: usize, pre: usize, dpre: usize, n: u32, approx: u32, itemStart: u32, itemEnd: u32, scratch: usize): void {
  const end = min(n, itemEnd * ELEMENTWISE_CHUNK);
  const n4 = end & ~3;
  let i: u32 = itemStart * ELEMENTWISE_CHUNK;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dpre + o, f32x4.mul(v128.load(dy + o), geluGrad4(v128.load(pre + o), approx)));
  }
  for (; i < end; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dpre + o, load<f32>(dy + o) * geluGrad1(load<f32>(pre + o), approx));
  }
}

// Twins of wgsl/softmax_xent_count.wgsl, wgsl/softmax_xent.wgsl and wgsl/softmax_xent_mean.wgsl.
// Rows are processed with SIMD: max, then exp(x - max) (a vectorised exp, stored into dlogits
// when the gradient is wanted), then one scaling pass. A target counts when t != ignoreIndex
// and 0 <= t < V; other rows are ignored (loss 0, gradient 0).

import { expSoftmax1, expSoftmax4 } from './math';

const NEG_MAX: f32 = -3.4028234663852886e38;

@inline function counted(t: i32, V: u32, ignoreIndex: i32): bool {
  return t != ignoreIndex && t >= 0 && <u32>t < V;
}

@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

@inline function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

export function softmax_xent_count(targets: usize, count: usize, R: u32, V: u32, ignoreIndex: i32): void {
  let c: u32 = 0;
  for (let r: u32 = 0; r < R; r++) {
    if (counted(load<i32>(targets + ((<usize>r) << 2)), V, ignoreIndex)) c++;
  }
  store<f32>(count, <f32>c);
}

// logits [R, V], targets [R], count [1] -> rowLoss [R], dlogits [R, V] (written when grad == 1).
// Rows [itemStart, itemEnd) (the backend splits the rows across threads; no scratch).
export function softmax_xent(
  logits: usize, targets: usize, count: usize, rowLoss: usize, dlogits: usize,
  R: u32, V: u32, ignoreIndex: i32, grad: u32,
  itemStart: u32, itemEnd: u32, _scratch: usize,
): void {
  const cnt = load<f32>(count);
  const rowBytes = (<usize>V) << 2;
  const V4 = V & ~3;
  for (let r: u32 = itemStart; r < min(itemEnd, R); r++) {
    const x = logits + (<usize>r) * rowBytes;
    const dst = dlogits + (<usize>r) * rowBytes;
    let m4 = f32x4.splat(NEG_MAX);
    let j: u32 = 0;
    for (; j < V4; j += 4) m4 = f32x4.pmax(m4, v128.load(x + ((<usize>j) << 2)));
    let m = hmax(m4);
    for (; j < V; j++) m = max(m, load<f32>(x + ((<usize>j) << 2)));
    const mm = f32x4.splat(m);
    let s4 = f32x4.splat(0);
    let s: f32 = 0;
    if (grad == 1) {
      for (j = 0; j < V4; j += 4) {
        const o = (<usize>j) << 2;
        const e = expSoftmax4(f32x4.sub(v128.load(x + o), mm));
        v128.store(dst + o, e);
        s4 = f32x4.add(s4, e);
      }
      for (; j < V; j++) {
        const o = (<usize>j) << 2;
        const e = expSoftmax1(load<f32>(x + o) - m);
        store<f32>(dst + o, e);
        s += e;
      }
    } else {
      for (j = 0; j < V4; j += 4) s4 = f32x4.add(s4, expSoftmax4(f32x4.sub(v128.load(x + ((<usize>j) << 2)), mm)));
      for (; j < V; j++) s += expSoftmax1(load<f32>(x + ((<usize>j) << 2)) - m);
    }
    s += hsum(s4);
    const t = load<i32>(targets + ((<usize>r) << 2));
    const valid = counted(t, V, ignoreIndex);
    store<f32>(rowLoss + ((<usize>r) << 2), valid ? (m - load<f32>(x + ((<usize>t) << 2))) + Mathf.log(s) : 0);
    if (grad == 1) {
      const scale: f32 = valid && cnt > 0 ? 1 / cnt : 0;
      const invS: f32 = 1 / s;
      // dlogits = (e / S - onehot) * scale
      const factor = invS * scale;
      const k4 = f32x4.splat(factor);
      for (j = 0; j < V4; j += 4) {
        const o = (<usize>j) << 2;
        v128.store(dst + o, f32x4.mul(v128.load(dst + o), k4));
      }
      for (; j < V; j++) {
        const o = (<usize>j) << 2;
        store<f32>(dst + o, load<f32>(dst + o) * factor);
      }
      if (valid) {
        const o = (<usize>t) << 2;
        store<f32>(dst + o, (expSoftmax1(load<f32>(x + o) - m) * invS - 1) * scale);
      }
    }
  }
}

// loss[0] = sum(rowLoss) / count, 0 when count == 0.
export function softmax_xent_mean(rowLoss: usize, count: usize, loss: usize, R: u32): void {
  let a4 = f32x4.splat(0);
  const R4 = R & ~3;
  let r: u32 = 0;
  for (; r < R4; r += 4) a4 = f32x4.add(a4, v128.load(rowLoss + ((<usize>r) << 2)));
  let acc = hsum(a4);
  for (; r < R; r++) acc += load<f32>(rowLoss + ((<usize>r) << 2));
  const cnt = load<f32>(count);
  store<f32>(loss, cnt > 0 ? acc / cnt : 0);
}

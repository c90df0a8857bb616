// Twin of wgsl/masked_softmax.wgsl: y[r, j] = softmax over valid keys of scale * x[r, j]
// (0 for masked keys, an all-zero row when no key is valid), with optional dropout.
// x, y: [B*heads, L, L]; mask: [B, L] u32; row r = (b*heads + head)*L + i.
import { hash_u32 } from './rng';

const NEG: f32 = -1e30;

export function masked_softmax(
  x: usize, mask: usize, y: usize,
  rows: u32, L: u32, heads: u32, scale: f32, dropout: u32, threshold: u32, seed: u32, invKeep: f32, causal: u32,
): void {
  const hs = hash_u32(seed);
  for (let r: u32 = 0; r < rows; r++) {
    const mrow = mask + ((<usize>((r / L / heads) * L)) << 2);
    const xr = x + ((<usize>r * L) << 2);
    const yr = y + ((<usize>r * L) << 2);
    const last = causal ? r % L : L - 1; // causal: keys after the query are masked too
    let m = NEG;
    for (let j: u32 = 0; j < L; j++) {
      if (j <= last && load<u32>(mrow + ((<usize>j) << 2))) m = max(m, load<f32>(xr + ((<usize>j) << 2)) * scale);
    }
    let s: f32 = 0;
    for (let j: u32 = 0; j < L; j++) {
      let e: f32 = 0;
      if (j <= last && load<u32>(mrow + ((<usize>j) << 2))) e = Mathf.exp(load<f32>(xr + ((<usize>j) << 2)) * scale - m);
      store<f32>(yr + ((<usize>j) << 2), e);
      s += e;
    }
    const inv: f32 = s > 0 ? 1 / s : 0;
    const base = r * L;
    for (let j: u32 = 0; j < L; j++) {
      let e = load<f32>(yr + ((<usize>j) << 2)) * inv;
      if (dropout) e = hash_u32((base + j) ^ hs) >= threshold ? e * invKeep : 0;
      store<f32>(yr + ((<usize>j) << 2), e);
    }
  }
}

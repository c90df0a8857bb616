// AdamW and the global gradient norm over BERT4Rec's parameters (d = 64, 2 layers, 4x FFN,
// V = 3420, max length 200): item and position embeddings, per layer Q/K/V/O and FFN weights
// and biases and two LayerNorms, the embedding LayerNorm, the output transform + LayerNorm and
// the output bias: 41 tensors, 339,484 floats.
import { adamW, clipScale, gradNormSquared, scope, type Runtime, type Tensor } from '../../runtime/internal.js';
import type { BenchCase } from '../types.js';

const d = 64;
const V = 3420;
const L = 200;
const layer = [[d, d], [d], [d, d], [d], [d, d], [d], [d, d], [d], [d], [d], [d, 4 * d], [4 * d], [4 * d, d], [d], [d], [d]];
export const BERT4REC_PARAM_SHAPES: number[][] = [[V, d], [L, d], [d], [d], ...layer, ...layer, [d, d], [d], [d], [d], [V]];
const total = BERT4REC_PARAM_SHAPES.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);

function tensors(rt: Runtime, seed: number): Tensor[] {
  return BERT4REC_PARAM_SHAPES.map((s, k) => {
    const size = s.reduce((a, b) => a * b, 1);
    return rt.tensor(Float32Array.from({ length: size }, (_, i) => 0.01 * Math.sin(i * 0.713 + k + seed)), s);
  });
}

// Per element: reads param, grad, m, v (16 B), writes param, m, v (12 B); ~16 flops
// (scale, 2 moment updates, sqrt, divide, decay, update). Plus the clip factor (1 float).
const adamw: BenchCase = {
  name: `adamW ${BERT4REC_PARAM_SHAPES.length} tensors, ${total} floats, with clipping factor`,
  group: 'optimizer',
  flops: 16 * total,
  bytes: 28 * total,
  async setup(rt) {
    const [params, grads, ms, vs] = [tensors(rt, 1), tensors(rt, 2), tensors(rt, 3), tensors(rt, 4)];
    const gradScale = rt.tensor([0.5]);
    let step = 0;
    return {
      run: () => {
        step++;
        for (let i = 0; i < params.length; i++) {
          adamW(params[i], grads[i], ms[i], vs[i], { lr: 1e-4, weightDecay: i % 2 ? 0 : 0.01, step, gradScale });
        }
      },
      dispose: () => [...params, ...grads, ...ms, ...vs, gradScale].forEach((t) => t.dispose()),
    };
  },
};

// Reads every gradient once (4 B per float), 2 flops per float; the clip factor from it.
const gradNorm: BenchCase = {
  name: `gradNormSquared + clipScale ${BERT4REC_PARAM_SHAPES.length} tensors, ${total} floats`,
  group: 'optimizer',
  flops: 2 * total,
  bytes: 4 * total,
  async setup(rt) {
    const grads = tensors(rt, 2);
    return { run: () => scope(() => void clipScale(gradNormSquared(grads), 1)), dispose: () => grads.forEach((t) => t.dispose()) };
  },
};

export const benchCases: BenchCase[] = [adamw, gradNorm];

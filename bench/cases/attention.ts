// Attention at BERT4Rec's benchmark shape (B=64, L=200, d=64, h=2, dh=32): the fused forward,
// fused forward+backward (bidirectional and causal), and the unfused forward (transposes + matmul + maskedSoftmax + matmul)
// the fused kernel is compared with. Inputs: deterministic values, ~10% of keys padded.
import { attention, attentionBackward, attentionUnfused, scope, type Runtime, type Tensor } from '../../runtime/internal.js';
import type { BenchCase } from '../types.js';

const B = 64;
const L = 200;
const D = 64;
const H = 2;
const DH = D / H;

function inputs(rt: Runtime) {
  const n = B * L * D;
  const make = (phase: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.7311 + phase);
    return rt.tensor(a, [B, L, D]);
  };
  const mask = new Uint32Array(B * L);
  // Sequence b has its first (b * 7) % 40 positions padded (left padding, as in BERT4Rec).
  for (let b = 0; b < B; b++) for (let j = 0; j < L; j++) mask[b * L + j] = j >= (b * 7) % 40 ? 1 : 0;
  return { q: make(0.1), k: make(1.3), v: make(2.7), dOut: make(4.1), mask: rt.tensor(mask, [B, L], 'u32') };
}

// FLOPs: the forward is two L x L x dh products per (b, head): 4 B h L^2 dh. The backward adds
// five (S recomputed, dP, dV, dQ, dK): 10 B h L^2 dh. (The WebGPU backward recomputes S and dP
// in both of its passes; that extra work is not counted.)
const fwdFlops = 4 * B * H * L * L * DH;
const bwdFlops = 10 * B * H * L * L * DH;
const act = B * L * D * 4; // bytes of one [B, L, d] tensor
const fwdBytes = 4 * act + B * L * 4 + B * H * L * 4; // q, k, v, mask in; out, lse out
const bwdBytes = 6 * act + B * L * 4 + B * H * L * 4 + 3 * act; // + dOut, out, lse in; dq, dk, dv out

const shape = `B=${B} L=${L} d=${D} h=${H}`;

function attnCase(name: string, flops: number, bytes: number, body: (t: ReturnType<typeof inputs>) => void): BenchCase {
  return {
    name: `${name} ${shape}`,
    group: 'attention',
    flops,
    bytes,
    async setup(rt) {
      const t = inputs(rt);
      return {
        run: () => scope(() => body(t)),
        dispose: () => (Object.values(t) as Tensor[]).forEach((x) => x.dispose()),
      };
    },
  };
}

export const benchCases: BenchCase[] = [
  attnCase('fused forward', fwdFlops, fwdBytes, (t) => void attention(t.q, t.k, t.v, t.mask, { heads: H })),
  attnCase('unfused forward', fwdFlops, fwdBytes, (t) => void attentionUnfused(t.q, t.k, t.v, t.mask, { heads: H })),
  attnCase('fused forward+backward', fwdFlops + bwdFlops, fwdBytes + bwdBytes, (t) => {
    const { out, lse } = attention(t.q, t.k, t.v, t.mask, { heads: H });
    attentionBackward(t.dOut, t.q, t.k, t.v, t.mask, out, lse, { heads: H });
  }),
  attnCase('fused forward (dropout 0.1)', fwdFlops, fwdBytes, (t) => void attention(t.q, t.k, t.v, t.mask, { heads: H, dropout: { p: 0.1, seed: 42 } })),
  // Causal (SASRec), beside the bidirectional rows above: the same shape and inputs. FLOPs are
  // counted as for the bidirectional kernel (the work a dense kernel would do), so GFLOP/s above
  // the bidirectional row's is the share of tiles the causal kernels skip.
  attnCase('causal fused forward', fwdFlops, fwdBytes, (t) => void attention(t.q, t.k, t.v, t.mask, { heads: H, causal: true })),
  attnCase('causal fused forward+backward', fwdFlops + bwdFlops, fwdBytes + bwdBytes, (t) => {
    const { out, lse } = attention(t.q, t.k, t.v, t.mask, { heads: H, causal: true });
    attentionBackward(t.dOut, t.q, t.k, t.v, t.mask, out, lse, { heads: H, causal: true });
  }),
];

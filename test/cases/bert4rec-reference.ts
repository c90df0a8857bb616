// Float64 host reference of the BERT4Rec forward pass (no dropout), from a state dict of
// Float32Arrays: logits of the requested rows and the masked cross-entropy.
import type { Bert4RecConfig } from '../../src/config.js';

type P = Map<string, Float32Array>;

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse; use a series / continued fraction via Math functions.
  // erf(x) = 1 - erfc(x), erfc by the Numerical Recipes Chebyshev fit (|err| < 1.2e-7).
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - r : r - 1;
}

function gelu(x: number, approx: 'erf' | 'tanh'): number {
  if (approx === 'erf') return 0.5 * x * (1 + erf(x / Math.SQRT2));
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/** y[n, o] = sum_i x[n, i] W[o, i] + b[o] */
function linear(x: Float64Array, n: number, inF: number, w: Float32Array, b: Float32Array | null, outF: number): Float64Array {
  const y = new Float64Array(n * outF);
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
      y[r * outF + o] = s;
    }
  }
  return y;
}

function layerNorm(x: Float64Array, n: number, d: number, g: Float32Array, b: Float32Array, eps: number): Float64Array {
  const y = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    let m = 0;
    for (let i = 0; i < d; i++) m += x[r * d + i];
    m /= d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (x[r * d + i] - m) ** 2;
    v /= d;
    const rs = 1 / Math.sqrt(v + eps);
    for (let i = 0; i < d; i++) y[r * d + i] = (x[r * d + i] - m) * rs * g[i] + b[i];
  }
  return y;
}

/**
 * The encoder's output x [B*L, d] in float64: BERT4Rec's (bidirectional) or SASRec's (causal:
 * position i reads keys j <= i), post-LN, pre-LN (model.norm 'pre': item embedding * sqrt(d),
 * LayerNorm inside each residual branch, a final LayerNorm) or SASRec's original block
 * ('sasrec': as pre-LN, but the residuals add to the normalised input and keys and values
 * come from the un-normalised one).
 */
export function referenceEncoder(p: P, c: Bert4RecConfig, ids: Int32Array, keyMask: Int32Array, B: number, causal = false): Float64Array {
  const L = c.maxLen;
  const d = c.hidden;
  const H = c.heads;
  const dh = d / H;
  const N = B * L;
  const placement = c.norm ?? 'post';
  const preNorm = placement !== 'post';
  const get = (k: string) => {
    const v = p.get(k);
    if (!v) throw new Error(`reference: missing ${k}`);
    return v;
  };
  const item = get('embeddings.item');
  const pos = get('embeddings.position');
  const itemScale = preNorm ? Math.sqrt(d) : 1;
  // Position of flat row r: its column (positions 'from-end': rows are maxLen wide), or the
  // number of real positions before it in its row ('from-start'; 0 on padding).
  const position = new Int32Array(N);
  for (let b = 0; b < B; b++) {
    let next = 0;
    for (let t = 0; t < L; t++) position[b * L + t] = c.positions === 'from-start' ? (keyMask[b * L + t] ? next++ : 0) : t;
  }
  let x = new Float64Array(N * d);
  for (let r = 0; r < N; r++) for (let i = 0; i < d; i++) x[r * d + i] = item[ids[r] * d + i] * itemScale + pos[position[r] * d + i];
  if (!preNorm) x = layerNorm(x, N, d, get('embeddings.norm.weight'), get('embeddings.norm.bias'), c.layerNormEps);
  for (let l = 0; l < c.layers; l++) {
    const pre = `layers.${l}.`;
    const lin = (name: string, inp: Float64Array, inF: number, outF: number) => linear(inp, N, inF, get(`${pre}${name}.weight`), get(`${pre}${name}.bias`), outF);
    const norm = (name: string, inp: Float64Array) => layerNorm(inp, N, d, get(`${pre}${name}.weight`), get(`${pre}${name}.bias`), c.layerNormEps);
    const xa = preNorm ? norm('attention_norm', x) : x;
    const q = lin('attention.query', xa, d, d);
    const kvIn = placement === 'sasrec' ? x : xa;
    const k = lin('attention.key', kvIn, d, d);
    const v = lin('attention.value', kvIn, d, d);
    const a = new Float64Array(N * d);
    const s = new Float64Array(L);
    const sees = (b: number, i: number, j: number) => keyMask[b * L + j] !== 0 && (!causal || j <= i);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        for (let i = 0; i < L; i++) {
          let mx = -Infinity;
          for (let j = 0; j < L; j++) {
            if (!sees(b, i, j)) continue;
            let dot = 0;
            for (let e = 0; e < dh; e++) dot += q[(b * L + i) * d + h * dh + e] * k[(b * L + j) * d + h * dh + e];
            s[j] = dot / Math.sqrt(dh);
            mx = Math.max(mx, s[j]);
          }
          if (mx === -Infinity) continue; // no valid key: zeros
          let z = 0;
          for (let j = 0; j < L; j++) if (sees(b, i, j)) z += Math.exp(s[j] - mx);
          for (let j = 0; j < L; j++) {
            if (!sees(b, i, j)) continue;
            const w = Math.exp(s[j] - mx) / z;
            for (let e = 0; e < dh; e++) a[(b * L + i) * d + h * dh + e] += w * v[(b * L + j) * d + h * dh + e];
          }
        }
      }
    }
    const o = lin('attention.output', a, d, d);
    const res1 = placement === 'sasrec' ? xa : x;
    for (let t = 0; t < o.length; t++) o[t] += res1[t];
    x = preNorm ? o : norm('attention_norm', o);
    const xf = preNorm ? norm('ffn_norm', x) : x;
    const f1 = lin('ffn.intermediate', xf, d, c.ffn).map((t) => gelu(t, c.gelu));
    const f2 = lin('ffn.output', f1, c.ffn, d);
    const res2 = placement === 'sasrec' ? xf : x;
    for (let t = 0; t < f2.length; t++) f2[t] += res2[t];
    x = preNorm ? f2 : norm('ffn_norm', f2);
  }
  return preNorm ? layerNorm(x, N, d, get('final_norm.weight'), get('final_norm.bias'), c.layerNormEps) : x;
}

export function referenceForward(p: P, c: Bert4RecConfig, vocab: number, ids: Int32Array, keyMask: Int32Array, B: number, rows: Int32Array, targets: Int32Array) {
  const d = c.hidden;
  const get = (k: string) => {
    const v = p.get(k);
    if (!v) throw new Error(`reference: missing ${k}`);
    return v;
  };
  const item = get('embeddings.item');
  const x = referenceEncoder(p, c, ids, keyMask, B);
  const R = rows.length;
  const g = new Float64Array(R * d);
  for (let r = 0; r < R; r++) for (let i = 0; i < d; i++) g[r * d + i] = x[rows[r] * d + i];
  const t1 = linear(g, R, d, get('head.dense_weight'), get('head.dense_bias'), d).map((t) => gelu(t, c.gelu));
  const hn = layerNorm(t1, R, d, get('head.norm.weight'), get('head.norm.bias'), c.layerNormEps);
  const logits = linear(hn, R, d, item, get('head.output_bias'), vocab);
  let loss = 0;
  let count = 0;
  for (let r = 0; r < R; r++) {
    const t = targets[r];
    if (t < 0) continue;
    let mx = -Infinity;
    for (let j = 0; j < vocab; j++) mx = Math.max(mx, logits[r * vocab + j]);
    let z = 0;
    for (let j = 0; j < vocab; j++) z += Math.exp(logits[r * vocab + j] - mx);
    loss += Math.log(z) + mx - logits[r * vocab + t];
    count++;
  }
  return { logits, loss: count ? loss / count : 0 };
}

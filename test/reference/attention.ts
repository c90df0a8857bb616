// Float64 reference of multi-head attention with a key mask (and optionally causal: query i
// reads keys j <= i) and dropout on the probabilities.
// q, k, v, out: [B, L, d] (head j = columns j*dh..), mask [B, L] (nonzero = valid key),
// lse [B, heads, L]. Dropout keeps (b, head, i, j) when rng_u32(seed, ((b*heads+head)*L+i)*L+j)
// >= floor(p * 2^32) (index mod 2^32) and scales kept probabilities by 1/(1-p).
import { dropoutKeeps } from './rng.js';

export interface RefAttentionDims {
  B: number;
  L: number;
  d: number;
  heads: number;
  dropout?: { p: number; seed: number };
  /** Query i reads keys j <= i only. */
  causal?: boolean;
}

/** keep_ij / (1 - p) for one row: factor[j], 1 everywhere without dropout. */
function dropFactors(dims: RefAttentionDims, b: number, head: number, i: number): Float64Array {
  const { L, heads, dropout } = dims;
  const f = new Float64Array(L).fill(1);
  if (!dropout || dropout.p === 0) return f;
  for (let j = 0; j < L; j++) {
    const index = (((b * heads + head) * L + i) * L + j) % 4294967296;
    f[j] = dropoutKeeps(dropout.seed, index, dropout.p) ? 1 / (1 - dropout.p) : 0;
  }
  return f;
}

/** Softmax probabilities P[j] of one row over the valid keys (all 0 when none), and its lse. */
function rowProbs(q: Float64Array, k: Float64Array, mask: ArrayLike<number>, dims: RefAttentionDims, b: number, head: number, i: number) {
  const { L, d, heads } = dims;
  const dh = d / heads;
  const scale = 1 / Math.sqrt(dh);
  const s = new Float64Array(L);
  let m = -Infinity;
  const last = dims.causal ? i : L - 1;
  const valid = (j: number) => j <= last && !!mask[b * L + j];
  for (let j = 0; j < L; j++) {
    if (!valid(j)) continue;
    let acc = 0;
    for (let e = 0; e < dh; e++) acc += q[(b * L + i) * d + head * dh + e] * k[(b * L + j) * d + head * dh + e];
    s[j] = acc * scale;
    m = Math.max(m, s[j]);
  }
  const P = new Float64Array(L);
  if (m === -Infinity) return { P, lse: 0 };
  let sum = 0;
  for (let j = 0; j < L; j++) if (valid(j)) sum += Math.exp(s[j] - m);
  for (let j = 0; j < L; j++) if (valid(j)) P[j] = Math.exp(s[j] - m) / sum;
  return { P, lse: m + Math.log(sum) };
}

export function refAttention(q: Float64Array, k: Float64Array, v: Float64Array, mask: ArrayLike<number>, dims: RefAttentionDims) {
  const { B, L, d, heads } = dims;
  const dh = d / heads;
  const out = new Float64Array(B * L * d);
  const lse = new Float64Array(B * heads * L);
  for (let b = 0; b < B; b++)
    for (let head = 0; head < heads; head++)
      for (let i = 0; i < L; i++) {
        const { P, lse: l } = rowProbs(q, k, mask, dims, b, head, i);
        const f = dropFactors(dims, b, head, i);
        lse[(b * heads + head) * L + i] = l;
        for (let j = 0; j < L; j++) {
          const w = P[j] * f[j];
          if (w === 0) continue;
          for (let e = 0; e < dh; e++) out[(b * L + i) * d + head * dh + e] += w * v[(b * L + j) * d + head * dh + e];
        }
      }
  return { out, lse };
}

/** Probabilities after dropout, [B, heads, L, L] (what the unfused maskedSoftmax returns). */
export function refMaskedSoftmax(q: Float64Array, k: Float64Array, mask: ArrayLike<number>, dims: RefAttentionDims): Float64Array {
  const { B, L, heads } = dims;
  const out = new Float64Array(B * heads * L * L);
  for (let b = 0; b < B; b++)
    for (let head = 0; head < heads; head++)
      for (let i = 0; i < L; i++) {
        const { P } = rowProbs(q, k, mask, dims, b, head, i);
        const f = dropFactors(dims, b, head, i);
        for (let j = 0; j < L; j++) out[((b * heads + head) * L + i) * L + j] = P[j] * f[j];
      }
  return out;
}

/** Analytic gradients: dS_ij = P_ij (f_ij dO_i.v_j - dO_i.O_i); dq = scale dS k, dk = scale dS^T q, dv = (P f)^T dO. */
export function refAttentionBackward(dOut: Float64Array, q: Float64Array, k: Float64Array, v: Float64Array, mask: ArrayLike<number>, dims: RefAttentionDims) {
  const { B, L, d, heads } = dims;
  const dh = d / heads;
  const scale = 1 / Math.sqrt(dh);
  const { out } = refAttention(q, k, v, mask, dims);
  const dq = new Float64Array(B * L * d);
  const dk = new Float64Array(B * L * d);
  const dv = new Float64Array(B * L * d);
  const at = (b: number, i: number, head: number) => (b * L + i) * d + head * dh;
  for (let b = 0; b < B; b++)
    for (let head = 0; head < heads; head++)
      for (let i = 0; i < L; i++) {
        const { P } = rowProbs(q, k, mask, dims, b, head, i);
        const f = dropFactors(dims, b, head, i);
        const oi = at(b, i, head);
        let D = 0;
        for (let e = 0; e < dh; e++) D += dOut[oi + e] * out[oi + e];
        for (let j = 0; j < L; j++) {
          if (P[j] === 0) continue;
          const oj = at(b, j, head);
          let dp = 0;
          for (let e = 0; e < dh; e++) dp += dOut[oi + e] * v[oj + e];
          const ds = P[j] * (f[j] * dp - D);
          for (let e = 0; e < dh; e++) {
            dq[oi + e] += scale * ds * k[oj + e];
            dk[oj + e] += scale * ds * q[oi + e];
            dv[oj + e] += P[j] * f[j] * dOut[oi + e];
          }
        }
      }
  return { dq, dk, dv };
}

// Float64 reference of layer norm (forward and backward) over the last dim of [R, d].

export interface RefLayerNorm {
  y: Float64Array;
  mean: Float64Array;
  rstd: Float64Array;
  input: Float64Array;
}

/** input = x (+ residual); y = (input - mean) / sqrt(var + eps) * gamma + beta, biased variance. */
export function refLayerNorm(
  x: Float64Array,
  gamma: Float64Array,
  beta: Float64Array,
  R: number,
  d: number,
  eps: number,
  residual?: Float64Array,
): RefLayerNorm {
  const input = residual ? x.map((v, i) => v + residual[i]) : Float64Array.from(x);
  const y = new Float64Array(R * d);
  const mean = new Float64Array(R);
  const rstd = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += input[r * d + c];
    const m = s / d;
    let v = 0;
    for (let c = 0; c < d; c++) v += (input[r * d + c] - m) ** 2;
    const rs = 1 / Math.sqrt(v / d + eps);
    mean[r] = m;
    rstd[r] = rs;
    for (let c = 0; c < d; c++) y[r * d + c] = (input[r * d + c] - m) * rs * gamma[c] + beta[c];
  }
  return { y, mean, rstd, input };
}

export interface RefLayerNormGrads {
  dx: Float64Array;
  dgamma: Float64Array;
  dbeta: Float64Array;
}

/** Analytic backward from the input (mean and rstd recomputed in float64). */
export function refLayerNormBackward(dy: Float64Array, input: Float64Array, gamma: Float64Array, R: number, d: number, eps: number): RefLayerNormGrads {
  const { mean, rstd } = refLayerNorm(input, gamma, new Float64Array(d), R, d, eps);
  const dx = new Float64Array(R * d);
  const dgamma = new Float64Array(d);
  const dbeta = new Float64Array(d);
  for (let r = 0; r < R; r++) {
    let mg = 0;
    let mgx = 0;
    for (let c = 0; c < d; c++) {
      const xh = (input[r * d + c] - mean[r]) * rstd[r];
      const g = dy[r * d + c] * gamma[c];
      mg += g;
      mgx += g * xh;
      dgamma[c] += dy[r * d + c] * xh;
      dbeta[c] += dy[r * d + c];
    }
    mg /= d;
    mgx /= d;
    for (let c = 0; c < d; c++) {
      const xh = (input[r * d + c] - mean[r]) * rstd[r];
      dx[r * d + c] = rstd[r] * (dy[r * d + c] * gamma[c] - mg - xh * mgx);
    }
  }
  return { dx, dgamma, dbeta };
}

/** Column sums of [R, C]. */
export function refSumRows(x: Float64Array, R: number, C: number): Float64Array {
  const out = new Float64Array(C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c] += x[r * C + c];
  return out;
}

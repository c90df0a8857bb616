// Dense float64 linear algebra for projecting item embeddings: the covariance of a row set,
// the eigen-decomposition of a symmetric matrix (Householder tridiagonalisation, then the
// implicit QL method: EISPACK tred2/tql2, as in JAMA), and PCA on top of both. Deterministic:
// no random start, a fixed operation order, and a fixed sign for every eigenvector.
// Platform-neutral (no imports).

export interface SymmetricEigen {
  /** Eigenvalues in descending order. */
  values: Float64Array;
  /** Eigenvectors as the columns of an n x n row-major matrix: vectors[r * n + k] is component r of vector k. */
  vectors: Float64Array;
}

/**
 * Eigen-decomposition of a symmetric n x n matrix (row-major; only the lower triangle is read).
 * Eigenvalues descending; each eigenvector is normalised and signed so that its component of
 * largest magnitude (the first such on a tie) is positive, which makes the result reproducible.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new RangeError(`symmetricEigen: expected ${n * n} values for ${n} x ${n}, got ${a.length}`);
  // V holds the matrix (symmetrised from the lower triangle); W = V ends up with the eigenvectors as rows.
  const V: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(n);
    for (let j = 0; j < n; j++) row[j] = i >= j ? a[i * n + j] : a[j * n + i];
    V.push(row);
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // Both steps work on the transpose of JAMA's V (same arithmetic; the inner loops run along rows).
  const W = V;
  if (n > 0) {
    tred2(W, d, e, n);
    tql2(W, d, e, n);
  }
  // Sort descending (stable over the ascending order tql2 leaves) and fix signs.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x] || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const src = order[k];
    values[k] = d[src];
    let best = 0;
    let bestAbs = -1;
    let norm = 0;
    for (let r = 0; r < n; r++) {
      const v = W[src][r];
      norm += v * v;
      if (Math.abs(v) > bestAbs) {
        bestAbs = Math.abs(v);
        best = r;
      }
    }
    const s = (W[src][best] < 0 ? -1 : 1) / (Math.sqrt(norm) || 1);
    for (let r = 0; r < n; r++) vectors[r * n + k] = W[src][r] * s;
  }
  return { values, vectors };
}

/**
 * Householder reduction to tridiagonal form (EISPACK tred2), written on the transpose U = V^T of
 * JAMA's V (every V[a][b] reads U[b][a]) so that its inner loops run along rows. U in: the
 * symmetric matrix (its own transpose); out: the transpose of the transformation, as tql2 takes it.
 */
function tred2(U: Float64Array[], d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = U[j][n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = U[j][i - 1];
        U[j][i] = 0;
        U[i][j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        U[i][j] = f;
        g = e[j] + U[j][j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += U[j][k] * d[k];
          e[k] += U[j][k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) U[j][k] -= f * e[k] + g * d[k];
        d[j] = U[j][i - 1];
        U[j][i] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    U[i][n - 1] = U[i][i];
    U[i][i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = U[i + 1][k] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += U[i + 1][k] * U[j][k];
        for (let k = 0; k <= i; k++) U[j][k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) U[i + 1][k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = U[j][n - 1];
    U[j][n - 1] = 0;
  }
  U[n - 1][n - 1] = 1;
  e[0] = 0;
}

/**
 * Symmetric tridiagonal QL with implicit shifts (EISPACK tql2); eigenvalues end up ascending in d.
 * W is the TRANSPOSE of tred2's V: W[k] is the k-th eigenvector when it returns.
 */
function tql2(W: Float64Array[], d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error('symmetricEigen: the QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const wi = W[i];
          const wi1 = W[i + 1];
          for (let k = 0; k < n; k++) {
            h = wi1[k];
            wi1[k] = s * wi[k] + c * h;
            wi[k] = c * wi[k] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** Column means of a rows x cols row-major matrix (float64). */
export function columnMeans(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) mean[c] += x[o + c];
  }
  for (let c = 0; c < cols; c++) mean[c] /= rows || 1;
  return mean;
}

/**
 * Covariance (divided by rows, the population form) of the rows of x after subtracting `mean`:
 * a cols x cols row-major matrix, lower triangle computed and mirrored.
 */
export function covariance(x: ArrayLike<number>, rows: number, cols: number, mean: Float64Array): Float64Array {
  const cov = new Float64Array(cols * cols);
  // Four rows per pass over the lower triangle: a quarter of the memory traffic on `cov`.
  const a = new Float64Array(cols);
  const b = new Float64Array(cols);
  const c = new Float64Array(cols);
  const d = new Float64Array(cols);
  const centre = (dst: Float64Array, r: number) => {
    if (r >= rows) return dst.fill(0);
    const o = r * cols;
    for (let j = 0; j < cols; j++) dst[j] = x[o + j] - mean[j];
  };
  for (let r = 0; r < rows; r += 4) {
    centre(a, r);
    centre(b, r + 1);
    centre(c, r + 2);
    centre(d, r + 3);
    for (let i = 0; i < cols; i++) {
      const ai = a[i];
      const bi = b[i];
      const ci = c[i];
      const di = d[i];
      const oi = i * cols;
      for (let j = 0; j <= i; j++) cov[oi + j] += ai * a[j] + bi * b[j] + ci * c[j] + di * d[j];
    }
  }
  const inv = 1 / (rows || 1);
  for (let i = 0; i < cols; i++) {
    for (let j = 0; j <= i; j++) {
      const v = cov[i * cols + j] * inv;
      cov[i * cols + j] = v;
      cov[j * cols + i] = v;
    }
  }
  return cov;
}

export interface PcaResult {
  /** rows x k projected coordinates (float64), row-major: the centred rows times the top-k components. */
  projected: Float64Array;
  k: number;
  /** The column means that were subtracted. */
  mean: Float64Array;
  /** cols x k: the top-k principal directions as columns (signed as symmetricEigen does). */
  components: Float64Array;
  /** All eigenvalues of the covariance, descending (variances along each direction). */
  eigenvalues: Float64Array;
  /** Share of the total variance the k components keep (1 when the total is 0). */
  explainedVariance: number;
}

/**
 * Principal component analysis of the rows of x (rows x cols, row-major), in float64: centre,
 * take the covariance's eigen-decomposition, project onto the top-k eigenvectors. k <= cols.
 */
export function pca(x: ArrayLike<number>, rows: number, cols: number, k: number): PcaResult {
  if (!(k >= 1 && k <= cols)) throw new RangeError(`pca: k must be in 1..${cols}, got ${k}`);
  const mean = columnMeans(x, rows, cols);
  const cov = covariance(x, rows, cols, mean);
  const { values, vectors } = symmetricEigen(cov, cols);
  const components = new Float64Array(cols * k);
  for (let r = 0; r < cols; r++) for (let j = 0; j < k; j++) components[r * k + j] = vectors[r * cols + j];
  const projected = new Float64Array(rows * k);
  const centred = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) centred[c] = x[r * cols + c] - mean[c];
    const o = r * k;
    for (let c = 0; c < cols; c++) {
      const v = centred[c];
      if (v === 0) continue;
      const oc = c * k;
      for (let j = 0; j < k; j++) projected[o + j] += v * components[oc + j];
    }
  }
  let total = 0;
  let kept = 0;
  for (let i = 0; i < cols; i++) {
    const v = Math.max(values[i], 0);
    total += v;
    if (i < k) kept += v;
  }
  return { projected, k, mean, components, eigenvalues: values, explainedVariance: total > 0 ? kept / total : 1 };
}

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
  // V holds the matrix (symmetrised from the lower triangle), and becomes the eigenvectors.
  const V: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(n);
    for (let j = 0; j < n; j++) row[j] = i >= j ? a[i * n + j] : a[j * n + i];
    V.push(row);
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) {
    tred2(V, d, e, n);
    tql2(V, d, e, n);
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
      const v = V[r][src];
      norm += v * v;
      if (Math.abs(v) > bestAbs) {
        bestAbs = Math.abs(v);
        best = r;
      }
    }
    const s = (V[best][src] < 0 ? -1 : 1) / (Math.sqrt(norm) || 1);
    for (let r = 0; r < n; r++) vectors[r * n + k] = V[r][src] * s;
  }
  return { values, vectors };
}

/** Householder reduction to tridiagonal form (EISPACK tred2). V in: the matrix; out: the transformation. */
function tred2(V: Float64Array[], d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[n - 1][j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[i - 1][j];
        V[i][j] = 0;
        V[j][i] = 0;
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
        V[j][i] = f;
        g = e[j] + V[j][j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k][j] * d[k];
          e[k] += V[k][j] * f;
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
        for (let k = j; k <= i - 1; k++) V[k][j] -= f * e[k] + g * d[k];
        d[j] = V[i - 1][j];
        V[i][j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[n - 1][i] = V[i][i];
    V[i][i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k][i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k][i + 1] * V[k][j];
        for (let k = 0; k <= i; k++) V[k][j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k][i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[n - 1][j];
    V[n - 1][j] = 0;
  }
  V[n - 1][n - 1] = 1;
  e[0] = 0;
}

/** Symmetric tridiagonal QL with implicit shifts (EISPACK tql2); eigenvalues end up ascending in d. */
function tql2(V: Float64Array[], d: Float64Array, e: Float64Array, n: number): void {
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
          for (let k = 0; k < n; k++) {
            h = V[k][i + 1];
            V[k][i + 1] = s * V[k][i] + c * h;
            V[k][i] = c * V[k][i] - s * h;
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
  const centred = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) centred[c] = x[o + c] - mean[c];
    for (let i = 0; i < cols; i++) {
      const ci = centred[i];
      if (ci === 0) continue;
      const oi = i * cols;
      for (let j = 0; j <= i; j++) cov[oi + j] += ci * centred[j];
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

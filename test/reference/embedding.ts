// Float64 references of embedding gather / scatter-add (runtime/ops/embedding.ts).

/** table [V, d], ids [n] -> [n, d]; ids outside [0, V) give zero rows. */
export function refEmbeddingGather(table: Float64Array, ids: ArrayLike<number>, V: number, d: number): Float64Array {
  const out = new Float64Array(ids.length * d);
  for (let r = 0; r < ids.length; r++) {
    const t = ids[r];
    if (t < 0 || t >= V) continue;
    for (let c = 0; c < d; c++) out[r * d + c] = table[t * d + c];
  }
  return out;
}

/** dOut [n, d], ids [n] -> dTable [V, d] = sum of dOut rows per id. */
export function refEmbeddingScatterAdd(dOut: Float64Array, ids: ArrayLike<number>, V: number, d: number): Float64Array {
  const out = new Float64Array(V * d);
  for (let r = 0; r < ids.length; r++) {
    const t = ids[r];
    if (t < 0 || t >= V) continue;
    for (let c = 0; c < d; c++) out[t * d + c] += dOut[r * d + c];
  }
  return out;
}

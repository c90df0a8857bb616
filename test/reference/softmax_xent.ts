// Float64 reference of softmax cross-entropy (runtime/ops/softmax_xent.ts).

export interface RefXent {
  loss: number;
  rowLoss: Float64Array;
  dlogits: Float64Array;
  count: number;
}

/** Counted rows: t != ignoreIndex and 0 <= t < V. */
export function refXentCounted(t: number, V: number, ignoreIndex: number): boolean {
  return t !== ignoreIndex && t >= 0 && t < V;
}

/** logits [R, V], targets [R] -> mean loss over counted rows, row losses, dlogits of the mean loss. */
export function refSoftmaxXent(logits: Float64Array, targets: ArrayLike<number>, R: number, V: number, ignoreIndex = -1): RefXent {
  const rowLoss = new Float64Array(R);
  const dlogits = new Float64Array(R * V);
  let count = 0;
  for (let r = 0; r < R; r++) if (refXentCounted(targets[r], V, ignoreIndex)) count++;
  let total = 0;
  for (let r = 0; r < R; r++) {
    const t = targets[r];
    if (!refXentCounted(t, V, ignoreIndex)) continue;
    let m = -Infinity;
    for (let j = 0; j < V; j++) m = Math.max(m, logits[r * V + j]);
    let s = 0;
    for (let j = 0; j < V; j++) s += Math.exp(logits[r * V + j] - m);
    const lse = m + Math.log(s);
    rowLoss[r] = lse - logits[r * V + t];
    total += rowLoss[r];
    for (let j = 0; j < V; j++) dlogits[r * V + j] = (Math.exp(logits[r * V + j] - lse) - (j === t ? 1 : 0)) / count;
  }
  return { loss: count > 0 ? total / count : 0, rowLoss, dlogits, count };
}

// The last layer's queries for the peers' batched attention (bench/tfjs, bench/jax). Ours
// computes the last layer's attention only at the masked rows, ragged (runtime/ops/attention.ts
// queryRows); a dense [B, Qmax] layout is the peers' way to do the same with batched matmuls:
// Qmax = the most masked rows of one sequence, sequence b's slots hold its masked rows, then
// b * L (a filler whose output is not read).

export interface QueryLayout {
  /** Queries per sequence. */
  qmax: number;
  /** [B * qmax] flat row indices b * L + t whose queries the last layer computes. */
  queryRows: Int32Array;
  /** [R] the slot of each masked row among queryRows. */
  queryOut: Int32Array;
}

export function queryLayout(B: number, L: number, maskedRows: Int32Array): QueryLayout {
  const count = new Int32Array(B);
  const slot = maskedRows.map((row) => count[Math.floor(row / L)]++);
  const qmax = Math.max(1, ...count);
  const queryRows = Int32Array.from({ length: B * qmax }, (_, e) => Math.floor(e / qmax) * L);
  const queryOut = maskedRows.map((row, r) => Math.floor(row / L) * qmax + slot[r]);
  maskedRows.forEach((row, r) => (queryRows[queryOut[r]] = row));
  return { qmax, queryRows, queryOut };
}

// Item popularity (interaction counts) and the most-popular baseline's scores.

/** counts[i] = occurrences of item i (1..numItems) in the sequences; length numItems + 2 (PAD and MASK stay 0). */
export function itemCounts(sequences: Int32Array[], numItems: number): Float64Array {
  const c = new Float64Array(numItems + 2);
  for (const s of sequences) {
    for (let k = 0; k < s.length; k++) {
      const i = s[k];
      if (i >= 1 && i <= numItems) c[i]++;
    }
  }
  return c;
}

/** Most-popular baseline: every user gets the same scores, the items' training counts. */
export function mostPopularScores(counts: Float64Array): Float32Array {
  return Float32Array.from(counts);
}

// Evaluation protocols: which candidates the held-out item is ranked among.
//   full            every item 1..V except the user's history (the target stays rankable)
//   popularity:N    the target + N negatives drawn by popularity (the BERT4Rec paper's, N = 100)
//   uniform:N       the target + N negatives drawn uniformly (RecBole's uni50 / uni100)
// Sampled negatives are never an item of the user's whole sequence, drawn without replacement;
// when fewer than N items are eligible, all of them are used.
import { EvalSpecError } from './metric-defs.js';
import type { EvalSet } from './inputs.js';
import { buildSampledCandidates } from './negatives.js';

export type Protocol = { kind: 'full' } | { kind: 'popularity' | 'uniform'; count: number };

export function protocolName(p: Protocol): string {
  return p.kind === 'full' ? 'full' : `${p.kind}:${p.count}`;
}

/** A description for tables, e.g. "100 popularity-sampled negatives". */
export function describeProtocol(p: Protocol, numItems: number): string {
  if (p.kind === 'full') return `full ranking over ${numItems} items without the history`;
  return `target + ${p.count} ${p.kind === 'popularity' ? 'popularity' : 'uniformly'}-sampled negatives`;
}

/** "full,popularity:100,uniform:50" (also RecBole's "uni50" and "pop100"). Order kept, repeats rejected. */
export function parseProtocols(text: string): Protocol[] {
  const parts = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (!parts.length) throw new EvalSpecError(`expected a comma-separated list of protocols (full, popularity:N, uniform:N), got '${text}'`);
  const out: Protocol[] = [];
  for (const s of parts) {
    let p: Protocol;
    const m = /^(popularity|pop|uniform|uni):?(\d+)$/.exec(s);
    if (s === 'full') p = { kind: 'full' };
    else if (m) {
      const count = Number(m[2]);
      if (count < 1) throw new EvalSpecError(`protocol '${s}': the number of negatives must be >= 1`);
      p = { kind: m[1].startsWith('pop') ? 'popularity' : 'uniform', count };
    } else throw new EvalSpecError(`unknown protocol '${s}' (expected full, popularity:N or uniform:N, e.g. uniform:100)`);
    if (out.some((q) => protocolName(q) === protocolName(p))) throw new EvalSpecError(`protocol '${protocolName(p)}' is listed twice`);
    out.push(p);
  }
  return out;
}

/**
 * Candidate lists for a sampled protocol (null for full ranking). `popularity`: per item id,
 * e.g. itemCounts(dataset.sequences). Uniform draws use their own random stream, so adding a
 * protocol does not change the candidates of another.
 */
export function protocolCandidates(set: EvalSet, p: Protocol, popularity: ArrayLike<number>, seed: number): Int32Array[] | null {
  if (p.kind === 'full') return null;
  if (p.kind === 'popularity') return buildSampledCandidates(set, popularity, { count: p.count, seed });
  const ones = new Float64Array(set.numItems + 2).fill(1);
  ones[0] = 0;
  ones[set.numItems + 1] = 0;
  return buildSampledCandidates(set, ones, { count: p.count, seed, stream: 'uniform' });
}

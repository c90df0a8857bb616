// Numerics checks for training loops: find the first tensor that went NaN/Inf.
import { OpArgumentError } from './errors.js';
import { countNonFinite } from './ops/nonfinite.js';
import type { Tensor } from './tensor.js';

/** Tensors by name, as a plain object or a Map: what checkFinite and nonFiniteCounts inspect. */
export type NamedTensors = Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>;

function entriesOf(tensors: NamedTensors): Array<[string, Tensor]> {
  if (tensors instanceof Map) return [...(tensors as ReadonlyMap<string, Tensor>)];
  if (typeof tensors !== 'object' || tensors === null) throw new OpArgumentError('checkFinite', 'expects a Record or Map of named tensors');
  return Object.entries(tensors as Record<string, Tensor>);
}

/**
 * The number of NaN/±Inf elements of each named tensor, in the given order. Counted on the
 * device (one dispatch per f32 tensor, one readback of all counts).
 */
export async function nonFiniteCounts(tensors: NamedTensors): Promise<Array<{ name: string; count: number; size: number }>> {
  const entries = entriesOf(tensors);
  if (entries.length === 0) return [];
  const counts = countNonFinite(entries.map(([, t]) => t));
  try {
    const c = await counts.data();
    return entries.map(([name, t], i) => ({ name, count: c[i], size: t.size }));
  } finally {
    counts.dispose();
  }
}

/**
 * The name of the first tensor (in the order given) holding a NaN or an infinity, or null when
 * all are finite. A trainer passes e.g. { loss, ...grads, ...params } after a step and stops with
 * `step ${step}: '${name}' went non-finite`.
 */
export async function checkFinite(tensors: NamedTensors): Promise<string | null> {
  for (const { name, count } of await nonFiniteCounts(tensors)) if (count > 0) return name;
  return null;
}

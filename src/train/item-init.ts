// Pre-trained item embeddings at the start of training (--item-embeddings FILE): the vectors,
// keyed by the data set's original item ids, are aligned to the dense ids (src/data/item-embeddings.ts)
// and reach the hidden size d by --item-projection:
//   'pca' / 'none': projected (or taken as they are) and written into the covered items' rows
//                   of the item table; the other rows keep their random initialisation;
//   'linear':       the raw vectors (rescaled) go into the model's fixed item_vectors [V+2, D] and
//                   a trainable item_projection [D, d] maps them (model.itemVectorDim = D); the
//                   covered rows of the residual table start at 0, so those items start at P W.
// While --freeze-item-embeddings N holds (epochs 1..N), what came from the file (the covered rows,
// and for 'linear' the projection) is put back after every optimizer step, so only the other
// items and the rest of the model learn.
// Platform-neutral (the CLI reads the file through src/train/item-init-file.ts; the demo and
// Deno pass parsed vectors).
import type { Bert4RecConfig, TrainConfig } from '../config.js';
import { alignItemEmbeddings, type ItemEmbeddings } from '../data/item-embeddings.js';
import type { Dataset } from '../data/preprocess.js';
import type { SequenceRecommender } from '../model/recommender.js';

export interface PretrainedItems {
  projection: 'pca' | 'none' | 'linear';
  /** [V, width]: row i - 1 holds dense item i (meaningful where covered); width d, or D for 'linear'. */
  table: Float32Array;
  width: number;
  /** Per dense item 1..V at index i - 1: 1 when the file had a vector for it. */
  covered: Uint8Array;
  coveredCount: number;
  report: string;
}

/** Aligns parsed item vectors to the data set's items and the model's width (see the file comment). */
export function preparePretrainedItems(vectors: ItemEmbeddings, tc: Pick<TrainConfig, 'itemEmbeddingsProjection'>, mc: Bert4RecConfig, dataset: Pick<Dataset, 'itemIds' | 'numItems'>): PretrainedItems {
  const projection = tc.itemEmbeddingsProjection ?? 'pca';
  // 'linear' keeps the source width: aligned and rescaled, not projected.
  const width = projection === 'linear' ? vectors.dim : mc.hidden;
  const a = alignItemEmbeddings(vectors, { itemIds: dataset.itemIds, numItems: dataset.numItems, hidden: width, projection: projection === 'linear' ? 'none' : projection, targetStd: mc.initStd });
  const report = projection === 'linear' ? `${a.report}; a trainable linear projection ${width} -> ${mc.hidden}` : a.report;
  return { projection, table: a.table, width, covered: a.covered, coveredCount: a.coveredCount, report };
}

/** The model config a run with these vectors needs ('linear': the projection's input width). */
export function withItemVectors(mc: Bert4RecConfig, p: PretrainedItems | null): Bert4RecConfig {
  return p?.projection === 'linear' ? { ...mc, itemVectorDim: p.width } : mc;
}

/** Writes the vectors into the model (see the file comment). */
export async function writePretrainedItems(model: SequenceRecommender, p: PretrainedItems): Promise<void> {
  const params = new Map(model.namedParameters());
  const item = params.get('embeddings.item')!;
  const d = item.shape[1];
  const rows = async (name: string, width: number, value: (i: number) => Float32Array) => {
    const t = params.get(name);
    if (!t) throw new Error(`item embeddings: the model has no parameter ${name}`);
    const w = Float32Array.from((await t.data()) as Float32Array);
    for (let i = 1; i <= model.numItems; i++) if (p.covered[i - 1]) w.set(value(i), i * width);
    await model.loadStateDict({ [name]: w }, { strict: false });
  };
  const fromFile = (i: number) => p.table.subarray((i - 1) * p.width, i * p.width);
  if (p.projection === 'linear') {
    await rows('embeddings.item_vectors', p.width, fromFile);
    await rows('embeddings.item', d, () => new Float32Array(d));
  } else {
    await rows('embeddings.item', d, fromFile);
  }
}

/**
 * Keeps what came from the file fixed (--freeze-item-embeddings): `pin()` restores the covered
 * rows of the item table (and for 'linear' the whole projection) to their values when created.
 */
export class PretrainedPin {
  private constructor(
    private readonly model: SequenceRecommender,
    private readonly saved: { name: string; rows: Uint8Array | null; width: number; values: Float32Array }[],
  ) {}

  static async create(model: SequenceRecommender, p: PretrainedItems): Promise<PretrainedPin> {
    const params = new Map(model.namedParameters());
    const snap = async (name: string, rows: Uint8Array | null) => {
      const t = params.get(name)!;
      return { name, rows, width: t.shape[1], values: Float32Array.from((await t.data()) as Float32Array) };
    };
    const saved = [await snap('embeddings.item', p.covered)];
    if (p.projection === 'linear') saved.push(await snap('embeddings.item_projection', null));
    return new PretrainedPin(model, saved);
  }

  async pin(): Promise<void> {
    const params = new Map(this.model.namedParameters());
    const state: Record<string, Float32Array> = {};
    for (const s of this.saved) {
      if (!s.rows) {
        state[s.name] = s.values;
        continue;
      }
      const w = Float32Array.from((await params.get(s.name)!.data()) as Float32Array);
      for (let i = 1; i <= this.model.numItems; i++) if (s.rows[i - 1]) w.set(s.values.subarray(i * s.width, (i + 1) * s.width), i * s.width);
      state[s.name] = w;
    }
    await this.model.loadStateDict(state, { strict: false });
  }
}

// Node: the run's --item-embeddings file, read and aligned (src/train/item-init.ts).
import type { Bert4RecConfig, TrainConfig } from '../config.js';
import { readItemEmbeddingsFile } from '../data/node/item-embeddings-file.js';
import type { Dataset } from '../data/preprocess.js';
import { preparePretrainedItems, type PretrainedItems } from './item-init.js';

/** Reads and aligns the run's item embeddings; null when the run has none. */
export async function loadPretrainedItems(tc: TrainConfig, mc: Bert4RecConfig, dataset: Pick<Dataset, 'itemIds' | 'numItems'>): Promise<PretrainedItems | null> {
  if (!tc.itemEmbeddings) return null;
  const vectors = await readItemEmbeddingsFile(tc.itemEmbeddings, tc.itemEmbeddingsIds ? { idsPath: tc.itemEmbeddingsIds } : {});
  return preparePretrainedItems(vectors, tc, mc, dataset);
}

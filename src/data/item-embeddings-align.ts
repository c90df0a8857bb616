// Aligning pre-trained item vectors (keyed by original item ids) to a data set's dense item ids,
// and projecting them to the model's hidden size. Platform-neutral.
import { ItemEmbeddingsError, type ItemEmbeddings } from './item-embeddings-parse.js';
import { pca } from './pca.js';

export type ItemEmbeddingProjection = 'pca' | 'none';

export interface AlignItemEmbeddingsOptions {
  /** Dense -> original item id, index 0 = PAD (-1), as Dataset.itemIds (src/data/preprocess.ts). */
  itemIds: Int32Array;
  /** V: dense items are 1..V. */
  numItems: number;
  /** The model's embedding width. */
  hidden: number;
  /** 'pca' (project / centre / zero-pad to `hidden`) or 'none' (D must equal `hidden`; used as given). */
  projection: ItemEmbeddingProjection;
  /** The standard deviation the covered rows get (the model's embedding init std). */
  targetStd: number;
}

export interface AlignedItemEmbeddings {
  /** [numItems, outDim] row-major: row i-1 = dense item i. Rows of uncovered items are 0. */
  table: Float32Array;
  outDim: number;
  /** 1 where dense item i (at index i-1) has a vector in the file. */
  covered: Uint8Array;
  coveredCount: number;
  /** D, the width in the file. */
  sourceDim: number;
  /** Vectors in the file whose id is not an item of the data set. */
  unusedVectors: number;
  /** Share of the covered rows' variance kept by the PCA projection; null when nothing was dropped (D <= hidden, or 'none'). */
  explainedVariance: number | null;
  /** The factor the projected rows were multiplied by to reach targetStd (0 when they had no spread). */
  scale: number;
  /** One line for the log, e.g. "item embeddings: 3,380 of 3,416 items covered (98.9%) from FILE, ...". */
  report: string;
}

/** 3416 -> "3,416" (no Intl: the same in every engine). */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function plural(n: number, one: string, many: string): string {
  return `${thousands(n)} ${n === 1 ? one : many}`;
}

/**
 * Places the file's vectors on the data set's dense items and brings them to the model's width:
 *
 * - Alignment: dense item i (1..numItems) takes the vector whose id equals `itemIds[i]`; items
 *   without one are "uncovered" (`covered[i-1] = 0`) and their table rows stay 0 — the caller
 *   fills them, e.g. with the model's random init. No overlap at all is an ItemEmbeddingsError.
 * - Projection ('pca'), computed in float64 over the covered rows only: when D > hidden the
 *   rows are centred and projected onto the top-`hidden` principal components of their
 *   covariance (eigen-decomposition by Householder + QL, each component signed so that its
 *   largest entry is positive: the same input gives the same bytes); when D == hidden they are
 *   centred only (no rotation); when D < hidden they are centred and columns D+1..hidden are 0.
 *   'none' uses the vectors as given (not centred) and needs D == hidden.
 * - Scaling: the projected covered rows are multiplied by one factor so that the standard
 *   deviation of all their entries (about the mean of all entries, which is 0 after centring;
 *   zero-padded columns left out) equals `targetStd`, the std the model gives its item
 *   embeddings at init: a pre-trained table then starts at the scale the rest of the network
 *   expects, and only its directions carry the prior knowledge.
 */
export function alignItemEmbeddings(vectors: ItemEmbeddings, options: AlignItemEmbeddingsOptions): AlignedItemEmbeddings {
  const { itemIds, numItems, hidden, projection, targetStd } = options;
  const { file, dim: D } = vectors;
  if (!Number.isInteger(numItems) || numItems < 0 || itemIds.length < numItems + 1) {
    throw new RangeError(`alignItemEmbeddings: itemIds holds ${itemIds.length} entries, needs numItems + 1 = ${numItems + 1} (index 0 = PAD)`);
  }
  if (!Number.isInteger(hidden) || hidden < 1) throw new RangeError(`alignItemEmbeddings: hidden must be a positive integer, got ${hidden}`);
  if (!(Number.isFinite(targetStd) && targetStd > 0)) throw new RangeError(`alignItemEmbeddings: targetStd must be a positive number, got ${targetStd}`);
  if (projection !== 'pca' && projection !== 'none') throw new RangeError(`alignItemEmbeddings: projection must be 'pca' or 'none', got ${JSON.stringify(projection)}`);
  if (projection === 'none' && D !== hidden) {
    throw new ItemEmbeddingsError(file, 0, `the vectors have D=${D} but the model's hidden size is ${hidden}; with projection 'none' they must be equal: use projection 'pca' (or apply a linear projection to ${hidden} dimensions before saving the file)`);
  }

  const rowOf = new Map<number, number>();
  for (let r = 0; r < vectors.count; r++) rowOf.set(vectors.ids[r], r);
  const covered = new Uint8Array(numItems);
  const coveredRows: number[] = []; // file row of each covered dense item, in dense order
  const coveredItems: number[] = [];
  for (let i = 1; i <= numItems; i++) {
    const r = rowOf.get(itemIds[i]);
    if (r === undefined) continue;
    covered[i - 1] = 1;
    coveredRows.push(r);
    coveredItems.push(i);
  }
  const c = coveredRows.length;
  if (c === 0) {
    const fileIds = Array.from(vectors.ids.subarray(0, 5)).join(', ');
    const dataIds = Array.from(itemIds.subarray(1, Math.min(6, numItems + 1))).join(', ');
    throw new ItemEmbeddingsError(file, 0, `no overlap: none of its ${thousands(vectors.count)} item ids is an item of the data set (file ids ${fileIds}${vectors.count > 5 ? ', ...' : ''}; data set ids ${dataIds}${numItems > 5 ? ', ...' : ''}); the ids must be the data set's ORIGINAL item ids`);
  }

  // The covered rows as float64 [c, D].
  const x = new Float64Array(c * D);
  for (let k = 0; k < c; k++) {
    const src = coveredRows[k] * D;
    for (let j = 0; j < D; j++) x[k * D + j] = vectors.vectors[src + j];
  }

  const realDim = Math.min(D, hidden);
  let projected: Float64Array; // [c, realDim]
  let explainedVariance: number | null = null;
  let how: string;
  if (projection === 'none') {
    projected = x;
    how = `D=${D}, used as given (projection 'none')`;
  } else if (D > hidden) {
    const p = pca(x, c, D, hidden);
    projected = p.projected;
    explainedVariance = p.explainedVariance;
    how = `D=${D} -> ${hidden} by PCA (explained variance ${(100 * explainedVariance).toFixed(1)}%)`;
  } else {
    projected = x;
    const mean = new Float64Array(D);
    for (let k = 0; k < c; k++) for (let j = 0; j < D; j++) mean[j] += x[k * D + j];
    for (let j = 0; j < D; j++) mean[j] /= c;
    for (let k = 0; k < c; k++) for (let j = 0; j < D; j++) projected[k * D + j] -= mean[j];
    how = D === hidden ? `D=${D} = hidden, centred (no projection)` : `D=${D} < hidden ${hidden}: centred, columns ${D + 1}..${hidden} zero-padded`;
  }

  // One factor for all entries: their std (about their overall mean) becomes targetStd.
  const n = c * realDim;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += projected[i];
  const mu = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (projected[i] - mu) ** 2;
  const std = Math.sqrt(ss / n);
  const scale = std > 0 ? targetStd / std : 0;

  const table = new Float32Array(numItems * hidden);
  for (let k = 0; k < c; k++) {
    const o = (coveredItems[k] - 1) * hidden;
    for (let j = 0; j < realDim; j++) table[o + j] = projected[k * realDim + j] * scale;
  }

  const unusedVectors = vectors.count - c;
  const pct = ((100 * c) / numItems).toFixed(1);
  const unused = unusedVectors > 0 ? ` (${thousands(unusedVectors)} of its ${plural(vectors.count, 'vector', 'vectors')} unused: items not in the data set)` : '';
  const scaled = std > 0 ? `scaled to std ${targetStd}` : 'no spread to scale (rows left at 0)';
  const report = `item embeddings: ${thousands(c)} of ${plural(numItems, 'item', 'items')} covered (${pct}%) from ${file}${unused}, ${how}, ${scaled}`;
  return { table, outDim: hidden, covered, coveredCount: c, sourceDim: D, unusedVectors, explainedVariance, scale, report };
}

// Platform-neutral data pipeline (Node-only file and download helpers live in ./node/).
export * from './errors.js';
export * from './rng.js';
export * from './bytes.js';
export * from './interactions.js';
export { parseDelimited, type ColumnRef, type DelimitedSpec, type ParseOptions } from './delimited.js';
export * from './formats.js';
export * from './movies.js';
export * from './movielens-zip.js';
export * from './preprocess.js';
export * from './split.js';
export * from './idmaps.js';
export * from './samples.js';
export * from './masking.js';
export * from './batches.js';
export * from './item-embeddings.js';

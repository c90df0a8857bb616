// Pre-trained item embeddings (`--item-embeddings FILE`, docs/item-embeddings.md): the parsers
// (safetensors, .npy + ids, text lines) and the alignment/projection to a data set's dense items.
// Platform-neutral; the Node file reader is ./node/item-embeddings-file.ts.
export * from './item-embeddings-parse.js';
export * from './item-embeddings-align.js';

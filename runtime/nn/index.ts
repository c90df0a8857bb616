export { Module, ModuleList, type ParamHost, type StateSource } from './module.js';
export { Linear, LayerNorm, type LinearOptions, type LayerNormModuleOptions } from './layers.js';
export { Dropout } from './dropout.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { Rng } from './rng.js';
export * as init from './init.js';
export type { Initializer } from './init.js';

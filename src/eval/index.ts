export * from './inputs.js';
export * from './metrics.js';
export * from './rank.js';
export * from './negatives.js';
export * from './popularity.js';
export * from './evaluate.js';
export * from './metric-defs.js';
export * from './protocols.js';

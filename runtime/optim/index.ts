export { linearWarmupDecay, constantLr, type LrSchedule, type LinearWarmupDecayOptions } from './schedule.js';
export { SGD } from './sgd.js';
export { AdamW, type AdamWOptions, type ParamGroup, type OptimizerState, type OptimizerStateSource } from './adamw.js';

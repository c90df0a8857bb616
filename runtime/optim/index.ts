export { linearWarmupDecay, constantLr, type LrSchedule, type LinearWarmupDecayOptions } from './schedule.js';
export { SGD } from './sgd.js';

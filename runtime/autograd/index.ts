export { backward } from './backward.js';
export { noGrad, noGradAsync, isGradEnabled } from './grad_mode.js';
export { record, needsGrad, discardTape, tapeLength, producerOf, type BackwardFn, type TapeNode } from './tape.js';

// Differentiable ops: each calls the raw op (runtime/ops) and, when an input requires
// grad and recording is on, records its backward on the tape (runtime/autograd).
export { add, sub, mul, scale } from './functional/elementwise.js';
export { sum, mean, sumAll } from './functional/reduce.js';
export { matmul, matmulGrads, type MatmulFlags } from './functional/matmul.js';
export { reshape } from './functional/reshape.js';
export { reduceTo } from './functional/reduce_to.js';
export { linear, type LinearActivation } from './functional/linear.js';
export { layerNorm, type LayerNormArgs } from './functional/layernorm.js';
export { gelu, biasGelu } from './functional/gelu.js';
export { dropout } from './functional/dropout.js';
export { attention } from './functional/attention.js';
export { embedding, gatherRows } from './functional/embedding.js';
export { softmaxCrossEntropy, type SoftmaxCrossEntropyArgs } from './functional/softmax_xent.js';

export { fill } from './fill.js';
export { add, sub, mul, div, binary, type BinaryOpName } from './binary.js';
export { scale } from './scale.js';
export { sum } from './sum.js';
export {
  matmul,
  matmulNaive,
  matmulShape,
  matmulBiasActivation,
  matmulBackward,
  type MatmulOptions,
  type MatmulEpilogueOptions,
  type Activation,
} from './matmul.js';
export { transpose } from './transpose.js';
export { sumRows, sumRowsInto } from './sum_rows.js';
export { layerNorm, layerNormBackward, LAYERNORM_DEFAULT_EPS, LAYERNORM_MAX_D, type LayerNormOptions, type LayerNormResult, type LayerNormGrads } from './layernorm.js';
export { gelu, biasGelu, geluBackward, biasGeluBackward, GELU_APPROX, type GeluApprox } from './gelu.js';
export { dropout, dropoutBackward, dropoutThreshold } from './dropout.js';
export { attention, attentionBackward, attentionUnfused, ATTENTION_MAX_HEAD_DIM, type AttentionOptions, type AttentionResult, type AttentionGrads } from './attention.js';
export { maskedSoftmax, type MaskedSoftmaxOptions, type DropoutOptions } from './masked_softmax.js';
export { softmaxCrossEntropy, type SoftmaxCrossEntropyOptions, type SoftmaxCrossEntropyResult } from './softmax_xent.js';
export { embeddingGather, embeddingScatterAdd, EMBEDDING_CHUNK } from './embedding.js';
export { adamW, ADAMW_DEFAULT_EPS, type AdamWStepOptions } from './adamw.js';
export { gradNormSquared, clipScale, gradNorm, readGradNorm, GRAD_NORM_BLOCK, CLIP_EPS } from './grad_norm.js';
export { countNonFinite } from './nonfinite.js';

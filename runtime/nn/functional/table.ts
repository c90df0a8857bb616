// Every described differentiable op (see runtime/autograd/op.ts). The tests register a float64
// forward and finite-difference gradient check for each entry (test/cases/op-table.ts) and fail
// for an entry without one, so a new op is checked once it is listed here.
import type { OpDescription } from '../../autograd/op.js';
import { attentionOp } from './attention.js';
import { dropoutOp } from './dropout.js';
import { addOp, mulOp, scaleOp, subOp } from './elementwise.js';
import { embeddingOp } from './embedding.js';
import { biasGeluOp, geluOp } from './gelu.js';
import { layerNormOp } from './layernorm.js';
import { linearOp } from './linear.js';
import { matmulOp } from './matmul.js';
import { sumOp } from './reduce.js';
import { reshapeOp } from './reshape.js';
import { softmaxCrossEntropyOp } from './softmax_xent.js';

/** The described ops (`any`: each entry has its own attribute type). */
export const OP_TABLE: readonly OpDescription<any>[] = [
  addOp,
  subOp,
  mulOp,
  scaleOp,
  sumOp,
  reshapeOp,
  matmulOp,
  linearOp,
  geluOp,
  biasGeluOp,
  layerNormOp,
  dropoutOp,
  attentionOp,
  embeddingOp,
  softmaxCrossEntropyOp,
];

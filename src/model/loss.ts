// The training losses over the tied output layer (logits = h E^T + b, E [V+2, d]):
//   'ce'      full softmax cross-entropy over every item (the logits of all V+2 columns);
//   'sampled' softmax cross-entropy over a candidate set C shared by the batch (its target
//             items plus uniform negatives, src/data/loss-samples.ts): logits h E_C^T + b_C [R, |C|];
//   'bce'     binary cross-entropy of each target against one negative:
//             softplus(-s_pos) + softplus(s_neg), s = h . e_item + b_item, computed as two
//             softmax cross-entropies over [s, 0] (target 0 gives softplus(-s), target 1 softplus(s)).
// Every form is a mean over the rows whose target is not -1.
import { F, type Tensor } from '../../runtime/index.js';
import type { LossKind } from '../config.js';
import { gatherRows, softmaxCrossEntropy } from './ops.js';
import type { ModelInputs, SequenceRecommender } from './recommender.js';

export interface LossInputs {
  /** 'ce': item ids [R] (-1: ignored row); 'sampled': indices into `candidates`; 'bce': 0 (-1: ignored). */
  targets: Tensor;
  /** 'sampled': the candidate item ids [C]. */
  candidates?: Tensor;
  /** 'bce': the target item [R] and one negative item [R] per row (0 on ignored rows), and [R] 1 / -1. */
  positives?: Tensor;
  negatives?: Tensor;
  negativeTargets?: Tensor;
}

export function recommendationLoss(model: SequenceRecommender, inputs: ModelInputs, loss: LossInputs, kind: LossKind = 'ce'): Tensor {
  if (kind === 'ce') return softmaxCrossEntropy(model.logits(inputs), loss.targets);
  const h = model.hidden(inputs); // [R, d]
  const E = model.outputWeight;
  const bias = model.outputBias;
  if (kind === 'sampled') {
    const C = need(loss.candidates, 'candidates');
    return softmaxCrossEntropy(F.linear(h, gatherRows(E, C), bias && itemBias(bias, C)), loss.targets);
  }
  // 'bce'
  const pos = pairWithZero(model, itemScores(h, E, bias, need(loss.positives, 'positives')));
  const neg = pairWithZero(model, itemScores(h, E, bias, need(loss.negatives, 'negatives')));
  return F.add(softmaxCrossEntropy(pos, loss.targets), softmaxCrossEntropy(neg, need(loss.negativeTargets, 'negativeTargets')));
}

function need(t: Tensor | undefined, name: string): Tensor {
  if (!t) throw new Error(`recommendationLoss: the batch has no ${name} tensor for this loss`);
  return t;
}

/** bias [V+2] at items [C] -> [C]. */
function itemBias(bias: Tensor, items: Tensor): Tensor {
  return F.reshape(gatherRows(F.reshape(bias, [bias.shape[0], 1]), items), [items.shape[0]]);
}

/** s_r = h_r . E[items_r] + b[items_r], [R]. */
function itemScores(h: Tensor, E: Tensor, bias: Tensor | null, items: Tensor): Tensor {
  const s = F.sum(F.mul(h, gatherRows(E, items)), 1);
  return bias ? F.add(s, itemBias(bias, items)) : s;
}

/** [R] -> [R, 2] = [s, 0] (a matmul with the constant [[1, 0]]). */
function pairWithZero(model: SequenceRecommender, s: Tensor): Tensor {
  const oneZero = model.rt.tensor(new Float32Array([1, 0]), [1, 2]);
  return F.matmul(F.reshape(s, [s.shape[0], 1]), oneZero);
}

// BERT4Rec (Sun et al., 2019): a bidirectional transformer over item sequences, trained with
// the cloze task. Shapes (B batch, L max length, d hidden, V items, R gathered rows):
//   ids [B, L] -> item embedding [V+2, d] (0 = PAD, V+1 = MASK) + positional [L, d]
//   -> LayerNorm -> Dropout -> N transformer layers                       [B*L, d]
//      (the last one's attention reads all positions, but its output projection,
//      feed-forward and layer norms run only at the R masked rows)        [R, d]
//   -> head: GELU(h W + b) -> LayerNorm -> h E^T + output bias (E tied)   [R, V+2]
//   -> softmax cross-entropy against the masked targets (ignore index -1).
import { F, init, LayerNorm, Module, type Rng, type Runtime, type Tensor } from '../../runtime/index.js';
import type { Bert4RecConfig } from '../config.js';
import type { EvalBatch } from '../eval/inputs.js';
import { TransformerRecommender } from './encoder.js';
import { denseInit } from './layers.js';
import { softmaxCrossEntropy } from './ops.js';
import type { ModelInputs } from './recommender.js';

export { Embeddings } from './encoder.js';
export type { ModelInputs } from './recommender.js';

/** Output head (names 'head.*'): dense d -> d + GELU + LayerNorm, then tied logits + bias. */
export class Head extends Module {
  readonly dense_weight: Tensor;
  readonly dense_bias: Tensor;
  readonly norm: LayerNorm;
  readonly output_bias: Tensor;

  constructor(rt: Runtime, vocab: number, c: Bert4RecConfig, rng: Rng) {
    super();
    this.dense_weight = this.createParameter(rt, 'dense_weight', [c.hidden, c.hidden], denseInit(c)(c.hidden), rng);
    this.dense_bias = this.createParameter(rt, 'dense_bias', [c.hidden], init.zeros, rng);
    this.norm = this.registerModule('norm', new LayerNorm(rt, c.hidden, { eps: c.layerNormEps }));
    this.output_bias = this.createParameter(rt, 'output_bias', [vocab], init.zeros, rng);
  }
}

export class Bert4Rec extends TransformerRecommender {
  readonly architecture = 'bert4rec';
  readonly displayName = 'BERT4Rec';
  readonly head: Head;

  /**
   * numItems V: real items are 1..V. Parameters are drawn from a generator seeded by `seed`
   * (host side), so both backends start from identical values.
   */
  constructor(rt: Runtime, numItems: number, config: Bert4RecConfig, seed = 0) {
    super(rt, numItems, config, seed, false);
    this.head = this.registerModule('head', new Head(rt, this.vocab, config, this.initRng));
  }

  /** The head's output at the selected rows, [R, d]: GELU(h W + b) -> LayerNorm. */
  hidden(inputs: ModelInputs): Tensor {
    const h = this.encode(inputs); // [R, d]
    const hd = this.head;
    const t = F.linear(h, hd.dense_weight, hd.dense_bias, this.config.gelu === 'erf' ? 'gelu_erf' : 'gelu_tanh');
    return hd.norm.forward(t);
  }

  // Tied output: logits = n E^T + b with E the item embedding [V+2, d] (a linear layer with weight E).
  get outputWeight(): Tensor {
    return this.embeddings.table();
  }

  get outputBias(): Tensor {
    return this.head.output_bias;
  }

  /** BERT4Rec scores the MASK after the history: evaluation batches are already in that form. */
  scoringInput(batch: EvalBatch): EvalBatch {
    return batch;
  }

  /** Mean cross-entropy over the rows whose target is not -1 (shape [1]). */
  loss(inputs: ModelInputs, targets: Tensor): Tensor {
    return softmaxCrossEntropy(this.logits(inputs), targets);
  }
}

/** Parameter groups: weight decay on weights and embeddings, none on biases and LayerNorm; fixed tensors (no gradient) in neither. */
export function decayGroups(model: Module): { decay: Tensor[]; noDecay: Tensor[] } {
  const decay: Tensor[] = [];
  const noDecay: Tensor[] = [];
  for (const [name, p] of model.namedParameters()) {
    if (!p.requiresGrad) continue;
    if (isNoDecay(name)) noDecay.push(p);
    else decay.push(p);
  }
  return { decay, noDecay };
}

export function isNoDecay(name: string): boolean {
  return /(^|[._])bias$/.test(name) || /(^|\.)(norm|attention_norm|ffn_norm|final_norm)\./.test(name);
}

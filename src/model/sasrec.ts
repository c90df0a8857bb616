// SASRec (Kang & McAuley, 2018): a causal transformer over item sequences that predicts the
// next item at every position. Shapes (B batch, L max length, d hidden, V items, R rows):
//   ids [B, L] -> item embedding [V+2, d] + learned positional [L, d] -> LayerNorm -> Dropout
//   -> N transformer layers with causal attention (position t reads positions <= t)  [R, d]
//   -> logits h E^T with E the item embedding (tied, no bias)                     [R, V+2]
// Trained on next-item targets at every real position (src/data/next-item.ts), by default with
// full softmax cross-entropy over the catalogue ("SASRec+", Klenitskiy & Vasilev 2023); binary
// cross-entropy with one negative (the original) and sampled softmax are options
// (src/model/loss.ts). By default it shares BERT4Rec's post-LN layers and embedding LayerNorm;
// model.norm 'sasrec' gives the original code's block (embeddings scaled by sqrt(d), residuals
// onto the normalised input, a final LayerNorm; src/model/layers.ts). The feed-forward stays
// GELU (the original: ReLU, width d).
import type { Runtime, Tensor } from '../../runtime/index.js';
import type { Bert4RecConfig } from '../config.js';
import type { EvalBatch } from '../eval/inputs.js';
import { TransformerRecommender } from './encoder.js';
import type { ModelInputs } from './recommender.js';

export class SasRec extends TransformerRecommender {
  readonly architecture = 'sasrec';
  readonly displayName = 'SASRec';

  constructor(rt: Runtime, numItems: number, config: Bert4RecConfig, seed = 0) {
    super(rt, numItems, config, seed, true);
  }

  /** The last layer's output at the selected rows, [R, d]. */
  hidden(inputs: ModelInputs): Tensor {
    return this.encode(inputs);
  }

  get outputWeight(): Tensor {
    return this.embeddings.table();
  }

  get outputBias(): null {
    return null;
  }

  /**
   * SASRec scores the position of the history's last item (its output predicts the next one):
   * the evaluation batch's MASK column is dropped by shifting every row one column to the right
   * (a PAD enters on the left), so the rows stay at the last column.
   */
  scoringInput(batch: EvalBatch): EvalBatch {
    const L = batch.maxLen;
    const ids = new Int32Array(batch.ids.length);
    const keyMask = new Int32Array(batch.keyMask.length);
    for (let b = 0; b < batch.size; b++) {
      const o = b * L;
      ids.set(batch.ids.subarray(o, o + L - 1), o + 1);
      keyMask.set(batch.keyMask.subarray(o, o + L - 1), o + 1);
    }
    return { ...batch, ids, keyMask };
  }
}

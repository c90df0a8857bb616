// What the trainer, the evaluation and the recommenders need of a sequential recommender,
// whichever architecture it is (BERT4Rec: bidirectional + cloze; SASRec: causal + next item).
// Both end in a tied output layer: logits = hidden(rows) . outputWeight^T (+ outputBias), with
// outputWeight the item embedding table [V+2, d] (0 = PAD, V+1 = MASK, never ranked).
import { F, Module, type Runtime, type Tensor } from '../../runtime/index.js';
import type { Architecture, Bert4RecConfig } from '../config.js';
import type { EvalBatch } from '../eval/inputs.js';
import type { DropoutSeeds } from './seeds.js';

/** Device tensors for one forward pass. */
export interface ModelInputs {
  /** [B, L] i32 item ids. */
  ids: Tensor;
  /** [B, L] u32, 1 = real position, 0 = padding (keys excluded from attention). */
  keyMask: Tensor;
  /** [R] i32 flat row indices b * L + t whose outputs are wanted. */
  rows: Tensor;
  /** [B, L] i32: each real position's index from its row's first real position (0 on padding; config.positions 'from-start'). */
  positions: Tensor;
}

export type { Architecture } from '../config.js';

export abstract class SequenceRecommender extends Module {
  abstract readonly rt: Runtime;
  abstract readonly numItems: number;
  abstract readonly config: Bert4RecConfig;
  /** V + 2 (PAD, items 1..V, MASK). */
  abstract readonly vocab: number;
  /** Per-step dropout seeds; call seeds.setStep(step) before each training forward. */
  abstract readonly seeds: DropoutSeeds;
  abstract readonly architecture: Architecture;
  /** 'BERT4Rec' or 'SASRec', for logs and reports. */
  abstract readonly displayName: string;

  /** The final representation of the selected rows, [R, d] (what the output layer reads). */
  abstract hidden(inputs: ModelInputs): Tensor;
  /** The output layer's weight [V+2, d] (the item embedding table: tied). */
  abstract get outputWeight(): Tensor;
  /** The output layer's bias [V+2], or null. */
  abstract get outputBias(): Tensor | null;

  /**
   * An evaluation batch in this model's input form. Evaluation batches hold the history
   * left-padded with MASK in the last column and rows at that column (BERT4Rec's form).
   */
  abstract scoringInput(batch: EvalBatch): EvalBatch;

  /** Logits [R, V+2] of the selected rows. */
  logits(inputs: ModelInputs): Tensor {
    return F.linear(this.hidden(inputs), this.outputWeight, this.outputBias);
  }
}

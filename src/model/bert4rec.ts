// BERT4Rec (Sun et al., 2019): a bidirectional transformer over item sequences, trained with
// the cloze task. Shapes (B batch, L max length, d hidden, V items, R gathered rows):
//   ids [B, L] -> item embedding [V+2, d] (0 = PAD, V+1 = MASK) + positional [L, d]
//   -> LayerNorm -> Dropout -> N transformer layers                       [B*L, d]
//      (the last one's attention reads all positions, but its output projection,
//      feed-forward and layer norms run only at the R masked rows)        [R, d]
//   -> head: GELU(h W + b) -> LayerNorm -> h E^T + output bias (E tied)   [R, V+2]
//   -> softmax cross-entropy against the masked targets (ignore index -1).
import { F, init, keep, LayerNorm, Module, ModuleList, Rng, type Runtime, type Tensor } from '../../runtime/index.js';
import type { Bert4RecConfig } from '../config.js';
import { denseInit, dropoutAt, TransformerLayer } from './layers.js';
import { embedding, gatherRows, softmaxCrossEntropy } from './ops.js';
import { DropoutSeeds } from './seeds.js';

/** Embedding tables and the embedding layer norm (names 'embeddings.*'). */
export class Embeddings extends Module {
  readonly item: Tensor;
  readonly position: Tensor;
  readonly norm: LayerNorm;

  constructor(rt: Runtime, vocab: number, c: Bert4RecConfig, rng: Rng) {
    super();
    this.item = this.createParameter(rt, 'item', [vocab, c.hidden], init.truncatedNormal(c.initStd), rng);
    this.position = this.createParameter(rt, 'position', [c.maxLen, c.hidden], init.truncatedNormal(c.initStd), rng);
    this.norm = this.registerModule('norm', new LayerNorm(rt, c.hidden, { eps: c.layerNormEps }));
  }
}

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

/** Device tensors for one forward pass. */
export interface ModelInputs {
  /** [B, L] i32 item ids. */
  ids: Tensor;
  /** [B, L] u32, 1 = real position, 0 = padding (keys excluded from attention). */
  keyMask: Tensor;
  /** [R] i32 flat row indices b * L + t whose logits are wanted. */
  rows: Tensor;
}

export class Bert4Rec extends Module {
  readonly embeddings: Embeddings;
  readonly layers: ModuleList<TransformerLayer>;
  readonly head: Head;
  readonly vocab: number;
  /** Per-step dropout seeds; call seeds.setStep(step) before each training forward. */
  readonly seeds: DropoutSeeds;

  /**
   * numItems V: real items are 1..V. Parameters are drawn from a generator seeded by `seed`
   * (host side), so both backends start from identical values.
   */
  constructor(
    readonly rt: Runtime,
    readonly numItems: number,
    readonly config: Bert4RecConfig,
    seed = 0,
  ) {
    super();
    this.vocab = numItems + 2;
    const rng = new Rng(seed);
    this.seeds = new DropoutSeeds(seed);
    this.embeddings = this.registerModule('embeddings', new Embeddings(rt, this.vocab, config, rng));
    this.layers = this.registerModule('layers', new ModuleList<TransformerLayer>());
    for (let i = 0; i < config.layers; i++) this.layers.push(new TransformerLayer(rt, config, rng, i));
    this.head = this.registerModule('head', new Head(rt, this.vocab, config, rng));
  }

  /**
   * Encoder output [B*L, d], or with `rows` (i32 [R] flat indices b * L + t) only those rows,
   * [R, d]: the last layer then computes its output projection, feed-forward and layer norms
   * at those rows alone (TransformerLayer.forward). L may be shorter than maxLen: sequences
   * are left-padded, so column j of a width-L batch is position maxLen - L + j (the last item
   * is always at position maxLen - 1, as at evaluation time); short batches skip the
   * all-padding columns.
   */
  encode(ids: Tensor, keyMask: Tensor, rows?: Tensor): Tensor {
    const [B, L] = ids.shape;
    const c = this.config;
    if (!(L >= 1 && L <= c.maxLen)) throw new RangeError(`Bert4Rec: sequence length ${L} must be in [1, maxLen ${c.maxLen}]`);
    const e = embedding(this.embeddings.item, ids); // [B, L, d]
    const position = L === c.maxLen ? this.embeddings.position : gatherRows(this.embeddings.position, this.positionIds(L)); // [L, d]
    const withPos = F.add(e, position); // position [L, d] repeats over B
    const normed = this.embeddings.norm.forward(F.reshape(withPos, [B * L, c.hidden]));
    let x = dropoutAt(normed, c.dropout, this.training, this.seeds, 0);
    const last = this.layers.length - 1;
    for (let i = 0; i <= last; i++) x = this.layers.get(i).forward(x, keyMask, B, L, c.dropout, this.seeds, i === last ? rows : undefined, c.attnDropout ?? c.dropout);
    return last < 0 && rows ? gatherRows(x, rows) : x;
  }

  private readonly positionIdCache = new Map<number, Tensor>();

  /** i32 [L]: maxLen - L .. maxLen - 1, cached per width (owned by the model). */
  private positionIds(L: number): Tensor {
    let t = this.positionIdCache.get(L);
    if (!t) {
      const ids = new Int32Array(L);
      for (let j = 0; j < L; j++) ids[j] = this.config.maxLen - L + j;
      t = keep(this.rt.tensor(ids, [L], 'i32'));
      this.positionIdCache.set(L, t);
    }
    return t;
  }

  override dispose(): void {
    for (const t of this.positionIdCache.values()) t.dispose();
    this.positionIdCache.clear();
    super.dispose();
  }

  /** Logits [R, V+2] of the selected rows. */
  logits(inputs: ModelInputs): Tensor {
    const h = this.encode(inputs.ids, inputs.keyMask, inputs.rows); // [R, d]
    const hd = this.head;
    const t = F.linear(h, hd.dense_weight, hd.dense_bias, this.config.gelu === 'erf' ? 'gelu_erf' : 'gelu_tanh');
    const n = hd.norm.forward(t);
    // Tied output: logits = n E^T + b with E the item embedding [V+2, d] (a linear layer with weight E).
    return F.linear(n, this.embeddings.item, hd.output_bias);
  }

  /** Mean cross-entropy over the rows whose target is not -1 (shape [1]). */
  loss(inputs: ModelInputs, targets: Tensor): Tensor {
    return softmaxCrossEntropy(this.logits(inputs), targets);
  }
}

/** Parameter groups: weight decay on weights and embeddings, none on biases and LayerNorm. */
export function decayGroups(model: Module): { decay: Tensor[]; noDecay: Tensor[] } {
  const decay: Tensor[] = [];
  const noDecay: Tensor[] = [];
  for (const [name, p] of model.namedParameters()) {
    if (isNoDecay(name)) noDecay.push(p);
    else decay.push(p);
  }
  return { decay, noDecay };
}

export function isNoDecay(name: string): boolean {
  return /(^|[._])bias$/.test(name) || /(^|\.)(norm|attention_norm|ffn_norm)\./.test(name);
}

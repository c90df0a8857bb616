// The transformer encoder both recommenders share (parameter names 'embeddings.*', 'layers.N.*'):
//   ids [B, L] -> item embedding [V+2, d] + positional [L, d] -> LayerNorm -> Dropout
//   -> N transformer layers (bidirectional for BERT4Rec, causal for SASRec)  [B*L, d] or [R, d]
// With model.norm 'pre' (GPT-2) or 'sasrec' (SASRec's original code): item embedding * sqrt(d) +
// positional -> Dropout -> N layers of that kind -> final LayerNorm ('final_norm'); no embedding
// LayerNorm.
import { F, init, keep, LayerNorm, Module, ModuleList, Rng, type Runtime, type Tensor } from '../../runtime/index.js';
import type { Bert4RecConfig } from '../config.js';
import { denseInit, dropoutAt, TransformerLayer } from './layers.js';
import { embedding, gatherRows } from './ops.js';
import { SequenceRecommender, type ModelInputs } from './recommender.js';
import { DropoutSeeds } from './seeds.js';

/**
 * Embedding tables and the embedding layer norm (names 'embeddings.*'). With
 * config.itemVectorDim D, also fixed pre-trained item vectors [V+2, D] ('item_vectors', no
 * gradient, never updated) and a trainable projection [D, d] ('item_projection'): the item table
 * is then item + item_vectors . item_projection (`table()`), 'item' acting as a residual.
 */
export class Embeddings extends Module {
  readonly item: Tensor;
  readonly position: Tensor;
  /** The embedding LayerNorm (post-LN models only). */
  readonly norm: LayerNorm | null;
  readonly item_vectors: Tensor | null = null;
  readonly item_projection: Tensor | null = null;

  constructor(rt: Runtime, vocab: number, c: Bert4RecConfig, rng: Rng) {
    super();
    this.item = this.createParameter(rt, 'item', [vocab, c.hidden], init.truncatedNormal(c.initStd), rng);
    this.position = this.createParameter(rt, 'position', [c.maxLen, c.hidden], init.truncatedNormal(c.initStd), rng);
    this.norm = (c.norm ?? 'post') !== 'post' ? null : this.registerModule('norm', new LayerNorm(rt, c.hidden, { eps: c.layerNormEps }));
    if (c.itemVectorDim) {
      this.item_vectors = this.createParameter(rt, 'item_vectors', [vocab, c.itemVectorDim], init.zeros, rng);
      this.item_vectors.requiresGrad = false; // fixed: no gradient, left out of the optimizer
      this.item_projection = this.createParameter(rt, 'item_projection', [c.itemVectorDim, c.hidden], denseInit(c)(c.itemVectorDim), rng);
    }
  }

  /** The item table [V+2, d] the model reads and its output layer is tied to. */
  table(): Tensor {
    return this.item_vectors && this.item_projection ? F.add(this.item, F.matmul(this.item_vectors, this.item_projection)) : this.item;
  }
}

export abstract class TransformerRecommender extends SequenceRecommender {
  readonly embeddings: Embeddings;
  readonly layers: ModuleList<TransformerLayer>;
  /** The LayerNorm on the encoder output (pre-LN models only). */
  readonly final_norm: LayerNorm | null;
  readonly vocab: number;
  readonly seeds: DropoutSeeds;
  /** The host generator the parameters are drawn from (subclasses draw theirs after the encoder's). */
  protected readonly initRng: Rng;

  /** numItems V: real items are 1..V; parameters come from a host generator seeded by `seed`. */
  constructor(
    readonly rt: Runtime,
    readonly numItems: number,
    readonly config: Bert4RecConfig,
    seed: number,
    readonly causal: boolean,
  ) {
    super();
    this.vocab = numItems + 2;
    this.initRng = new Rng(seed);
    this.seeds = new DropoutSeeds(seed);
    this.embeddings = this.registerModule('embeddings', new Embeddings(rt, this.vocab, config, this.initRng));
    this.layers = this.registerModule('layers', new ModuleList<TransformerLayer>());
    for (let i = 0; i < config.layers; i++) this.layers.push(new TransformerLayer(rt, config, this.initRng, i, causal));
    this.final_norm = (config.norm ?? 'post') !== 'post' ? this.registerModule('final_norm', new LayerNorm(rt, config.hidden, { eps: config.layerNormEps })) : null;
  }

  /**
   * Encoder output [B*L, d], or with `inputs.rows` (i32 [R] flat indices b * L + t) only those
   * rows, [R, d]: the last layer then computes its output projection, feed-forward and layer
   * norms at those rows alone (TransformerLayer.forward). L may be shorter than maxLen:
   * sequences are left-padded, so with positions 'from-end' column j of a width-L batch is
   * position maxLen - L + j (the last item is always at position maxLen - 1, as at evaluation
   * time); with 'from-start' each item takes its index from its row's first item
   * (inputs.positions). Short batches skip the all-padding columns.
   */
  encode(inputs: Pick<ModelInputs, 'ids' | 'keyMask'> & Partial<Pick<ModelInputs, 'rows' | 'positions'>>): Tensor {
    const { ids, keyMask, rows } = inputs;
    const [B, L] = ids.shape;
    const c = this.config;
    if (!(L >= 1 && L <= c.maxLen)) throw new RangeError(`${this.displayName}: sequence length ${L} must be in [1, maxLen ${c.maxLen}]`);
    const norm = this.embeddings.norm;
    const gathered = embedding(this.embeddings.table(), ids); // [B, L, d]
    const e = norm ? gathered : F.scale(gathered, Math.sqrt(c.hidden));
    const fromStart = (c.positions ?? 'from-end') === 'from-start';
    if (fromStart && !inputs.positions) throw new RangeError(`${this.displayName}: positions 'from-start' needs inputs.positions`);
    const position = fromStart
      ? embedding(this.embeddings.position, inputs.positions!) // [B, L, d]
      : L === c.maxLen ? this.embeddings.position : gatherRows(this.embeddings.position, this.positionIds(L)); // [L, d], repeats over B
    const withPos = F.reshape(F.add(e, position), [B * L, c.hidden]);
    let x = dropoutAt(norm ? norm.forward(withPos) : withPos, c.dropout, this.training, this.seeds, 0);
    const last = this.layers.length - 1;
    for (let i = 0; i <= last; i++) x = this.layers.get(i).forward(x, keyMask, B, L, c.dropout, this.seeds, i === last ? rows : undefined, c.attnDropout ?? c.dropout);
    if (last < 0 && rows) x = gatherRows(x, rows);
    return this.final_norm ? this.final_norm.forward(x) : x;
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
}

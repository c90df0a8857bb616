// Transformer encoder layer of BERT4Rec and SASRec, post-LN (as BERT, model.norm 'post'):
//   a = Attention(x)            multi-head self-attention, key padding mask (bidirectional,
//                               or causal for SASRec: position i reads positions <= i)
//   x = LayerNorm(x + Dropout(a W_o + b_o))
//   f = GELU(x W_1 + b_1) W_2 + b_2      (d -> ffn -> d)
//   x = LayerNorm(x + Dropout(f))
// or pre-LN (model.norm 'pre', as GPT-2; the encoder adds a final LayerNorm):
//   x = x + Dropout(Attention(LayerNorm(x)) W_o + b_o)
//   x = x + Dropout(FeedForward(LayerNorm(x)))
// or SASRec's original block (model.norm 'sasrec', Kang & McAuley's code; a final LayerNorm too):
// the residuals add to the normalised input, and keys and values come from x itself:
//   q = LayerNorm(x);  x = q + Dropout(Attention(queries q, keys and values x) W_o + b_o)
//   n = LayerNorm(x);  x = n + Dropout(FeedForward(n))
// Activations are [B*L, d] row-major; attention views them as [B, L, d] with head h at
// columns h*dh .. (h+1)*dh.
import { F, init, type Initializer, LayerNorm, Linear, Module, type Rng, type Runtime, type Tensor } from '../../runtime/index.js';
import type { Bert4RecConfig } from '../config.js';
import { attention } from './ops.js';
import type { DropoutSeeds } from './seeds.js';

/** The initialiser of a dense weight with `fanIn` inputs under the config's `linearInit`. */
export type DenseInit = (fanIn: number) => Initializer;

export function denseInit(c: Pick<Bert4RecConfig, 'initStd' | 'linearInit'>): DenseInit {
  return (fanIn) => init.truncatedNormal(c.linearInit === 'fan-in' ? 1 / Math.sqrt(fanIn) : c.initStd);
}

/** Dropout with a per-step seed; the identity when p is 0 or the module is in eval mode. */
export function dropoutAt(x: Tensor, p: number, training: boolean, seeds: DropoutSeeds, site: number): Tensor {
  return F.dropout(x, training ? p : 0, training && p > 0 ? seeds.at(site) : 0);
}

export class SelfAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly output: Linear;

  /** causal: position i attends to positions <= i only (SASRec); else every real position (BERT4Rec). */
  constructor(rt: Runtime, d: number, readonly heads: number, rng: Rng, weightInit: DenseInit, readonly causal = false) {
    super();
    const opts = { rng, init: weightInit(d) };
    this.query = this.registerModule('query', new Linear(rt, d, d, opts));
    this.key = this.registerModule('key', new Linear(rt, d, d, opts));
    this.value = this.registerModule('value', new Linear(rt, d, d, opts));
    this.output = this.registerModule('output', new Linear(rt, d, d, opts));
  }

  /**
   * x [B*L, d], keyMask [B, L] u32 -> [B*L, d] (before the output dropout); with `rows`
   * (i32 [R] flat indices, ascending), only those rows of the output: [R, d], for which only
   * those queries are computed (the keys and values are every position's). Queries come from
   * x, keys and values from `kv` (default x).
   */
  forward(x: Tensor, keyMask: Tensor, batch: number, len: number, dropout: { p: number; seed: number }, rows?: Tensor, kv: Tensor = x): Tensor {
    const d = x.shape[1];
    const k = F.reshape(this.key.forward(kv), [batch, len, d]);
    const v = F.reshape(this.value.forward(kv), [batch, len, d]);
    const options = { heads: this.heads, dropout, causal: this.causal };
    if (rows) return this.output.forward(attention(this.query.forward(F.gatherRows(x, rows)), k, v, keyMask, { ...options, queryRows: rows }));
    const q = F.reshape(this.query.forward(x), [batch, len, d]);
    return this.output.forward(F.reshape(attention(q, k, v, keyMask, options), [batch * len, d]));
  }
}

export class FeedForward extends Module {
  readonly intermediate: Linear;
  readonly output: Linear;

  constructor(rt: Runtime, d: number, ffn: number, readonly approx: 'erf' | 'tanh', rng: Rng, weightInit: DenseInit) {
    super();
    this.intermediate = this.registerModule('intermediate', new Linear(rt, d, ffn, { rng, init: weightInit(d) }));
    this.output = this.registerModule('output', new Linear(rt, ffn, d, { rng, init: weightInit(ffn) }));
  }

  /** x [N, d] -> [N, d]: bias + GELU fused into the first matmul's epilogue. */
  forward(x: Tensor): Tensor {
    const h = F.linear(x, this.intermediate.weight, this.intermediate.bias, this.approx === 'erf' ? 'gelu_erf' : 'gelu_tanh');
    return this.output.forward(h);
  }
}

export class TransformerLayer extends Module {
  readonly attention: SelfAttention;
  readonly attention_norm: LayerNorm;
  readonly ffn: FeedForward;
  readonly ffn_norm: LayerNorm;
  /** Where the layer norms sit: 'post', 'pre' or 'sasrec' (see the top of this file). */
  readonly placement: 'post' | 'pre' | 'sasrec';

  constructor(rt: Runtime, c: Bert4RecConfig, rng: Rng, readonly index: number, causal = false) {
    super();
    this.placement = c.norm ?? 'post';
    this.attention = this.registerModule('attention', new SelfAttention(rt, c.hidden, c.heads, rng, denseInit(c), causal));
    this.attention_norm = this.registerModule('attention_norm', new LayerNorm(rt, c.hidden, { eps: c.layerNormEps }));
    this.ffn = this.registerModule('ffn', new FeedForward(rt, c.hidden, c.ffn, c.gelu, rng, denseInit(c)));
    this.ffn_norm = this.registerModule('ffn_norm', new LayerNorm(rt, c.hidden, { eps: c.layerNormEps }));
  }

  /**
   * x [B*L, d] -> [B*L, d]. With `rows` (i32 [R] flat indices, ascending) -> [R, d]: the outputs
   * at those rows only. Attention still reads every position as keys and values, but the query
   * projection, the attention's queries, the output projection, the feed-forward and both layer
   * norms run on the R rows alone (the model's last layer, whose other rows nothing reads). Dropout sites: 3 per layer after the embedding's
   * site 0. `p` drops sub-layer outputs, `attnP` (default p) the attention probabilities.
   */
  forward(x: Tensor, keyMask: Tensor, batch: number, len: number, p: number, seeds: DropoutSeeds, rows?: Tensor, attnP = p): Tensor {
    const site = 1 + 3 * this.index;
    const training = this.training;
    const attnDrop = { p: training ? attnP : 0, seed: training && attnP > 0 ? seeds.at(site) : 0 };
    const rowsOf = (t: Tensor) => (rows ? F.gatherRows(t, rows) : t);
    if (this.placement === 'sasrec') {
      const q = this.attention_norm.forward(x);
      const a = this.attention.forward(q, keyMask, batch, len, attnDrop, rows, x);
      const n = this.ffn_norm.forward(F.add(rowsOf(q), dropoutAt(a, p, training, seeds, site + 1)));
      return F.add(n, dropoutAt(this.ffn.forward(n), p, training, seeds, site + 2));
    }
    if (this.placement === 'pre') {
      const a = this.attention.forward(this.attention_norm.forward(x), keyMask, batch, len, attnDrop, rows);
      const x1 = F.add(rowsOf(x), dropoutAt(a, p, training, seeds, site + 1));
      const f = this.ffn.forward(this.ffn_norm.forward(x1));
      return F.add(x1, dropoutAt(f, p, training, seeds, site + 2));
    }
    const a = this.attention.forward(x, keyMask, batch, len, attnDrop, rows);
    const x1 = this.attention_norm.forward(dropoutAt(a, p, training, seeds, site + 1), rowsOf(x));
    const f = this.ffn.forward(x1);
    return this.ffn_norm.forward(dropoutAt(f, p, training, seeds, site + 2), x1);
  }
}

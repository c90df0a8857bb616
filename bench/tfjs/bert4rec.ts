// BERT4Rec's training step written in tfjs-core ops: the baseline our training step is
// compared with. Same architecture as src/model/bert4rec.ts (post-LN BERT encoder, GELU(erf)
// FFN, the last layer (queries included) only at the gathered masked rows, head dense + GELU + LayerNorm, output tied to the item
// embedding plus a bias, softmax cross-entropy with ignore index -1) and the same update
// (Adam with decoupled weight decay on weights, none on biases/LayerNorm, global-norm clip).
// Weights are stored [in, out] (TFJS's matMul convention); that does not change the work.
import { queryLayout } from '../query-layout.js';
import type * as TF from '@tensorflow/tfjs-core';
import { attentionBySlices, plainMatMul, type MatMul2D } from './expert.js';
import { attention, gatherRows, gelu, layerNorm, maskBias, softmaxCrossEntropy } from './ops.js';
import type { Tf } from './setup.js';

export interface TfBert4RecConfig {
  /** Real items 1..numItems; vocabulary V + 2 (0 = PAD, V + 1 = MASK). */
  numItems: number;
  maxLen: number;
  hidden: number;
  layers: number;
  heads: number;
  ffn: number;
  dropout: number;
  layerNormEps: number;
  initStd: number;
  /**
   * The expert variant (bench/tfjs/expert.ts): every matrix product a plain 2D matMul that
   * tfjs-backend-wasm runs on XNNPACK, forward and backward, attention head by head.
   */
  expert?: boolean;
}

export interface TfTrainConfig {
  lr: number;
  beta1: number;
  beta2: number;
  adamEps: number;
  weightDecay: number;
  /** Global-norm clip; 0 = none. */
  clipNorm: number;
}

/** One batch, already on the TFJS backend. */
export interface TfBatch {
  /** [B, L] int32 item ids. */
  ids: TF.Tensor2D;
  /** [B, L] int32, 1 = real position, 0 = padding. */
  keyMask: TF.Tensor2D;
  /** [R] int32 flat row indices b * L + t of the masked positions. */
  rows: TF.Tensor1D;
  /** [B * Qmax] int32: the rows whose queries the last layer's attention computes (bench/query-layout.ts). */
  queryRows: TF.Tensor1D;
  /** [R] int32: where each masked row's output lies among them. */
  queryOut: TF.Tensor1D;
  /** [R] int32 targets (-1 = ignored row). */
  targets: TF.Tensor1D;
}

/** A host batch (src/data/batches.ts's TrainBatch has these fields) on the TFJS backend. */
export function toTfBatch(tf: Tf, host: { size: number; maxLen: number; ids: Int32Array; keyMask: Int32Array; maskedRows: Int32Array; maskedTargets: Int32Array }): TfBatch {
  const { size: B, maxLen: L } = host;
  const layout = queryLayout(B, L, host.maskedRows);
  return {
    ids: tf.tensor2d(host.ids, [B, L], 'int32'),
    keyMask: tf.tensor2d(host.keyMask, [B, L], 'int32'),
    rows: tf.tensor1d(host.maskedRows, 'int32'),
    queryRows: tf.tensor1d(layout.queryRows, 'int32'),
    queryOut: tf.tensor1d(layout.queryOut, 'int32'),
    targets: tf.tensor1d(host.maskedTargets, 'int32'),
  };
}

export interface TfBert4Rec {
  variables: Map<string, TF.Variable>;
  /** Mean loss of a batch (training mode: dropout on). */
  loss(batch: TfBatch, training: boolean): TF.Scalar;
  /** Forward, backward, clip, Adam(W) update; returns the loss (caller disposes it). */
  trainStep(batch: TfBatch): TF.Scalar;
  dispose(): void;
}

const isNoDecay = (name: string) => /(^|[._])bias$/.test(name) || /(^|\.)(norm|attention_norm|ffn_norm)\./.test(name);

/** Models made so far: TFJS variable names are global to its engine, so each model's carry its number. */
let models = 0;

export function createTfBert4Rec(tf: Tf, c: TfBert4RecConfig, t: TfTrainConfig, seed = 0): TfBert4Rec {
  const d = c.hidden;
  const vocab = c.numItems + 2;
  const variables = new Map<string, TF.Variable>();
  const model = ++models;
  let s = seed;
  // `variables` is keyed by our parameter names; the TFJS variable is named `bert4rec<n>/<name>`.
  const add = (name: string, init: TF.Tensor) => variables.set(name, tf.variable(init, true, `bert4rec${model}/${name}`)).get(name)!;
  const normal = (name: string, shape: number[]) => add(name, tf.truncatedNormal(shape, 0, c.initStd, 'float32', s++));
  const zeros = (name: string, shape: number[]) => add(name, tf.zeros(shape));
  const ones = (name: string, shape: number[]) => add(name, tf.ones(shape));
  const norm = (prefix: string) => ({ gamma: ones(`${prefix}.weight`, [d]), beta: zeros(`${prefix}.bias`, [d]) });
  const linear = (prefix: string, nIn: number, nOut: number) => ({ w: normal(`${prefix}.weight`, [nIn, nOut]), b: zeros(`${prefix}.bias`, [nOut]) });

  const item = normal('embeddings.item', [vocab, d]);
  const position = normal('embeddings.position', [c.maxLen, d]);
  const embNorm = norm('embeddings.norm');
  const layers = Array.from({ length: c.layers }, (_, i) => {
    const p = `layers.${i}`;
    return {
      q: linear(`${p}.attention.query`, d, d),
      k: linear(`${p}.attention.key`, d, d),
      v: linear(`${p}.attention.value`, d, d),
      o: linear(`${p}.attention.output`, d, d),
      norm1: norm(`${p}.attention_norm`),
      ff1: linear(`${p}.ffn.intermediate`, d, c.ffn),
      ff2: linear(`${p}.ffn.output`, c.ffn, d),
      norm2: norm(`${p}.ffn_norm`),
    };
  });
  const headDense = { w: normal('head.dense_weight', [d, d]), b: zeros('head.dense_bias', [d]) };
  const headNorm = norm('head.norm');
  const outputBias = zeros('head.output_bias', [vocab]);

  const mm: MatMul2D = c.expert ? plainMatMul(tf) : (a, b) => tf.matMul(a, b);
  const dense = (x: TF.Tensor, l: { w: TF.Tensor; b: TF.Tensor }) => tf.add(mm(x as TF.Tensor2D, l.w as TF.Tensor2D), l.b);
  const ln = (x: TF.Tensor, n: { gamma: TF.Tensor; beta: TF.Tensor }) => layerNorm(tf, x, n.gamma, n.beta, c.layerNormEps);

  function loss(batch: TfBatch, training: boolean): TF.Scalar {
    const [B, L] = batch.ids.shape;
    const p = training ? c.dropout : 0;
    const drop = (x: TF.Tensor) => (p > 0 ? tf.dropout(x, p) : x);
    const bias = maskBias(tf, batch.keyMask);
    const e = tf.add(gatherRows(tf, item, batch.ids), position); // [B, L, d]
    let x = drop(ln(tf.reshape(e, [B * L, d]), embNorm)); // [B*L, d]
    // As src/model: the last layer's queries (projection and attention), output projection, FFN
    // and layer norms only at the R rows; its attention takes Qmax queries per sequence.
    layers.forEach((l, i) => {
      const last = i === layers.length - 1;
      const q = last ? tf.reshape(dense(gatherRows(tf, x, batch.queryRows), l.q), [B, -1, d]) : tf.reshape(dense(x, l.q), [B, L, d]);
      const k = tf.reshape(dense(x, l.k), [B, L, d]);
      const v = tf.reshape(dense(x, l.v), [B, L, d]);
      const attn = tf.reshape(c.expert ? attentionBySlices(tf, mm, q, k, v, bias, c.heads, p) : attention(tf, q, k, v, bias, c.heads, p), [-1, d]);
      const a = dense(last ? gatherRows(tf, attn, batch.queryOut) : attn, l.o);
      x = ln(tf.add(last ? gatherRows(tf, x, batch.rows) : x, drop(a)), l.norm1);
      const f = dense(gelu(tf, dense(x, l.ff1)), l.ff2);
      x = ln(tf.add(x, drop(f)), l.norm2);
    });
    const h = x; // [R, d]
    const n = ln(gelu(tf, dense(h, headDense)), headNorm);
    const logits = tf.add(c.expert ? mm(n as TF.Tensor2D, tf.transpose(item) as TF.Tensor2D) : tf.matMul(n as TF.Tensor2D, item, false, true), outputBias); // [R, V+2]
    return softmaxCrossEntropy(tf, logits, batch.targets);
  }

  const optimizer = tf.train.adam(t.lr, t.beta1, t.beta2, t.adamEps);
  const decayed = [...variables].filter(([name]) => !isNoDecay(name)).map(([, v]) => v);

  function trainStep(batch: TfBatch): TF.Scalar {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => loss(batch, true), [...variables.values()]);
      let g: TF.NamedTensorMap = grads;
      const apply = (m: TF.NamedTensorMap) => optimizer.applyGradients(m as unknown as Parameters<typeof optimizer.applyGradients>[0]);
      if (t.clipNorm > 0) {
        // A chain of adds, not tf.addN: on WebGPU addN binds every input at once, and ~40
        // inputs exceed maxStorageBuffersPerShaderStage (8 on some adapters).
        const norm = tf.sqrt(Object.values(grads).map((x) => tf.sum(tf.square(x))).reduce((a, b) => tf.add(a, b)));
        const scale = tf.minimum(1, tf.div(t.clipNorm, tf.add(norm, 1e-6)));
        g = Object.fromEntries(Object.entries(grads).map(([k, x]) => [k, tf.mul(x, scale)]));
      }
      apply(g);
      // Decoupled weight decay (AdamW): p -= lr * wd * p on weights and embeddings.
      if (t.weightDecay > 0) for (const v of decayed) v.assign(tf.mul(v, 1 - t.lr * t.weightDecay));
      return value;
    });
  }

  return {
    variables,
    loss,
    trainStep,
    dispose() {
      optimizer.dispose();
      for (const v of variables.values()) v.dispose();
      variables.clear();
    },
  };
}

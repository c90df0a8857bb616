// BERT4Rec's training step in jax-js: the second peer our training step is compared with.
// Same architecture as src/model/bert4rec.ts and bench/tfjs/bert4rec.ts (post-LN BERT
// encoder with multi-head attention and a key padding mask, GELU(erf) FFN, the last layer
// (queries included) only at the gathered masked rows, head dense + GELU + LayerNorm, output tied
// to the item embedding plus a bias, softmax cross-entropy with ignore index -1) and the same
// update as ours (runtime/optim/adamw.ts: global-norm clip, Adam with bias correction and
// decoupled weight decay on weights and embeddings, none on biases and LayerNorm).
//
// The whole step is one jit()-compiled function: value_and_grad of the loss, the clip and the
// AdamW update; the host passes the state (parameters and moments), the batch and the
// step-dependent Adam factors, and gets back the loss and the new state.
//
// Written the way a jax-js user would, from the ops in bench/jax/ops.ts (np.take gathers,
// batched-matmul + softmax attention, nn.gelu exact, nn.logSoftmax cross-entropy) and
// autograd for the backward pass. Dropout uses jax-js's PRNG (random.bernoulli with a key per
// step, split per site) on the same sites as ours: the embeddings, and in each layer the
// attention probabilities, the attention output and the FFN output. With dropout 0 the step
// takes no key and draws nothing.
//
// Parameters are named and shaped as ours (Linear weights [out, in]) on the host
// (`initialWeights`, `weights()`); on the device, dense weights are kept [in, out].
import { queryLayout } from '../query-layout.js';
import type { Array as JaxArray } from '@jax-js/jax';
import { init, Rng } from '../../runtime/index.js';
import type { TfBert4RecConfig, TfTrainConfig } from '../tfjs/bert4rec.js';
import { attention, dropout, gatherRows, gelu, layerNorm, maskBias, softmaxCrossEntropy } from './ops.js';
import type { Jax } from './setup.js';

/** The model's shape (as the TFJS peer's; initStd and the fan-in rule of ours). */
export type JaxBert4RecConfig = TfBert4RecConfig & { linearInit?: 'fixed' | 'fan-in' };
export type JaxTrainConfig = TfTrainConfig;

/** One batch as host arrays (src/data/batches.ts's TrainBatch has these). */
export interface HostBatch {
  size: number;
  maxLen: number;
  /** [B * L] item ids. */
  ids: Int32Array;
  /** [B * L] 1 = real position, 0 = padding. */
  keyMask: Int32Array;
  /** [R] flat row indices b * L + t of the masked positions. */
  maskedRows: Int32Array;
  /** [R] targets (-1 = ignored row). */
  maskedTargets: Int32Array;
}

// `type`, not `interface`: jax-js's JsTree types accept only type aliases.
type Params = Record<string, JaxArray>;
type State = {
  params: Params;
  m: Params;
  v: Params;
};
type DeviceBatch = {
  ids: JaxArray; // int32 [B * L]
  keyMask: JaxArray; // float32 [B, L]
  rows: JaxArray; // int32 [R]
  /** int32 [B * Qmax]: the rows whose queries the last layer's attention computes (bench/query-layout.ts). */
  queryRows: JaxArray;
  /** int32 [R]: where each masked row's output lies among them. */
  queryOut: JaxArray;
  targets: JaxArray; // int32 [R]
  /** float32 [] = 1, see `gatherRows`. */
  one: JaxArray;
};

export interface JaxBert4Rec {
  /** Mean loss of `batch` with the current weights (no update; dropout only when `training`). */
  loss(batch: HostBatch, training?: boolean): Promise<number>;
  /** Loss and gradients (dropout off), host arrays in our layout: for the agreement tests. */
  lossAndGrads(batch: HostBatch): Promise<{ loss: number; grads: Map<string, Float32Array> }>;
  /** Uploads a batch once, for repeated steps on it. */
  upload(batch: HostBatch): JaxBatch;
  /** One training step (forward, backward, clip, AdamW); resolves with the loss once the whole step has run. */
  trainStep(batch: JaxBatch): Promise<number>;
  /** The current parameters, host arrays in our layout. */
  weights(): Promise<Map<string, Float32Array>>;
  dispose(): void;
}

export interface JaxBatch {
  readonly device: DeviceBatch;
  dispose(): void;
}

/** One parameter: our name and shape, its initialiser, and whether the device copy is transposed. */
interface ParamSpec {
  name: string;
  shape: number[];
  init: 'embedding' | 'dense' | 'zeros' | 'ones';
  transposed: boolean;
}

function paramSpecs(c: JaxBert4RecConfig): ParamSpec[] {
  const d = c.hidden;
  const vocab = c.numItems + 2;
  const specs: ParamSpec[] = [];
  const add = (name: string, shape: number[], init: ParamSpec['init'], transposed = false) => specs.push({ name, shape, init, transposed });
  const norm = (p: string) => (add(`${p}.weight`, [d], 'ones'), add(`${p}.bias`, [d], 'zeros'));
  const linear = (p: string, nIn: number, nOut: number) => (add(`${p}.weight`, [nOut, nIn], 'dense', true), add(`${p}.bias`, [nOut], 'zeros'));
  add('embeddings.item', [vocab, d], 'embedding');
  add('embeddings.position', [c.maxLen, d], 'embedding');
  norm('embeddings.norm');
  for (let i = 0; i < c.layers; i++) {
    const p = `layers.${i}`;
    for (const w of ['query', 'key', 'value', 'output']) linear(`${p}.attention.${w}`, d, d);
    norm(`${p}.attention_norm`);
    linear(`${p}.ffn.intermediate`, d, c.ffn);
    linear(`${p}.ffn.output`, c.ffn, d);
    norm(`${p}.ffn_norm`);
  }
  add('head.dense_weight', [d, d], 'dense', true);
  add('head.dense_bias', [d], 'zeros');
  norm('head.norm');
  add('head.output_bias', [vocab], 'zeros');
  return specs;
}

const isNoDecay = (name: string) => /(^|[._])bias$/.test(name) || /(^|\.)(norm|attention_norm|ffn_norm)\./.test(name);

/**
 * Initial weights in our layout and distributions (truncated normal: initStd for the
 * embeddings, 1/sqrt(fan_in) for dense weights under 'fan-in'; zeros and ones), drawn on the
 * host from our seeded generator. Not the same values as our model's (its draw order differs);
 * the agreement tests copy our model's weights instead.
 */
export function initialWeights(c: JaxBert4RecConfig, seed = 0): Map<string, Float32Array> {
  const rng = new Rng(seed);
  const out = new Map<string, Float32Array>();
  for (const s of paramSpecs(c)) {
    const fanIn = s.shape[s.shape.length - 1];
    const std = s.init === 'embedding' || c.linearInit === 'fixed' ? c.initStd : 1 / Math.sqrt(fanIn);
    const f = s.init === 'zeros' ? init.zeros : s.init === 'ones' ? init.ones : init.truncatedNormal(std);
    out.set(s.name, f(s.shape, rng));
  }
  return out;
}

/** [rows, cols] row-major -> [cols, rows]. */
function transposeHost(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}

/**
 * Builds the jax-js BERT4Rec and its jitted training step from `weights` (our names and
 * layout; default: `initialWeights(c, seed)`).
 */
export function createJaxBert4Rec(jax: Jax, c: JaxBert4RecConfig, t: JaxTrainConfig, weights?: Map<string, Float32Array>, seed = 0): JaxBert4Rec {
  const { numpy: np, random, tree } = jax;
  const d = c.hidden;
  const heads = c.heads;
  if (!Number.isInteger(d / heads)) throw new RangeError(`jax-js BERT4Rec: hidden ${d} is not divisible by heads ${heads}`);
  const specs = paramSpecs(c);
  const host = weights ?? initialWeights(c, seed);
  const f32 = (a: Float32Array, shape: number[]) => np.array(a as Float32Array<ArrayBuffer>, { shape, dtype: np.float32 });
  const i32 = (a: Int32Array, shape: number[]) => np.array(a as Int32Array<ArrayBuffer>, { shape, dtype: np.int32 });

  let state: State = { params: {}, m: {}, v: {} };
  for (const s of specs) {
    const w = host.get(s.name);
    const size = s.shape.reduce((a, b) => a * b, 1);
    if (!w || w.length !== size) throw new Error(`jax-js BERT4Rec: weight '${s.name}' missing or not of shape [${s.shape.join(',')}]`);
    state.params[s.name] = s.transposed ? f32(transposeHost(w, s.shape[0], s.shape[1]), [s.shape[1], s.shape[0]]) : f32(w, s.shape);
    state.m[s.name] = np.zeros(s.transposed ? [s.shape[1], s.shape[0]] : s.shape);
    state.v[s.name] = np.zeros(s.transposed ? [s.shape[1], s.shape[0]] : s.shape);
  }
  const names = specs.map((s) => s.name);

  // ---- the model (pure functions of jax arrays; each argument is consumed once, `.ref` for more) ----

  const dense = (x: JaxArray, w: JaxArray, b: JaxArray) => np.matmul(x, w).add(b);
  const ln = (x: JaxArray, p: Params, name: string) => layerNorm(jax, x, p[`${name}.weight`], p[`${name}.bias`], c.layerNormEps);

  /** The loss of `b` under `p` (consumes both); `key` null: dropout off. */
  const forward = (p: Params, b: DeviceBatch, key: JaxArray | null, B: number, L: number): JaxArray => {
    if (L !== c.maxLen) throw new RangeError(`jax-js BERT4Rec: sequence length ${L} must equal maxLen ${c.maxLen}`);
    const rate = key ? c.dropout : 0;
    const sites = 1 + 3 * c.layers;
    const keys: Array<JaxArray | null> = key ? [...random.split(key, sites)] : Array.from({ length: sites }, () => null);
    const drop = (x: JaxArray, site: number) => dropout(jax, x, rate, keys[site]);
    const bias = maskBias(b.keyMask);
    const one = b.one;
    const item = p['embeddings.item'];
    const e = gatherRows(jax, item.ref, b.ids, one.ref).reshape([B, L, d]).add(p['embeddings.position']).reshape([B * L, d]);
    let x = drop(ln(e, p, 'embeddings.norm'), 0);
    for (let i = 0; i < c.layers; i++) {
      const n = `layers.${i}`;
      const last = i === c.layers - 1;
      const lin = (input: JaxArray, s: string) => dense(input, p[`${n}.${s}.weight`], p[`${n}.${s}.bias`]);
      const [k, v] = ['key', 'value'].map((s) => lin(x.ref, `attention.${s}`).reshape([B, L, d]));
      // The last layer: queries (projection and attention), output projection, FFN and layer
      // norms only at the R masked rows; its attention takes Qmax queries per sequence.
      const q = last
        ? lin(gatherRows(jax, x.ref, b.queryRows.ref, one.ref), 'attention.query').reshape([B, b.queryRows.shape[0] / B, d])
        : lin(x.ref, 'attention.query').reshape([B, L, d]);
      const attn = attention(jax, q, k, v, bias.ref, heads, rate, keys[1 + 3 * i]).reshape([-1, d]);
      const a = lin(last ? gatherRows(jax, attn, b.queryOut.ref, one.ref) : attn, 'attention.output');
      const residual = last ? gatherRows(jax, x, b.rows.ref, one.ref) : x;
      const x1 = ln(residual.add(drop(a, 2 + 3 * i)), p, `${n}.attention_norm`);
      const f = lin(gelu(jax, lin(x1.ref, 'ffn.intermediate')), 'ffn.output');
      x = ln(x1.add(drop(f, 3 + 3 * i)), p, `${n}.ffn_norm`);
    }
    bias.dispose();
    one.dispose();
    b.rows.dispose();
    b.queryRows.dispose();
    b.queryOut.dispose();
    const h = ln(gelu(jax, dense(x, p['head.dense_weight'], p['head.dense_bias'])), p, 'head.norm');
    const logits = np.matmul(h, item.transpose()).add(p['head.output_bias']); // [R, V + 2]
    return softmaxCrossEntropy(jax, logits, b.targets);
  };

  // ---- the jitted functions ----

  const shapeOf = (b: DeviceBatch) => b.keyMask.shape as [number, number];
  const withDropout = c.dropout > 0;

  /** value_and_grad + clip + AdamW, one jit program. hyper: [stepSize, sqrt(1 - beta2^t)] (float64 on the host, as ours). */
  const stepBody = (s: State, b: DeviceBatch, hyper: JaxArray, key: JaxArray | null) => {
    const [B, L] = shapeOf(b);
    const [loss, grads] = jax.valueAndGrad((p: Params) => forward(p, b, key, B, L))(tree.ref(s.params));
    let normSq: JaxArray | null = null;
    for (const name of names) {
      const sq = np.square(grads[name].ref).sum();
      normSq = normSq ? normSq.add(sq) : sq;
    }
    const scale = np.minimum(1, np.reciprocal(np.sqrt(normSq!).add(1e-6)).mul(t.clipNorm > 0 ? t.clipNorm : Infinity));
    const [stepSize, bc2Sqrt] = [...hyper];
    const next: State = { params: {}, m: {}, v: {} };
    for (const name of names) {
      const g = grads[name].mul(scale.ref);
      const m = s.m[name].mul(t.beta1).add(g.ref.mul(1 - t.beta1));
      const v = s.v[name].mul(t.beta2).add(np.square(g).mul(1 - t.beta2));
      const decay = isNoDecay(name) ? 1 : 1 - t.lr * t.weightDecay;
      const update = m.ref.mul(stepSize.ref).div(np.sqrt(v.ref).div(bc2Sqrt.ref).add(t.adamEps));
      next.params[name] = s.params[name].mul(decay).sub(update);
      next.m[name] = m;
      next.v[name] = v;
    }
    scale.dispose();
    stepSize.dispose();
    bc2Sqrt.dispose();
    return [loss, next] as [JaxArray, State];
  };
  // With dropout the step takes a PRNG key; without, it takes none and draws nothing.
  const stepKeyed = jax.jit((s: State, b: DeviceBatch, hyper: JaxArray, key: JaxArray) => stepBody(s, b, hyper, key));
  const stepPlain = jax.jit((s: State, b: DeviceBatch, hyper: JaxArray) => stepBody(s, b, hyper, null));
  const evalLoss = jax.jit((p: Params, b: DeviceBatch) => {
    const [B, L] = shapeOf(b);
    return forward(p, b, null, B, L);
  });
  const trainLoss = jax.jit((p: Params, b: DeviceBatch, key: JaxArray) => {
    const [B, L] = shapeOf(b);
    return forward(p, b, key, B, L);
  });
  const lossGrads = jax.jit((p: Params, b: DeviceBatch) => {
    const [B, L] = shapeOf(b);
    return jax.valueAndGrad((q: Params) => forward(q, b, null, B, L))(p);
  });

  function upload(batch: HostBatch): JaxBatch {
    const { size: B, maxLen: L } = batch;
    const device: DeviceBatch = {
      ids: i32(batch.ids, [B * L]),
      keyMask: f32(Float32Array.from(batch.keyMask), [B, L]),
      rows: i32(batch.maskedRows, [batch.maskedRows.length]),
      ...(({ qmax, queryRows, queryOut }) => ({ queryRows: i32(queryRows, [B * qmax]), queryOut: i32(queryOut, [queryOut.length]) }))(queryLayout(B, L, batch.maskedRows)),
      targets: i32(batch.maskedTargets, [batch.maskedTargets.length]),
      one: np.ones([]),
    };
    return { device, dispose: () => tree.dispose(device) };
  }

  let stepCount = 0;
  const toHost = async (name: string, a: JaxArray): Promise<Float32Array> => {
    const s = specs.find((x) => x.name === name)!;
    const data = (await a.data()) as Float32Array;
    return s.transposed ? transposeHost(data, s.shape[1], s.shape[0]) : Float32Array.from(data);
  };

  return {
    async loss(batch, training = false) {
      const b = upload(batch);
      const out = training ? trainLoss(tree.ref(state.params), b.device, random.key(seed + stepCount)) : evalLoss(tree.ref(state.params), b.device);
      return (await out.data())[0];
    },
    async lossAndGrads(batch) {
      const b = upload(batch);
      const [loss, grads] = lossGrads(tree.ref(state.params), b.device);
      const out = new Map<string, Float32Array>();
      for (const name of names) out.set(name, await toHost(name, grads[name]));
      return { loss: (await loss.data())[0], grads: out };
    },
    upload,
    async trainStep(batch) {
      stepCount++;
      const hyper = np.array(new Float32Array([t.lr / (1 - t.beta1 ** stepCount), Math.sqrt(1 - t.beta2 ** stepCount)]), { shape: [2] });
      const b = tree.ref(batch.device);
      const [loss, next] = withDropout ? stepKeyed(state, b, hyper, random.key(seed * 1_000_003 + stepCount)) : stepPlain(state, b, hyper);
      state = next;
      const value = (await loss.data())[0];
      await jax.blockUntilReady(state);
      return value;
    },
    async weights() {
      const out = new Map<string, Float32Array>();
      for (const name of names) out.set(name, await toHost(name, state.params[name].ref));
      return out;
    },
    dispose() {
      tree.dispose(state);
      for (const f of [stepKeyed, stepPlain, evalLoss, trainLoss, lossGrads]) f.dispose();
    },
  };
}

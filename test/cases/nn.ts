// Module, initialiser and LR-schedule cases (no optimizer kernels needed).
// Runs under vitest (test/nn.test.ts), Deno and Chromium.
import { backward, Dropout, Embedding, F, AdamW, init, LayerNorm, Linear, linearWarmupDecay, Module, ModuleList, Rng, scope, SGD, type Runtime, type Tensor } from '../../runtime/index.js';
import { randomArray } from '../reference/random.js';
import { assert, assertClose, assertEqual, assertThrows } from './assert.js';
import type { PortableCase } from './types.js';

/** A two-block model with nested names, as the BERT4Rec model will have. */
export class Block extends Module {
  readonly fc: Linear;
  readonly norm: LayerNorm;
  readonly drop: Dropout;
  constructor(rt: Runtime, d: number, rng: Rng) {
    super();
    this.fc = this.registerModule('fc', new Linear(rt, d, d, { rng }));
    this.norm = this.registerModule('norm', new LayerNorm(rt, d));
    this.drop = this.registerModule('drop', new Dropout(0.5, { seed: rng.u32() }));
  }
}

export class TinyModel extends Module {
  readonly layers: ModuleList<Block>;
  readonly head: Linear;
  constructor(rt: Runtime, d: number, out: number, seed: number) {
    super();
    const rng = new Rng(seed);
    this.layers = this.registerModule('layers', new ModuleList([new Block(rt, d, rng), new Block(rt, d, rng)]));
    this.head = this.registerModule('head', new Linear(rt, d, out, { bias: false, rng }));
  }
}

/** A small regression MLP: linear -> gelu -> linear -> layerNorm(+x) -> dropout -> linear. */
export class Mlp extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly norm: LayerNorm;
  readonly drop: Dropout;
  readonly out: Linear;
  constructor(rt: Runtime, d: number, hidden: number, seed: number, dropout = 0.1) {
    super();
    const rng = new Rng(seed);
    const init0 = init.normal(0.3);
    this.fc1 = this.registerModule('fc1', new Linear(rt, d, hidden, { rng, init: init0 }));
    this.fc2 = this.registerModule('fc2', new Linear(rt, hidden, d, { rng, init: init0 }));
    this.norm = this.registerModule('norm', new LayerNorm(rt, d));
    this.drop = this.registerModule('drop', new Dropout(dropout, { seed: 11 }));
    this.out = this.registerModule('out', new Linear(rt, d, 1, { rng, init: init0 }));
  }

  /** Mean squared error against y [N, 1]. */
  loss(x: Tensor, y: Tensor): Tensor {
    const h = F.gelu(this.fc1.forward(x));
    const z = this.drop.forward(this.norm.forward(this.fc2.forward(h), x));
    const e = F.sub(this.out.forward(z), y);
    return F.mean(F.reshape(F.mul(e, e), [-1]), 0);
  }
}

/** A fixed toy regression problem: y = sin(x . w) over N samples of dimension d. */
export function toyData(rt: Runtime, N: number, d: number): { x: Tensor; y: Tensor } {
  const xd = randomArray(N * d, 21);
  const w = randomArray(d, 22);
  const yd = new Float32Array(N);
  for (let n = 0; n < N; n++) yd[n] = Math.sin(xd.subarray(n * d, n * d + d).reduce((s, v, k) => s + v * w[k], 0) * 2);
  return { x: rt.tensor(Float32Array.from(xd), [N, d]), y: rt.tensor(yd, [N, 1]) };
}

/** One training step; returns the loss tensor (caller reads and disposes). */
export function trainStep(model: Mlp, opt: { step(): void; zeroGrad(): void }, x: Tensor, y: Tensor): Tensor {
  opt.zeroGrad();
  const loss = scope(() => model.loss(x, y));
  backward(loss);
  opt.step();
  return loss;
}

/**
 * A one-layer BERT4Rec-shaped model: item + position embeddings, LayerNorm, attention with
 * Q/K/V/O projections, a GELU feed-forward block, residual LayerNorms, dropout, and a
 * tied-weight output over the items at the masked rows.
 */
export class MiniBert extends Module {
  readonly items: Embedding;
  readonly pos: Embedding;
  readonly ln0: LayerNorm;
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly ln1: LayerNorm;
  readonly ff1: Linear;
  readonly ff2: Linear;
  readonly ln2: LayerNorm;
  readonly drop: Dropout;
  readonly outBias: Tensor;
  constructor(rt: Runtime, readonly V: number, readonly L: number, readonly d: number, readonly heads: number, seed: number, p = 0.1) {
    super();
    const rng = new Rng(seed);
    this.items = this.registerModule('items', new Embedding(rt, V, d, { rng }));
    this.pos = this.registerModule('pos', new Embedding(rt, L, d, { rng }));
    this.ln0 = this.registerModule('ln0', new LayerNorm(rt, d));
    this.q = this.registerModule('q', new Linear(rt, d, d, { rng }));
    this.k = this.registerModule('k', new Linear(rt, d, d, { rng }));
    this.v = this.registerModule('v', new Linear(rt, d, d, { rng }));
    this.o = this.registerModule('o', new Linear(rt, d, d, { rng }));
    this.ln1 = this.registerModule('ln1', new LayerNorm(rt, d));
    this.ff1 = this.registerModule('ff1', new Linear(rt, d, 4 * d, { rng, activation: 'gelu_tanh' }));
    this.ff2 = this.registerModule('ff2', new Linear(rt, 4 * d, d, { rng }));
    this.ln2 = this.registerModule('ln2', new LayerNorm(rt, d));
    this.drop = this.registerModule('drop', new Dropout(p, { seed: rng.u32() }));
    this.outBias = this.createParameter(rt, 'outBias', [V], init.zeros, rng);
  }

  /** ids i32 [B, L], keyMask u32 [B, L], rows i32 [n] (flat masked positions), targets i32 [n]. */
  loss(ids: Tensor, keyMask: Tensor, rows: Tensor, targets: Tensor): Tensor {
    const h0 = this.drop.forward(this.ln0.forward(F.add(this.items.forward(ids), this.pos.weight)));
    const a = F.attention(this.q.forward(h0), this.k.forward(h0), this.v.forward(h0), keyMask, { heads: this.heads });
    const h1 = this.ln1.forward(this.drop.forward(this.o.forward(a)), h0);
    const h2 = this.ln2.forward(this.drop.forward(this.ff2.forward(this.ff1.forward(h1))), h1);
    const logits = F.add(F.matmul(F.gatherRows(h2, rows), this.items.weight, { transB: true }), this.outBias);
    return F.softmaxCrossEntropy(logits, targets, { ignoreIndex: -1 });
  }
}

/** A fixed batch for MiniBert: B sequences of length L, the last two positions of sequence 1 padded. */
export function miniBatch(rt: Runtime, B: number, L: number, V: number): Tensor[] {
  const r = new Rng(99);
  const ids = Int32Array.from({ length: B * L }, () => 1 + Math.floor(r.uniform() * (V - 1)));
  const mask = Uint32Array.from({ length: B * L }, (_, i) => (B > 1 && i >= 2 * L - 2 && i < 2 * L ? 0 : 1));
  const rows: number[] = [];
  const targets: number[] = [];
  for (let i = 0; i < B * L; i++) {
    if (mask[i] && r.uniform() < 0.3) {
      rows.push(i);
      targets.push(ids[i]);
      ids[i] = 0; // the mask token
    }
  }
  return [rt.tensor(ids, [B, L]), rt.tensor(mask, [B, L]), rt.tensor(Int32Array.from(rows), [rows.length]), rt.tensor(Int32Array.from(targets), [targets.length])];
}

async function values(t: Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

export const nnCases: PortableCase[] = [
  {
    name: 'namedParameters: dotted names in registration order, parameters require grad',
    async run(rt) {
      const m = new TinyModel(rt, 4, 3, 1);
      const names = m.namedParameters().map(([n]) => n);
      const expected = ['fc.weight', 'fc.bias', 'norm.weight', 'norm.bias'];
      assertEqual(names.join(' '), [...expected.map((n) => `layers.0.${n}`), ...expected.map((n) => `layers.1.${n}`), 'head.weight'].join(' '), 'names');
      for (const [n, t] of m.namedParameters()) {
        assert(t.requiresGrad, `${n} requires grad`);
        assertEqual(t.name, n, 'tensor name');
      }
      assertEqual(m.parameterCount(), 2 * (16 + 4 + 4 + 4) + 12, 'parameter count');
      assertEqual(m.layers.get(1).fc.weight.shape.join(','), '4,4', 'Linear weight [out, in]');
      assertEqual(m.head.bias, null, 'no bias');
      assertThrows(() => m.layers.get(2), ['ModuleList', 'index 2'], 'out of range');
      m.dispose();
    },
  },
  {
    name: 'parameters survive the scope they were created in; dispose() frees them',
    async run(rt) {
      await rt.sync();
      const before = rt.memory().liveCount;
      const m = scope(() => new TinyModel(rt, 4, 3, 1));
      assertEqual(rt.memory().liveCount, before + 9, 'live parameters');
      await values(m.head.weight);
      m.dispose();
      assertEqual(rt.memory().liveCount, before, 'after dispose');
    },
  },
  {
    name: 'stateDict round trip, and loadStateDict errors name the keys',
    async run(rt) {
      const a = new TinyModel(rt, 5, 2, 1);
      const b = new TinyModel(rt, 5, 2, 2);
      const wa = await values(a.layers.get(0).fc.weight);
      const wb = await values(b.layers.get(0).fc.weight);
      assert(wa.some((v, i) => v !== wb[i]), 'different seeds give different weights');
      await b.loadStateDict(a.stateDict());
      for (const [n, t] of b.stateDict()) assertClose(await values(t), await values(a.stateDict().get(n)!), { atol: 0, rtol: 0 }, n);
      // Host arrays load too.
      const host = new Map<string, Float32Array>();
      for (const [n, t] of a.stateDict()) host.set(n, Float32Array.from(await values(t), (v) => v + 1));
      await b.loadStateDict(host);
      assertClose(await values(b.head.weight), Float32Array.from(await values(a.head.weight), (v) => v + 1), { atol: 0, rtol: 0 }, 'host load');

      const bad = new Map<string, Tensor | Float32Array>(a.stateDict());
      const wrong = rt.zeros([5, 4]);
      bad.set('layers.1.fc.weight', wrong);
      bad.delete('head.weight');
      bad.set('extra.bias', new Float32Array(3));
      let msg = '';
      try {
        await b.loadStateDict(bad);
      } catch (e) {
        msg = (e as Error).message;
      }
      for (const f of ['loadStateDict', "'layers.1.fc.weight'", '[5,4]', '[5,5]', "missing key 'head.weight'", "unexpected key 'extra.bias'"]) {
        assert(msg.includes(f), `error "${msg}" mentions ${f}`);
      }
      const nonStrict = await b.loadStateDict(bad, { strict: false }).then(
        () => 'no error',
        (e: Error) => e.message,
      );
      assert(nonStrict.includes("'layers.1.fc.weight'") && !nonStrict.includes('missing'), `non-strict still checks shapes, not keys: ${nonStrict}`);
      wrong.dispose();
      a.dispose();
      b.dispose();
    },
  },
  {
    name: 'train()/eval() switch dropout; a Dropout draws a new mask per call',
    async run(rt) {
      const d = new Dropout(0.5, { seed: 3 });
      const x = rt.tensor(new Float32Array(64).fill(1), [8, 8]);
      const y1 = d.forward(x);
      const y2 = d.forward(x);
      const v1 = await values(y1);
      const v2 = await values(y2);
      assert(v1.every((v) => v === 0 || v === 2), 'inverted dropout scales kept values by 1/(1-p)');
      assert(v1.some((v, i) => v !== v2[i]), 'two calls use different masks');
      const zeros = v1.filter((v) => v === 0).length;
      assert(zeros > 16 && zeros < 48, `about half dropped (${zeros}/64)`);
      const m = new TinyModel(rt, 4, 3, 1);
      m.eval();
      assert(m.namedModules().every(([, mod]) => !mod.training), 'eval() reaches every sub-module');
      const e = m.layers.get(0).drop.forward(x);
      assertClose(await values(e), await values(x), { atol: 0, rtol: 0 }, 'dropout in eval is the identity');
      m.train();
      assert(m.layers.get(1).drop.training, 'train() restores training mode');
      for (const t of [x, y1, y2, e]) t.dispose();
      m.dispose();
    },
  },
  {
    name: 'initialisers: seeded truncated normal (std 0.02, |z| <= 2), ones/zeros',
    async run(rt) {
      const a = new Linear(rt, 64, 48, { rng: new Rng(7) });
      const b = new Linear(rt, 64, 48, { rng: new Rng(7) });
      const wa = await values(a.weight);
      assertClose(wa, await values(b.weight), { atol: 0, rtol: 0 }, 'same seed, same weights');
      const mean = wa.reduce((s, v) => s + v, 0) / wa.length;
      const std = Math.sqrt(wa.reduce((s, v) => s + (v - mean) ** 2, 0) / wa.length);
      // A normal truncated at 2 sigma has std 0.880 sigma.
      assert(Math.abs(mean) < 0.002, `mean ${mean}`);
      assert(Math.abs(std - 0.0176) < 0.001, `std ${std} (expected 0.0176 = 0.880 * 0.02)`);
      assert(wa.every((v) => Math.abs(v) <= 0.04 + 1e-7), 'truncated at 2 std');
      assertClose(await values(a.bias!), new Float32Array(48), { atol: 0, rtol: 0 }, 'bias zeros');
      const ln = new LayerNorm(rt, 5);
      assertClose(await values(ln.weight), new Float32Array(5).fill(1), { atol: 0, rtol: 0 }, 'gamma ones');
      const u = init.uniform(-1, 1)([1000], new Rng(1));
      assert(u.every((v) => v >= -1 && v < 1), 'uniform range');
      for (const m of [a, b, ln]) m.dispose();
    },
  },
  {
    name: 'linearWarmupDecay values',
    async run() {
      const s = linearWarmupDecay({ peakLr: 1e-3, warmupSteps: 10, totalSteps: 110 });
      const expected: Array<[number, number]> = [
        [1, 1e-4],
        [5, 5e-4],
        [10, 1e-3],
        [11, 1e-3 * (99 / 100)],
        [60, 5e-4],
        [110, 0],
        [200, 0],
      ];
      for (const [step, lr] of expected) assertClose([s(step)], [lr], { atol: 1e-15, rtol: 1e-12 }, `lr at step ${step}`);
      const noWarm = linearWarmupDecay({ peakLr: 2, warmupSteps: 0, totalSteps: 4 });
      assertClose([noWarm(1), noWarm(2), noWarm(4)], [1.5, 1, 0], { atol: 0, rtol: 1e-12 }, 'no warm-up');
      assertThrows(() => linearWarmupDecay({ peakLr: 1, warmupSteps: 10, totalSteps: 5 }), ['totalSteps', 'warmupSteps'], 'total < warmup');
    },
  },
  {
    name: 'Linear forward matches x @ W^T + b on [B, L, d] input',
    async run(rt) {
      const lin = new Linear(rt, 3, 2, { rng: new Rng(5), init: init.uniform(-1, 1) });
      await lin.loadStateDict({ bias: new Float32Array([0.5, -1]) }, { strict: false });
      const xd = randomArray(2 * 4 * 3, 9);
      const x = rt.tensor(Float32Array.from(xd), [2, 4, 3]);
      const y = scope(() => lin.forward(x));
      assertEqual(y.shape.join(','), '2,4,2', 'shape');
      const w = await values(lin.weight);
      const expect = new Float64Array(16);
      for (let r = 0; r < 8; r++) for (let o = 0; o < 2; o++) expect[r * 2 + o] = [0, 1, 2].reduce((s, k) => s + xd[r * 3 + k] * w[o * 3 + k], o === 0 ? 0.5 : -1);
      assertClose(await values(y), expect, { atol: 1e-6, rtol: 1e-6 }, 'linear');
      for (const t of [x, y]) t.dispose();
      lin.dispose();
    },
  },
  {
    name: 'Embedding looks up rows; its gradient counts repeated ids',
    async run(rt) {
      const emb = new Embedding(rt, 5, 3, { rng: new Rng(2) });
      const table = await values(emb.weight);
      const ids = rt.tensor(new Int32Array([4, 0, 4, 2]), [2, 2]);
      const loss = scope(() => {
        const e = emb.forward(ids);
        assertEqual(e.shape.join(','), '2,2,3', 'shape');
        return F.sumAll(e);
      });
      const expect = [4, 0, 4, 2].reduce((s, id) => s + table[id * 3] + table[id * 3 + 1] + table[id * 3 + 2], 0);
      assertClose([await loss.item()], [expect], { atol: 1e-6, rtol: 1e-6 }, 'sum of looked-up rows');
      backward(loss);
      assertClose(await values(emb.weight.grad!), [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2], { atol: 0, rtol: 0 }, 'dTable');
      for (const t of [ids, loss]) t.dispose();
      emb.dispose();
    },
  },
  {
    name: 'SGD on a small MLP: loss decreases, live memory flat over 50 steps, tape empty',
    async run(rt) {
      const model = new Mlp(rt, 8, 16, 3);
      const { x, y } = toyData(rt, 32, 8);
      const opt = new SGD(model.parameters(), { lr: 0.05 });
      const losses: number[] = [];
      const live: number[] = [];
      const peaks: number[] = [];
      for (let i = 0; i < 50; i++) {
        if (i === 2) rt.backend.resetPeak();
        const loss = trainStep(model, opt, x, y);
        losses.push(await loss.item());
        loss.dispose();
        assertEqual(rt.tapeLength(), 0, 'tape after a step');
        live.push(rt.memory().liveBytes);
        peaks.push(rt.memory().peakLiveBytes);
      }
      // From step 2 on (gradients exist from step 1), every step ends at the same live bytes
      // and the peak stays where step 3 put it.
      for (let i = 2; i < 50; i++) {
        assertEqual(live[i], live[1], `live bytes after step ${i + 1}`);
        assertEqual(peaks[i], peaks[2], `peak bytes by step ${i + 1}`);
      }
      const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
      const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
      assert(last < 0.5 * first, `loss decreases (${first.toFixed(4)} -> ${last.toFixed(4)})`);
      opt.zeroGrad();
      model.dispose();
      x.dispose();
      y.dispose();
    },
  },
  {
    name: 'MiniBert + AdamW: loss decreases, memory flat over 20 steps',
    async run(rt) {
      const model = new MiniBert(rt, 50, 12, 16, 2, 4);
      const batch = miniBatch(rt, 4, 12, 50);
      const opt = new AdamW([{ params: model.parameters(), weightDecay: 0.01 }], { lr: 3e-3, clipNorm: 5 });
      const losses: number[] = [];
      const live: number[] = [];
      for (let i = 0; i < 20; i++) {
        opt.zeroGrad();
        const loss = scope(() => model.loss(batch[0], batch[1], batch[2], batch[3]));
        backward(loss);
        opt.step();
        losses.push(await loss.item());
        loss.dispose();
        live.push(rt.memory().liveBytes);
      }
      for (let i = 2; i < 20; i++) assertEqual(live[i], live[1], `live bytes after step ${i + 1}`);
      assert(Math.abs(losses[0] - Math.log(50)) < 0.3, `initial loss ${losses[0]} near ln(50)`);
      assert(losses[19] < losses[0] - 0.5, `loss decreases (${losses[0].toFixed(3)} -> ${losses[19].toFixed(3)})`);
      opt.zeroGrad();
      opt.dispose();
      model.dispose();
      for (const t of batch) t.dispose();
    },
  },
];

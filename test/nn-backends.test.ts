// WebGPU and WASM train the same small model to the same parameters (same init, data,
// dropout seeds): a few steps of SGD, and of AdamW once its kernels exist.
import { afterAll, describe, expect, it } from 'vitest';
import { AdamW, backward, scope, SGD, type Runtime } from '../runtime/index.js';
import { destroyRuntimes, getRuntime } from './backends.js';
import { assertClose } from './cases/assert.js';
import { MiniBert, miniBatch, Mlp, toyData, trainStep } from './cases/nn.js';

afterAll(destroyRuntimes);

async function train(rt: Runtime, steps: number, optimizer: 'sgd' | 'adamw'): Promise<{ losses: number[]; params: Map<string, Float32Array> }> {
  const model = new Mlp(rt, 8, 16, 3, 0.2);
  const { x, y } = toyData(rt, 24, 8);
  const opt = optimizer === 'sgd' ? new SGD(model.parameters(), { lr: 0.05 }) : new AdamW([{ params: model.parameters(), weightDecay: 0.01 }], { lr: 0.01, clipNorm: 0.5 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = trainStep(model, opt, x, y);
    losses.push(await loss.item());
    loss.dispose();
  }
  const params = new Map<string, Float32Array>();
  for (const [n, p] of model.namedParameters()) params.set(n, (await p.data()) as Float32Array);
  opt.zeroGrad();
  model.dispose();
  x.dispose();
  y.dispose();
  return { losses, params };
}

async function trainBert(rt: Runtime, steps: number): Promise<{ losses: number[]; params: Map<string, Float32Array> }> {
  const model = new MiniBert(rt, 40, 10, 16, 2, 8, 0.1);
  const batch = miniBatch(rt, 3, 10, 40);
  const opt = new AdamW([{ params: model.parameters(), weightDecay: 0.01 }], { lr: 1e-3, clipNorm: 5 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    const loss = scope(() => model.loss(batch[0], batch[1], batch[2], batch[3]));
    backward(loss);
    opt.step();
    losses.push(await loss.item());
    loss.dispose();
  }
  const params = new Map<string, Float32Array>();
  for (const [n, p] of model.namedParameters()) params.set(n, (await p.data()) as Float32Array);
  opt.zeroGrad();
  opt.dispose();
  model.dispose();
  for (const t of batch) t.dispose();
  return { losses, params };
}

describe('WebGPU and WASM agree on training', () => {
  it('5 AdamW steps of a one-layer BERT4Rec-shaped model (embeddings, attention, dropout, tied softmax CE)', async () => {
    const a = await trainBert(await getRuntime('webgpu'), 5);
    const b = await trainBert(await getRuntime('wasm'), 5);
    assertClose(a.losses, b.losses, { atol: 1e-5, rtol: 1e-4 }, 'losses');
    for (const [n, p] of a.params) assertClose(p, b.params.get(n)!, { atol: 2e-5, rtol: 1e-4 }, n);
    expect(a.losses[4]).toBeLessThan(a.losses[0]);
  });

  it('5 SGD steps of an MLP with dropout', async () => {
    const a = await train(await getRuntime('webgpu'), 5, 'sgd');
    const b = await train(await getRuntime('wasm'), 5, 'sgd');
    // f32 on both sides, different summation orders: agreement to ~1e-5 relative after 5 steps.
    assertClose(a.losses, b.losses, { atol: 1e-5, rtol: 1e-4 }, 'losses');
    expect([...a.params.keys()]).toEqual([...b.params.keys()]);
    for (const [n, p] of a.params) assertClose(p, b.params.get(n)!, { atol: 1e-5, rtol: 1e-4 }, n);
    expect(a.losses[4]).toBeLessThan(a.losses[0]);
  });

  it('5 AdamW steps (weight decay, clipping) of an MLP with dropout', async () => {
    const a = await train(await getRuntime('webgpu'), 5, 'adamw');
    const b = await train(await getRuntime('wasm'), 5, 'adamw');
    // Adam normalises each update (|step| ~ lr), so parameters agree to a fraction of lr = 1e-2.
    assertClose(a.losses, b.losses, { atol: 1e-5, rtol: 1e-4 }, 'losses');
    for (const [n, p] of a.params) assertClose(p, b.params.get(n)!, { atol: 2e-5, rtol: 1e-4 }, n);
    expect(a.losses[4]).toBeLessThan(a.losses[0]);
  });
});

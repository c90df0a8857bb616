// Device loss during WebGPU training: the device is destroyed behind the trainer's back in the
// middle of an epoch (device.destroy(), as a driver reset would). The run fails with a
// DeviceLostError, says which checkpoint is the last good one and how to continue, the
// checkpoint on disk is whole, and --resume from it finishes the run on WASM and on a new
// WebGPU device. WebGPU is required (fails without an adapter, like every WebGPU test).
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, DeviceLostError, type Runtime, type WebGPUBackend } from '../runtime/internal.js';
import { readCheckpointConfig } from '../src/checkpoint.js';
import { resolveConfig } from '../src/config.js';
import { LAST_DIR, runTraining } from '../src/train/trainer.js';
import { preparedData, syntheticSequences } from './cases/bert4rec-fixtures.js';

const runtimes: Runtime[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const rt of runtimes) rt.destroy();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const prepared = () => preparedData(syntheticSequences(60, 30, 8, 20, 4));
const config = resolveConfig({ model: { maxLen: 16, hidden: 16, layers: 1, heads: 2, ffn: 32 }, train: { epochs: 2, batchSize: 8, seed: 3, timeLimitMinutes: 0 } });

describe('WebGPU device lost mid-training', () => {
  it('fails with DeviceLostError naming the last good checkpoint; --resume finishes on WASM and on a new WebGPU device', async () => {
    const gpu = await createRuntime({ backend: 'webgpu' });
    runtimes.push(gpu);
    const out = await mkdtemp(join(tmpdir(), 'b4r-lost-'));
    dirs.push(out);
    const lines: string[] = [];
    let calls = 0;
    const err = await runTraining({
      rt: gpu, data: prepared(), config, outDir: out, progress: false, checkpointEverySteps: 2, log: (l) => lines.push(l),
      // ~5 clock calls a step: the device goes away after ~12 steps, inside epoch 1 or 2.
      now: () => {
        if (++calls === 60) (gpu.backend as WebGPUBackend).device.destroy();
        return calls;
      },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DeviceLostError);
    const last = join(out, LAST_DIR);
    expect(lines.join('\n')).toContain(`The last good checkpoint is ${last}; --resume ${last} continues from it on either backend`);
    const ck = await readCheckpointConfig(last);
    expect(ck.step).toBeGreaterThan(0);
    expect(ck.backend).toBe('webgpu');

    // A copy of the run as the loss left it, for the second resume.
    const out2 = await mkdtemp(join(tmpdir(), 'b4r-lost2-'));
    dirs.push(out2);
    await cp(out, out2, { recursive: true });

    const wasm = await createRuntime({ backend: 'wasm' });
    runtimes.push(wasm);
    const onWasm = await runTraining({ rt: wasm, data: prepared(), config, outDir: out, progress: false, resume: last });
    expect(onWasm.epochsCompleted).toBe(2);
    expect(onWasm.steps).toBeGreaterThan(ck.step);
    expect(Number.isFinite(onWasm.test!.bert4rec.full.ndcg10)).toBe(true);

    const gpu2 = await createRuntime({ backend: 'webgpu' });
    runtimes.push(gpu2);
    const onGpu = await runTraining({ rt: gpu2, data: prepared(), config, outDir: out2, progress: false, resume: join(out2, LAST_DIR) });
    expect(onGpu.epochsCompleted).toBe(2);
    expect(onGpu.steps).toBe(onWasm.steps);
  }, 240_000);
});

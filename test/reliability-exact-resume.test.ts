// Exact resume inside an epoch (in-process, WASM): a run stopped by the time limit part-way
// through an epoch saves checkpoint-last with its position (batches done, running loss sums,
// order digest, schedule); --resume continues that epoch and the run ends with weights,
// per-epoch losses, the best checkpoint and the test metrics bit-identical to a run that was
// never stopped. The same for a mid-epoch checkpoint (--checkpoint-every) taken at any step.
// A resume whose batches would differ (another batch size) is refused, naming the checkpoint.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../runtime/index.js';
import { CheckpointError, readCheckpointConfig } from '../src/checkpoint.js';
import { resolveConfig, type FullConfig } from '../src/config.js';
import { BEST_DIR, LAST_DIR, runTraining, type TrainRunResult } from '../src/train/trainer.js';
import { destroyRuntimes, getRuntime } from './backends.js';
import { preparedData, syntheticSequences } from './cases/bert4rec-fixtures.js';

afterAll(destroyRuntimes);

const prepared = () => preparedData(syntheticSequences(80, 40, 8, 24, 3));

const config: FullConfig = resolveConfig({ model: { maxLen: 24, hidden: 16, layers: 1, heads: 2, ffn: 32 }, train: { epochs: 3, batchSize: 8, lr: 3e-3, seed: 11, timeLimitMinutes: 0, lengthBucket: 8 } });
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'b4r-exact-'));
  dirs.push(d);
  return d;
}

async function weights(dir: string): Promise<Map<string, Uint8Array>> {
  const { tensors } = decodeSafetensors(new Uint8Array(await readFile(join(dir, 'model.safetensors'))));
  return new Map([...tensors].map(([k, t]) => [k, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)]));
}

/** Everything but wall-clock times must be identical: weights (bytes), losses, best, test metrics. */
async function expectIdentical(out: string, r: TrainRunResult, refOut: string, ref: TrainRunResult) {
  expect(r.epochsCompleted).toBe(ref.epochsCompleted);
  expect(r.steps).toBe(ref.steps);
  expect(r.history.map((h) => [h.epoch, h.loss, h.valid])).toEqual(ref.history.map((h) => [h.epoch, h.loss, h.valid]));
  expect(r.best).toEqual(ref.best);
  expect(r.testProtocols).toEqual(ref.testProtocols);
  for (const sub of [LAST_DIR, BEST_DIR]) {
    const [a, b] = [await weights(join(out, sub)), await weights(join(refOut, sub))];
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [k, bytes] of b) expect(Buffer.compare(Buffer.from(a.get(k)!), Buffer.from(bytes)), `${sub} ${k}`).toBe(0);
  }
}

let reference: { out: string; result: TrainRunResult; perEpoch: number } | null = null;
async function uninterrupted() {
  if (!reference) {
    const rt = await getRuntime('wasm');
    const out = await tmp();
    const result = await runTraining({ rt, data: prepared(), config, outDir: out, progress: false });
    reference = { out, result, perEpoch: result.steps / config.train.epochs };
  }
  return reference;
}

describe('exact resume inside an epoch', () => {
  it('a time-limit stop mid-epoch records the position; --resume ends bit-identical to the uninterrupted run', async () => {
    const rt = await getRuntime('wasm');
    const ref = await uninterrupted();
    expect(ref.perEpoch).toBeGreaterThan(8);
    const out = await tmp();
    let t = 0;
    const lines: string[] = [];
    // A fake clock (10 ms a call) and a 0.02-minute (1.2 s) limit: the stop lands inside epoch 2.
    const stopped = await runTraining({
      rt, data: prepared(), outDir: out, progress: false, log: (l) => lines.push(l),
      config: { ...config, train: { ...config.train, timeLimitMinutes: 0.02 } },
      now: () => (t += 10),
    });
    expect(stopped.stoppedBy).toBe('time-limit');
    const ck = await readCheckpointConfig(join(out, LAST_DIR));
    expect(ck.position, 'checkpoint-last records a position inside an epoch').toBeTruthy();
    const pos = ck.position!;
    expect(pos.epoch).toBe(ck.epoch + 1);
    expect(pos.batches).toBeGreaterThan(0);
    expect(pos.batches).toBeLessThan(ref.perEpoch);
    expect(ck.step).toBe(ck.epoch * ref.perEpoch + pos.batches);
    expect(ck.schedule).toEqual({ peakLr: config.train.lr, warmupSteps: expect.any(Number), totalSteps: ref.result.steps });
    expect(stopped.history.length, 'the partial epoch is not recorded as complete').toBe(ck.epoch);
    expect(lines.join('\n')).toMatch(new RegExp(`time limit of 0.02 min reached after ${pos.batches}/${ref.perEpoch} steps`));

    const resumed = await runTraining({ rt, data: prepared(), config, outDir: out, progress: false, resume: join(out, LAST_DIR), log: (l) => lines.push(l) });
    expect(lines.join('\n')).toContain(`inside epoch ${pos.epoch} after ${pos.batches}/${ref.perEpoch} steps`);
    await expectIdentical(out, resumed, ref.out, ref.result);
  });

  it('a crash at a random step after mid-epoch checkpoints (checkpointEverySteps) resumes bit-identically', async () => {
    const rt = await getRuntime('wasm');
    const ref = await uninterrupted();
    const every = 3;
    // The clock throws after a random number of calls: the run dies wherever it is (inside a
    // step, between steps, before a save), as a kill would, without writing anything more.
    const seed = Number(process.env.FUZZ_SEED ?? 2026);
    const midEpoch: boolean[] = [];
    for (const fraction of [((seed * 7919) % 97) / 97, 0.5 + ((seed * 104729) % 89) / 200]) {
      const out = await tmp();
      let calls = 0;
      const crashAt = 20 + Math.floor(fraction * ref.perEpoch * 2 * 5); // ~5 clock calls a step: inside epochs 1-2
      const crashed = await runTraining({
        rt, data: prepared(), config, outDir: out, progress: false, checkpointEverySteps: every,
        now: () => {
          if (++calls === crashAt) throw new Error('simulated kill');
          return calls;
        },
      }).catch((e) => e);
      expect(crashed.message).toBe('simulated kill');
      const ck = await readCheckpointConfig(join(out, LAST_DIR));
      expect(ck.step % every === 0 || ck.step % ref.perEpoch === 0, `checkpoint at step ${ck.step}`).toBe(true);
      midEpoch.push(!!ck.position);
      const resumed = await runTraining({ rt, data: prepared(), config, outDir: out, progress: false, resume: join(out, LAST_DIR) });
      await expectIdentical(out, resumed, ref.out, ref.result);
    }
    expect(midEpoch, 'at least one crash resumed from a mid-epoch checkpoint').toContain(true);
  });

  it('resuming a mid-epoch checkpoint with another batch size is refused, naming the checkpoint', async () => {
    const rt = await getRuntime('wasm');
    const out = await tmp();
    let t = 0;
    await runTraining({ rt, data: prepared(), outDir: out, progress: false, config: { ...config, train: { ...config.train, timeLimitMinutes: 0.005 } }, now: () => (t += 10) });
    const last = join(out, LAST_DIR);
    expect((await readCheckpointConfig(last)).position).toBeTruthy();
    const err = await runTraining({ rt, data: prepared(), outDir: out, progress: false, resume: last, config: { ...config, train: { ...config.train, batchSize: 4 } } }).catch((e) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect(err.message).toMatch(new RegExp(`--resume ${last.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the checkpoint stopped after batch \\d+ of epoch \\d+ .*cannot continue that epoch`));
  });
});

// Training planned to a time budget (train.timeBudgetMinutes, src/train/budget.ts): the planner's
// arithmetic on a synthetic clock, and a whole run on a fake clock whose steps end, warm-up and
// decay complete, inside the budget with the test's time kept; every re-plan is recorded.
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../runtime/index.js';
import { readCheckpointConfig } from '../src/checkpoint.js';
import { resolveConfig, type FullConfig, type TrainConfig } from '../src/config.js';
import { buildEvalSet, evalSubset } from '../src/eval/inputs.js';
import { BudgetPlanner, UNPLANNED_STEPS } from '../src/train/budget.js';
import { LAST_DIR, runTraining } from '../src/train/trainer.js';
import { destroyRuntimes, getRuntime } from './backends.js';
import { preparedData, syntheticSequences } from './cases/bert4rec-fixtures.js';

afterAll(destroyRuntimes);

describe('BudgetPlanner', () => {
  it('estimates the steps that end at the budget less the reserve, from the rate since its anchor', () => {
    const p = new BudgetPlanner({ budgetMs: 100_000, originMs: 0, warmupFraction: 0.05, calibrationSteps: 10, measureSteps: 20, marginFraction: 0.01 });
    let first = -1;
    for (let s = 1; s <= 30; s++) if (p.observe(s, s * 1000) && first < 0) first = s;
    expect(first).toBe(30); // anchor at step 10, 20 measured steps
    expect(p.replan(29, 29_000, 0, 'early')).toBeNull(); // not ready before step 30
    const a = p.replan(30, 30_000, 5000, 'calibration')!;
    // 1 s/step; 100 s - 30 s - (5 s + 1 s margin) = 64 s left: 64 more steps.
    expect([a.msPerStep, a.totalSteps, a.warmupSteps, a.reserveSeconds]).toEqual([1000, 94, 5, 6]);
    // Slower since: 60 s for the 50 steps after the anchor = 1.2 s/step; 100 - 70 - 6 = 24 s: 20 steps.
    const b = p.replan(60, 70_000, 5000, 'epoch 2')!;
    expect([b.msPerStep, b.totalSteps, b.warmupSteps]).toEqual([1200, 80, 5]); // warm-up fixed at the first estimate
    // Out of time: the plan ends at the current step.
    const c = p.replan(70, 99_000, 5000, 'epoch 3')!;
    expect(c.totalSteps).toBe(70);
    expect(p.replans.map((r) => r.reason)).toEqual(['calibration', 'epoch 2', 'epoch 3']);
  });

  it('makes no estimate before its anchor and measured steps', () => {
    const p = new BudgetPlanner({ budgetMs: 60_000, originMs: 0, warmupFraction: 0.1 });
    for (let s = 1; s < 30; s++) expect(p.observe(s, s * 100)).toBe(false);
    expect(p.replan(29, 2900, 0, 'x')).toBeNull();
    expect(p.observe(30, 3000)).toBe(true);
    expect(p.replan(30, 3000, 0, 'x')).not.toBeNull();
    expect(() => new BudgetPlanner({ budgetMs: 0, originMs: 0, warmupFraction: 0 })).toThrow(/budgetMs/);
  });
});

/** A tiny BERT4Rec run's config over `train` (2 epochs of batch 8 unless it says otherwise). */
const tinyRun = (train: Partial<TrainConfig>): FullConfig =>
  resolveConfig({ model: { maxLen: 24, hidden: 16, layers: 1, heads: 2, ffn: 32 }, train: { epochs: 2, batchSize: 8, lr: 3e-3, seed: 11, lengthBucket: 8, ...train } });

const prepared = () => preparedData(syntheticSequences(80, 40, 8, 24, 3));

describe('a run planned to a time budget', () => {
  it('ends its decay inside the budget, records every re-plan, and ignores the epochs', async () => {
    const rt = await getRuntime('wasm');
    const out = await mkdtemp(join(tmpdir(), 'b4r-budget-'));
    try {
      const budgetMinutes = 1;
      const config: FullConfig = tinyRun({ timeBudgetMinutes: budgetMinutes });
      // A fake clock: 20 ms per reading (several readings per step), so the speed is "measured".
      let t = 0;
      const lines: string[] = [];
      const r = await runTraining({ rt, data: prepared(), config, outDir: out, progress: false, log: (l) => lines.push(l), now: () => (t += 20) });
      const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
      const plan = metrics.plan;
      expect(plan.mode).toBe('time-budget');
      expect(plan.replans.length).toBeGreaterThan(2);
      expect(plan.replans[0].reason).toBe('calibration');
      const last = plan.replans.at(-1);
      // The run took exactly the final plan's steps, more than the 2 epochs the config names.
      expect(r.stoppedBy).toBe('budget');
      expect(r.steps).toBe(plan.schedule.totalSteps);
      expect(r.steps).toBe(last.totalSteps);
      const perEpoch = Math.ceil(r.steps / r.epochsCompleted);
      expect(r.epochsCompleted).toBeGreaterThan(2);
      expect(r.steps).toBeGreaterThan(2 * perEpoch);
      // Training, validations, test and reports all within the budget (fake clock from the start).
      expect(t).toBeLessThanOrEqual(budgetMinutes * 60_000);
      expect(t).toBeGreaterThan(0.75 * budgetMinutes * 60_000); // the test keeps 5 s + 1% and a validation per protocol
      // The schedule's warm-up was fixed by the first estimate; the rate reached 0 at the end.
      expect(plan.schedule.warmupSteps).toBe(plan.replans[0].warmupSteps);
      const events = (await readFile(join(out, 'events.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      expect(events.filter((e) => e.type === 'plan').length).toBe(plan.replans.length);
      expect(lines.some((l) => /^plan \(calibration\): [\d,]+ steps/.test(l))).toBe(true);
      expect(lines.some((l) => /the time-budgeted plan of \d+ steps is complete/.test(l))).toBe(true);
      expect(r.history.at(-1)!.valid).toBeDefined(); // the last (possibly partial) epoch is validated
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('an interrupted budgeted run resumes on the plan its checkpoint recorded, to its last step', async () => {
    const rt = await getRuntime('wasm');
    const out = await mkdtemp(join(tmpdir(), 'b4r-budget-resume-'));
    try {
      const config: FullConfig = tinyRun({ timeBudgetMinutes: 1 });
      let t = 0;
      const first = await runTraining({ rt, data: prepared(), config, outDir: out, progress: false, now: () => (t += 20), stopAfterEpoch: 3 });
      expect(first.stoppedBy).toBe('interrupted');
      const ck = await readCheckpointConfig(join(out, LAST_DIR));
      expect(ck.schedule!.totalSteps).toBeGreaterThan(first.steps);
      expect(ck.schedule!.totalSteps).toBeLessThan(UNPLANNED_STEPS);
      const lines: string[] = [];
      let t2 = 0;
      const resumed = await runTraining({ rt, data: prepared(), config, outDir: out, progress: false, log: (l) => lines.push(l), now: () => (t2 += 20), resume: join(out, LAST_DIR) });
      expect(lines.some((l) => l.includes('the time-budgeted plan continues as the checkpoint recorded it'))).toBe(true);
      expect(lines.some((l) => l.startsWith('plan ('))).toBe(false);
      expect([resumed.stoppedBy, resumed.steps]).toEqual(['budget', ck.schedule!.totalSteps]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('validation on a subset of users during training', () => {
  it('evalSubset draws a fixed subset by seed, in the set\'s order', () => {
    const data = prepared();
    const set = buildEvalSet(data.split, 'valid', 24);
    const a = evalSubset(set, 10, 11);
    const b = evalSubset(set, 10, 11);
    const c = evalSubset(set, 10, 12);
    expect(a.users.length).toBe(10);
    expect(Array.from(a.users)).toEqual(Array.from(b.users));
    expect(Array.from(a.users)).not.toEqual(Array.from(c.users));
    expect(Array.from(a.users)).toEqual([...a.users].sort((x, y) => x - y));
    for (let i = 0; i < 10; i++) {
      const j = set.users.indexOf(a.users[i]);
      expect(j).toBeGreaterThanOrEqual(0);
      expect([a.targets[i], a.inputs[i], a.exclude[i]]).toEqual([set.targets[j], set.inputs[j], set.exclude[j]]);
    }
    expect(evalSubset(set, 0, 1)).toBe(set);
    expect(evalSubset(set, set.users.length, 1)).toBe(set);
  });

  it('a run validating 12 users picks between checkpoint-best and the last weights on all of them', async () => {
    const rt = await getRuntime('wasm');
    const out = await mkdtemp(join(tmpdir(), 'b4r-valid-subset-'));
    try {
      const config: FullConfig = tinyRun({ epochs: 4, validUsers: 12 });
      const lines: string[] = [];
      const r = await runTraining({ rt, data: prepared(), config, outDir: out, progress: false, log: (l) => lines.push(l) });
      expect(lines.some((l) => /^validation: 12 of the 80 users during training/.test(l))).toBe(true);
      const m = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
      const fc = m.finalChoice;
      expect(fc.users).toBe(80);
      expect(fc.best.epoch).toBe(r.best!.epoch);
      expect(fc.tested).toBe(fc.last.value > fc.best.value ? 'last' : 'best');
      expect(lines.some((l) => l.startsWith('final choice on all 80 validation users'))).toBe(true);
      expect(lines.some((l) => (fc.tested === 'last' ? /^test: the last weights/ : /^test: best checkpoint/).test(l))).toBe(true);
      expect(fc.average).toBeNull();
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('with averageLast 3, the mean of the last 3 epochs joins the final choice', async () => {
    const rt = await getRuntime('wasm');
    const out = await mkdtemp(join(tmpdir(), 'b4r-average-'));
    try {
      const config: FullConfig = tinyRun({ epochs: 5, averageLast: 3, validUsers: 40 });
      // Leftovers of an earlier run in the same directory, which would otherwise be kept as the newest epoch
      await mkdir(join(out, 'checkpoint-epoch-9'));
      await mkdir(join(out, 'checkpoint-average'));
      const lines: string[] = [];
      await runTraining({ rt, data: prepared(), config, outDir: out, progress: false, log: (l) => lines.push(l) });
      expect(lines).toContain(`removed 2 checkpoint directories of an earlier run from ${out} (checkpoint-epoch-9, checkpoint-average)`);
      expect(lines.some((l) => l.startsWith('validation: 40 of the 80 users during training (a fixed random subset); checkpoint-best, the last weights and the mean of the last 3 epochs are compared'))).toBe(true);
      expect((await readdir(out)).filter((n) => n.startsWith('checkpoint-epoch-')).sort()).toEqual(['checkpoint-epoch-3', 'checkpoint-epoch-4', 'checkpoint-epoch-5']);
      const m = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
      const fc = m.finalChoice;
      expect(fc.users).toBe(80);
      expect(fc.average.epochs).toEqual([3, 4, 5]);
      const values = { best: fc.best.value, last: fc.last.value, average: fc.average.value };
      const top = Math.max(values.best, values.last, values.average);
      expect(fc.tested).toBe((['best', 'last', 'average'] as const).find((k) => values[k] === top));
      expect(lines.some((l) => /^final choice on all 80 validation users .*the mean of epochs 3-5/.test(l))).toBe(true);
      const testLine = { best: /^test: best checkpoint/, last: /^test: the last weights/, average: /^test: the mean of the weights of epochs 3, 4, 5 / }[fc.tested as 'best' | 'last' | 'average'];
      expect(lines.some((l) => testLine.test(l))).toBe(true);
      // checkpoint-average holds the mean of the three epochs' weights
      const weights = async (dir: string) => decodeSafetensors(new Uint8Array(await readFile(join(out, dir, 'model.safetensors')))).tensors.get('embeddings.item')!.data as Float32Array;
      const [a, b, c, avg] = await Promise.all(['checkpoint-epoch-3', 'checkpoint-epoch-4', 'checkpoint-epoch-5', 'checkpoint-average'].map(weights));
      for (let j = 0; j < avg.length; j++) expect(avg[j]).toBe(Math.fround((a[j] + b[j] + c[j]) / 3));
      expect(a.some((x, j) => x !== c[j])).toBe(true);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

// Training planned to a wall-time budget (train.timeBudgetMinutes): the number of optimizer
// steps is an outcome of the machine's measured speed, re-estimated as the run goes, so that
// warm-up and the linear decay end when the budget, less the time kept for the final test,
// runs out.
//
//   msPerStep = (now - anchor time) / (steps since the anchor)   validations and saves included
//   left      = budget - (now - origin) - reserve                 reserve: the test + a margin
//   total     = step + floor(left / msPerStep)                    never below the current step
//
// The anchor is taken after `calibrationSteps` steps (the first ones compile pipelines and warm
// the JIT). Warm-up is fixed at the first estimate (warmupFraction of its total), so later
// estimates move only the end of the decay.

/** The total steps of a budgeted plan before its first estimate: no end yet (checkpoints record it as such). */
export const UNPLANNED_STEPS = Number.MAX_SAFE_INTEGER;

/** One (re-)estimate of the plan, as metrics.json and events.jsonl record it. */
export interface Replan {
  /** Steps done when it was made. */
  step: number;
  /** Seconds since the budget's origin (the process start on the CLI). */
  elapsedSeconds: number;
  /** Measured milliseconds per step since the anchor, validations and checkpoints included. */
  msPerStep: number;
  /** Seconds kept for what follows training (final validation, test, reports) and a margin. */
  reserveSeconds: number;
  warmupSteps: number;
  totalSteps: number;
  /** What prompted it: 'calibration' (the first estimate) or 'epoch N'. */
  reason: string;
}

export interface BudgetOptions {
  /** The budget in milliseconds, counted from `originMs`. */
  budgetMs: number;
  /** The clock value the budget counts from. */
  originMs: number;
  /** Warm-up steps as a fraction of the first estimated total. */
  warmupFraction: number;
  /** Steps before the rate anchor (default 10). */
  calibrationSteps?: number;
  /** Steps measured after the anchor before the first estimate (default 20). */
  measureSteps?: number;
  /** Fraction of the budget always kept free (default 0.01). */
  marginFraction?: number;
}

export class BudgetPlanner {
  readonly replans: Replan[] = [];
  private anchor: { step: number; ms: number } | null = null;
  private warmupSteps: number | null = null;
  readonly calibrationSteps: number;
  readonly measureSteps: number;

  constructor(readonly options: BudgetOptions) {
    if (!(options.budgetMs > 0)) throw new RangeError(`BudgetPlanner: budgetMs must be > 0, got ${options.budgetMs}`);
    this.calibrationSteps = options.calibrationSteps ?? 10;
    this.measureSteps = options.measureSteps ?? 20;
  }

  /** Records step `step` done at `nowMs`; true when this step is the one to make the first estimate at. */
  observe(step: number, nowMs: number): boolean {
    if (!this.anchor && step >= this.calibrationSteps) this.anchor = { step, ms: nowMs };
    return this.replans.length === 0 && this.anchor !== null && step === this.anchor.step + this.measureSteps;
  }

  /** Whether enough steps were measured to estimate. */
  ready(step: number): boolean {
    return this.anchor !== null && step >= this.anchor.step + this.measureSteps;
  }

  /** Milliseconds the budget has left at `nowMs`. */
  leftMs(nowMs: number): number {
    return this.options.budgetMs - (nowMs - this.options.originMs);
  }

  /**
   * The plan that ends the decay at the budget less `reserveMs`, from step `step` at `nowMs`;
   * null before enough steps were measured. A total at the current step means: stop now.
   */
  replan(step: number, nowMs: number, reserveMs: number, reason: string): Replan | null {
    if (!this.anchor || !this.ready(step)) return null;
    const msPerStep = (nowMs - this.anchor.ms) / (step - this.anchor.step);
    const reserve = reserveMs + (this.options.marginFraction ?? 0.01) * this.options.budgetMs;
    const left = this.leftMs(nowMs) - reserve;
    const totalSteps = step + Math.max(0, Math.floor(left / Math.max(msPerStep, 1e-6)));
    this.warmupSteps ??= Math.min(Math.round(this.options.warmupFraction * totalSteps), totalSteps);
    const r: Replan = {
      step,
      elapsedSeconds: (nowMs - this.options.originMs) / 1000,
      msPerStep,
      reserveSeconds: reserve / 1000,
      warmupSteps: Math.min(this.warmupSteps, totalSteps),
      totalSteps,
      reason,
    };
    this.replans.push(r);
    return r;
  }
}

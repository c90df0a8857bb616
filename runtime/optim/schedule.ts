// Learning-rate schedules: functions of the 1-based index of the optimizer step being taken.

/** lr for optimizer step `step` (1 for the first step). */
export type LrSchedule = (step: number) => number;

/** Options of linearWarmupDecay(); step counts are optimizer steps. */
export interface LinearWarmupDecayOptions {
  /** The rate reached at the end of warm-up. */
  peakLr: number;
  /** Steps of linear warm-up from 0 to peakLr (0: start at peakLr). */
  warmupSteps: number;
  /** Total steps; the rate decays linearly to 0 at this step and stays 0 after it. */
  totalSteps: number;
}

/**
 * Linear warm-up then linear decay (BERT's schedule):
 *   step <= warmup: peakLr * step / warmup
 *   after:          peakLr * (total - step) / (total - warmup), clamped at 0.
 * So step = warmup gets peakLr and step = total gets 0.
 */
export function linearWarmupDecay({ peakLr, warmupSteps, totalSteps }: LinearWarmupDecayOptions): LrSchedule {
  if (!(peakLr >= 0) || !Number.isFinite(peakLr)) throw new RangeError(`linearWarmupDecay: peakLr must be a finite number >= 0, got ${peakLr}`);
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new RangeError(`linearWarmupDecay: warmupSteps must be an integer >= 0, got ${warmupSteps}`);
  if (!Number.isInteger(totalSteps) || totalSteps < warmupSteps) {
    throw new RangeError(`linearWarmupDecay: totalSteps must be an integer >= warmupSteps (${warmupSteps}), got ${totalSteps}`);
  }
  return (step) => {
    const s = Math.max(step, 0);
    if (s <= warmupSteps) return warmupSteps > 0 ? (peakLr * s) / warmupSteps : peakLr;
    if (totalSteps === warmupSteps) return 0;
    return (peakLr * Math.max(totalSteps - s, 0)) / (totalSteps - warmupSteps);
  };
}

/** A constant rate. */
export function constantLr(lr: number): LrSchedule {
  return () => lr;
}

// Dropout seeds: one u32 per (run seed, step, dropout site), so a step's masks depend only on
// those three numbers. The same step on WebGPU and WASM, or after --resume, drops the same
// elements (the kernels' RNG is counter-based: element index + seed).
import { mixSeeds } from '../data/rng.js';

export class DropoutSeeds {
  private base = 0;
  private step = 0;

  constructor(readonly seed: number) {}

  /** Selects the step whose masks the next forward uses. */
  setStep(step: number): void {
    this.step = step;
    this.base = mixSeeds(this.seed, 0x0d0d, step);
  }

  get currentStep(): number {
    return this.step;
  }

  /** The seed of dropout site `site` (a small integer fixed by the architecture) at the current step. */
  at(site: number): number {
    return mixSeeds(this.base, site) >>> 0;
  }
}

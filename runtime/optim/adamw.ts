// AdamW (decoupled weight decay) over parameter groups, one fused kernel per parameter,
// with optional global-norm gradient clipping computed on the device (no readback).
import { OpArgumentError } from '../errors.js';
import { adamW as adamWKernel } from '../ops/adamw.js';
import { fill } from '../ops/fill.js';
import { clipScale, gradNormSquared } from '../ops/grad_norm.js';
import { emptyTensor } from '../ops/util.js';
import { keep, scope } from '../scope.js';
import { formatShape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { LrSchedule } from './schedule.js';

/** Parameters that share one weight decay (AdamW takes a list of groups). */
export interface ParamGroup {
  params: Tensor[];
  /** Decoupled weight decay of this group (BERT: 0.01, and 0 for biases and LayerNorm). */
  weightDecay: number;
}

/** Options of the AdamW constructor (the weight decay is per group: ParamGroup). */
export interface AdamWOptions {
  /** A constant rate or a schedule of the 1-based step. */
  lr: number | LrSchedule;
  /** Default [0.9, 0.999]. */
  betas?: [number, number];
  /** Default 1e-8 (BERT4Rec uses 1e-6). */
  eps?: number;
  /** Clip the global L2 norm of all gradients to this value before the update. */
  clipNorm?: number;
}

/** Optimizer state for checkpoints: the step count and the moments, keyed 'm.<param>' / 'v.<param>'. */
export interface OptimizerState {
  step: number;
  tensors: Map<string, Tensor>;
}

/** What AdamW.loadStateDict accepts: an OptimizerState whose moments may also be host Float32Arrays, in a Map or object. */
export interface OptimizerStateSource {
  step: number;
  tensors: Map<string, Tensor | Float32Array> | Record<string, Tensor | Float32Array>;
}

interface Slot {
  key: string;
  param: Tensor;
  m: Tensor;
  v: Tensor;
  weightDecay: number;
}

/**
 * AdamW (decoupled weight decay, bias-corrected) over parameter groups: one fused kernel per
 * parameter per step, with optional global-norm gradient clipping computed on the device.
 */
export class AdamW {
  /** Number of steps taken (the next step is stepCount + 1). */
  stepCount = 0;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly clipNorm: number | undefined;
  private readonly schedule: LrSchedule;
  private readonly slots: Slot[] = [];
  private normSq: Tensor | null = null;

  constructor(groups: ParamGroup[], { lr, betas = [0.9, 0.999], eps = 1e-8, clipNorm }: AdamWOptions) {
    this.schedule = typeof lr === 'number' ? () => lr : lr;
    [this.beta1, this.beta2] = betas;
    this.eps = eps;
    this.clipNorm = clipNorm;
    if (!(this.beta1 >= 0 && this.beta1 < 1 && this.beta2 >= 0 && this.beta2 < 1)) throw new RangeError(`AdamW: betas must be in [0, 1), got ${betas}`);
    if (!(eps > 0)) throw new RangeError(`AdamW: eps must be > 0, got ${eps}`);
    if (clipNorm !== undefined && !(clipNorm > 0)) throw new RangeError(`AdamW: clipNorm must be > 0, got ${clipNorm}`);
    const seen = new Set<Tensor>();
    const keys = new Set<string>();
    groups.forEach((g, gi) => {
      if (!(g.weightDecay >= 0)) throw new RangeError(`AdamW: group ${gi} weightDecay must be >= 0, got ${g.weightDecay}`);
      g.params.forEach((p, pi) => {
        const key = p.name ?? `group${gi}.${pi}`;
        if (seen.has(p)) throw new OpArgumentError('AdamW', `parameter '${key}' appears twice`);
        if (keys.has(key)) throw new OpArgumentError('AdamW', `two parameters are named '${key}'`);
        if (p.dtype !== 'f32' || !p.requiresGrad) throw new OpArgumentError('AdamW', `parameter '${key}' ${formatShape(p.shape)} must be f32 with requiresGrad`);
        seen.add(p);
        keys.add(key);
        const zeros = () => keep(fill(emptyTensor(p.backend, p.shape, 'f32'), 0));
        this.slots.push({ key, param: p, m: zeros(), v: zeros(), weightDecay: g.weightDecay });
      });
    });
  }

  /** The rate the next step() will use. */
  get lr(): number {
    return this.schedule(this.stepCount + 1);
  }

  /** All parameters, in group order. */
  get params(): Tensor[] {
    return this.slots.map((s) => s.param);
  }

  /**
   * One update of every parameter that has a gradient (others are skipped, their moments
   * untouched). With clipNorm, gradients are scaled by min(1, clipNorm / ||g||) inside the
   * update kernel, the norm computed on the device.
   */
  step(): void {
    const live = this.slots.filter((s) => s.param.grad !== null);
    this.stepCount++;
    const lr = this.schedule(this.stepCount);
    this.normSq?.dispose();
    this.normSq = null;
    if (live.length === 0) return;
    scope(() => {
      let gradScale: Tensor | undefined;
      if (this.clipNorm !== undefined) {
        this.normSq = keep(gradNormSquared(live.map((s) => s.param.grad!)));
        gradScale = clipScale(this.normSq, this.clipNorm);
      }
      for (const s of live) {
        adamWKernel(s.param, s.param.grad!, s.m, s.v, {
          lr,
          beta1: this.beta1,
          beta2: this.beta2,
          eps: this.eps,
          weightDecay: s.weightDecay,
          step: this.stepCount,
          gradScale,
        });
      }
    });
  }

  /**
   * The squared global gradient norm (before clipping) of the last step, when clipNorm is set.
   * A device tensor owned by the optimizer (valid until the next step); read it with item().
   */
  get lastGradNormSquared(): Tensor | null {
    return this.normSq;
  }

  /** Drops every parameter's gradient (set to null; the next backward allocates fresh ones). */
  zeroGrad(): void {
    for (const s of this.slots) {
      s.param.grad?.dispose();
      s.param.grad = null;
    }
  }

  /** The live moment tensors (not copies) and the step count. */
  stateDict(): OptimizerState {
    const tensors = new Map<string, Tensor>();
    for (const s of this.slots) {
      tensors.set(`m.${s.key}`, s.m);
      tensors.set(`v.${s.key}`, s.v);
    }
    return { step: this.stepCount, tensors };
  }

  /** Restores moments and step count (device copy or upload); every key must be present with the right shape. */
  async loadStateDict(state: OptimizerStateSource): Promise<void> {
    if (!Number.isInteger(state.step) || state.step < 0) throw new OpArgumentError('AdamW.loadStateDict', `step must be an integer >= 0, got ${state.step}`);
    const src = state.tensors instanceof Map ? state.tensors : new Map(Object.entries(state.tensors));
    const own = this.stateDict().tensors;
    const problems: string[] = [];
    for (const [key, t] of own) {
      const v = src.get(key);
      if (!v) problems.push(`missing key '${key}'`);
      else if (v instanceof Tensor ? !shapesEqual(v.shape, t.shape) || v.dtype !== 'f32' : v.length !== t.size) {
        problems.push(`'${key}': ${v instanceof Tensor ? `${formatShape(v.shape)} ${v.dtype}` : `${v.length} values`} does not match ${formatShape(t.shape)} f32`);
      }
    }
    for (const key of src.keys()) if (!own.has(key)) problems.push(`unexpected key '${key}'`);
    if (problems.length) throw new OpArgumentError('AdamW.loadStateDict', problems.join('; '));
    for (const [key, t] of own) {
      const v = src.get(key)!;
      if (t.size === 0) continue;
      if (v instanceof Tensor && v.backend === t.backend) t.backend.copy(v.storage('AdamW.loadStateDict'), t.storage('AdamW.loadStateDict'), t.size * 4);
      else t.backend.write(t.storage('AdamW.loadStateDict'), v instanceof Tensor ? await v.data() : v);
    }
    this.stepCount = state.step;
  }

  /** Frees the moments (not the parameters). */
  dispose(): void {
    for (const s of this.slots) {
      s.m.dispose();
      s.v.dispose();
    }
    this.normSq?.dispose();
    this.normSq = null;
  }
}

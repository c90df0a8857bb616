// A differentiable op described once: its tensor arguments, its forward (the raw ops it runs),
// what its backward reads and the backward itself. applyOp() turns a description into the
// differentiable function (every F.* is one), and the test suite registers a float64 check
// for every description in the op table (runtime/nn/functional/table.ts,
// test/cases/op-table.ts), so an op is described in one place.
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { needsGrad, record } from './tape.js';

/** One tensor argument of a differentiable op. */
export interface OpInput {
  readonly name: string;
  /** Whether a gradient flows to it (false for ids, targets and masks). Default true. */
  readonly grad?: boolean;
  /** Whether the argument may be left out (null), as layerNorm's residual. Default false. */
  readonly optional?: boolean;
}

/** What a forward returns: the result, and op-private tensors (freed once recorded) its backward may read. */
export interface OpForward {
  readonly out: Tensor;
  readonly extras?: readonly Tensor[];
}

/**
 * A differentiable op. `A` is its non-tensor arguments (attributes). The backward formula is
 * written in raw ops (runtime/ops) and runs with recording off.
 */
export interface OpDescription<A = undefined> {
  /** The name on the tape and in errors. */
  readonly name: string;
  /** The tensor arguments, in order. */
  readonly inputs: readonly OpInput[];
  /**
   * Runs the raw op(s). `recording` says whether a backward will follow, for ops that then
   * compute more (the fused cross-entropy's dlogits).
   */
  forward(inputs: readonly (Tensor | null)[], attrs: A, recording: boolean): OpForward;
  /** The tensors the backward reads, from the inputs, the result and the extras; null for a slot not needed. Default: none. */
  save?(inputs: readonly (Tensor | null)[], out: Tensor, extras: readonly Tensor[], attrs: A): readonly (Tensor | null)[];
  /**
   * The gradient of each input from the result's gradient `dOut`. `saved` is what save()
   * returned; needs[j] says whether input j wants a gradient (return null where it does not);
   * `shapes` are the inputs' shapes ([] for a left-out one).
   */
  backward(dOut: Tensor, saved: readonly (Tensor | null)[], needs: readonly boolean[], attrs: A, shapes: readonly Shape[]): readonly (Tensor | null)[];
}

/** Declares a differentiable op (typed identity; see OpDescription). */
export function defineOp<A = undefined>(description: OpDescription<A>): OpDescription<A> {
  return description;
}

/**
 * Runs a described op: the forward, then, when an input that takes a gradient requires one
 * and recording is on, a tape node whose backward is the description's.
 */
export function applyOp<A>(op: OpDescription<A>, inputs: readonly (Tensor | null | undefined)[], attrs: A): Tensor {
  const args = op.inputs.map((_, i) => inputs[i] ?? null);
  const gradArgs = args.map((t, i) => (op.inputs[i].grad === false ? null : t));
  const recording = needsGrad(...gradArgs);
  const { out, extras = [] } = op.forward(args, attrs, recording);
  try {
    if (recording) {
      const toSave = op.save ? op.save(args, out, extras, attrs) : [];
      const present = toSave.map((t) => t !== null);
      const shapes = args.map((t) => (t ? t.shape : []));
      record(op.name, gradArgs, [out], toSave.filter((t): t is Tensor => t !== null), ([dOut], saved, needs) => {
        let k = 0;
        const slots = present.map((p) => (p ? saved[k++] : null));
        return [...op.backward(dOut!, slots, needs, attrs, shapes)];
      });
    }
  } finally {
    // The tape holds its own handles on what it saved.
    for (const t of extras) t.dispose();
  }
  return out;
}

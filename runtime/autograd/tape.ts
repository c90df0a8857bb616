// The tape: differentiable ops append a node (inputs, outputs, saved tensors, backward
// function) when any input requires grad. Nodes are appended in execution order, which
// is a topological order, so backward() only has to walk the tape in reverse.
//
// Lifetimes: a node saves *handles* on the tensors its backward needs (views sharing the
// storage, see Tensor.view), taken out of every scope. The caller's scopes may dispose the
// forward tensors as usual; the storage lives on until backward() (or discardTape())
// disposes the node's handles.
import { OpArgumentError } from '../errors.js';
import { keep } from '../scope.js';
import { formatShape } from '../shape.js';
import type { Backend } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { autogradState, isGradEnabled } from './grad_mode.js';

/**
 * Computes the gradients of a node's inputs from the gradients of its outputs.
 * dOutputs[i] is null when output i received no gradient (at least one is non-null).
 * needs[j] says whether input j wants a gradient; return null (or nothing) where it does not.
 * Runs inside a scope with recording off: temporaries are freed when it returns.
 */
export type BackwardFn = (dOutputs: (Tensor | null)[], saved: Tensor[], needs: boolean[]) => (Tensor | null | undefined)[];

export interface TapeNode {
  /** Op name, used in error messages. */
  readonly op: string;
  /** Inputs the gradient flows to (null for non-differentiable arguments such as ids). */
  readonly inputs: readonly (Tensor | null)[];
  /** Outputs, by identity only (their storage may be freed before backward). */
  readonly outputs: readonly Tensor[];
  /** Handles on the tensors the backward reads; owned by the tape. */
  saved: Tensor[];
  readonly backward: BackwardFn;
  /** Set once backward() or discardTape() has released the node. */
  released: boolean;
}

/** The node that produced each tensor recorded as an output (tensors are unique, so one map serves every runtime). */
const producers = new WeakMap<Tensor, TapeNode>();

/** Whether an op on these inputs must record (grad mode on in their runtime and some input requires grad). */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  for (const t of inputs) if (t && t.requiresGrad) return isGradEnabled(t.backend);
  return false;
}

/**
 * Appends a node. Call after computing `outputs`, only when needsGrad(...inputs).
 * `save` lists tensors the backward reads (inputs, outputs or op-private intermediates);
 * the tape takes handles on them, so the caller still owns (and disposes) the originals.
 */
export function record(op: string, inputs: readonly (Tensor | null)[], outputs: readonly Tensor[], save: readonly Tensor[], backward: BackwardFn): TapeNode {
  const owner = outputs[0] ?? inputs.find((t) => t);
  if (!owner) throw new OpArgumentError(op, 'record() needs at least one input or output tensor');
  const node: TapeNode = {
    op,
    inputs: [...inputs],
    outputs: [...outputs],
    saved: save.map((t) => keep(t.view())),
    backward,
    released: false,
  };
  for (const o of outputs) {
    o.requiresGrad = true;
    producers.set(o, node);
  }
  autogradState(owner.backend).tape.push(node);
  return node;
}

/** The node that produced t (undefined for leaves and tensors made with recording off). */
export function producerOf(t: Tensor): TapeNode | undefined {
  return producers.get(t);
}

const unitGradients = new WeakSet<Tensor>();

/** Marks t as an all-ones gradient (the seed of backward(loss)). */
export function markUnitGradient(t: Tensor): void {
  unitGradients.add(t);
}

/**
 * Whether t is the all-ones seed of backward(loss), so a backward may skip multiplying by it
 * (e.g. the fused softmax cross-entropy returns its saved dlogits as they are).
 */
export function isUnitGradient(t: Tensor): boolean {
  return unitGradients.has(t);
}

/** Number of nodes recorded on this backend's tape and not yet consumed by backward(). */
export function tapeLength(backend: Backend): number {
  return autogradState(backend).tape.length;
}

/** Takes every recorded node off this backend's tape (for backward()). */
export function takeTape(backend: Backend): TapeNode[] {
  const tape = autogradState(backend).tape;
  return tape.splice(0, tape.length);
}

/** Disposes a node's saved handles (its storage is freed once no other tensor uses it). */
export function releaseNode(node: TapeNode): void {
  node.released = true;
  for (const t of node.saved) t.dispose();
  node.saved = [];
}

/**
 * Drops every recorded node without running backward, freeing the saved activations
 * (e.g. after a forward pass in grad mode whose loss is not differentiated).
 */
export function discardTape(backend: Backend): void {
  for (const node of takeTape(backend)) releaseNode(node);
}

/** Error for a gradient whose shape does not fit the tensor it flows into. */
export function gradShapeError(op: string, which: number, t: Tensor, g: Tensor): OpArgumentError {
  return new OpArgumentError(
    `${op} backward`,
    `gradient for input ${which} has shape ${formatShape(g.shape)} but the input has shape ${formatShape(t.shape)}`,
  );
}

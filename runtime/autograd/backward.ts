// Reverse pass: walks the tape backwards from a loss, accumulating gradients.
//
// Ownership: the pass owns every gradient it creates. An intermediate's gradient lives
// in `grads` from when its first consumer's backward produces it until its producer's
// backward consumes it, then it is disposed; each node's saved handles are disposed right
// after its backward runs. Leaves (tensors with requiresGrad and no producer, i.e.
// parameters) receive their gradient in `t.grad`, added to any gradient already there.
import { OpArgumentError } from '../errors.js';
import { add } from '../ops/binary.js';
import { fill } from '../ops/fill.js';
import { emptyTensor } from '../ops/util.js';
import { keep, scope } from '../scope.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from './grad_mode.js';
import { gradShapeError, markUnitGradient, producerOf, releaseNode, takeTape, type TapeNode } from './tape.js';

/** a + b into a new tensor; disposes a and b. */
function addOwned(a: Tensor, b: Tensor): Tensor {
  const s = keep(add(a, b));
  a.dispose();
  b.dispose();
  return s;
}

/**
 * Backpropagates from `loss` (a single-element tensor unless `gradOutput`, of loss's shape,
 * is given). Consumes the whole tape of loss's runtime: every node recorded since the last backward() or
 * discardTape() is released, also those that do not lead to `loss`. Gradients of leaves
 * that require grad are added to their `.grad`.
 */
export function backward(loss: Tensor, gradOutput?: Tensor): void {
  if (!loss.requiresGrad) {
    throw new OpArgumentError('backward', `the loss ${formatShape(loss.shape)} does not require grad (no input of its computation requires grad, or it was computed under noGrad)`);
  }
  if (!gradOutput && loss.size !== 1) {
    throw new OpArgumentError('backward', `the loss must have one element, got shape ${formatShape(loss.shape)} (pass gradOutput for other shapes)`);
  }
  if (gradOutput && gradOutput.size !== loss.size) {
    throw new OpArgumentError('backward', `gradOutput ${formatShape(gradOutput.shape)} does not match the loss ${formatShape(loss.shape)}`);
  }
  const nodes = takeTape(loss.backend);
  const grads = new Map<Tensor, Tensor>();
  try {
    noGrad(loss.backend, () => {
      const seed = gradOutput ? keep(gradOutput.view(loss.shape)) : keep(fill(emptyTensor(loss.backend, loss.shape, 'f32'), 1));
      if (!gradOutput) markUnitGradient(seed);
      accumulate(loss, seed, grads, 'backward', 0);
      for (let i = nodes.length - 1; i >= 0; i--) runNode(nodes[i], grads);
    });
  } finally {
    for (const n of nodes) if (!n.released) releaseNode(n);
    for (const g of grads.values()) g.dispose();
  }
}

function runNode(node: TapeNode, grads: Map<Tensor, Tensor>): void {
  const dOuts = node.outputs.map((o) => {
    const g = grads.get(o) ?? null;
    grads.delete(o);
    return g;
  });
  if (dOuts.every((g) => g === null)) {
    releaseNode(node);
    return;
  }
  const needs = node.inputs.map((t) => t !== null && t.requiresGrad);
  let dIns: (Tensor | null | undefined)[];
  try {
    dIns = scope(() => node.backward(dOuts, node.saved, needs));
    // Gradients that alias a tensor disposed below (an upstream gradient passed through,
    // a saved handle, or one tensor returned twice) get their own handle.
    const taken = new Set<Tensor>([...(dOuts.filter((g) => g) as Tensor[]), ...node.saved]);
    dIns = dIns.map((g) => {
      if (!g) return g;
      const own = taken.has(g) ? g.view() : g;
      taken.add(g);
      return keep(own);
    });
  } finally {
    for (const g of dOuts) g?.dispose();
    releaseNode(node);
  }
  for (let j = 0; j < node.inputs.length; j++) {
    const g = dIns[j];
    if (!g) continue;
    const input = node.inputs[j];
    if (!input || !needs[j]) {
      g.dispose();
      continue;
    }
    accumulate(input, g, grads, node.op, j);
  }
  for (let j = node.inputs.length; j < dIns.length; j++) dIns[j]?.dispose();
}

/** Adds g (owned) to t's gradient: in `grads` for intermediates, in t.grad for leaves. */
function accumulate(t: Tensor, g: Tensor, grads: Map<Tensor, Tensor>, op: string, which: number): void {
  if (g.size !== t.size) {
    g.dispose();
    throw gradShapeError(op, which, t, g);
  }
  if (g.shape.length !== t.shape.length || g.shape.some((d, i) => d !== t.shape[i])) {
    const v = keep(g.view(t.shape));
    g.dispose();
    g = v;
  }
  const producer = producerOf(t);
  if (producer) {
    if (producer.released) {
      g.dispose();
      throw new OpArgumentError(
        'backward',
        `a gradient reached ${formatShape(t.shape)}${t.name ? ` '${t.name}'` : ''}, the output of '${producer.op}', whose graph an earlier backward() (or discardTape()) already consumed`,
      );
    }
    const prev = grads.get(t);
    grads.set(t, prev ? addOwned(prev, g) : g);
    return;
  }
  if (!t.requiresGrad) {
    g.dispose();
    return;
  }
  t.grad = t.grad ? (addOwned(t.grad, g) as Tensor<'f32'>) : (g as Tensor<'f32'>);
}

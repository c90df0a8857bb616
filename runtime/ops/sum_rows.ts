import reduceRowsWgsl from '../../wgsl/reduce_rows.wgsl';
import type { Backend, Storage } from '../backend.js';
import { describeArgs, OpArgumentError } from '../errors.js';
import { defineKernel, MAX_WORKGROUPS_PER_DIM } from '../kernel.js';
import type { ParallelKernelDef } from '../wasm/parallel.js';
import type { Tensor } from '../tensor.js';
import { emptyTensor, expectTensor } from './util.js';
import { fill } from './fill.js';

/** Column sums of row blocks: x [R, C] -> out [ceil(R / rowsPerBlock), C]. On WASM, blocks split across threads. */
export const reduceRowsKernel: ParallelKernelDef = {
  ...defineKernel({
    name: 'reduce_rows',
    wgsl: reduceRowsWgsl,
    inputs: 1,
    outputs: 1,
    params: ['u32', 'u32', 'u32'],
    workgroups: ([R, C, rowsPerBlock]) => [Math.ceil(C / 64), Math.ceil(R / rowsPerBlock)],
  }),
  // memory-bound: weighted as ~4 operations per element read
  wasmParallel: { items: ([R, , rowsPerBlock]) => Math.ceil(R / rowsPerBlock), cost: ([R, C]) => 4 * R * C, scratchExport: 'no_scratch_bytes' },
};

/** Inputs up to this many rows are summed in one pass (each of 4 lanes sums <= 256 rows). */
const SINGLE_PASS_ROWS = 1024;
/** Rows per block of the first pass of a two-pass sum (200 blocks at R = 12800). */
const ROWS_PER_BLOCK = 64;
/** At most this many blocks (partial rows) in the first pass. */
const MAX_BLOCKS = 256;

/**
 * Sums the rows of the [R, C] matrix in `src` into `dst` ([C]) on `backend`: one pass for
 * R <= 1024, else partial sums over blocks of rows and a final pass over the partials.
 * The block layout depends only on R, so results are deterministic. R and C must be > 0.
 */
export function sumRowsInto(backend: Backend, src: Storage, dst: Storage, R: number, C: number): void {
  if (Math.ceil(C / 64) > MAX_WORKGROUPS_PER_DIM) throw new OpArgumentError('sumRows', `too many columns (${C})`);
  if (R <= SINGLE_PASS_ROWS) {
    backend.run({ kernel: reduceRowsKernel, inputs: [src], outputs: [dst], params: [R, C, R] });
    return;
  }
  const blocks = Math.min(MAX_BLOCKS, Math.ceil(R / ROWS_PER_BLOCK));
  const rowsPerBlock = Math.ceil(R / blocks);
  const nb = Math.ceil(R / rowsPerBlock);
  const partial = backend.alloc(nb * C * 4);
  try {
    backend.run({ kernel: reduceRowsKernel, inputs: [src], outputs: [partial], params: [R, C, rowsPerBlock] });
    backend.run({ kernel: reduceRowsKernel, inputs: [partial], outputs: [dst], params: [nb, C, nb] });
  } finally {
    backend.free(partial);
  }
}

/**
 * Column sums: x [..., C] -> [C], summing over all leading dims (the rows). Used for bias
 * gradients (e.g. dbias = sumRows(dpre) over [B*L, C]). f32 accumulation, blocked (see sumRowsInto).
 */
export function sumRows(x: Tensor): Tensor {
  expectTensor('sumRows', 'x', x);
  if (x.rank < 1) throw new OpArgumentError('sumRows', `needs rank >= 1 (${describeArgs({ x })})`);
  const C = x.shape[x.rank - 1];
  const R = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const out = emptyTensor(x.backend, [C], 'f32');
  if (C === 0) return out;
  if (R === 0) return fill(out, 0);
  sumRowsInto(x.backend, x.storage('sumRows'), out.storage('sumRows'), R, C);
  return out;
}

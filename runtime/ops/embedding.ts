// Embedding lookup (gather) and its backward (scatter-add into the table gradient).
import embeddingGatherWgsl from '../../wgsl/embedding_gather.wgsl';
import embeddingRankWgsl from '../../wgsl/embedding_rank.wgsl';
import embeddingPlaceWgsl from '../../wgsl/embedding_place.wgsl';
import embeddingPartialWgsl from '../../wgsl/embedding_partial.wgsl';
import embeddingFinalWgsl from '../../wgsl/embedding_final.wgsl';
import { describeArgs, OpArgumentError } from '../errors.js';
import { defineKernel, grid1d } from '../kernel.js';
import type { Tensor } from '../tensor.js';
import { fill } from './fill.js';
import { commonBackend, emptyTensor, expectTensor } from './util.js';

/** Entries of one row's list summed per partial (CHUNK in the embedding_* shaders and twins). */
export const EMBEDDING_CHUNK = 64;

export const embeddingGatherKernel = defineKernel({
  name: 'embedding_gather',
  wgsl: embeddingGatherWgsl,
  inputs: 2, // table [V, d], ids [n]
  outputs: 1, // out [n, d]
  params: ['u32', 'u32', 'u32'], // n, d, V
  workgroups: ([n, d]) => grid1d(n * d, 256),
});

/** Stable counting sort of the ids in one workgroup: rank, counts, offsets, chunk layout. */
export const embeddingRankKernel = defineKernel({
  name: 'embedding_rank',
  wgsl: embeddingRankWgsl,
  inputs: 1, // ids
  outputs: 5, // rank [n], counts [V], offsets [V], chunkOff [V], chunkV [maxChunks]
  params: ['u32', 'u32', 'u32'], // n, V, maxChunks
  workgroups: () => [1],
});

export const embeddingPlaceKernel = defineKernel({
  name: 'embedding_place',
  wgsl: embeddingPlaceWgsl,
  inputs: 3, // ids, rank, offsets
  outputs: 1, // order [n]
  params: ['u32', 'u32'], // n, V
  workgroups: ([n]) => grid1d(n, 256),
});

export const embeddingPartialKernel = defineKernel({
  name: 'embedding_partial',
  wgsl: embeddingPartialWgsl,
  inputs: 6, // dOut, order, offsets, counts, chunkOff, chunkV
  outputs: 1, // partial [maxChunks, d]
  params: ['u32', 'u32'], // d, maxChunks
  workgroups: ([d, maxChunks]) => grid1d(d * maxChunks, 256),
});

export const embeddingFinalKernel = defineKernel({
  name: 'embedding_final',
  wgsl: embeddingFinalWgsl,
  inputs: 3, // partial, counts, chunkOff
  outputs: 1, // dTable [V, d]
  params: ['u32', 'u32'], // V, d
  workgroups: ([V, d]) => grid1d(V * d, 256),
});

const U32_LIMIT = 2 ** 32;

/**
 * Embedding lookup: table [V, d], ids (i32, any shape S) -> [...S, d], row r = table[ids[r]].
 * Ids outside [0, V) give a row of zeros (not an error: checking would need a readback).
 */
export function embeddingGather(table: Tensor, ids: Tensor): Tensor {
  const op = 'embeddingGather';
  expectTensor(op, 'table', table);
  expectTensor(op, 'ids', ids, ['i32']);
  const backend = commonBackend(op, { table, ids });
  if (table.rank !== 2) throw new OpArgumentError(op, `table must be [V, d] (${describeArgs({ table, ids })})`);
  const [V, d] = table.shape;
  const n = ids.size;
  if (n * d >= U32_LIMIT) throw new OpArgumentError(op, `output too large (${describeArgs({ table, ids })})`);
  const out = emptyTensor(backend, [...ids.shape, d], 'f32');
  if (out.size === 0) return out;
  if (V === 0) return fill(out, 0);
  backend.run({ kernel: embeddingGatherKernel, inputs: [table.storage(op), ids.storage(op)], outputs: [out.storage(op)], params: [n, d, V] });
  return out;
}

/**
 * Backward of embeddingGather: dTable [V, d] with dTable[v] = sum of dOut[r] over the r with
 * ids[r] == v (zero rows for ids never seen; ids outside [0, V) contribute nothing).
 * dOut: [...S, d] for ids of shape S.
 *
 * Deterministic on both backends, with the same summation order (so WebGPU and WASM agree
 * bit for bit): no float atomics. Four passes:
 *   1. embedding_rank (one workgroup): stable counting sort of the ids -> per-id counts,
 *      offsets, each position's rank within its id, and a chunk layout (CHUNK = 64 entries);
 *   2. embedding_place: order[offsets[id] + rank] = position;
 *   3. embedding_partial: one invocation per (chunk, column) sums its <= 64 rows in order
 *      (so a frequent id such as PAD or MASK is spread over many threads);
 *   4. embedding_final: one invocation per (v, column) sums row v's chunk partials in order.
 * Chosen over f32 atomics (a compare-exchange loop on u32 bits) for reproducibility; the
 * atomic version also serialises badly on frequent ids. Pass 1 is serial over blocks of 256
 * ids (n / 256 steps of O(256) shared-memory work per thread).
 */
export function embeddingScatterAdd(dOut: Tensor, ids: Tensor, V: number): Tensor {
  const op = 'embeddingScatterAdd';
  expectTensor(op, 'dOut', dOut);
  expectTensor(op, 'ids', ids, ['i32']);
  const backend = commonBackend(op, { dOut, ids });
  if (!Number.isInteger(V) || V < 0) throw new OpArgumentError(op, `V must be an integer >= 0, got ${V}`);
  const n = ids.size;
  const d = dOut.shape[dOut.rank - 1];
  if (dOut.rank !== ids.rank + 1 || !ids.shape.every((s, i) => s === dOut.shape[i])) {
    throw new OpArgumentError(op, `dOut must be [...ids.shape, d] (${describeArgs({ dOut, ids })})`);
  }
  const maxChunks = Math.ceil(n / EMBEDDING_CHUNK) + Math.min(V, n);
  if (Math.max(n, V, maxChunks) * Math.max(d, 1) >= U32_LIMIT) throw new OpArgumentError(op, `too large (${describeArgs({ dOut, ids })}, V=${V})`);
  const dTable = emptyTensor(backend, [V, d], 'f32');
  if (dTable.size === 0) return dTable;
  if (n === 0) return fill(dTable, 0);

  const rank = backend.alloc(n * 4);
  const counts = backend.alloc(V * 4);
  const offsets = backend.alloc(V * 4);
  const chunkOff = backend.alloc(V * 4);
  const chunkV = backend.alloc(maxChunks * 4);
  const order = backend.alloc(n * 4);
  const partial = backend.alloc(maxChunks * d * 4);
  try {
    const idsS = ids.storage(op);
    backend.run({ kernel: embeddingRankKernel, inputs: [idsS], outputs: [rank, counts, offsets, chunkOff, chunkV], params: [n, V, maxChunks] });
    backend.run({ kernel: embeddingPlaceKernel, inputs: [idsS, rank, offsets], outputs: [order], params: [n, V] });
    backend.run({
      kernel: embeddingPartialKernel,
      inputs: [dOut.storage(op), order, offsets, counts, chunkOff, chunkV],
      outputs: [partial],
      params: [d, maxChunks],
    });
    backend.run({ kernel: embeddingFinalKernel, inputs: [partial, counts, chunkOff], outputs: [dTable.storage(op)], params: [V, d] });
  } finally {
    for (const s of [rank, counts, offsets, chunkOff, chunkV, order, partial]) backend.free(s);
  }
  return dTable;
}

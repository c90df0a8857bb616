import matmulNaiveWgsl from '../../wgsl/matmul_naive.wgsl';
import mathWgsl from '../../wgsl/lib/math.wgsl';
import matmulWgsl from '../../wgsl/matmul.wgsl';
import matmulIoVec4Wgsl from '../../wgsl/matmul_io_vec4.wgsl';
import matmulIoScalarWgsl from '../../wgsl/matmul_io_scalar.wgsl';
import matmulTileWgsl from '../../wgsl/matmul_tile.wgsl';
import matmulTileSubgroupWgsl from '../../wgsl/matmul_tile_subgroup.wgsl';
import { describeArgs, OpArgumentError } from '../errors.js';
import { defineKernel, grid1d, type KernelDef, type KernelVariant } from '../kernel.js';
import type { Storage } from '../backend.js';
import type { ParallelKernelDef } from '../wasm/parallel.js';
import type { Tensor } from '../tensor.js';
import { commonBackend, emptyTensor, expectTensor } from './util.js';
import { fill } from './fill.js';
import { hasSubgroups, SUBGROUP_PRELUDE } from './variants.js';
import { sum } from './sum.js';

export const matmulNaiveKernel = defineKernel({
  name: 'matmul_naive',
  wgsl: matmulNaiveWgsl,
  inputs: 2,
  outputs: 1,
  params: ['u32', 'u32', 'u32', 'u32', 'u32', 'u32'],
  constants: ['TRANS_A', 'TRANS_B'],
  workgroups: ([batch, M, N]) => [Math.ceil(N / 16), Math.ceil(M / 16), batch],
});

/** Transpose flags of the matmul ops: use the transpose of a's / b's last two dims. Default false. */
export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

export interface MatmulShape {
  batch: number;
  M: number;
  N: number;
  K: number;
  strideA: number;
  strideB: number;
  outShape: number[];
}

/**
 * Resolves the shapes of a batched matmul. a: [...batch, M, K] ([..., K, M] when transA),
 * b: [...batch, K, N] ([..., N, K] when transB). Either side may have no batch dims
 * (or a batch of 1), in which case it is shared across the other's batch.
 */
export function matmulShape(a: Tensor, b: Tensor, { transA = false, transB = false }: MatmulOptions, op = 'matmul'): MatmulShape {
  if (a.rank < 2 || b.rank < 2) throw new OpArgumentError(op, `both operands need rank >= 2 (${describeArgs({ a, b })})`);
  const M = transA ? a.shape[a.rank - 1] : a.shape[a.rank - 2];
  const Ka = transA ? a.shape[a.rank - 2] : a.shape[a.rank - 1];
  const Kb = transB ? b.shape[b.rank - 1] : b.shape[b.rank - 2];
  const N = transB ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
  if (Ka !== Kb) {
    throw new OpArgumentError(op, `inner dimensions differ: ${Ka} vs ${Kb} (${describeArgs({ a, b })}, transA=${transA}, transB=${transB})`);
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const nA = batchA.reduce((x, y) => x * y, 1);
  const nB = batchB.reduce((x, y) => x * y, 1);
  let batchShape: number[];
  if (nA === nB && (batchA.length === batchB.length || nA === 1)) batchShape = batchA.length >= batchB.length ? [...batchA] : [...batchB];
  else if (nB === 1) batchShape = [...batchA];
  else if (nA === 1) batchShape = [...batchB];
  else throw new OpArgumentError(op, `batch dimensions do not match (${describeArgs({ a, b })})`);
  if (nA === nB && batchA.length === batchB.length && !batchA.every((d, i) => d === batchB[i])) {
    throw new OpArgumentError(op, `batch dimensions do not match (${describeArgs({ a, b })})`);
  }
  const batch = batchShape.reduce((x, y) => x * y, 1);
  return {
    batch,
    M,
    N,
    K: Ka,
    strideA: nA === 1 ? 0 : M * Ka,
    strideB: nB === 1 ? 0 : Kb * N,
    outShape: [...batchShape, M, N],
  };
}

/** Batched matmul with transpose flags, one thread per output (the reference kernel). */
export function matmulNaive(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  expectTensor('matmul', 'a', a);
  expectTensor('matmul', 'b', b);
  const backend = commonBackend('matmul', { a, b });
  const s = matmulShape(a, b, options);
  const out = emptyTensor(backend, s.outShape, 'f32');
  if (out.size === 0) return out;
  if (s.K === 0) return fill(out, 0);
  backend.run({
    kernel: matmulNaiveKernel,
    inputs: [a.storage('matmul'), b.storage('matmul')],
    outputs: [out.storage('matmul')],
    params: [s.batch, s.M, s.N, s.K, s.strideA, s.strideB],
    constants: [options.transA ? 1 : 0, options.transB ? 1 : 0],
  });
  return out;
}


// ---- the tiled matmul (wgsl/matmul.wgsl, kernels/matmul.ts) ----

/** Epilogue activation of ops.matmul: none, ReLU, GELU (tanh approximation) or GELU (exact, erf). */
export type Activation = 'none' | 'relu' | 'gelu_tanh' | 'gelu_erf';
const ACTIVATIONS: Record<Activation, number> = { none: 0, relu: 1, gelu_tanh: 2, gelu_erf: 3 };

/** WGSL tile shapes (rows x columns per workgroup), selected per shape class by matmulTile. */
export const MatmulTile = { general: 0, short: 1, narrow: 2, tall: 3 } as const;
const TILE_DIMS: Record<number, [tm: number, bn: number]> = { 0: [8, 64], 1: [4, 64], 2: [8, 32], 3: [16, 64] };

/**
 * Tile variant for an M x N output: few rows get 4-row tiles, narrow outputs 32-column tiles;
 * with the subgroup tile, outputs of many rows get 16-row tiles (B loads shared by 16 rows).
 */
export function matmulTile(M: number, N: number, subgroups = false): number {
  if (M < 8) return MatmulTile.short;
  if (N <= 32) return MatmulTile.narrow;
  if (subgroups && M >= TALL_TILE_MIN_ROWS) return MatmulTile.tall;
  return MatmulTile.general;
}
/** Fewest output rows for the 16-row tile (below, 8-row tiles keep more workgroups busy). */
const TALL_TILE_MIN_ROWS = 128;

/**
 * Whether the vec4 loaders apply: every contiguous dimension read is a multiple of 4
 * (K always, M when transA, N when !transB), so every vec4 is aligned.
 */
export function matmulVec4(M: number, N: number, K: number, transA: boolean, transB: boolean): boolean {
  return K % 4 === 0 && (!transA || M % 4 === 0) && (transB || N % 4 === 0);
}

/** Rows per WASM work item (ROWS_PER_ITEM in kernels/matmul.ts): the unit split across threads. */
export const MATMUL_ROWS_PER_ITEM = 16;

// params: batch, M, N, K, strideA, strideB; constants: TRANS_A, TRANS_B, HAS_BIAS, ACT, TILE
const matmulParallel: ParallelKernelDef['wasmParallel'] = {
  items: ([batch, M]) => batch * Math.ceil(M / MATMUL_ROWS_PER_ITEM),
  cost: ([batch, M, N, K]) => 2 * batch * M * N * Math.max(K, 1),
  scratchExport: 'matmul_scratch_bytes',
};
const matmulWorkgroups = ([batch, M, N]: readonly number[], c: readonly number[]) => {
  const [tm, bn] = TILE_DIMS[c[4]] ?? TILE_DIMS[0];
  return grid1d(batch * Math.ceil(M / tm) * Math.ceil(N / bn), 1);
};

function tiledKernel(name: string, io: string, slope: boolean, subgroups = false, variants?: readonly KernelVariant[]): ParallelKernelDef {
  const def: ParallelKernelDef = {
    name,
    // [subgroup prelude] + math library (the GELU epilogue) + shared code + tile + loaders.
    wgsl: subgroups ? SUBGROUP_PRELUDE + mathWgsl + matmulWgsl + matmulTileSubgroupWgsl + io : mathWgsl + matmulWgsl + matmulTileWgsl + io,
    entryPoint: slope ? 'main_slope' : 'main',
    wasmName: slope ? 'matmul_slope' : 'matmul',
    inputs: 3,
    outputs: slope ? 2 : 1,
    params: ['u32', 'u32', 'u32', 'u32', 'u32', 'u32'],
    constants: ['TRANS_A', 'TRANS_B', 'HAS_BIAS', 'ACT', 'TILE'],
    workgroups: matmulWorkgroups,
    wasmParallel: matmulParallel,
    variants,
  };
  defineKernel(def);
  return def;
}

/** Whether a call (params batch, M, N, K, ...; constants TRANS_A, TRANS_B, ...) may use the vec4 loaders. */
const vec4Fits = ([, M, N, K]: readonly number[], [tA, tB]: readonly number[]) => matmulVec4(M, N, K, tA === 1, tB === 1);
/** A subgroup-tile variant: the TILE constant re-chosen for the subgroup tile shapes. */
const subgroupTile = (kernel: KernelDef, fits?: KernelVariant['fits']): KernelVariant => ({
  kernel,
  needs: hasSubgroups,
  fits,
  adapt: (params, c) => ({ params, constants: [c[0], c[1], c[2], c[3], matmulTile(params[1], params[2], true)] }),
});

/** The subgroup tile (WebGPU devices whose subgroups have >= 8 lanes), vec4 and scalar loaders. */
export const matmulSubgroupKernel = tiledKernel('matmul_sg', matmulIoVec4Wgsl, false, true);
export const matmulSubgroupSlopeKernel = tiledKernel('matmul_sg_slope', matmulIoVec4Wgsl, true, true);
export const matmulScalarSubgroupKernel = tiledKernel('matmul_scalar_sg', matmulIoScalarWgsl, false, true);
export const matmulScalarSubgroupSlopeKernel = tiledKernel('matmul_scalar_sg_slope', matmulIoScalarWgsl, true, true);
/** A and B read as vec4 (aligned shapes, see matmulVec4). */
export const matmulVec4Kernel = tiledKernel('matmul', matmulIoVec4Wgsl, false);
export const matmulVec4SlopeKernel = tiledKernel('matmul_slope', matmulIoVec4Wgsl, true);

/**
 * The tiled matmul as ops call it: scalar loaders, any shape (and the WASM export). On WebGPU
 * the backend picks, in order: the subgroup tile with vec4 loaders, the subgroup tile, vec4 loaders.
 */
export const matmulKernel = tiledKernel('matmul_scalar', matmulIoScalarWgsl, false, false, [
  subgroupTile(matmulSubgroupKernel, vec4Fits),
  subgroupTile(matmulScalarSubgroupKernel),
  { kernel: matmulVec4Kernel, fits: vec4Fits },
]);
/** The same, also writing the activation's slope act'(pre) (what its backward multiplies by). */
export const matmulSlopeKernel = tiledKernel('matmul_scalar_slope', matmulIoScalarWgsl, true, false, [
  subgroupTile(matmulSubgroupSlopeKernel, vec4Fits),
  subgroupTile(matmulScalarSubgroupSlopeKernel),
  { kernel: matmulVec4SlopeKernel, fits: vec4Fits },
]);

/** Options of ops.matmul: transpose flags plus a fused bias add and activation on the output. */
export interface MatmulEpilogueOptions extends MatmulOptions {
  /** Added to every row of the product: shape [N]. */
  bias?: Tensor | null;
  /** Applied after the bias (default 'none'). */
  activation?: Activation;
}

interface GemmCall {
  a: Storage;
  b: Storage;
  bias: Storage | null;
  out: Storage;
  slope: Storage | null;
  batch: number;
  M: number;
  N: number;
  K: number;
  strideA: number;
  strideB: number;
  transA: boolean;
  transB: boolean;
  act: number;
}

/** Records one tiled matmul on raw storages (the shapes are the caller's responsibility). */
function gemm(backend: Tensor['backend'], c: GemmCall): void {
  if (c.batch * c.M * c.N === 0) return;
  backend.run({
    kernel: c.slope ? matmulSlopeKernel : matmulKernel,
    // With no bias the A buffer is bound in its place (HAS_BIAS = 0 never reads it).
    inputs: [c.a, c.b, c.bias ?? c.a],
    outputs: c.slope ? [c.out, c.slope] : [c.out],
    params: [c.batch, c.M, c.N, c.K, c.strideA, c.strideB],
    constants: [c.transA ? 1 : 0, c.transB ? 1 : 0, c.bias ? 1 : 0, c.act, matmulTile(c.M, c.N)],
  });
}

function checkEpilogue(op: string, a: Tensor, b: Tensor, s: MatmulShape, bias: Tensor | null | undefined, activation: Activation): void {
  if (!(activation in ACTIVATIONS)) {
    throw new OpArgumentError(op, `unknown activation '${String(activation)}' (expected ${Object.keys(ACTIVATIONS).join(', ')})`);
  }
  if (bias != null) {
    expectTensor(op, 'bias', bias);
    if (bias.rank !== 1 || bias.shape[0] !== s.N) {
      throw new OpArgumentError(op, `bias must have shape [${s.N}] (the output's last dimension) (${describeArgs({ a, b, bias })})`);
    }
  }
}

/**
 * Batched matmul out = act(op(a) @ op(b) + bias) with the tiled kernels (op = transpose
 * of the last two dims when transA / transB is set). a: [...batch, M, K] ([..., K, M] when
 * transA), b: [...batch, K, N] ([..., N, K] when transB); either may drop its batch dims
 * to be shared across the other's (see matmulShape). bias: [N]. Returns [...batch, M, N].
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulEpilogueOptions = {}): Tensor {
  expectTensor('matmul', 'a', a);
  expectTensor('matmul', 'b', b);
  const activation = options.activation ?? 'none';
  const backend = options.bias ? commonBackend('matmul', { a, b, bias: options.bias }) : commonBackend('matmul', { a, b });
  const s = matmulShape(a, b, options);
  checkEpilogue('matmul', a, b, s, options.bias, activation);
  const out = emptyTensor(backend, s.outShape, 'f32');
  gemm(backend, {
    a: a.storage('matmul'), b: b.storage('matmul'), bias: options.bias ? options.bias.storage('matmul') : null, out: out.storage('matmul'), slope: null,
    ...s, transA: !!options.transA, transB: !!options.transB, act: ACTIVATIONS[activation],
  });
  return out;
}

/**
 * out = act(pre) and slope = act'(pre), pre = op(a) @ op(b) + bias, in one pass: the
 * activation's backward is d(pre) = dOut * slope (one elementwise product; GELU's derivative
 * shares GELU's exponential here instead of being recomputed from pre). bias may be null. Two
 * distinct tensors. act' of 'none' is 1, of 'relu' 0 at 0.
 */
export function matmulBiasActivation(
  a: Tensor,
  b: Tensor,
  bias: Tensor | null | undefined,
  activation: Activation,
  options: MatmulOptions = {},
): { out: Tensor; slope: Tensor } {
  const op = 'matmulBiasActivation';
  expectTensor(op, 'a', a);
  expectTensor(op, 'b', b);
  const backend = bias ? commonBackend(op, { a, b, bias }) : commonBackend(op, { a, b });
  const s = matmulShape(a, b, options, op);
  checkEpilogue(op, a, b, s, bias, activation);
  const out = emptyTensor(backend, s.outShape, 'f32');
  const slope = emptyTensor(backend, s.outShape, 'f32');
  gemm(backend, {
    a: a.storage(op), b: b.storage(op), bias: bias ? bias.storage(op) : null, out: out.storage(op), slope: slope.storage(op),
    ...s, transA: !!options.transA, transB: !!options.transB, act: ACTIVATIONS[activation],
  });
  return { out, slope };
}

/**
 * Gradients of out = op(a) @ op(b) (batched as in matmul) for the upstream gradient dOut
 * [...batch, M, N]; da has a's shape, db b's. Only transpose flags, no transposes:
 *   d op(a) = dOut @ op(b)^T,   d op(b) = op(a)^T @ dOut
 *   transA: da = op(b) @ dOut^T          transB: db = dOut^T @ op(a)
 * An operand shared across the batch gets the sum over the batch: when b is shared and a
 * is [batch*M, K] contiguous (not transposed) the batch folds into the reduction dim of
 * one matmul; otherwise the per-batch products are summed with `sum`.
 */
export function matmulBackward(dOut: Tensor, a: Tensor, b: Tensor, options: MatmulOptions = {}): { da: Tensor; db: Tensor } {
  const op = 'matmulBackward';
  expectTensor(op, 'dOut', dOut);
  expectTensor(op, 'a', a);
  expectTensor(op, 'b', b);
  const backend = commonBackend(op, { dOut, a, b });
  const s = matmulShape(a, b, options, op);
  if (dOut.shape.join(',') !== s.outShape.join(',')) {
    throw new OpArgumentError(op, `dOut must have the output's shape [${s.outShape.join(', ')}] (${describeArgs({ dOut, a, b })})`);
  }
  const tA = !!options.transA;
  const tB = !!options.transB;
  const { batch, M, N, K } = s;
  const g = dOut.storage(op);
  const A = a.storage(op);
  const B = b.storage(op);
  const MN = M * N;

  // da: [K, M] when transA else [M, K]; per batch entry from dOut_b and op(b)_b.
  const da = emptyTensor(backend, a.shape, 'f32');
  const daCall = (out: Storage, batchN: number) => {
    if (!tA) gemm(backend, { a: g, b: B, bias: null, out, slope: null, batch: batchN, M, N: K, K: N, strideA: MN, strideB: s.strideB, transA: false, transB: !tB, act: 0 });
    else gemm(backend, { a: B, b: g, bias: null, out, slope: null, batch: batchN, M: K, N: M, K: N, strideA: s.strideB, strideB: MN, transA: tB, transB: true, act: 0 });
  };
  if (s.strideA !== 0 || batch === 1) daCall(da.storage(op), batch);
  else reduceOverBatch(backend, da, batch, M * K, (tmp) => daCall(tmp, batch));

  // db: [N, K] when transB else [K, N].
  const db = emptyTensor(backend, b.shape, 'f32');
  const dbCall = (out: Storage, batchN: number) => {
    if (!tB) gemm(backend, { a: A, b: g, bias: null, out, slope: null, batch: batchN, M: K, N, K: M, strideA: s.strideA, strideB: MN, transA: !tA, transB: false, act: 0 });
    else gemm(backend, { a: g, b: A, bias: null, out, slope: null, batch: batchN, M: N, N: K, K: M, strideA: MN, strideB: s.strideA, transA: true, transB: tA, act: 0 });
  };
  if (s.strideB !== 0 || batch === 1) dbCall(db.storage(op), batch);
  else if (!tA) {
    // a is [batch*M, K] and dOut [batch*M, N], both contiguous: fold the batch into the sum.
    const R = batch * M;
    if (!tB) gemm(backend, { a: A, b: g, bias: null, out: db.storage(op), slope: null, batch: 1, M: K, N, K: R, strideA: 0, strideB: 0, transA: true, transB: false, act: 0 });
    else gemm(backend, { a: g, b: A, bias: null, out: db.storage(op), slope: null, batch: 1, M: N, N: K, K: R, strideA: 0, strideB: 0, transA: true, transB: false, act: 0 });
  } else reduceOverBatch(backend, db, batch, K * N, (tmp) => dbCall(tmp, batch));
  return { da, db };
}

/** Runs `write` into a [batch, size] temporary and sums it over the batch into `target`. */
function reduceOverBatch(backend: Tensor['backend'], target: Tensor, batch: number, size: number, write: (tmp: Storage) => void): void {
  if (size === 0) return;
  const tmp = emptyTensor(backend, [batch, size], 'f32');
  try {
    write(tmp.storage('matmulBackward'));
    const total = sum(tmp, 0);
    backend.copy(total.storage('matmulBackward'), target.storage('matmulBackward'), size * 4);
    total.dispose();
  } finally {
    tmp.dispose();
  }
}

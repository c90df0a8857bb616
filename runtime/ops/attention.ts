import rngWgsl from '../../wgsl/lib/rng.wgsl';
import commonWgsl from '../../wgsl/attention_common.wgsl';
import fwdWgsl from '../../wgsl/attention_fwd.wgsl';
import outWgsl from '../../wgsl/attention_out.wgsl';
import prepWgsl from '../../wgsl/attention_bwd_prep.wgsl';
import bwdQWgsl from '../../wgsl/attention_bwd_q.wgsl';
import bwdKvWgsl from '../../wgsl/attention_bwd_kv.wgsl';
import bwdQSubgroupWgsl from '../../wgsl/attention_bwd_q_sg.wgsl';
import fwdSubgroupWgsl from '../../wgsl/attention_fwd_sg.wgsl';
import bwdKvSubgroupWgsl from '../../wgsl/attention_bwd_kv_sg.wgsl';
import rowsF32Wgsl from '../../wgsl/attention_rows_f32.wgsl';
import rowsVec4Wgsl from '../../wgsl/attention_rows_vec4.wgsl';
import doutF32Wgsl from '../../wgsl/attention_dout_f32.wgsl';
import doutVec4Wgsl from '../../wgsl/attention_dout_vec4.wgsl';
import type { Backend, Storage } from '../backend.js';
import { describeArgs, OpArgumentError } from '../errors.js';
import { defineKernel, grid1d, type KernelDef, type KernelVariant } from '../kernel.js';
import type { ParallelKernelDef } from '../wasm/parallel.js';
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { fill } from './fill.js';
import { matmul } from './matmul.js';
import { dropoutParams, maskedSoftmax, type DropoutOptions } from './masked_softmax.js';
import { transpose } from './transpose.js';
import { commonBackend, emptyTensor, expectTensor } from './util.js';
import { hasSubgroups, SUBGROUP_PRELUDE } from './variants.js';

/** Largest head size the kernels take (registers / shared tiles hold dh <= 128). */
export const ATTENTION_MAX_HEAD_DIM = 128;
/** Queries (forward, dQ) or keys (dK/dV) per WebGPU workgroup; wgsl/attention_common.wgsl BQ. */
const BLOCK = 64;

// Params of the fused kernels: B, L, d, heads, dh, scale, dropout, threshold, seed, invKeep,
// causal, R (the number of query rows; 0: every position is a query).
const PARAMS = ['u32', 'u32', 'u32', 'u32', 'u32', 'f32', 'u32', 'u32', 'u32', 'f32', 'u32', 'u32'] as const;
const blocks = ([B, L, , heads]: readonly number[]) => [Math.ceil(L / BLOCK), heads, B] as const;
const fwdWorkgroups = ([B, L, , heads]: readonly number[], [, qpt]: readonly number[]) => [Math.ceil(L / (BLOCK * qpt)), heads, B] as const;
// Shader text: [subgroup prelude] + rng + common + row loads (f32 or vec4) [+ dOut loads | + out stores] + kernel.
const lib = rngWgsl + commonWgsl + rowsF32Wgsl;
const libBwd = lib + doutF32Wgsl;
const libVec4 = rngWgsl + commonWgsl + rowsVec4Wgsl;
const libVec4Bwd = libVec4 + doutVec4Wgsl;

// Subgroup WebGPU variants, each with f32 row loads (any head size) and vec4 ones (d, dh multiples of 4).
const fwdSg = (name: string, rows: string) =>
  defineKernel({ name, wgsl: SUBGROUP_PRELUDE + rows + outWgsl + fwdSubgroupWgsl, inputs: 4, outputs: 2, params: PARAMS, constants: ['DHP', 'QPT'], workgroups: fwdWorkgroups });
const bwdQSg = (name: string, rows: string) =>
  defineKernel({ name, wgsl: SUBGROUP_PRELUDE + rows + bwdQSubgroupWgsl, inputs: 6, outputs: 1, params: PARAMS, constants: ['DHP'], workgroups: blocks });
const bwdKvSg = (name: string, rows: string) =>
  defineKernel({ name, wgsl: SUBGROUP_PRELUDE + rows + bwdKvSubgroupWgsl, inputs: 6, outputs: 2, params: PARAMS, constants: ['DHP'], workgroups: blocks });
export const attentionFwdSubgroupKernel = fwdSg('attention_fwd_sg', lib);
export const attentionFwdSubgroupVec4Kernel = fwdSg('attention_fwd_sg_vec4', libVec4);
export const attentionBwdQSubgroupKernel = bwdQSg('attention_bwd_q_sg', libBwd);
export const attentionBwdQSubgroupVec4Kernel = bwdQSg('attention_bwd_q_sg_vec4', libVec4Bwd);
export const attentionBwdKvSubgroupKernel = bwdKvSg('attention_bwd_kv_sg', libBwd);
export const attentionBwdKvSubgroupVec4Kernel = bwdKvSg('attention_bwd_kv_sg_vec4', libVec4Bwd);

/**
 * The subgroup variants of a fused kernel, for calls without query rows (param 11, R, is 0):
 * vec4 row loads when d and dh (params 2, 4) are multiples of 4, else f32. Calls with query
 * rows run the portable kernel.
 */
const subgroupVariants = (vec4: KernelDef, f32: KernelDef): KernelVariant[] => [
  { kernel: vec4, needs: hasSubgroups, fits: ([, , d, , dh, , , , , , , R]) => R === 0 && d % 4 === 0 && dh % 4 === 0 },
  { kernel: f32, needs: hasSubgroups, fits: (params) => params[11] === 0 },
];

/**
 * The fused kernels as ops call them: portable WGSL, and the WASM twins, which take no
 * constants and split the (b, head) pairs across threads, each with its own scratch (packed
 * rows of the whole sequence, sized by L and dh: kernels/attention.ts attention_scratch_bytes).
 */
const fused = (def: KernelDef): ParallelKernelDef => ({
  ...defineKernel(def),
  wasmConstants: false,
  wasmParallel: {
    items: ([B, , , heads]) => B * heads,
    // ~4 multiply-adds per score and head dimension (scores, weighted sums; more in the backward).
    cost: ([B, L, , heads, dh, , , , , , , R]) => 4 * heads * (R || B * L) * L * dh,
    scratchExport: 'attention_scratch_bytes',
  },
});

// Override constant DHP = ceil(dh / 4): one pipeline per head size (loops over dh unroll).
// The forward also takes QPT, queries per invocation (see constantsFor).
export const attentionFwdKernel = fused({
  name: 'attention_fwd', wgsl: lib + outWgsl + fwdWgsl, inputs: 4, outputs: 2, params: PARAMS, constants: ['DHP', 'QPT'], workgroups: fwdWorkgroups,
  variants: subgroupVariants(attentionFwdSubgroupVec4Kernel, attentionFwdSubgroupKernel),
});
export const attentionBwdPrepKernel = defineKernel({
  name: 'attention_bwd_prep', wgsl: prepWgsl, inputs: 3, outputs: 1,
  params: ['u32', 'u32', 'u32', 'u32', 'u32'], // rows, L, d, heads, dh
  workgroups: ([rows]) => grid1d(rows, 64),
});
/** WebGPU part of attentionBwdKernel: dq, one workgroup per query block. */
export const attentionBwdQKernel = defineKernel({
  name: 'attention_bwd_q', wgsl: libBwd + bwdQWgsl, inputs: 6, outputs: 1, params: PARAMS, constants: ['DHP'], workgroups: blocks,
  variants: subgroupVariants(attentionBwdQSubgroupVec4Kernel, attentionBwdQSubgroupKernel),
});
/** WebGPU part of attentionBwdKernel: dk and dv, one workgroup per key block. */
export const attentionBwdKvKernel = defineKernel({
  name: 'attention_bwd_kv', wgsl: libBwd + bwdKvWgsl, inputs: 6, outputs: 2, params: PARAMS, constants: ['DHP'], workgroups: blocks,
  variants: subgroupVariants(attentionBwdKvSubgroupVec4Kernel, attentionBwdKvSubgroupKernel),
});
/**
 * The backward: inputs q, k, v, keyMask, dOut, stats; outputs dq, dk, dv. WASM runs it in one
 * pass per (b, head) (kernels/attention.ts attention_bwd); WebGPU as its two parts.
 */
export const attentionBwdKernel = fused({
  name: 'attention_bwd', wgsl: '', inputs: 6, outputs: 3, params: PARAMS, constants: ['DHP'], workgroups: blocks,
  webgpuParts: [
    { kernel: attentionBwdQKernel, inputs: [0, 1, 2, 3, 4, 5], outputs: [0] },
    { kernel: attentionBwdKvKernel, inputs: [0, 1, 2, 3, 4, 5], outputs: [1, 2] },
  ],
});

/**
 * Override constants: DHP = ceil(dh / 4); for the forward also QPT, queries per invocation:
 * 4 for dh <= 32, 2 for dh <= 64, else 1 (registers: QPT * 2 * DHP vec4s per invocation).
 */
function constantsFor(kernel: KernelDef, dh: number): number[] {
  const dhp = Math.ceil(dh / 4);
  return kernel === attentionFwdKernel ? [dhp, dhp <= 8 ? 4 : dhp <= 16 ? 2 : 1] : [dhp];
}

/** Runs a fused kernel (the backend picks its variant; WASM ignores the constants). */
function runFused(backend: Backend, kernel: KernelDef, inputs: Storage[], outputs: Storage[], params: number[], dh: number): void {
  backend.run({ kernel, inputs, outputs, params, constants: constantsFor(kernel, dh) });
}

/** Options of ops.attention, attentionBackward and attentionUnfused (pass the same to the forward and backward). */
export interface AttentionOptions {
  /** Number of heads; must divide d. */
  heads: number;
  /** Dropout on the attention probabilities (the shared counter RNG; index ((b*heads+head)*L+i)*L+j). */
  dropout?: DropoutOptions;
  /**
   * Causal attention: query i reads keys j <= i only (SASRec). The kernels skip the key blocks
   * past each query block (and, backward, the query blocks before each key block) and mask
   * within the diagonal block.
   */
  causal?: boolean;
  /**
   * Query rows: i32 or u32 [R], flat indices b * L + i in ascending order (a repeated row is
   * computed twice, and both its gradients flow). Only those
   * queries are computed: q (and the backward's dOut, dq) is then [R, d], the output [R, d],
   * lse [heads, R]; keys and values stay [B, L, d]. The same as the rows of the full attention
   * (dropout included: the bits are drawn by position), at R / (B L) of the cost. The kernels
   * find each sequence's queries by binary search, so rows out of order give wrong results.
   */
  queryRows?: Tensor;
}

/** What ops.attention returns: the output and the row log-sum-exps attentionBackward needs. */
export interface AttentionResult {
  /** [B, L, d] ([R, d] with query rows) */
  out: Tensor;
  /** Log-sum-exp of each row's scaled scores over its valid keys, [B, heads, L] ([heads, R] with query rows; 0 for rows with none). */
  lse: Tensor;
}

/** What ops.attentionBackward returns: the gradients of q, k and v, each [B, L, d] (dq [R, d] with query rows). */
export interface AttentionGrads {
  dq: Tensor;
  dk: Tensor;
  dv: Tensor;
}

interface Dims {
  B: number;
  L: number;
  d: number;
  heads: number;
  dh: number;
  /** Query rows (0 without options.queryRows). */
  R: number;
  /** The shape of q, out, dOut and dq: [B, L, d], or [R, d] with query rows. */
  qShape: number[];
  /** The shape of lse: [B, heads, L], or [heads, R] with query rows. */
  lseShape: number[];
}

/**
 * Checks q [B, L, d] (or [R, d] with queryRows, i32/u32 [R]), k, v [B, L, d] f32, keyMask
 * [B, L] u32 and the head count; returns the dims.
 */
function checkQkv(op: string, q: Tensor, k: Tensor, v: Tensor, keyMask: Tensor, heads: number, queryRows: Tensor | undefined, extra: Record<string, Tensor> = {}): Dims {
  expectTensor(op, 'q', q);
  expectTensor(op, 'k', k);
  expectTensor(op, 'v', v);
  expectTensor(op, 'keyMask', keyMask, ['u32']);
  if (queryRows !== undefined) expectTensor(op, 'queryRows', queryRows, ['i32', 'u32']);
  const all = { ...extra, q, k, v, keyMask, ...(queryRows ? { queryRows } : {}) };
  commonBackend(op, all);
  const args = () => describeArgs(all);
  if (k.rank !== 3) throw new OpArgumentError(op, `k must be [B, L, d] (${args()})`);
  const [B, L, d] = k.shape;
  if (v.shape.join() !== k.shape.join()) throw new OpArgumentError(op, `v must have k's shape [B, L, d] (${args()})`);
  let R = 0;
  if (queryRows) {
    if (queryRows.rank !== 1) throw new OpArgumentError(op, `queryRows must be [R] (${args()})`);
    R = queryRows.shape[0];
    if (q.rank !== 2 || q.shape[0] !== R || q.shape[1] !== d) throw new OpArgumentError(op, `q must be [R, d] = [${R},${d}] with queryRows (${args()})`);
  } else if (q.shape.join() !== k.shape.join()) {
    throw new OpArgumentError(op, `k must have q's shape [B, L, d] (${args()})`);
  }
  if (keyMask.rank !== 2 || keyMask.shape[0] !== B || keyMask.shape[1] !== L) throw new OpArgumentError(op, `keyMask must be [B, L] = [${B},${L}] (${args()})`);
  if (!Number.isInteger(heads) || heads < 1) throw new OpArgumentError(op, `heads must be a positive integer, got ${heads} (${args()})`);
  if (d === 0 || d % heads !== 0) throw new OpArgumentError(op, `d = ${d} must be a positive multiple of heads = ${heads} (${args()})`);
  const dh = d / heads;
  if (dh > ATTENTION_MAX_HEAD_DIM) throw new OpArgumentError(op, `head size d / heads = ${dh} exceeds ${ATTENTION_MAX_HEAD_DIM} (${args()}, heads=${heads})`);
  if (B > 65535 || heads > 65535) throw new OpArgumentError(op, `at most 65535 sequences and heads (${args()}, heads=${heads})`);
  return queryRows
    ? { B, L, d, heads, dh, R, qShape: [R, d], lseShape: [heads, R] }
    : { B, L, d, heads, dh, R, qShape: [B, L, d], lseShape: [B, heads, L] };
}

function fusedParams(op: string, s: Dims, options: AttentionOptions): number[] {
  return [s.B, s.L, s.d, s.heads, s.dh, 1 / Math.sqrt(s.dh), ...dropoutParams(op, options.dropout), options.causal ? 1 : 0, s.R];
}

/**
 * What the kernels bind as `mask`: keyMask itself, or with query rows a new u32 tensor of the
 * B*L key flags followed by the R rows (one binding for both keeps the backward's dK/dV kernel
 * within WebGPU's default 8 storage buffers per stage). The caller disposes a new one.
 */
function maskAndRows(op: string, s: Dims, keyMask: Tensor, queryRows: Tensor | undefined): Tensor {
  if (!queryRows) return keyMask;
  const backend = keyMask.backend;
  const both = emptyTensor(backend, [s.B * s.L + s.R], 'u32');
  backend.copy(keyMask.storage(op), both.storage(op), s.B * s.L * 4);
  backend.copy(queryRows.storage(op), both.storage(op), s.R * 4, 0, s.B * s.L * 4);
  return both;
}

/**
 * Fused multi-head scaled-dot-product attention (bidirectional, or causal with
 * options.causal; key padding mask).
 * q, k, v: [B, L, d] f32 (head j = columns j*dh..j*dh+dh-1, dh = d / heads); keyMask [B, L] u32
 * (1 = a real token that may be attended to). out_i = sum_j softmax_j(q_i.k_j / sqrt(dh)) v_j
 * per head, over valid keys only; rows with no valid key give zeros. The L x L scores are
 * never stored (online softmax); lse [B, heads, L] is saved for attentionBackward.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, keyMask: Tensor, options: AttentionOptions): AttentionResult {
  const op = 'attention';
  const s = checkQkv(op, q, k, v, keyMask, options.heads, options.queryRows);
  const params = fusedParams(op, s, options);
  const backend = q.backend;
  const out = emptyTensor(backend, s.qShape, 'f32');
  const lse = emptyTensor(backend, s.lseShape, 'f32');
  if (s.B * s.L === 0 || (options.queryRows && s.R === 0)) return { out, lse };
  const mask = maskAndRows(op, s, keyMask, options.queryRows);
  try {
    runFused(backend, attentionFwdKernel, [q, k, v, mask].map((t) => t.storage(op)), [out.storage(op), lse.storage(op)], params, s.dh);
  } finally {
    if (mask !== keyMask) mask.dispose();
  }
  return { out, lse };
}

/**
 * Gradients of attention() (same options, dropout included: the mask is regenerated from the
 * seed). Recomputes P_ij = exp(s_ij - lse_i) block by block; with f_ij = keep_ij / (1 - p):
 *   D_i = dO_i . O_i,  dS_ij = P_ij (f_ij dO_i.v_j - D_i),
 *   dq_i = scale sum_j dS_ij k_j,  dk_j = scale sum_i dS_ij q_i,  dv_j = sum_i P_ij f_ij dO_i.
 * One kernel (attentionBwdKernel): on WebGPU two passes (dq over query blocks, dk/dv over key
 * blocks), so no float atomics; on WASM one pass per (b, head).
 */
export function attentionBackward(
  dOut: Tensor, q: Tensor, k: Tensor, v: Tensor, keyMask: Tensor, out: Tensor, lse: Tensor, options: AttentionOptions,
): AttentionGrads {
  const op = 'attentionBackward';
  expectTensor(op, 'dOut', dOut);
  expectTensor(op, 'out', out);
  expectTensor(op, 'lse', lse);
  const s = checkQkv(op, q, k, v, keyMask, options.heads, options.queryRows, { dOut, out, lse });
  const args = () => describeArgs({ dOut, q, out, lse });
  for (const [name, t] of Object.entries({ dOut, out })) {
    if (t.shape.join() !== q.shape.join()) throw new OpArgumentError(op, `${name} must have q's shape ${options.queryRows ? '[R, d]' : '[B, L, d]'} (${args()})`);
  }
  if (lse.shape.join() !== s.lseShape.join()) throw new OpArgumentError(op, `lse must be ${options.queryRows ? '[heads, R]' : '[B, heads, L]'} = [${s.lseShape}] (${args()})`);
  const params = fusedParams(op, s, options);
  const backend = q.backend;
  const dq = emptyTensor(backend, s.qShape, 'f32');
  const dk = emptyTensor(backend, [s.B, s.L, s.d], 'f32');
  const dv = emptyTensor(backend, [s.B, s.L, s.d], 'f32');
  if (s.B * s.L === 0) return { dq, dk, dv };
  if (options.queryRows && s.R === 0) {
    // no query reads a key: the gradients of k and v are zero
    fill(dk, 0);
    fill(dv, 0);
    return { dq, dk, dv };
  }
  // stats rows: (b, head, i) in that order, or (head, query row): the prep kernel reads the
  // latter as one sequence of R positions (B = 1, L = R)
  const rows = s.heads * (s.R || s.B * s.L);
  const stats = emptyTensor(backend, [rows, 2], 'f32');
  const mask = maskAndRows(op, s, keyMask, options.queryRows);
  try {
    backend.run({
      kernel: attentionBwdPrepKernel,
      inputs: [dOut.storage(op), out.storage(op), lse.storage(op)],
      outputs: [stats.storage(op)],
      params: [rows, s.R || s.L, s.d, s.heads, s.dh],
    });
    const inputs = [q, k, v, mask, dOut, stats].map((t) => t.storage(op));
    runFused(backend, attentionBwdKernel, inputs, [dq, dk, dv].map((t) => t.storage(op)), params, s.dh);
  } finally {
    stats.dispose();
    if (mask !== keyMask) mask.dispose();
  }
  return { dq, dk, dv };
}

/**
 * The same attention (out only) from separate ops: per-head transposes, matmul for the scores
 * [B*heads, L, L] (stored), maskedSoftmax, matmul with V. The reference the fused kernel is
 * benchmarked against. Head split without permutes: transpose(q) [B, d, L] is [B*heads, dh, L].
 */
export function attentionUnfused(q: Tensor, k: Tensor, v: Tensor, keyMask: Tensor, options: AttentionOptions): Tensor {
  const op = 'attentionUnfused';
  if (options.queryRows) throw new OpArgumentError(op, 'queryRows is not supported by the unfused path');
  const s = checkQkv(op, q, k, v, keyMask, options.heads, undefined);
  const { B, L, d, heads, dh } = s;
  if (B * L === 0) return emptyTensor(q.backend, [B, L, d], 'f32');
  return scope(() => {
    const headsT = (x: Tensor) => transpose(x).view([B * heads, dh, L]); // x_h^T per (b, head)
    const scores = matmul(headsT(q), headsT(k), { transA: true }); // [B*heads, L, L] = Q_h K_h^T
    const p = maskedSoftmax(scores, keyMask, { heads, scale: 1 / Math.sqrt(dh), dropout: options.dropout, causal: options.causal });
    const outT = matmul(headsT(v), p, { transB: true }); // [B*heads, dh, L] = (P V_h)^T
    return transpose(outT.view([B, d, L]));
  });
}

// Kernel definitions against the code that implements them: every kernel the ops call has a
// WASM export taking exactly the arguments the WASM backend passes, every WebGPU variant binds
// what its kernel binds, the backend picks variants by capability, and no op asks which
// backend it is on.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { selectVariant, WasmBackend, type DeviceCapabilities, type KernelDef } from '../runtime/internal.js';
import { matmulKernel, matmulSlopeKernel, matmulTile } from '../runtime/ops/matmul.js';
import { layernormBackwardKernel, layernormKernel } from '../runtime/ops/layernorm.js';
import { binaryKernel } from '../runtime/ops/binary.js';
import { attentionBwdKvKernel, attentionBwdQKernel, attentionFwdKernel } from '../runtime/ops/attention.js';
import { softmaxXentKernel } from '../runtime/ops/softmax_xent.js';
import { parallelSpec } from '../runtime/wasm/parallel.js';
import { destroyRuntimes, getRuntime } from './backends.js';

afterAll(destroyRuntimes);

// Vite's import.meta.glob (vitest): every op module, loaded eagerly.
const opModules = (import.meta as unknown as { glob(pattern: string, o: { eager: true }): Record<string, Record<string, unknown>> }).glob('../runtime/ops/*.ts', { eager: true });

function isKernel(v: unknown): v is KernelDef {
  return typeof v === 'object' && v !== null && typeof (v as KernelDef).wgsl === 'string' && typeof (v as KernelDef).workgroups === 'function';
}

const allKernels = new Map<string, KernelDef>();
for (const [file, mod] of Object.entries(opModules)) {
  for (const [name, v] of Object.entries(mod)) if (isKernel(v)) allKernels.set(`${file.split('/').pop()}:${name}`, v);
}
const variantKernels = new Set<KernelDef>([...allKernels.values()].flatMap((k) => (k.variants ?? []).map((v) => v.kernel)));
/** Kernels WebGPU runs as parts of another (KernelDef.webgpuParts). */
const partKernels = new Set<KernelDef>([...allKernels.values()].flatMap((k) => (k.webgpuParts ?? []).map((p) => p.kernel)));
/** The kernels ops pass to Backend.run: every kernel that is not only a WebGPU variant or part of another. */
const baseKernels = [...allKernels].filter(([, k]) => !variantKernels.has(k) && !partKernels.has(k));

/** Arguments the WASM backend passes (runtime/wasm/backend.ts run): pointers, params, constants, and (start, end, scratch) when split. */
function wasmArity(k: KernelDef): number {
  const constants = k.wasmConstants === false ? 0 : (k.constants?.length ?? 0);
  return k.inputs + k.outputs + k.params.length + constants + (parallelSpec(k) ? 3 : 0);
}

describe('kernel definitions', () => {
  it('finds the kernels of every op module', () => {
    expect(baseKernels.length).toBeGreaterThan(30);
    expect(variantKernels.size).toBeGreaterThan(15);
  });

  it('every kernel an op runs has a WASM export with the arity the backend calls it with', async () => {
    const wasm = (await getRuntime('wasm')).backend as WasmBackend;
    const problems: string[] = [];
    for (const [where, k] of baseKernels) {
      const exportName = k.wasmName ?? k.name;
      const fn = wasm.exports[exportName];
      if (typeof fn !== 'function') problems.push(`${where} (${k.name}): no WASM export '${exportName}'`);
      else if ((fn as (...a: number[]) => void).length !== wasmArity(k)) {
        problems.push(`${where} (${k.name}): WASM '${exportName}' takes ${(fn as () => void).length} arguments, the definition implies ${wasmArity(k)}`);
      }
      const scratch = parallelSpec(k)?.scratchExport;
      if (scratch && typeof wasm.exports[scratch] !== 'function') problems.push(`${where}: no scratch export '${scratch}'`);
    }
    expect(problems).toEqual([]);
  });

  it('a kernel WebGPU runs in parts: each part binds existing inputs, the parts write every output once, with the same params', () => {
    expect(partKernels.size).toBeGreaterThan(0);
    for (const k of allKernels.values()) {
      if (!k.webgpuParts) continue;
      const written = k.webgpuParts.flatMap((p) => p.outputs).sort();
      expect(written, k.name).toEqual(Array.from({ length: k.outputs }, (_, i) => i));
      for (const p of k.webgpuParts) {
        expect([p.inputs.length, p.outputs.length], `${p.kernel.name} as a part of ${k.name}`).toEqual([p.kernel.inputs, p.kernel.outputs]);
        expect(p.inputs.every((i) => i >= 0 && i < k.inputs), p.kernel.name).toBe(true);
        expect(p.kernel.params, p.kernel.name).toEqual(k.params);
        expect(p.kernel.wgsl.length, p.kernel.name).toBeGreaterThan(0);
      }
    }
  });

  it('every WebGPU variant binds the same inputs and outputs as its kernel, and has its own name', () => {
    const names = new Map<string, KernelDef>();
    for (const k of allKernels.values()) {
      expect(names.get(k.name) ?? k, `kernel name ${k.name} used twice`).toBe(k);
      names.set(k.name, k);
      for (const v of k.variants ?? []) {
        expect([v.kernel.inputs, v.kernel.outputs], `${v.kernel.name} as a variant of ${k.name}`).toEqual([k.inputs, k.outputs]);
      }
    }
  });
});

describe('variant selection by device capability', () => {
  const plain: DeviceCapabilities = { subgroupMinSize: 0, cpuKernels: false };
  const subgroups: DeviceCapabilities = { subgroupMinSize: 32, cpuKernels: false };
  const smallSubgroups: DeviceCapabilities = { subgroupMinSize: 4, cpuKernels: false };
  const cpu: DeviceCapabilities = { subgroupMinSize: 0, cpuKernels: true };
  const call = (kernel: KernelDef, params: number[], constants: number[] = []) => ({ kernel, params, constants, inputs: [], outputs: [] });

  it('matmul: subgroup tile when subgroups have >= 8 lanes, vec4 loaders on aligned shapes, TILE re-chosen', () => {
    // params batch, M, N, K, strideA, strideB; constants TRANS_A, TRANS_B, HAS_BIAS, ACT, TILE
    const aligned = call(matmulKernel, [1, 256, 128, 64, 0, 0], [0, 0, 0, 0, matmulTile(256, 128)]);
    const odd = call(matmulKernel, [1, 256, 130, 63, 0, 0], [0, 0, 0, 0, matmulTile(256, 130)]);
    expect(selectVariant(aligned, subgroups).kernel.name).toBe('matmul_sg');
    expect(selectVariant(aligned, subgroups).constants).toEqual([0, 0, 0, 0, matmulTile(256, 128, true)]);
    expect(matmulTile(256, 128, true)).not.toBe(matmulTile(256, 128));
    expect(selectVariant(odd, subgroups).kernel.name).toBe('matmul_scalar_sg');
    expect(selectVariant(aligned, plain).kernel.name).toBe('matmul');
    expect(selectVariant(aligned, smallSubgroups).kernel.name).toBe('matmul');
    expect(selectVariant(odd, plain)).toEqual(odd);
    expect(selectVariant(call(matmulSlopeKernel, [1, 256, 128, 64, 0, 0], [0, 0, 1, 2, 0]), subgroups).kernel.name).toBe('matmul_sg_slope');
    // transA reads M contiguously: M = 30 breaks vec4 alignment.
    expect(selectVariant(call(matmulKernel, [1, 30, 128, 64, 0, 0], [1, 0, 0, 0, 0]), plain).kernel).toBe(matmulKernel);
  });

  it('layer norm and softmax cross-entropy: row-per-invocation kernels on CPU adapters, within their limits', () => {
    expect(selectVariant(call(layernormKernel, [100, 64, 1e-12], [8]), cpu)).toMatchObject({ constants: [] });
    expect(selectVariant(call(layernormKernel, [100, 64, 1e-12], [8]), cpu).kernel.name).toBe('layernorm_rows');
    expect(selectVariant(call(layernormKernel, [100, 66, 1e-12], [8]), cpu).kernel).toBe(layernormKernel);
    expect(selectVariant(call(layernormKernel, [100, 256, 1e-12], [32]), cpu).kernel).toBe(layernormKernel);
    expect(selectVariant(call(layernormKernel, [100, 64, 1e-12], [8]), subgroups).kernel).toBe(layernormKernel);
    expect(selectVariant(call(layernormBackwardKernel, [100, 64, 8], [8]), cpu).kernel.name).toBe('layernorm_rows_backward');
    expect(selectVariant(call(softmaxXentKernel, [10, 64, -1], [1]), cpu).kernel.name).toBe('softmax_xent_rows');
    expect(selectVariant(call(softmaxXentKernel, [10, 63, -1], [1]), cpu).kernel).toBe(softmaxXentKernel);
  });

  it('elementwise vec4 variants take element counts / 4, only when every count is a multiple of 4', () => {
    expect(selectVariant(call(binaryKernel, [400, 8], [0]), plain)).toMatchObject({ params: [100, 2] });
    expect(selectVariant(call(binaryKernel, [400, 8], [0]), plain).kernel.name).toBe('binary_vec4');
    expect(selectVariant(call(binaryKernel, [400, 1], [0]), plain).kernel).toBe(binaryKernel);
  });

  it('attention: vec4 row loads only when d and the head size are multiples of 4', () => {
    // params: B, L, d, heads, dh, scale, dropout, threshold, seed, invKeep, causal, R (query rows)
    const p = (d: number, heads: number, causal = 0, R = 0) => [2, 16, d, heads, d / heads, 0.5, 0, 0, 0, 1, causal, R];
    expect(selectVariant(call(attentionFwdKernel, p(64, 2), [8, 4]), subgroups).kernel.name).toBe('attention_fwd_sg_vec4');
    expect(selectVariant(call(attentionFwdKernel, p(36, 6), [2, 4]), subgroups).kernel.name).toBe('attention_fwd_sg');
    expect(selectVariant(call(attentionFwdKernel, p(64, 2), [8, 4]), plain).kernel).toBe(attentionFwdKernel);
    // causal is a uniform: the same variants (and pipelines), the flag passed through as the last param
    expect(selectVariant(call(attentionFwdKernel, p(64, 2, 1), [8, 4]), subgroups).kernel.name).toBe('attention_fwd_sg_vec4');
    expect(selectVariant(call(attentionFwdKernel, p(64, 2, 1), [8, 4]), subgroups).params[10]).toBe(1);
    expect(selectVariant(call(attentionFwdKernel, p(36, 6, 1), [2, 4]), subgroups).kernel.name).toBe('attention_fwd_sg');
    expect(selectVariant(call(attentionFwdKernel, p(64, 2, 1), [8, 4]), plain).kernel).toBe(attentionFwdKernel);
    // with query rows (R > 0) the portable kernels, forward and both backward parts
    expect(selectVariant(call(attentionFwdKernel, p(64, 2, 0, 40), [8, 4]), subgroups).kernel).toBe(attentionFwdKernel);
    expect(selectVariant(call(attentionFwdKernel, p(36, 6, 1, 40), [2, 4]), subgroups).kernel).toBe(attentionFwdKernel);
    expect(selectVariant(call(attentionBwdQKernel, p(64, 2, 0, 40), [8]), subgroups).kernel).toBe(attentionBwdQKernel);
    expect(selectVariant(call(attentionBwdKvKernel, p(64, 2, 0, 40), [8]), subgroups).kernel).toBe(attentionBwdKvKernel);
    expect(selectVariant(call(attentionBwdKvKernel, p(64, 2), [8]), subgroups).kernel.name).toBe('attention_bwd_kv_sg_vec4');
  });
});

describe('ops state what they compute', () => {
  it('no op module reads the backend name or the device capabilities', () => {
    const dir = new URL('../runtime/ops/', import.meta.url);
    const offenders: string[] = [];
    for (const f of readdirSync(dir)) {
      if (f === 'variants.ts') continue; // the capability predicates live here
      const text = readFileSync(new URL(f, dir), 'utf8');
      text.split('\n').forEach((line, i) => {
        if (/backend\.name|\.cpuKernels|subgroupMinSize|'webgpu'|'wasm'/.test(line)) offenders.push(`runtime/ops/${f}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});

describe('one math library per language', () => {
  // The constants of exp (Cephes' polynomial, log2 e), erf (A&S 7.1.26) and the tanh-GELU.
  const MATH_CONSTANTS = /0\.3275911|1\.9875691500e-4|1\.4426950408|0\.044715|0\.7978845608|1\.5957691216/;
  const MATH_HELPERS = /^\s*(@inline\s+)?(export\s+)?(function|fn)\s+(v?exp|v?erf|erfc|half_?erfc|tanh|sigmoid|gelu_?(tanh|erf|fn|grad|phi)|gelu\d|geluGrad|phi_?cdf)\w*\s*\(/i;
  const libraries = new Set(['kernels/math.ts', 'wgsl/lib/math.wgsl']);

  function sources(dir: string, ext: string): string[] {
    const root = new URL(`../${dir}/`, import.meta.url);
    return (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith(ext)).map((f) => `${dir}/${f}`);
  }

  it('exp, erf and GELU are defined only in kernels/math.ts and wgsl/lib/math.wgsl', () => {
    const copies: string[] = [];
    for (const file of [...sources('kernels', '.ts'), ...sources('wgsl', '.wgsl')]) {
      if (libraries.has(file)) continue;
      readFileSync(new URL(`../${file}`, import.meta.url), 'utf8').split('\n').forEach((line, i) => {
        if (MATH_CONSTANTS.test(line) || MATH_HELPERS.test(line)) copies.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(copies).toEqual([]);
  });

  it('the libraries define what the kernels import from them', () => {
    const as = readFileSync(new URL('../kernels/math.ts', import.meta.url), 'utf8');
    for (const fn of ['exp4', 'expSoftmax4', 'expSoftmax1', 'erf4', 'gelu4', 'geluGrad4', 'gelu1', 'geluGrad1']) expect(as).toMatch(new RegExp(`export function ${fn}\\(`));
    const wgsl = readFileSync(new URL('../wgsl/lib/math.wgsl', import.meta.url), 'utf8');
    for (const fn of ['erf_f32', 'gelu_tanh', 'gelu_erf', 'gelu_fn', 'gelu_grad']) expect(wgsl).toMatch(new RegExp(`fn ${fn}\\(`));
  });
});

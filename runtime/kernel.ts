/**
 * A kernel: one compute entry point in WGSL (wgsl/<name>.wgsl) and its AssemblyScript
 * twin (an export of kernels/, compiled to WASM). Both follow one calling convention:
 *
 *  WGSL  @binding(0) var<uniform> p: Params   (scalar u32/i32/f32 fields, in `params` order)
 *        @binding(1..)                         the inputs,  var<storage, read>
 *        @binding(1+inputs..)                  the outputs, var<storage, read_write>
 *        `override` constants named in `constants` (pipelines are cached per constant values)
 *  WASM  export function <wasmName>(in0: usize, ..., out0: usize, ..., param0, ..., constant0, ...)
 *
 * Shapes travel in the params (uniforms), never in the shader text, so one pipeline
 * serves every shape.
 */
export type ParamType = 'u32' | 'i32' | 'f32';

export interface KernelDef {
  /** Kernel name, used in errors and as the pipeline cache key. */
  readonly name: string;
  /** WGSL source. */
  readonly wgsl: string;
  /** WGSL entry point (default 'main'). */
  readonly entryPoint?: string;
  /** Name of the WASM export (default: name). */
  readonly wasmName?: string;
  /** Number of read-only storage inputs. */
  readonly inputs: number;
  /** Number of read-write storage outputs. */
  readonly outputs: number;
  /** Types of the uniform parameters, in order. */
  readonly params: readonly ParamType[];
  /** Names of WGSL override constants, in the order the WASM export takes them. */
  readonly constants?: readonly string[];
  /** WebGPU dispatch size for the given params and constants. */
  workgroups(params: readonly number[], constants: readonly number[]): readonly [number, number?, number?];
}

export function defineKernel(def: KernelDef): KernelDef {
  return def;
}

/** Largest workgroup count per dimension that WebGPU guarantees. */
export const MAX_WORKGROUPS_PER_DIM = 65535;

/**
 * Workgroup grid for `count` workgroups, folded into 2D when it exceeds the
 * per-dimension limit. The shader recovers the linear workgroup index as
 * wid.x + wid.y * num_workgroups.x.
 */
export function grid1d(items: number, workgroupSize: number): [number, number] {
  const groups = Math.ceil(items / workgroupSize);
  if (groups <= MAX_WORKGROUPS_PER_DIM) return [groups, 1];
  const y = Math.ceil(groups / MAX_WORKGROUPS_PER_DIM);
  return [Math.ceil(groups / y), y];
}

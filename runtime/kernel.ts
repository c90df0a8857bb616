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
  /**
   * Whether the WASM export takes the override constants after the params (default true).
   * False for kernels whose constants only size WGSL registers (attention's DHP, QPT).
   */
  readonly wasmConstants?: boolean;
  /**
   * Other WGSL kernels computing the same thing (same inputs and outputs), in order of
   * preference. The WebGPU backend runs the first one its device supports and that fits the
   * call (see selectVariant); the WASM backend always runs this kernel's export.
   */
  readonly variants?: readonly KernelVariant[];
  /**
   * On WebGPU, the kernel runs as these dispatches, in order (its own `wgsl` is then unused);
   * the WASM backend runs the kernel's one export. For work one CPU thread does in one pass but
   * a GPU must split (attention's backward: dq over query blocks, dk/dv over key blocks,
   * because WGSL has no float atomics).
   */
  readonly webgpuParts?: readonly KernelPart[];
}

/** One dispatch of a kernel that WebGPU runs in parts: the WGSL kernel (with its variants) and which of the call's inputs and outputs it binds. */
export interface KernelPart {
  readonly kernel: KernelDef;
  /** Indices into the call's inputs, in the part's binding order. */
  readonly inputs: readonly number[];
  /** Indices into the call's outputs. */
  readonly outputs: readonly number[];
}

/** What a WebGPU device offers that kernel variants depend on. */
export interface DeviceCapabilities {
  /** Lanes every subgroup is guaranteed to have when kernels may use WGSL subgroup operations; 0 when they may not. */
  readonly subgroupMinSize: number;
  /**
   * Whether to prefer the variants made for adapters that run compute on the CPU (lavapipe,
   * SwiftShader): few long invocations, vec4 loads, no barriers.
   */
  readonly cpuKernels: boolean;
}

/** A variant of a kernel: the kernel, what it needs from the device, and the calls it serves. */
export interface KernelVariant {
  readonly kernel: KernelDef;
  /** Device capabilities it needs (default: none). */
  readonly needs?: (device: DeviceCapabilities) => boolean;
  /** Whether it serves a call with these params and constants (alignment, size limits). Default: every call. */
  readonly fits?: (params: readonly number[], constants: readonly number[]) => boolean;
  /** The call's params and constants as this variant takes them (e.g. n / 4 for vec4 kernels). Default: unchanged. */
  readonly adapt?: (params: readonly number[], constants: readonly number[], device: DeviceCapabilities) => { params: readonly number[]; constants: readonly number[] };
}

/** The kernel (and its params and constants) a device with `device`'s capabilities runs for `call`. */
export function selectVariant<C extends { kernel: KernelDef; params: readonly number[]; constants?: readonly number[] }>(call: C, device: DeviceCapabilities): C {
  const constants = call.constants ?? [];
  for (const v of call.kernel.variants ?? []) {
    if (v.needs && !v.needs(device)) continue;
    if (v.fits && !v.fits(call.params, constants)) continue;
    const adapted = v.adapt ? v.adapt(call.params, constants, device) : { params: call.params, constants };
    return { ...call, kernel: v.kernel, params: adapted.params, constants: adapted.constants };
  }
  return call;
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

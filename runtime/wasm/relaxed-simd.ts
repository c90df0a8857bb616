// Relaxed-SIMD detection. The kernels are built twice (asconfig.json): with SIMD only and with
// relaxed SIMD as well, whose f32x4.relaxed_madd becomes a fused multiply-add on CPUs with FMA
// (kernels/simd.ts). Browsers from Chrome 114 / Firefox 120 and Deno run relaxed SIMD as is;
// Node 20's V8 (11.3) has it behind --experimental-wasm-relaxed-simd, a per-process flag that
// can be set at run time before the module is compiled (worker threads share it).
//
// Setting that flag is the runtime's one process-wide effect, and only with
// WasmBackendOptions.setV8Flag (default true) in an engine that lacks relaxed SIMD: every
// WebAssembly module the process compiles afterwards may use relaxed SIMD. setV8Flag: false
// never touches V8's flags (Node 20 then runs the SIMD-only build).

const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

interface NodeV8 {
  setFlagsFromString(flags: string): void;
}

function nodeV8(): NodeV8 | null {
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  if (!proc?.versions?.node || typeof proc.getBuiltinModule !== 'function') return null;
  return (proc.getBuiltinModule('node:v8') as NodeV8 | undefined) ?? null;
}

/** Whether this process set V8's relaxed-SIMD flag (shown in the backend's description). */
let flagSet = false;

export function relaxedSimdFlagSet(): boolean {
  return flagSet;
}

/**
 * Whether this engine validates `relaxedModule` (a build of the kernels with relaxed SIMD).
 * In Node, when it does not and `setV8Flag` is true, turns on V8's relaxed-SIMD flag for the
 * process and asks again.
 */
/** Whether a relaxed build has validated in this process (a yes stays a yes; a no is asked again, as setV8Flag may differ). */
let validated = false;

export function relaxedSimdAvailable(relaxedModule: Uint8Array<ArrayBuffer>, setV8Flag: boolean): boolean {
  if (validated || WebAssembly.validate(relaxedModule)) return (validated = true);
  const v8 = setV8Flag ? nodeV8() : null;
  if (!v8) return false;
  v8.setFlagsFromString(RELAXED_SIMD_FLAG);
  flagSet = true;
  return (validated = WebAssembly.validate(relaxedModule));
}

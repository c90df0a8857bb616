// Relaxed-SIMD detection. The kernels are built twice (asconfig.json): with SIMD only and with
// relaxed SIMD as well, whose f32x4.relaxed_madd becomes a fused multiply-add on CPUs with FMA
// (kernels/simd.ts). Browsers from Chrome 114 / Firefox 120 and Deno run relaxed SIMD as is;
// Node 20's V8 (11.3) has it behind --experimental-wasm-relaxed-simd, a per-process flag that
// can be set at run time before the module is compiled (worker threads share it).

const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

interface NodeV8 {
  setFlagsFromString(flags: string): void;
}

function nodeV8(): NodeV8 | null {
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  if (!proc?.versions?.node || typeof proc.getBuiltinModule !== 'function') return null;
  return (proc.getBuiltinModule('node:v8') as NodeV8 | undefined) ?? null;
}

let verdict: boolean | null = null;

/**
 * Whether this engine validates `relaxedModule` (a build of the kernels with relaxed SIMD).
 * In Node, when it does not, turns on V8's relaxed-SIMD flag and asks again.
 */
export function relaxedSimdAvailable(relaxedModule: Uint8Array<ArrayBuffer>): boolean {
  if (verdict !== null) return verdict;
  verdict = WebAssembly.validate(relaxedModule);
  if (!verdict) {
    const v8 = nodeV8();
    if (v8) {
      v8.setFlagsFromString(RELAXED_SIMD_FLAG);
      verdict = WebAssembly.validate(relaxedModule);
    }
  }
  return verdict;
}

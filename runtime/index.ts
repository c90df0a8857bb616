// Public API of the runtime: what an embedding project (and src/) uses. Tiers:
//   - here: runtimes, tensors, scopes, errors, autograd (backward, F: the differentiable
//     functions), modules (nn), optimizers and schedules (optim), checkpoints (io);
//   - `ops`: the raw kernels (no gradient recorded), for code that writes its own backward;
//   - 'runtime/internal.ts' (package entry './internal'): backends, kernel definitions and
//     the tape's recording functions, for writing new ops and for the runtime's own tests.
export { createRuntime, Runtime, type RuntimeOptions, type BackendChoice } from './runtime.js';
export type { WebGPUBackendOptions } from './webgpu/backend.js';
export type { WasmBackendOptions } from './wasm/backend.js';
export type { BackendName, MemoryStats } from './backend.js';
export { Tensor } from './tensor.js';
export type { DType, AnyTypedArray } from './dtype.js';
export type { Shape } from './shape.js';
export { scope, scopeAsync, keep } from './scope.js';
export { OpArgumentError, KernelError, OutOfMemoryError, DeviceLostError, BackendUnavailableError } from './errors.js';
export { WasmWorkerError } from './wasm/threads.js';
// Autograd: backward() over the loss's runtime's tape (Runtime.noGrad() turns recording off).
export { backward } from './autograd/backward.js';
export * as F from './nn/functional.js';
// Raw kernels: forward and backward ops that record nothing on the tape.
export * as ops from './ops/index.js';
// Modules, optimizers, LR schedules.
export * from './nn/index.js';
export * from './optim/index.js';
// Checkpoints: safetensors encode/decode, state dicts, checksums; file I/O (Node/Deno only, lazily loads node:fs).
export { encodeSafetensors, decodeSafetensors, parseSafetensorsHeader, SafetensorsError, SAFETENSORS_DTYPES, type SafetensorsDType, type SafetensorsTensor, type SafetensorsData, type DecodedSafetensors } from './io/safetensors.js';
export { CHECKSUM_KEY, encodeSafetensorsWithChecksum, verifySafetensors, stateDictToSafetensors, stateDictFromSafetensors, loadSafetensorsInto, type StateDict, type ChecksumPolicy } from './io/checkpoint.js';
export { writeFileAtomic, readSafetensorsFile, saveStateDict, loadStateDict, loadStateDictInto } from './io/atomic-file.js';
// Numerics checks: the first tensor that went NaN/Inf (counted on the device).
export { checkFinite, nonFiniteCounts, type NamedTensors } from './debug.js';

// Public API of the runtime. Everything an embedding project (and src/) may use.
export { createRuntime, Runtime, type RuntimeOptions, type BackendChoice } from './runtime.js';
export { Tensor } from './tensor.js';
export { scope, scopeAsync, keep } from './scope.js';
export type { Backend, BackendName, KernelCall, MemoryStats, Storage } from './backend.js';
export { defineKernel, grid1d, type KernelDef, type ParamType } from './kernel.js';
export type { DType, AnyTypedArray } from './dtype.js';
export { sizeOf, formatShape, type Shape } from './shape.js';
export { OpArgumentError, KernelError, OutOfMemoryError, DeviceLostError, BackendUnavailableError } from './errors.js';
export { WebGPUBackend, type WebGPUBackendOptions } from './webgpu/backend.js';
export { WasmBackend, type WasmBackendOptions } from './wasm/backend.js';
export * from './ops/index.js';
// Autograd, modules, optimizers.
export { backward, noGrad, noGradAsync, isGradEnabled, record, needsGrad, discardTape, tapeLength, type BackwardFn, type TapeNode } from './autograd/index.js';
export * as F from './nn/functional.js';
export * from './nn/index.js';
export * from './optim/index.js';
// Checkpoints: safetensors encode/decode, state dicts, checksums; file I/O (Node/Deno only, lazily loads node:fs).
export { encodeSafetensors, decodeSafetensors, parseSafetensorsHeader, SafetensorsError, SAFETENSORS_DTYPES, type SafetensorsDType, type SafetensorsTensor, type SafetensorsData, type DecodedSafetensors } from './io/safetensors.js';
export { CHECKSUM_KEY, encodeSafetensorsWithChecksum, verifySafetensors, stateDictToSafetensors, stateDictFromSafetensors, loadSafetensorsInto, type StateDict, type ChecksumPolicy } from './io/checkpoint.js';
export { writeFileAtomic, readSafetensorsFile, saveStateDict, loadStateDict, loadStateDictInto } from './io/atomic-file.js';
// Numerics checks: the first tensor that went NaN/Inf (counted on the device).
export { checkFinite, nonFiniteCounts, type NamedTensors } from './debug.js';

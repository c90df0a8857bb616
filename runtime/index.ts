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
export { WasmBackend } from './wasm/backend.js';
export * from './ops/index.js';

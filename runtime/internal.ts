// Internals, for writing new ops and kernels and for the runtime's own tests and benchmarks
// (package entry './internal'). Not part of the stable API: names here may change.
export * from './index.js';
// Backends and the kernel calling convention.
export type { Backend, KernelCall, Storage } from './backend.js';
export { defineKernel, grid1d, selectVariant, MAX_WORKGROUPS_PER_DIM, type KernelDef, type KernelVariant, type KernelPart, type DeviceCapabilities, type ParamType } from './kernel.js';
export { WebGPUBackend } from './webgpu/backend.js';
export { WasmBackend } from './wasm/backend.js';
export { sizeOf, formatShape } from './shape.js';
// The tape: what a differentiable wrapper calls (see runtime/nn/functional/*.ts).
export { record, needsGrad, producerOf, type BackwardFn, type TapeNode } from './autograd/tape.js';
// Op descriptions: one per differentiable op, driving its F.* function and its test registration.
export { applyOp, defineOp, type OpDescription, type OpForward, type OpInput } from './autograd/op.js';
export { OP_TABLE } from './nn/functional/table.js';
export { bindKernel, type KernelBinding } from './ops/bind.js';
// The raw ops flat (also at the top level as `ops`), with their kernel-level helpers.
export * from './ops/index.js';
export { matmulTile } from './ops/matmul.js';

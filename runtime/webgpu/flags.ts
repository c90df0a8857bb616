// WebGPU flag values (the WebGPU spec's GPUBufferUsage, GPUMapMode, GPUShaderStage), so the
// backend does not need those globals: in Node, Dawn's binding exports them in `globals`,
// and the runtime does not copy them onto globalThis.
export const BufferUsage = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
export const MapMode = { READ: 0x1 } as const;
export const ShaderStage = { COMPUTE: 0x4 } as const;

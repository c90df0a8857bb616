import type { KernelDef } from './kernel.js';

/** A block of device memory owned by a backend. Opaque to everything but that backend. */
export interface Storage {
  readonly byteLength: number;
}

/** A backend's memory use in bytes and storage counts, as returned by Runtime.memory(). */
export interface MemoryStats {
  /** Bytes in storages handed out and not yet freed. */
  liveBytes: number;
  /** Number of storages handed out and not yet freed. */
  liveCount: number;
  /** Bytes held by the backend's pool for reuse. */
  pooledBytes: number;
  /** Highest liveBytes seen since creation or the last resetPeak(). */
  peakLiveBytes: number;
  /**
   * Bytes of device memory the backend holds in all: live, pooled and internal buffers
   * (WebGPU: every GPUBuffer created and not yet destroyed, staging and uniforms included;
   * WASM: the module's linear memory). Flat over a training loop once warm.
   */
  reservedBytes: number;
}

export interface KernelCall {
  readonly kernel: KernelDef;
  readonly inputs: readonly Storage[];
  readonly outputs: readonly Storage[];
  readonly params: readonly number[];
  readonly constants?: readonly number[];
}

/** The backends a runtime can run on (Runtime.name). */
export type BackendName = 'webgpu' | 'wasm';

/**
 * What a backend must provide: memory, transfers, and running one kernel.
 * Ops are written once against this interface and never ask which backend they are on:
 * `run` picks the kernel variant (WebGPU: by device capability, KernelDef.variants).
 */
export interface Backend {
  readonly name: BackendName;
  /** Human-readable description (adapter, features). */
  readonly description: string;
  alloc(byteLength: number): Storage;
  /** Frees a storage. On WebGPU the memory is reused only after work already recorded has been submitted. */
  free(storage: Storage): void;
  write(storage: Storage, data: ArrayBufferView, byteOffset?: number): void;
  /** Copies `byteLength` bytes from the start of `storage` to the host. */
  read(storage: Storage, byteLength?: number): Promise<ArrayBuffer>;
  /** Copies bytes between storages (device side). */
  copy(src: Storage, dst: Storage, byteLength: number, srcOffset?: number, dstOffset?: number): void;
  /** Records (WebGPU: the variant its device prefers) or runs (WASM) one kernel. */
  run(call: KernelCall): void;
  /** Submits recorded work. */
  flush(): void;
  /** Waits until all submitted work is done; rejects with the first error any kernel raised. */
  sync(): Promise<void>;
  memory(): MemoryStats;
  resetPeak(): void;
  /** Releases pooled memory. */
  trim(): void;
  destroy(): void;
}

import type { Backend, KernelCall, MemoryStats, Storage } from '../backend.js';
import { BackendUnavailableError, DeviceLostError, KernelError, OutOfMemoryError } from '../errors.js';
import { selectVariant, type DeviceCapabilities, type KernelDef } from '../kernel.js';
import { BufferUsage, MapMode } from './flags.js';
import { getGPU, gpuLoadError } from './gpu.js';
import { BufferPool } from './pool.js';
import { PipelineCache } from './pipelines.js';

class GPUStorage implements Storage {
  constructor(
    readonly buffer: GPUBuffer,
    readonly byteLength: number,
  ) {}
}

/** Dispatches recorded per command buffer before it is submitted. */
export const DISPATCHES_PER_SUBMIT = 32;
/** Uniform slot size: minUniformBufferOffsetAlignment is at most 256. */
const UNIFORM_SLOT = 256;
const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
/** Bind groups kept for reuse; the cache is emptied when it grows past this. */
const BIND_GROUP_CACHE_SIZE = 4096;

/** Options of the WebGPU backend (RuntimeOptions.webgpu): adapter choice and kernel features. */
export interface WebGPUBackendOptions {
  powerPreference?: GPUPowerPreference;
  /** Check every dispatch for validation errors in its own error scope (names the failing kernel). Default true. */
  checkDispatches?: boolean;
  /** Let kernels use subgroup operations when the adapter has the `subgroups` feature. Default true. */
  subgroups?: boolean;
  /** Use the kernel variants made for CPU adapters (Backend.cpuKernels). Default: whether the adapter is a software renderer. */
  cpuKernels?: boolean;
  /** The GPU entry point to use instead of getGPU() (navigator.gpu / Dawn); null acts as if WebGPU were missing. For tests and embedders. */
  gpu?: GPU | null;
}

/** An error scope still to be awaited, and the runtime error it turns into (null: no error). */
interface PendingCheck {
  promise: Promise<Error | null>;
}

export class WebGPUBackend implements Backend, DeviceCapabilities {
  readonly name = 'webgpu' as const;
  readonly pipelines: PipelineCache;
  private readonly pool: BufferPool;
  private readonly stagingPool: BufferPool;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatchesInBatch = 0;
  private kernelsInBatch = new Set<string>();
  private readonly uniformBuffer: GPUBuffer;
  private readonly uniformStaging = new ArrayBuffer(UNIFORM_SLOT * DISPATCHES_PER_SUBMIT);
  private readonly uniformU32 = new Uint32Array(this.uniformStaging);
  private readonly uniformI32 = new Int32Array(this.uniformStaging);
  private readonly uniformF32 = new Float32Array(this.uniformStaging);
  private checks: PendingCheck[] = [];
  private firstError: Error | null = null;
  private lostInfo: GPUDeviceLostInfo | null = null;
  private destroyed = false;
  private liveBytes = 0;
  private liveCount = 0;
  private peakLiveBytes = 0;
  private readonly checkDispatches: boolean;
  /** Whether `run` picks the kernel variants made for CPU adapters (DeviceCapabilities.cpuKernels). */
  readonly cpuKernels: boolean;
  /**
   * Bind groups by (kernel layout, buffers). Pooled buffers make a training step bind the same
   * buffers every step, so this avoids creating (and leaving to the GC) one native bind group
   * per dispatch. Buffers are destroyed only by trim(), which empties it.
   */
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;

  private constructor(
    readonly device: GPUDevice,
    readonly adapterInfo: GPUAdapterInfo | undefined,
    options: WebGPUBackendOptions,
    /** Subgroup lanes kernels may rely on (DeviceCapabilities.subgroupMinSize); 0 without the `subgroups` feature. */
    readonly subgroupMinSize: number,
  ) {
    this.pool = new BufferPool(device);
    this.stagingPool = new BufferPool(device);
    this.pipelines = new PipelineCache(device);
    this.checkDispatches = options.checkDispatches ?? true;
    this.cpuKernels = options.cpuKernels ?? this.isSoftwareAdapter;
    this.uniformBuffer = device.createBuffer({
      label: 'uniforms',
      size: this.uniformStaging.byteLength,
      usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
    });
    device.lost.then((info) => {
      if (!this.destroyed) this.lostInfo = info;
    });
    device.addEventListener?.('uncapturederror', (ev: Event) => {
      const err = (ev as GPUUncapturedErrorEvent).error;
      this.firstError ??= new KernelError([...this.kernelsInBatch].join(',') || 'unknown', 'internal', err.message);
    });
  }

  static async create(options: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
    const gpu = options.gpu !== undefined ? options.gpu : await getGPU();
    if (!gpu) {
      const why = gpuLoadError();
      throw new BackendUnavailableError(`WebGPU is not available in this environment${why ? ` (${why})` : ''}`);
    }
    const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
    if (!adapter) {
      throw new BackendUnavailableError(
        'no WebGPU adapter found. On Linux without a GPU, install Mesa lavapipe (mesa-vulkan-drivers from bookworm-backports) and libvulkan1.',
      );
    }
    const l = adapter.limits;
    const subgroups = (options.subgroups ?? true) && adapter.features.has('subgroups');
    const device = await adapter.requestDevice({
      requiredFeatures: subgroups ? ['subgroups' as GPUFeatureName] : [],
      requiredLimits: {
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
        maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
        maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      },
    });
    // subgroupMinSize is on GPUAdapterInfo in current WebGPU (Chrome 134+, Dawn); without it, 0.
    const minSize = subgroups ? ((adapter.info as { subgroupMinSize?: number } | undefined)?.subgroupMinSize ?? 0) : 0;
    return new WebGPUBackend(device, adapter.info, options, minSize);
  }

  get description(): string {
    const i = this.adapterInfo;
    const parts = [i?.vendor, i?.architecture, i?.device, i?.description].filter((s) => s && s.length);
    return `WebGPU (${parts.length ? parts.join(' ') : 'unknown adapter'})`;
  }

  /** Whether the adapter is a software (CPU) renderer such as lavapipe, llvmpipe or SwiftShader. */
  get isSoftwareAdapter(): boolean {
    const info = this.adapterInfo as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
    return !!info?.isFallbackAdapter || /llvmpipe|lavapipe|swiftshader/i.test(this.description);
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  private checkAlive(): void {
    if (this.destroyed) throw new DeviceLostError('destroyed', 'the backend was destroyed');
    if (this.lostInfo) throw new DeviceLostError(this.lostInfo.reason, this.lostInfo.message);
  }

  alloc(byteLength: number): Storage {
    this.checkAlive();
    const size = BufferPool.roundSize(byteLength, this.device.limits.maxStorageBufferBindingSize);
    if (size > this.device.limits.maxStorageBufferBindingSize) {
      throw new OutOfMemoryError('webgpu', byteLength, `larger than maxStorageBufferBindingSize (${this.device.limits.maxStorageBufferBindingSize})`);
    }
    this.device.pushErrorScope('out-of-memory');
    const buffer = this.pool.acquire(size, STORAGE_USAGE, 'storage');
    this.check(this.device.popErrorScope(), (err) => new OutOfMemoryError('webgpu', size, err.message));
    this.liveBytes += size;
    this.liveCount++;
    if (this.liveBytes > this.peakLiveBytes) this.peakLiveBytes = this.liveBytes;
    return new GPUStorage(buffer, byteLength);
  }

  free(storage: Storage): void {
    const s = storage as GPUStorage;
    this.liveBytes -= s.buffer.size;
    this.liveCount--;
    if (this.destroyed) return;
    this.pool.release(s.buffer);
    // Nothing recorded can still use it: hand it to the pool at once.
    if (!this.encoder) this.pool.onSubmitted();
  }

  write(storage: Storage, data: ArrayBufferView, byteOffset = 0): void {
    this.checkAlive();
    // queue.writeBuffer runs before not-yet-submitted commands; submit them first so
    // they read the old contents.
    if (this.encoder) this.flush();
    const s = storage as GPUStorage;
    if (byteOffset + data.byteLength > s.buffer.size) {
      throw new RangeError(`write of ${data.byteLength} bytes at ${byteOffset} overflows a ${s.byteLength}-byte storage`);
    }
    if (data.byteLength % 4 !== 0) {
      const padded = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
      padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      this.device.queue.writeBuffer(s.buffer, byteOffset, padded);
    } else {
      this.device.queue.writeBuffer(s.buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
    }
  }

  private ensureEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  copy(src: Storage, dst: Storage, byteLength: number, srcOffset = 0, dstOffset = 0): void {
    this.checkAlive();
    if (byteLength === 0) return;
    const enc = this.ensureEncoder();
    this.endPass();
    enc.copyBufferToBuffer((src as GPUStorage).buffer, srcOffset, (dst as GPUStorage).buffer, dstOffset, Math.ceil(byteLength / 4) * 4);
    this.countDispatch('copy');
  }

  run(requested: KernelCall): void {
    this.checkAlive();
    this.validateCall(requested.kernel, requested);
    if (requested.kernel.webgpuParts) {
      for (const part of requested.kernel.webgpuParts) {
        this.run({ ...requested, kernel: part.kernel, inputs: part.inputs.map((i) => requested.inputs[i]), outputs: part.outputs.map((i) => requested.outputs[i]) });
      }
      return;
    }
    const call = selectVariant(requested, this);
    const { kernel } = call;
    if (call !== requested) this.validateCall(kernel, call); // the variant's own bindings and params
    const [x, y = 1, z = 1] = kernel.workgroups(call.params, call.constants ?? []);
    if (x === 0 || y === 0 || z === 0) return;
    if (x > this.device.limits.maxComputeWorkgroupsPerDimension || y > this.device.limits.maxComputeWorkgroupsPerDimension || z > this.device.limits.maxComputeWorkgroupsPerDimension) {
      throw new KernelError(
        kernel.name,
        'validation',
        `dispatch of ${x}x${y}x${z} workgroups (params ${call.params.join(',')}) exceeds maxComputeWorkgroupsPerDimension (${this.device.limits.maxComputeWorkgroupsPerDimension})`,
      );
    }
    const { pipeline, layout } = this.pipelines.get(kernel, call.constants) ?? this.createPipelineSync(kernel, call.constants);

    const enc = this.ensureEncoder();
    const slot = this.dispatchesInBatch;
    this.writeUniforms(slot, kernel, call.params);
    if (this.checkDispatches) this.device.pushErrorScope('validation');
    const bindGroup = this.bindGroupFor(kernel, layout, call);
    if (!this.pass) this.pass = enc.beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup, [slot * UNIFORM_SLOT]);
    this.pass.dispatchWorkgroups(x, y, z);
    if (this.checkDispatches) {
      const detail = `workgroups ${x}x${y}x${z}, params ${call.params.join(',')}`;
      this.check(this.device.popErrorScope(), (err) => new KernelError(kernel.name, 'validation', `${detail}: ${err.message}`));
    }
    this.countDispatch(kernel.name);
  }

  private bindGroupFor(kernel: KernelDef, layout: GPUBindGroupLayout, call: KernelCall): GPUBindGroup {
    const buffers = [...call.inputs, ...call.outputs].map((s) => (s as GPUStorage).buffer);
    let key = kernel.name;
    for (const b of buffers) {
      let id = this.bufferIds.get(b);
      if (id === undefined) this.bufferIds.set(b, (id = this.nextBufferId++));
      key += `|${id}`;
    }
    let group = this.bindGroups.get(key);
    if (!group) {
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.uniformBuffer, size: UNIFORM_SLOT } }];
      buffers.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
      group = this.device.createBindGroup({ label: kernel.name, layout, entries });
      if (this.bindGroups.size >= BIND_GROUP_CACHE_SIZE) this.bindGroups.clear();
      this.bindGroups.set(key, group);
    }
    return group;
  }

  /**
   * First use of a pipeline that was not compiled ahead (compile()): created synchronously in
   * an error scope. A WGSL error surfaces at the next sync/read as a KernelError of kind
   * 'compile' with the shader's line numbers, and the broken pipeline is not kept.
   */
  private createPipelineSync(kernel: KernelDef, constants: readonly number[] | undefined) {
    this.device.pushErrorScope('validation');
    const created = this.pipelines.getOrCreateSync(kernel, constants);
    const scope = this.device.popErrorScope();
    this.checks.push({
      promise: scope.then(async (err) => {
        if (!err) return null;
        const lines = await this.pipelines.compileErrors(kernel).catch(() => '');
        this.pipelines.evict(kernel, constants);
        return new KernelError(kernel.name, 'compile', lines || err.message);
      }),
    });
    return created;
  }

  /** Queues an error-scope result; `toError` makes the runtime error for a GPU error. */
  private check(scope: Promise<GPUError | null>, toError: (err: GPUError) => Error): void {
    this.checks.push({ promise: scope.then((err) => (err ? toError(err) : null)) });
  }

  private validateCall(kernel: KernelDef, call: KernelCall): void {
    if (call.inputs.length !== kernel.inputs || call.outputs.length !== kernel.outputs || call.params.length !== kernel.params.length) {
      throw new KernelError(
        kernel.name,
        'validation',
        `expected ${kernel.inputs} inputs, ${kernel.outputs} outputs, ${kernel.params.length} params; got ${call.inputs.length}, ${call.outputs.length}, ${call.params.length}`,
      );
    }
  }

  private writeUniforms(slot: number, kernel: KernelDef, params: readonly number[]): void {
    const base = (slot * UNIFORM_SLOT) / 4;
    kernel.params.forEach((type, i) => {
      if (type === 'f32') this.uniformF32[base + i] = params[i];
      else if (type === 'i32') this.uniformI32[base + i] = params[i];
      else this.uniformU32[base + i] = params[i];
    });
  }

  private countDispatch(name: string): void {
    this.kernelsInBatch.add(name);
    if (++this.dispatchesInBatch >= DISPATCHES_PER_SUBMIT) this.flush();
  }

  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    const enc = this.encoder;
    this.encoder = null;
    if (this.dispatchesInBatch > 0) {
      this.device.queue.writeBuffer(this.uniformBuffer, 0, this.uniformStaging, 0, this.dispatchesInBatch * UNIFORM_SLOT);
    }
    const kernels = [...this.kernelsInBatch].join(', ');
    this.device.pushErrorScope('validation');
    this.device.queue.submit([enc.finish()]);
    this.check(this.device.popErrorScope(), (err) => new KernelError(kernels || 'copy', 'validation', `submit of [${kernels}]: ${err.message}`));
    this.dispatchesInBatch = 0;
    this.kernelsInBatch.clear();
    this.pool.onSubmitted();
  }

  /** Awaits the error scopes collected so far and throws the first error. */
  private async checkErrors(): Promise<void> {
    const checks = this.checks;
    this.checks = [];
    const results = await Promise.all(checks.map((c) => c.promise.catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
    for (const err of results) if (err && !this.firstError) this.firstError = err;
    if (this.lostInfo) throw new DeviceLostError(this.lostInfo.reason, this.lostInfo.message);
    if (this.firstError) {
      const e = this.firstError;
      this.firstError = null;
      throw e;
    }
  }

  async read(storage: Storage, byteLength = storage.byteLength): Promise<ArrayBuffer> {
    this.checkAlive();
    const s = storage as GPUStorage;
    const size = BufferPool.roundSize(byteLength);
    const staging = this.stagingPool.acquire(size, BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'readback');
    const enc = this.ensureEncoder();
    this.endPass();
    if (byteLength > 0) enc.copyBufferToBuffer(s.buffer, 0, staging, 0, Math.ceil(byteLength / 4) * 4);
    this.flush();
    try {
      await staging.mapAsync(MapMode.READ, 0, size);
    } catch (e) {
      // A lost device fails the mapping; let device.lost (resolving about now) turn that into a DeviceLostError.
      if (!this.lostInfo) await Promise.race([this.device.lost, new Promise((r) => setTimeout(r, 100))]);
      this.checkAlive();
      await this.checkErrors();
      throw e;
    }
    const out = staging.getMappedRange(0, size).slice(0, byteLength);
    staging.unmap();
    this.stagingPool.release(staging);
    this.stagingPool.onSubmitted();
    await this.checkErrors();
    return out;
  }

  async sync(): Promise<void> {
    this.checkAlive();
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.checkErrors();
  }

  /** Compiles a kernel's pipeline ahead of its first use. */
  async compile(kernel: KernelDef, constants?: readonly number[]): Promise<void> {
    if (kernel.webgpuParts) {
      for (const part of kernel.webgpuParts) await this.compile(part.kernel, constants);
      return;
    }
    await this.pipelines.compile(kernel, constants);
  }

  memory(): MemoryStats {
    return {
      liveBytes: this.liveBytes,
      liveCount: this.liveCount,
      pooledBytes: this.pool.pooledBytes,
      peakLiveBytes: this.peakLiveBytes,
      reservedBytes: this.pool.reservedBytes + this.stagingPool.reservedBytes + this.uniformBuffer.size,
    };
  }

  resetPeak(): void {
    this.peakLiveBytes = this.liveBytes;
  }

  trim(): void {
    this.flush();
    this.bindGroups.clear();
    this.pool.trim();
    this.stagingPool.trim();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.encoder = null;
    this.pass = null;
    this.device.destroy();
  }
}

import type { Backend, BackendName, MemoryStats } from './backend.js';
import { dtypeOf, type AnyTypedArray, type DType, typedArrayCtor } from './dtype.js';
import { BackendUnavailableError, OpArgumentError } from './errors.js';
import { formatShape, sizeOf, checkShape, type Shape } from './shape.js';
import { Tensor } from './tensor.js';
import { emptyTensor } from './ops/util.js';
import { fill } from './ops/fill.js';
import { isGradEnabled, noGrad, noGradAsync } from './autograd/grad_mode.js';
import { discardTape, tapeLength } from './autograd/tape.js';
import { WasmBackend, type WasmBackendOptions } from './wasm/backend.js';
import { WebGPUBackend, type WebGPUBackendOptions } from './webgpu/backend.js';

/** Which backend createRuntime() uses: a backend by name, or 'auto' (WebGPU when an adapter exists, else WASM). */
export type BackendChoice = 'auto' | BackendName;

/** Options of createRuntime(): the backend to use and each backend's own options. */
export interface RuntimeOptions {
  /** 'auto' (default) picks WebGPU when an adapter exists, else WASM. */
  backend?: BackendChoice;
  webgpu?: WebGPUBackendOptions;
  /** WASM backend options (threads). */
  wasm?: WasmBackendOptions;
  /**
   * With 'auto': skip a software (CPU-emulated) WebGPU adapter such as lavapipe or
   * SwiftShader and use WASM, which is much faster on the same CPU. Default false.
   */
  avoidSoftwareAdapter?: boolean;
  /** Receives one line saying which backend was picked and why. Default: silent. */
  log?: (message: string) => void;
}

/**
 * A backend plus tensor constructors and its autograd state. Ops are free functions that take
 * tensors; they run on the backend their inputs live on and record on that runtime's tape.
 * Two runtimes have two tapes: noGrad() on one leaves the other recording.
 */
export class Runtime {
  /** Why 'auto' picked this backend (empty when forced). */
  readonly reason: string;

  constructor(
    readonly backend: Backend,
    reason = '',
  ) {
    this.reason = reason;
  }

  get name(): BackendName {
    return this.backend.name;
  }

  /** Creates a tensor from host data (copied to the backend). */
  tensor(data: AnyTypedArray | readonly number[], shape?: Shape, dtype?: DType): Tensor {
    const dt = dtype ?? (ArrayBuffer.isView(data) ? dtypeOf(data as AnyTypedArray) : 'f32');
    const Ctor = typedArrayCtor(dt);
    const arr: AnyTypedArray = ArrayBuffer.isView(data) && dtypeOf(data as AnyTypedArray) === dt ? (data as AnyTypedArray) : Ctor.from(data as ArrayLike<number>);
    const s = shape ?? [arr.length];
    checkShape(s);
    if (sizeOf(s) !== arr.length) {
      throw new OpArgumentError('tensor', `data has ${arr.length} elements but shape ${formatShape(s)} needs ${sizeOf(s)}`);
    }
    const t = emptyTensor(this.backend, s, dt);
    if (arr.length) this.backend.write(t.storage('tensor'), arr);
    return t;
  }

  /** An uninitialised tensor. */
  empty(shape: Shape, dtype: DType = 'f32'): Tensor {
    return emptyTensor(this.backend, shape, dtype);
  }

  zeros(shape: Shape, dtype: DType = 'f32'): Tensor {
    return this.full(shape, 0, dtype);
  }

  full(shape: Shape, value: number, dtype: DType = 'f32'): Tensor {
    const t = emptyTensor(this.backend, shape, dtype);
    fill(t, value);
    return t;
  }

  /** Runs fn with gradient recording off for this runtime's tensors (no tape nodes, nothing saved). */
  noGrad<T>(fn: () => T): T {
    return noGrad(this.backend, fn);
  }

  /** Async noGrad(): recording stays off until the promise settles (do not train concurrently). */
  noGradAsync<T>(fn: () => Promise<T>): Promise<T> {
    return noGradAsync(this.backend, fn);
  }

  /** False inside noGrad()/noGradAsync() of this runtime. */
  get gradEnabled(): boolean {
    return isGradEnabled(this.backend);
  }

  /** Nodes on this runtime's tape not yet consumed by backward(). */
  tapeLength(): number {
    return tapeLength(this.backend);
  }

  /** Drops this runtime's tape without running backward, freeing the saved activations. */
  discardTape(): void {
    discardTape(this.backend);
  }

  /** Submits recorded work (WebGPU); a no-op on WASM. */
  flush(): void {
    this.backend.flush();
  }

  /** Waits for all work and surfaces any kernel error. */
  sync(): Promise<void> {
    return this.backend.sync();
  }

  memory(): MemoryStats {
    return this.backend.memory();
  }

  destroy(): void {
    this.backend.destroy();
  }
}

/**
 * Creates a runtime. 'auto' tries WebGPU (navigator.gpu, or Dawn from the `webgpu`
 * package in Node) and falls back to WASM, saying why through options.log.
 */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const choice = options.backend ?? 'auto';
  const log = options.log ?? (() => {});
  if (choice === 'wasm') {
    const rt = new Runtime(await WasmBackend.create(options.wasm), 'forced');
    log(`backend: wasm (requested)`);
    return rt;
  }
  if (choice === 'webgpu') {
    const backend = await WebGPUBackend.create(options.webgpu);
    log(`backend: webgpu (requested): ${backend.description}`);
    return new Runtime(backend, 'forced');
  }
  if (choice !== 'auto') throw new OpArgumentError('createRuntime', `unknown backend '${choice as string}' (expected auto, webgpu or wasm)`);
  try {
    const backend = await WebGPUBackend.create(options.webgpu);
    if (options.avoidSoftwareAdapter && backend.isSoftwareAdapter) {
      const why = `the WebGPU adapter is a software renderer (${backend.description})`;
      backend.destroy();
      log(`backend: wasm (auto): ${why}; WASM is faster on this CPU (use --backend webgpu to force it)`);
      return new Runtime(await WasmBackend.create(options.wasm), why);
    }
    log(`backend: webgpu (auto): ${backend.description}`);
    return new Runtime(backend, 'a WebGPU adapter was found');
  } catch (e) {
    if (!(e instanceof BackendUnavailableError)) throw e;
    log(`backend: wasm (auto): ${e.message}; falling back to WASM`);
    return new Runtime(await WasmBackend.create(options.wasm), `WebGPU unavailable: ${e.message}`);
  }
}

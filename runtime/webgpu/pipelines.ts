import { KernelError } from '../errors.js';
import type { KernelDef } from '../kernel.js';
import { ShaderStage } from './flags.js';

export interface CachedPipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/**
 * Compute pipelines keyed by kernel name and override-constant values (never by
 * shapes: those are uniforms). Shader modules are compiled once per kernel.
 */
export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private readonly pipelines = new Map<string, CachedPipeline>();
  private readonly pendingCompiles = new Map<string, Promise<CachedPipeline>>();

  constructor(private readonly device: GPUDevice) {}

  static key(kernel: KernelDef, constants: readonly number[] | undefined): string {
    return constants && constants.length ? `${kernel.name}|${constants.join(',')}` : kernel.name;
  }

  private constantRecord(kernel: KernelDef, constants: readonly number[] | undefined): Record<string, number> {
    const names = kernel.constants ?? [];
    if ((constants?.length ?? 0) !== names.length) {
      throw new KernelError(kernel.name, 'validation', `expected ${names.length} override constants (${names.join(', ')}), got ${constants?.length ?? 0}`);
    }
    const rec: Record<string, number> = {};
    names.forEach((n, i) => (rec[n] = constants![i]));
    return rec;
  }

  private layoutFor(kernel: KernelDef): GPUBindGroupLayout {
    let layout = this.layouts.get(kernel.name);
    if (layout) return layout;
    const entries: GPUBindGroupLayoutEntry[] = [
      { binding: 0, visibility: ShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } },
    ];
    for (let i = 0; i < kernel.inputs; i++) {
      entries.push({ binding: 1 + i, visibility: ShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } });
    }
    for (let i = 0; i < kernel.outputs; i++) {
      entries.push({ binding: 1 + kernel.inputs + i, visibility: ShaderStage.COMPUTE, buffer: { type: 'storage' } });
    }
    layout = this.device.createBindGroupLayout({ label: kernel.name, entries });
    this.layouts.set(kernel.name, layout);
    return layout;
  }

  private moduleFor(kernel: KernelDef): GPUShaderModule {
    let module = this.modules.get(kernel.name);
    if (!module) {
      // WGSL errors are reported through getCompilationInfo (compileErrors), not as uncaptured errors.
      this.device.pushErrorScope('validation');
      module = this.device.createShaderModule({ label: kernel.name, code: kernel.wgsl });
      void this.device.popErrorScope().catch(() => null);
      this.modules.set(kernel.name, module);
    }
    return module;
  }

  /** Compiles a pipeline ahead of use (createComputePipelineAsync); errors name the kernel. */
  async compile(kernel: KernelDef, constants?: readonly number[]): Promise<CachedPipeline> {
    const key = PipelineCache.key(kernel, constants);
    const done = this.pipelines.get(key);
    if (done) return done;
    let pending = this.pendingCompiles.get(key);
    if (!pending) {
      pending = this.compileNow(kernel, constants, key);
      this.pendingCompiles.set(key, pending);
    }
    return pending;
  }

  private async compileNow(kernel: KernelDef, constants: readonly number[] | undefined, key: string): Promise<CachedPipeline> {
    const errors = await this.compileErrors(kernel);
    if (errors) {
      this.modules.delete(kernel.name);
      this.pendingCompiles.delete(key);
      throw new KernelError(kernel.name, 'compile', errors);
    }
    const module = this.moduleFor(kernel);
    const layout = this.layoutFor(kernel);
    try {
      const pipeline = await this.device.createComputePipelineAsync({
        label: key,
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: kernel.entryPoint ?? 'main', constants: this.constantRecord(kernel, constants) },
      });
      const cached = { pipeline, layout };
      this.pipelines.set(key, cached);
      return cached;
    } catch (e) {
      throw new KernelError(kernel.name, 'compile', e instanceof Error ? e.message : String(e));
    } finally {
      this.pendingCompiles.delete(key);
    }
  }

  /** The WGSL compiler's errors for a kernel's shader ("line L:P: message" lines), '' when none. */
  async compileErrors(kernel: KernelDef): Promise<string> {
    const info = await this.moduleFor(kernel).getCompilationInfo?.();
    const errors = info?.messages.filter((m) => m.type === 'error') ?? [];
    return errors.map((m) => `line ${m.lineNum}:${m.linePos}: ${m.message}`).join('\n');
  }

  /** Forgets a pipeline (and the kernel's shader module) that failed to compile, so the next use reports it again. */
  evict(kernel: KernelDef, constants?: readonly number[]): void {
    this.pipelines.delete(PipelineCache.key(kernel, constants));
    this.modules.delete(kernel.name);
  }

  /** The pipeline if already compiled, else null (the caller then compiles synchronously). */
  get(kernel: KernelDef, constants?: readonly number[]): CachedPipeline | null {
    return this.pipelines.get(PipelineCache.key(kernel, constants)) ?? null;
  }

  /** Synchronous fallback used when an op runs before its pipeline was compiled ahead. */
  getOrCreateSync(kernel: KernelDef, constants?: readonly number[]): CachedPipeline {
    const key = PipelineCache.key(kernel, constants);
    const done = this.pipelines.get(key);
    if (done) return done;
    const module = this.moduleFor(kernel);
    const layout = this.layoutFor(kernel);
    const pipeline = this.device.createComputePipeline({
      label: key,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: kernel.entryPoint ?? 'main', constants: this.constantRecord(kernel, constants) },
    });
    const cached = { pipeline, layout };
    this.pipelines.set(key, cached);
    return cached;
  }

  get size(): number {
    return this.pipelines.size;
  }
}

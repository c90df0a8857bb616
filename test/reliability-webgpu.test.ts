// Device faults on WebGPU (Dawn on lavapipe): each fault is injected on purpose and must
// surface as the runtime's own error class, naming what failed, without hanging; after a
// kernel fault the runtime keeps working. Faults that break the device get their own runtime.
import { afterAll, describe, expect, it } from 'vitest';
import {
  add,
  BackendUnavailableError,
  createRuntime,
  defineKernel,
  DeviceLostError,
  grid1d,
  KernelError,
  OutOfMemoryError,
  type Runtime,
  WebGPUBackend,
} from '../runtime/internal.js';
import { destroyRuntimes, getRuntime } from './backends.js';

afterAll(destroyRuntimes);

/** Rejects when `p` takes longer than `ms` (a hang is a failure, not a timeout of the whole suite). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} hung for ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function caught(p: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

/** A healthy runtime still computes after a fault. */
async function stillWorks(rt: Runtime): Promise<void> {
  const a = rt.tensor(new Float32Array([1, 2, 3]));
  const b = add(a, a);
  expect(Array.from(await b.data())).toEqual([2, 4, 6]);
  a.dispose();
  b.dispose();
}

// Line 4 assigns an f32 to a u32.
const BROKEN_WGSL = `struct Params { n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
fn bad() -> u32 { let x: u32 = 1.5; return x; }
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) { if (g.x < p.n) { out[g.x] = f32(bad()); } }
`;
const brokenKernel = defineKernel({ name: 'test_broken', wgsl: BROKEN_WGSL, inputs: 0, outputs: 1, params: ['u32'], workgroups: ([n]) => grid1d(n, 64) });

// Declares a fixed-size input of 64 floats (256 bytes): binding a smaller buffer is a validation error.
const FIXED_WGSL = `struct Params { n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32, 64>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) { if (g.x < p.n) { out[g.x] = x[g.x]; } }
`;
const fixedKernel = defineKernel({ name: 'test_fixed64', wgsl: FIXED_WGSL, inputs: 1, outputs: 1, params: ['u32'], workgroups: ([n]) => [Math.ceil(n / 64)] });
// Same shader, but asks for more workgroups than the per-dimension limit (65535).
const hugeGridKernel = defineKernel({ name: 'test_huge_grid', wgsl: FIXED_WGSL, inputs: 1, outputs: 1, params: ['u32'], workgroups: () => [70000] });

describe('WebGPU device faults', () => {
  it('(a) a WGSL compile error is a KernelError of kind compile naming the kernel and the line', async () => {
    const rt = await getRuntime('webgpu');
    const backend = rt.backend as WebGPUBackend;
    const out = rt.empty([10]);
    // Recorded with the synchronous pipeline path: the error surfaces at the next sync.
    backend.run({ kernel: brokenKernel, inputs: [], outputs: [out.storage()], params: [10] });
    const e = await within(caught(rt.sync()), 30_000, 'sync after a compile error');
    expect(e).toBeInstanceOf(KernelError);
    expect((e as KernelError).kind).toBe('compile');
    expect((e as KernelError).kernel).toBe('test_broken');
    expect(e.message).toMatch(/kernel 'test_broken' \(compile\)/);
    expect(e.message).toMatch(/line 4:\d+/);
    expect(e.message).toMatch(/abstract-float.*u32/);
    // Compiled ahead (async path): the same error, thrown by compile().
    const e2 = await caught(backend.compile(brokenKernel));
    expect(e2).toBeInstanceOf(KernelError);
    expect([(e2 as KernelError).kind, (e2 as KernelError).kernel]).toEqual(['compile', 'test_broken']);
    expect(e2.message).toMatch(/line 4:\d+/);
    await rt.sync(); // compile() reported it; it leaves no stray error for the next sync
    // Running it again reports it again (not a stale, silently cached pipeline).
    backend.run({ kernel: brokenKernel, inputs: [], outputs: [out.storage()], params: [10] });
    expect(await caught(rt.sync())).toBeInstanceOf(KernelError);
    // A good kernel compiled ahead runs, and the broken one next to it does not disturb it.
    const good = defineKernel({ ...brokenKernel, name: 'test_fixed_now', wgsl: BROKEN_WGSL.replace('let x: u32 = 1.5;', 'let x: u32 = 7u;') });
    await backend.compile(good);
    expect(backend.pipelines.get(good)).not.toBeNull();
    backend.run({ kernel: good, inputs: [], outputs: [out.storage()], params: [10] });
    expect(Array.from(await out.data())).toEqual(new Array(10).fill(7));
    out.dispose();
    await stillWorks(rt);
  });

  it('(b) binding a buffer smaller than the kernel declares is a KernelError naming the kernel at the next sync', async () => {
    const rt = await getRuntime('webgpu');
    const x = rt.empty([16]); // 64 bytes, the shader declares 256
    const out = rt.empty([16]);
    rt.backend.run({ kernel: fixedKernel, inputs: [x.storage()], outputs: [out.storage()], params: [16] });
    const e = await within(caught(rt.sync()), 30_000, 'sync after a validation error');
    expect(e).toBeInstanceOf(KernelError);
    expect((e as KernelError).kind).toBe('validation');
    expect((e as KernelError).kernel).toBe('test_fixed64');
    // Pass-encoder errors are deferred to the command buffer: reported by the submit that holds
    // the dispatch, naming the kernels of the batch; Dawn names the pipeline and the binding.
    expect(e.message).toMatch(/^kernel 'test_fixed64' \(validation\): submit of \[test_fixed64\]: .*binding 1 is too small.*test_fixed64.*at least 256 bytes/s);
    // The same at a readback instead of a sync.
    rt.backend.run({ kernel: fixedKernel, inputs: [x.storage()], outputs: [out.storage()], params: [16] });
    const e2 = await within(caught(out.data()), 30_000, 'readback after a validation error');
    expect(e2).toBeInstanceOf(KernelError);
    expect(e2.message).toMatch(/test_fixed64/);
    x.dispose();
    out.dispose();
    await stillWorks(rt);
  });

  it('(b) a dispatch beyond the workgroup-count limit is a KernelError naming the kernel and the grid, at once', async () => {
    const rt = await getRuntime('webgpu');
    const x = rt.empty([64]);
    const out = rt.empty([64]);
    const e = await caught(() => rt.backend.run({ kernel: hugeGridKernel, inputs: [x.storage()], outputs: [out.storage()], params: [64] }));
    expect(e).toBeInstanceOf(KernelError);
    expect((e as KernelError).kernel).toBe('test_huge_grid');
    expect(e.message).toMatch(/dispatch of 70000x1x1 workgroups \(params 64\) exceeds maxComputeWorkgroupsPerDimension \(65535\)/);
    await rt.sync(); // nothing was recorded: no deferred error either
    x.dispose();
    out.dispose();
    await stillWorks(rt);
  });

  it('(c) an allocation above the device limits is an OutOfMemoryError with the size and a smaller-batch hint', async () => {
    const rt = await getRuntime('webgpu');
    const limit = (rt.backend as WebGPUBackend).limits.maxStorageBufferBindingSize;
    const before = rt.memory();
    const shape = [Math.ceil(limit / 4 / 1024) + 1, 1024];
    const e = await caught(() => rt.empty(shape));
    expect(e).toBeInstanceOf(OutOfMemoryError);
    expect((e as OutOfMemoryError).bytes).toBe(shape[0] * shape[1] * 4);
    expect(e.message).toMatch(new RegExp(`webgpu: out of memory allocating ${shape[0] * shape[1] * 4} bytes`));
    expect(e.message).toMatch(/maxStorageBufferBindingSize/);
    expect(e.message).toMatch(/smaller batch size/);
    // A huge total (16 GiB) through the public constructors fails the same way, and nothing leaks.
    expect(await caught(() => rt.zeros([4096, 1024, 1024]))).toBeInstanceOf(OutOfMemoryError);
    expect(rt.memory().liveBytes).toBe(before.liveBytes);
    await stillWorks(rt);
  });

  it('(c) on the WASM fallback, an allocation beyond what its memory can grow to is an OutOfMemoryError too', async () => {
    const rt = await getRuntime('wasm');
    const before = rt.memory();
    const e = await caught(() => rt.zeros([1024, 1024, 1024, 2])); // 8 GiB > the 4 GiB of wasm32
    expect(e).toBeInstanceOf(OutOfMemoryError);
    expect(e.message).toMatch(/^wasm: out of memory allocating 8589934592 bytes: .*smaller batch size/);
    expect(rt.memory().liveBytes).toBe(before.liveBytes);
    await stillWorks(rt);
  });

  it('(d) a device destroyed behind the runtime\'s back makes the next op throw DeviceLostError, not hang', async () => {
    for (const next of ['read', 'sync', 'op'] as const) {
      const rt = await createRuntime({ backend: 'webgpu' });
      const a = rt.tensor(new Float32Array([1, 2, 3]));
      await a.data();
      (rt.backend as WebGPUBackend).device.destroy();
      const e = await within(
        caught(async () => {
          if (next === 'read') await a.data();
          else if (next === 'sync') await rt.sync();
          else {
            const b = add(a, a); // recording may succeed; the readback must not
            await b.data();
          }
        }),
        30_000,
        `${next} after device loss`,
      );
      expect(e, `after device loss, ${next}`).toBeInstanceOf(DeviceLostError);
      expect(e.message).toMatch(/WebGPU device lost \(destroyed\)/);
      // Later calls keep failing the same way, synchronously where the call is synchronous.
      expect(() => rt.empty([4])).toThrow(DeviceLostError);
      expect(await caught(rt.sync())).toBeInstanceOf(DeviceLostError);
      a.dispose(); // freeing on a lost device is harmless
      rt.destroy();
    }
  });

  it("(e) 'auto' without an adapter falls back to WASM and says so; 'webgpu' names lavapipe as the fix", async () => {
    const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
    const lines: string[] = [];
    const rt = await createRuntime({ backend: 'auto', webgpu: { gpu: noAdapter }, log: (m) => lines.push(m) });
    expect(rt.name).toBe('wasm');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^backend: wasm \(auto\): no WebGPU adapter found.*falling back to WASM$/);
    expect(rt.reason).toMatch(/WebGPU unavailable/);
    await stillWorks(rt);
    rt.destroy();

    const e = await caught(createRuntime({ backend: 'webgpu', webgpu: { gpu: noAdapter } }));
    expect(e).toBeInstanceOf(BackendUnavailableError);
    expect(e.message).toMatch(/no WebGPU adapter found.*lavapipe/);

    // No WebGPU at all (no navigator.gpu, no Dawn binding) behaves the same.
    const lines2: string[] = [];
    const rt2 = await createRuntime({ backend: 'auto', webgpu: { gpu: null }, log: (m) => lines2.push(m) });
    expect(rt2.name).toBe('wasm');
    expect(lines2[0]).toMatch(/^backend: wasm \(auto\): WebGPU is not available.*falling back to WASM$/);
    rt2.destroy();
    expect(await caught(createRuntime({ backend: 'webgpu', webgpu: { gpu: null } }))).toBeInstanceOf(BackendUnavailableError);
  });

  it("'auto' with avoidSoftwareAdapter skips a software adapter (lavapipe here) for WASM and says why", async () => {
    const probe = await createRuntime({ backend: 'webgpu' });
    const software = (probe.backend as WebGPUBackend).isSoftwareAdapter;
    const description = probe.backend.description;
    probe.destroy();
    const lines: string[] = [];
    const rt = await createRuntime({ backend: 'auto', avoidSoftwareAdapter: true, log: (m) => lines.push(m) });
    if (software) {
      expect(rt.name).toBe('wasm');
      expect(lines[0]).toMatch(/^backend: wasm \(auto\): the WebGPU adapter is a software renderer/);
    } else {
      // On a hardware adapter the option changes nothing.
      expect(rt.name).toBe('webgpu');
      expect(lines[0]).toContain(description);
    }
    rt.destroy();
    // Without the option, 'auto' keeps picking WebGPU whatever the adapter.
    const rt2 = await createRuntime({ backend: 'auto' });
    expect(rt2.name).toBe('webgpu');
    rt2.destroy();
  });
});

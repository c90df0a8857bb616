// WebGPU ceiling: vec4 multiply-add throughput and a device-side copy's bandwidth, measured
// through the runtime's own kernel path (one dispatch per run, like every op). On lavapipe this
// is the CPU seen through the Vulkan driver; on a GPU it is the GPU's attainable peak.
import { defineKernel, type Runtime } from '../../runtime/internal.js';

export interface GpuCeiling {
  gflops: number;
  copyGBs: number;
}

const WG = 256;

const fmaKernel = defineKernel({
  name: 'bench_peak_fma',
  wgsl: `
struct Params { iters: u32, n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<vec4f>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= p.n) { return; }
  let m = vec4f(0.999999);
  let c = vec4f(1e-7);
  var a0 = vec4f(f32(i & 7u)); var a1 = a0 + 1.0; var a2 = a0 + 2.0; var a3 = a0 + 3.0;
  var a4 = a0 + 4.0; var a5 = a0 + 5.0; var a6 = a0 + 6.0; var a7 = a0 + 7.0;
  for (var k = 0u; k < p.iters; k++) {
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
  }
  out[i] = (a0 + a1) + (a2 + a3) + (a4 + a5) + (a6 + a7);
}`,
  inputs: 0,
  outputs: 1,
  params: ['u32', 'u32'],
  workgroups: ([, n]) => {
    const groups = Math.ceil(n / WG);
    return groups <= 65535 ? [groups, 1] : [65535, Math.ceil(groups / 65535)];
  },
});

const copyKernel = defineKernel({
  name: 'bench_peak_copy',
  wgsl: `
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4f>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i < p.n) { dst[i] = src[i]; }
}`,
  inputs: 1,
  outputs: 1,
  params: ['u32'],
  workgroups: ([n]) => {
    const groups = Math.ceil(n / WG);
    return groups <= 65535 ? [groups, 1] : [65535, Math.ceil(groups / 65535)];
  },
});

/** Best rate (units per second) of `reps` runs + sync, doubling reps until a batch lasts >= minMs. */
async function bestRate(rt: Runtime, run: () => void, unitsPerRun: number, minMs: number, batches: number): Promise<number> {
  run();
  await rt.sync();
  let reps = 1;
  let best = 0;
  for (let b = 0; b < batches; ) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) run();
    await rt.sync();
    const ms = performance.now() - t0;
    if (ms < minMs && reps < 1 << 16) {
      reps *= 2;
      continue;
    }
    best = Math.max(best, (unitsPerRun * reps) / (ms / 1000));
    b++;
  }
  return best;
}

/** Measures the WebGPU ceiling on rt (which must be a webgpu runtime). */
export async function measureGpuCeiling(rt: Runtime, quick: boolean): Promise<GpuCeiling> {
  const backend = rt.backend;
  const threads = 1 << 16;
  const iters = 256;
  const out = backend.alloc(threads * 16);
  const fma = () => backend.run({ kernel: fmaKernel, inputs: [], outputs: [out], params: [iters, threads] });
  const gflops = (await bestRate(rt, fma, threads * iters * 8 * 4 * 2, quick ? 30 : 100, quick ? 2 : 5)) / 1e9;
  backend.free(out);

  const vec4s = (quick ? 8 : 32) * 65536; // 8 or 32 MiB per buffer
  const src = backend.alloc(vec4s * 16);
  const dst = backend.alloc(vec4s * 16);
  const copy = () => backend.run({ kernel: copyKernel, inputs: [src], outputs: [dst], params: [vec4s] });
  const copyGBs = (await bestRate(rt, copy, vec4s * 32, quick ? 30 : 100, quick ? 2 : 5)) / 1e9;
  backend.free(src);
  backend.free(dst);
  await rt.sync();
  return { gflops, copyGBs };
}

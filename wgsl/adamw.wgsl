// Fused AdamW step, in place on param, m, v (all [n]), one invocation per element:
//   g  = grad * scale          (scale = gradScale[0] when HAS_SCALE, e.g. a clipping factor)
//   m  = beta1 * m + (1 - beta1) * g
//   v  = beta2 * v + (1 - beta2) * g^2
//   p  = p * (1 - lr * wd)                                   (decoupled weight decay)
//   p -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)   (bias-corrected)
// The step-dependent factors are computed on the host in float64 and passed as uniforms.
override HAS_SCALE: u32 = 0u;

struct Params { n: u32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32, decay: f32, stepSize: f32, bc2Sqrt: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read> gradScale: array<f32>;
@group(0) @binding(3) var<storage, read_write> param: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= p.n) { return; }
  var g = grad[i];
  if (HAS_SCALE == 1u) { g *= gradScale[0]; }
  let mi = p.beta1 * m[i] + p.oneMinusBeta1 * g;
  let vi = p.beta2 * v[i] + p.oneMinusBeta2 * (g * g);
  m[i] = mi;
  v[i] = vi;
  param[i] = param[i] * p.decay - p.stepSize * mi / (sqrt(vi) / p.bc2Sqrt + p.eps);
}

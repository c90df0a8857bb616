// From a squared norm normSq[0]:
//   MODE 0: out[0] = min(1, maxNorm / (sqrt(normSq) + eps))   (the clipping factor)
//   MODE 1: out[0] = sqrt(normSq)                              (the norm, for logging)
override MODE: u32 = 0u;
struct Params { maxNorm: f32, eps: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> normSq: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(1)
fn main() {
  let norm = sqrt(normSq[0]);
  if (MODE == 0u) {
    out[0] = min(1.0, p.maxNorm / (norm + p.eps));
  } else {
    out[0] = norm;
  }
}

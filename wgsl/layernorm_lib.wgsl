// Shared by the layer-norm kernels (prepended after their bindings by runtime/ops/layernorm.ts).
// Layout: a workgroup of 64 threads handles 64 / TPR rows at a time, TPR threads per row;
// thread `lane` of a row owns columns lane, lane + TPR, ... (at most MAXK of them, so
// d <= 64 * MAXK = 1024), kept in registers between the passes.
override TPR: u32 = 8u; // threads per row: a power of two <= 64, chosen by the op from d
const WG: u32 = 64u;
const MAXK: u32 = 16u;

var<workgroup> red: array<vec4f, 64>;

// Sum of v over the TPR threads of this thread's row (tree in shared memory, fixed order).
// Every thread of the workgroup must call it (it contains barriers).
fn row_sum(lid: u32, v: vec4f) -> vec4f {
  red[lid] = v;
  workgroupBarrier();
  let lane = lid & (TPR - 1u);
  for (var s = TPR >> 1u; s > 0u; s >>= 1u) {
    if (lane < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[lid - lane];
  workgroupBarrier();
  return r;
}

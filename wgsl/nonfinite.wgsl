// Counts the non-finite elements (NaN, +Inf, -Inf) of x [n] and adds the count to counts[slot].
// One dispatch per tensor, many tensors into one counts buffer (zeroed first). A value is
// non-finite when its exponent bits are all ones; testing bits (x read as u32) cannot be
// optimised away as a NaN test (x != x) may be. Blocks of 4096 elements per workgroup:
// thread lid reads b * 4096 + k * 256 + lid (k < 16); one atomic add per workgroup.
// Integer counts, so the atomic order does not change the result.
struct Params { n: u32, slot: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>>;

var<workgroup> total: atomic<u32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  if (lid == 0u) { atomicStore(&total, 0u); }
  workgroupBarrier();
  let base = (wid.x + wid.y * nwg.x) * 4096u;
  var c = 0u;
  for (var k = 0u; k < 16u; k++) {
    let i = base + k * 256u + lid;
    if (i < p.n && (x[i] & 0x7f800000u) == 0x7f800000u) { c += 1u; }
  }
  if (c > 0u) { atomicAdd(&total, c); }
  workgroupBarrier();
  if (lid == 0u) {
    let t = atomicLoad(&total);
    if (t > 0u) { atomicAdd(&counts[p.slot], t); }
  }
}

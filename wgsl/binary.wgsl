// Elementwise binary op with trailing broadcast: out[i] = a[i] OP b[i % nb].
// nb == n is the same-shape case; nb < n repeats b (e.g. a bias over the last dims).
// Written once over the element type E (wgsl/lib/element_f32.wgsl or element_vec4.wgsl is
// prepended): with vec4s, n and nb count vec4s (the op picks it when both are multiples of 4).
override OP: u32 = 0u; // 0 add, 1 sub, 2 mul, 3 div

struct Params { n: u32, nb: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<E>;
@group(0) @binding(2) var<storage, read> b: array<E>;
@group(0) @binding(3) var<storage, read_write> out: array<E>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let x = a[i];
  let y = b[select(i % p.nb, i, p.nb == p.n)];
  var r: E;
  switch OP {
    case 0u: { r = x + y; }
    case 1u: { r = x - y; }
    case 2u: { r = x * y; }
    default: { r = x / y; }
  }
  out[i] = r;
}

// wgsl/binary.wgsl on vec4s, for n % 4 == 0 and nb % 4 == 0 (the op's choice): one vec4 per
// invocation. out[i] = a[i] OP b[i % nb], in units of 4 floats (n4 = n / 4, nb4 = nb / 4).
override OP: u32 = 0u; // 0 add, 1 sub, 2 mul, 3 div

struct Params { n4: u32, nb4: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4f>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (i >= p.n4) { return; }
  let x = a[i];
  let y = b[select(i % p.nb4, i, p.nb4 == p.n4)];
  var r: vec4f;
  switch OP {
    case 0u: { r = x + y; }
    case 1u: { r = x - y; }
    case 2u: { r = x * y; }
    default: { r = x / y; }
  }
  out[i] = r;
}

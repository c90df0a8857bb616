// The output gradient of the attention backward kernels, bound as array<f32> (any head size):
// ldDO(off, c) = elements 4c .. 4c+3 of the head row at element off, zero past dh.
@group(0) @binding(5) var<storage, read> dOut: array<f32>;

fn ldDO(off: u32, c: u32) -> vec4f {
  let e = 4u * c;
  if (e + 3u < p.dh) { return vec4f(dOut[off + e], dOut[off + e + 1u], dOut[off + e + 2u], dOut[off + e + 3u]); }
  var r = vec4f(0.0);
  for (var t = 0u; t < 4u; t++) { if (e + t < p.dh) { r[t] = dOut[off + e + t]; } }
  return r;
}

// Row loads of the fused attention kernels, q/k/v bound as array<f32> (any head size).
// ldX(off, c) = elements 4c .. 4c+3 of the head row starting at element off, zero past dh.
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;

// Elements 4c..4c+3 of the row starting at off, zero past dh.
fn ldQ(off: u32, c: u32) -> vec4f {
  let e = 4u * c;
  if (e + 3u < p.dh) { return vec4f(q[off + e], q[off + e + 1u], q[off + e + 2u], q[off + e + 3u]); }
  var r = vec4f(0.0);
  for (var t = 0u; t < 4u; t++) { if (e + t < p.dh) { r[t] = q[off + e + t]; } }
  return r;
}
fn ldK(off: u32, c: u32) -> vec4f {
  let e = 4u * c;
  if (e + 3u < p.dh) { return vec4f(k[off + e], k[off + e + 1u], k[off + e + 2u], k[off + e + 3u]); }
  var r = vec4f(0.0);
  for (var t = 0u; t < 4u; t++) { if (e + t < p.dh) { r[t] = k[off + e + t]; } }
  return r;
}
fn ldV(off: u32, c: u32) -> vec4f {
  let e = 4u * c;
  if (e + 3u < p.dh) { return vec4f(v[off + e], v[off + e + 1u], v[off + e + 2u], v[off + e + 3u]); }
  var r = vec4f(0.0);
  for (var t = 0u; t < 4u; t++) { if (e + t < p.dh) { r[t] = v[off + e + t]; } }
  return r;
}


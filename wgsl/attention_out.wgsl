// Output stores of the fused attention forward (wgsl/attention_fwd.wgsl and its _sg variant,
// which declare `out`): elements 4c .. 4c+3 of the head row starting at element off, those past
// dh dropped.
fn storeOut(off: u32, c: u32, v: vec4f) {
  for (var u = 0u; u < 4u; u++) {
    let e = 4u * c + u;
    if (e < p.dh) { out[off + e] = v[u]; }
  }
}

// Row loads of the fused attention kernels, q/k/v bound as array<vec4f>: used when d and dh
// are multiples of 4, so every head row starts on a vec4 (one load per vec4 instead of 4).
// ldX(off, c) = elements 4c .. 4c+3 of the head row starting at element off.
@group(0) @binding(1) var<storage, read> q: array<vec4f>;
@group(0) @binding(2) var<storage, read> k: array<vec4f>;
@group(0) @binding(3) var<storage, read> v: array<vec4f>;

fn ldQ(off: u32, c: u32) -> vec4f { return q[off / 4u + c]; }
fn ldK(off: u32, c: u32) -> vec4f { return k[off / 4u + c]; }
fn ldV(off: u32, c: u32) -> vec4f { return v[off / 4u + c]; }

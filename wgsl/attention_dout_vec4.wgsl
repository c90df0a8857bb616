// The output gradient of the attention backward kernels, bound as array<vec4f> (d and dh
// multiples of 4): ldDO(off, c) = elements 4c .. 4c+3 of the head row at element off.
@group(0) @binding(5) var<storage, read> dOut: array<vec4f>;

fn ldDO(off: u32, c: u32) -> vec4f { return dOut[off / 4u + c]; }

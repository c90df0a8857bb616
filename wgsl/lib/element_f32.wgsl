// Element type of the elementwise kernels written once for scalars and vec4s
// (runtime/ops/variants.ts ELEMENT_F32 / ELEMENT_VEC4): one E per invocation, WG invocations
// per workgroup; sizes in the params count E's.
alias E = f32;
const WG: u32 = 256u;

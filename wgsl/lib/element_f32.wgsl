// Element type of the elementwise kernels written once for scalars and vec4s
// (runtime/ops/variants.ts ELEMENT_F32 / ELEMENT_VEC4): one E per invocation, WG invocations
// per workgroup; sizes in the params count E's. A kernel that works per float loops over the
// LANES floats of an E with lane() and with_lane() (constant trip count, unrolled).
alias E = f32;
const WG: u32 = 256u;
const LANES: u32 = 1u;
fn lane(x: E, k: u32) -> f32 { return x; }
fn with_lane(x: E, k: u32, v: f32) -> E { return v; }

// Element type of the elementwise kernels written once for scalars and vec4s, vec4 form: one
// vec4 per invocation (the op's sizes are multiples of 4, divided by 4 in the params).
alias E = vec4f;
const WG: u32 = 64u;
const LANES: u32 = 4u;
fn lane(x: E, k: u32) -> f32 { return x[k]; }
fn with_lane(x: E, k: u32, v: f32) -> E { var y = x; y[k] = v; return y; }

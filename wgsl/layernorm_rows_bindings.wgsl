// Bindings of wgsl/layernorm_rows.wgsl without a residual (rows as vec4s): input = x.
struct Params { R: u32, d: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read> gamma: array<vec4f>;
@group(0) @binding(3) var<storage, read> beta: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> y: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> mean_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstd_out: array<f32>;

fn load_input(i: u32) -> vec4f { return x[i]; }
fn store_input(i: u32, v: vec4f) {}

// Bindings of layer norm with a residual: input = x + res is normalised and written out
// (the backward needs it).
struct Params { R: u32, d: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> res: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<storage, read_write> mean_out: array<f32>;
@group(0) @binding(7) var<storage, read_write> rstd_out: array<f32>;
@group(0) @binding(8) var<storage, read_write> input_out: array<f32>;

fn load_input(i: u32) -> f32 { return x[i] + res[i]; }
fn store_input(i: u32, v: f32) { input_out[i] = v; }

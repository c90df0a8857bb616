// Column sums over a block of rows: x [R, C] -> out [nBlocks, C],
//   out[b, c] = sum of x[r, c] for r in [b * rowsPerBlock, min(R, (b + 1) * rowsPerBlock)).
// One pass with rowsPerBlock >= R gives the full column sum; the op (runtime/ops/sum_rows.ts)
// runs a second pass over the partials for tall inputs.
// Workgroup (64, 4): 64 columns x 4 row lanes. Lane j sums rows j, j+4, ... of the block
// (coalesced: consecutive threads read consecutive columns), then the 4 lane sums are
// added in a fixed order, so the result is deterministic.
struct Params { R: u32, C: u32, rowsPerBlock: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> lanes: array<f32, 256>;

@compute @workgroup_size(64, 4)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let c = wid.x * 64u + lid.x;
  let b = wid.y;
  let r0 = b * p.rowsPerBlock;
  let r1 = min(p.R, r0 + p.rowsPerBlock);
  var acc = 0.0;
  if (c < p.C) {
    var i = (r0 + lid.y) * p.C + c;
    let step = 4u * p.C;
    for (var r = r0 + lid.y; r < r1; r += 4u) {
      acc += x[i];
      i += step;
    }
  }
  lanes[lid.y * 64u + lid.x] = acc;
  workgroupBarrier();
  if (lid.y == 0u && c < p.C) {
    out[b * p.C + c] = (lanes[lid.x] + lanes[64u + lid.x]) + (lanes[128u + lid.x] + lanes[192u + lid.x]);
  }
}

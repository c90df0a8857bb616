#!/usr/bin/env bash
# One device run for docs/gpu.md, on a lent NVIDIA H200 machine that has Python/CUDA/PyTorch but
# no Node and no Vulkan loader. Prepare here first:
#   node scripts/gpu/build.mjs    # .gpu/: node, Dawn (the `webgpu` package), the bundles
#   .gl/: libvulkan1 and the GL vendor-neutral .debs (see /work/.library/device/README.md)
# Then, from the repo root, with .gpu and .gl carried:
#   OUT=/some/dir bash scripts/gpu/run-h200.sh
# It writes under $OUT (at most 8 files come back): log.txt, env.txt, matmul-webgpu.json,
# matmul-torch.json, bench/<date>-nvidia-h200.{json,md} (training step, forward, ceilings) and
# bench/<date>-nvidia-h200-kernels.json (every other case; its table is in log.txt).
# Each step has its own timeout; the whole run is meant to take under 5 minutes.
# Local rehearsal (lavapipe): SIZES=256,512 BENCH_ARGS='--quick --filter train' NO_TORCH=1 OUT=/tmp/o bash scripts/gpu/run-h200.sh
set -u
OUT=${OUT:?set OUT}
SIZES=${SIZES:-512,1024,2048,4096,8192}
BENCH_ARGS=${BENCH_ARGS:-}
mkdir -p "$OUT/bench"
exec > >(tee "$OUT/log.txt") 2>&1
t0=$(date +%s)
step() { echo; echo "=== [$(( $(date +%s) - t0 )) s] $*"; }

step unpack
if [ -d .gl ] && ! ldconfig -p | grep -q libvulkan.so.1; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
ldconfig -p | grep libvulkan || echo 'no libvulkan in ldconfig'
. scripts/gpu/node-env.sh
unpack_node || exit 1
cp .gpu/run.js .gpu/matmul-sizes.js $B/
# The bench reads node_modules/webgpu/package.json from the cwd for its version line.
[ -e node_modules ] || ln -s $B/node_modules node_modules
NODE=$B/node
$NODE --version || exit 1

step environment
{
  date -u
  nvidia-smi
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,power.limit,temperature.gpu --format=csv
  nvidia-smi -q | grep -iE 'multiproc|product name|vbios|clocks event|max clocks' -A0 | head -20
  python3 -c 'import torch; p=torch.cuda.get_device_properties(0); print("torch", torch.__version__, p.name, "SMs", p.multi_processor_count, "cc", p.major, p.minor)'
  lscpu | head -15
  ls /usr/local/nvidia/share/vulkan/icd.d/ /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/ 2>/dev/null
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

step adapter probe
probe='import("webgpu").then(async ({create}) => { const g = create([]); const a = await g.requestAdapter({powerPreference:"high-performance"}); if (!a) { console.log("adapter: none"); process.exit(2); } const i = a.info; console.log("adapter:", JSON.stringify({vendor:i.vendor, architecture:i.architecture, device:i.device, description:i.description, subgroupMinSize:i.subgroupMinSize, subgroupMaxSize:i.subgroupMaxSize}), "features:", [...a.features].join(","), "maxStorageBufferBindingSize:", a.limits.maxStorageBufferBindingSize, "maxBufferSize:", a.limits.maxBufferSize); process.exit(0); })'
probe_out=$(cd $B && timeout 60 $NODE --input-type=module -e "$probe" 2>&1); rc=$?
echo "$probe_out"
if [ -z "${LOCAL_REHEARSAL:-}" ] && { [ $rc -ne 0 ] || echo "$probe_out" | grep -qi 'llvmpipe\|swiftshader'; }; then
  echo 'adapter: retrying with the NVIDIA ICD'
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  (cd $B && timeout 60 $NODE --input-type=module -e "$probe") || { echo 'adapter: none found; stopping'; exit 1; }
elif [ $rc -ne 0 ]; then
  echo 'adapter: none found; stopping'; exit 1
fi

step "WebGPU matmul sweep ($SIZES)"
timeout 120 $NODE $B/matmul-sizes.js --sizes "$SIZES" --out "$OUT/matmul-webgpu.json"
echo "matmul-sizes rc=$?"

step "bench (webgpu): training step and forward, with the ceilings $BENCH_ARGS"
timeout 90 $NODE $B/run.js --backend webgpu --machine nvidia-h200 --out "$OUT/bench" --filter '/^(train-step|forward) /' $BENCH_ARGS
echo "bench rc=$?"
rm -f "$OUT"/bench/latest*.md

if [ -z "${NO_TORCH:-}" ]; then
  step "PyTorch FP32 matmul ($SIZES)"
  PYTHONUNBUFFERED=1 timeout 70 python3 scripts/gpu/torch_matmul.py --sizes "$SIZES" --out "$OUT/matmul-torch.json"
  echo "torch_matmul rc=$?"
fi

step "bench (webgpu): every other case, no ceiling $BENCH_ARGS"
mkdir -p /tmp/bench-rest
timeout 110 $NODE $B/run.js --backend webgpu --machine nvidia-h200-kernels --out /tmp/bench-rest --no-ceiling --filter '/^(?!train-step |forward )/' $BENCH_ARGS
echo "bench rest rc=$?"
cp /tmp/bench-rest/*.json "$OUT/bench/" 2>/dev/null

step done
nvidia-smi --query-gpu=clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv

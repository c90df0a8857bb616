#!/usr/bin/env bash
# Several short training probes side by side on a lent GPU (WebGPU on Dawn/Vulkan), each planned
# to the same time budget (--time-budget BUDGET minutes, so the epoch count is an outcome and the
# probes compare at equal wall time), seed 42, ML-1M. Each probe is a line of PROBES:
# "name|flags". Prepare here: node scripts/gpu/build.mjs && node scripts/gpu/build-train.mjs;
# then with .gpu and .gl carried: OUT=/some/dir BUDGET=7 PROBES='a|--model sasrec
# b|--model sasrec --norm sasrec' bash scripts/gpu/run-parallel-probes.sh
# $OUT gets log.txt and, per probe, <name>.log and <name>.metrics.json.
set -u
OUT=${OUT:?set OUT}
BUDGET=${BUDGET:-7}
DATA=${DATA:-.gpu/data/ratings.dat.gz}
exec > >(tee "$OUT/log.txt") 2>&1
if [ -d .gl ] && ! ldconfig -p | grep -q libvulkan.so.1; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
. scripts/gpu/node-env.sh
unpack_node || exit 1
cp .gpu/train.js $B/
nvidia-smi --query-gpu=name,driver_version --format=csv 2>/dev/null
t0=$(date +%s)
pids=()
while IFS='|' read -r name flags; do
  [ -z "$name" ] && continue
  echo "=== $name: $flags ($(date -u +%T))"
  # shellcheck disable=SC2086
  ( timeout $(( BUDGET * 60 + 120 )) $B/node $B/train.js --data "$DATA" --backend webgpu --time-budget "$BUDGET" --seed 42 --out "/tmp/runs/$name" $flags > "$OUT/$name.log" 2>&1
    echo "=== $name rc=$? after $(( $(date +%s) - t0 )) s"
    cp "/tmp/runs/$name/metrics.json" "$OUT/$name.metrics.json" 2>/dev/null ) &
  pids+=($!)
done <<< "$PROBES"
# Wait for the probes only: a bare `wait` would also wait for the tee above, which never ends.
wait "${pids[@]}"
for f in "$OUT"/*.log; do [ "$f" = "$OUT/log.txt" ] || { echo "--- $f"; grep -E '^(epoch|test|  full|plan)' "$f" | tail -n 4; }; done
echo "=== done $(date -u +%T)"

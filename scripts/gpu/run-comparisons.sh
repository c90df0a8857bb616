#!/usr/bin/env bash
# Short ML-1M comparisons on a lent GPU (WebGPU on Dawn/Vulkan), for the records in
# docs/runs/2026-12-04-ml1m-item-embeddings/ and docs/runs/2026-12-04-ml1m-sampled-softmax/:
# SASRec with random item embeddings and full cross-entropy, with movies.dat embeddings, and
# with sampled softmax (256 negatives); RUNS=bert4rec: BERT4Rec with full cross-entropy and with
# sampled softmax. Each EPOCHS epochs (default 10), seed 42.
# Prepare here: node scripts/gpu/build.mjs && node scripts/gpu/build-train.mjs; then with .gpu
# carried: OUT=/some/dir bash scripts/gpu/run-comparisons.sh
set -u
OUT=${OUT:?set OUT}
EPOCHS=${EPOCHS:-10}
BACKEND=${BACKEND:-webgpu}
DATA=${DATA:-.gpu/data/ratings.dat.gz}
exec > >(tee "$OUT/log.txt") 2>&1
. scripts/gpu/node-env.sh
unpack_node || exit 1
cp .gpu/train.js $B/
nvidia-smi --query-gpu=name,driver_version --format=csv 2>/dev/null
run() {
  local name=$1; shift
  echo "=== $name: $* ($(date -u +%T))"
  local t0=$(date +%s)
  timeout "${RUN_TIMEOUT:-170}" $B/node $B/train.js --data "$DATA" --backend "$BACKEND" --epochs "$EPOCHS" --time-limit 0 --out "/tmp/runs/$name" "$@" > "$OUT/$name.log" 2>&1
  echo "rc=$? $(( $(date +%s) - t0 )) s"
  grep -E '^(model|train|backend|item embeddings|epoch)' "$OUT/$name.log" | tail -n 3
  cp "/tmp/runs/$name/metrics.json" "$OUT/$name.metrics.json" 2>/dev/null
}
RUNS=${RUNS:-sasrec}
if [ "$RUNS" = sasrec ]; then
  run sasrec-random-ce --model sasrec
  run sasrec-movies-ce --model sasrec --item-embeddings .gpu/data/movies-64.safetensors
  run sasrec-random-sampled --model sasrec --loss sampled --negatives 256
elif [ "$RUNS" = probe ]; then # SASRec settings beside the defaults' 10-epoch run above
  run sasrec-dropout-0.1 --model sasrec --dropout 0.1
  run sasrec-lr-1e-3 --model sasrec --lr 0.001
else # RUNS=bert4rec: full cross-entropy against sampled softmax
  run bert4rec-random-ce --model bert4rec
  run bert4rec-random-sampled --model bert4rec --loss sampled --negatives 256
fi
echo "=== done $(date -u +%T)"

#!/usr/bin/env bash
# SASRec's defaults with a peak learning rate of 3e-3 (the probes: 1e-3 was clearly worse than
# 2e-3 on a short plan), ML-1M, WASM on this 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-/work/runs/sasrec-lr3}
/usr/bin/time -v npm run train -- --model sasrec --lr 0.003 --data ../shared/datasets/ml-1m/ratings_reconstructed.dat.gz --out "$out" > "$out.log" 2> "$out.time"

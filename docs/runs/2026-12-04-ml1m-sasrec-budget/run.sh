#!/usr/bin/env bash
# SASRec with its defaults on ML-1M, planned to the hour (the default without --epochs: a 59-minute
# time budget from the process start, test included), WASM on this 2-core machine. Wall time
# measured around the whole command, build included.
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-/work/runs/sasrec-budget}
/usr/bin/time -v npm run train -- --model sasrec --data ../shared/datasets/ml-1m/ratings_reconstructed.dat.gz --out "$out" > "$out.log" 2> "$out.time"

#!/usr/bin/env bash
# BERT4Rec with its defaults on ML-1M, planned to the hour (the default without --epochs: a
# 59-minute time budget from the process start, test included), WASM on this 2-core machine.
# Wall time measured around the whole command, build included. SEED (default 42) picks the seed.
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-/work/runs/bert4rec-budget}
/usr/bin/time -v npm run train -- --data ../shared/datasets/ml-1m/ratings_reconstructed.dat.gz --seed "${SEED:-42}" --out "$out" > "$out.log" 2> "$out.time"

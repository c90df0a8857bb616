#!/usr/bin/env bash
# SASRec with today's defaults (positions from the start; since 0824e2c validation on 2,000 fixed
# users during training) plus checkpoint averaging: with --average-last 15 the mean of the last
# 15 epochs' weights joins checkpoint-best and the last weights in the final choice on all
# validation users (the 15 epochs' checkpoints stay, for averaging other spans by hand with npm
# run average). Planned to the hour, WASM on this 2-core machine; wall time measured around the
# whole command, build included. Then each test user's rank for checkpoint-best and for the
# average (paired comparisons).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-/work/runs/sasrec-average-last}
/usr/bin/time -v npm run train -- --model sasrec --average-last 15 --data ../shared/datasets/ml-1m/ratings_reconstructed.dat.gz --out "$out" > "$out.log" 2> "$out.time"
node dist/cli/evaluate.js --checkpoint "$out/checkpoint-best" --ranks "$out.best.ranks.tsv" > "$out.best.evaluate.log"
node dist/cli/evaluate.js --checkpoint "$out/checkpoint-average" --ranks "$out.average.ranks.tsv" > "$out.average.evaluate.log"

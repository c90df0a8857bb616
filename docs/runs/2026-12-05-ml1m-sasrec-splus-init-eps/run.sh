#!/usr/bin/env bash
# SASRec with its defaults but SASRec+'s initialisation of the dense weights (normal, std 0.02:
# model.linearInit 'fixed') and PyTorch Adam's epsilon (1e-8 instead of 1e-6), planned to the
# hour, WASM on this 2-core machine. Wall time measured around the whole command, build included.
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-/work/runs/sasrec-splus-init-eps}
here=docs/runs/2026-12-05-ml1m-sasrec-splus-init-eps
/usr/bin/time -v npm run train -- --model sasrec --config "$here/config.json" --data ../shared/datasets/ml-1m/ratings_reconstructed.dat.gz --out "$out" > "$out.log" 2> "$out.time"
node dist/cli/evaluate.js --checkpoint "$out/checkpoint-best" --ranks "$out.ranks.tsv" > "$out.evaluate.log"

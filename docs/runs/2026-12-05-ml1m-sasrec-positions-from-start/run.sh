#!/usr/bin/env bash
# SASRec with its defaults but learned positions counted from each window's first item
# (--positions from-start, the layout SASRec+'s right padding gives), planned to the hour, WASM on
# this 2-core machine. Wall time measured around the whole command, build included.
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-/work/runs/sasrec-from-start}
/usr/bin/time -v npm run train -- --model sasrec --positions from-start --data ../shared/datasets/ml-1m/ratings_reconstructed.dat.gz --out "$out" > "$out.log" 2> "$out.time"
node dist/cli/evaluate.js --checkpoint "$out/checkpoint-best" --ranks "$out.ranks.tsv" > "$out.evaluate.log"

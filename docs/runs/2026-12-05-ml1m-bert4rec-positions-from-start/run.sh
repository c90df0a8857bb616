#!/usr/bin/env bash
# BERT4Rec with its defaults but learned positions counted from each window's first item
# (--positions from-start, SASRec's default since 8573f6b), planned to the hour, WASM on this
# 2-core machine. Wall time measured around the whole command, build included. SEED (default 42).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-/work/runs/bert4rec-from-start}
/usr/bin/time -v npm run train -- --positions from-start --data ../shared/datasets/ml-1m/ratings_reconstructed.dat.gz --seed "${SEED:-42}" --out "$out" > "$out.log" 2> "$out.time"
node dist/cli/evaluate.js --checkpoint "$out/checkpoint-best" --ranks "$out.ranks.tsv" > "$out.evaluate.log"

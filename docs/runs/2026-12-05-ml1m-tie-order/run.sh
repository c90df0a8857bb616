#!/usr/bin/env bash
# SASRec with its defaults, planned to the hour, on ML-1M with users 1..2999's tied ratings in the
# raw file's order (make-data.py); then the per-user test ranks of its best checkpoint and of the
# 2026-12-04 reference run's (../2026-12-04-ml1m-sasrec-budget/, same defaults on
# ratings_reconstructed.dat.gz), and the figures per group of users.
# usage: bash run.sh OUT_DIR [REFERENCE_CHECKPOINT]   (needs ../shared/datasets; about an hour)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../.."
out=${1:?usage: run.sh OUT_DIR [REFERENCE_CHECKPOINT]}
reference=${2:-/work/runs/sasrec-budget/checkpoint-best}
mkdir -p "$out"
python3 "$here/make-data.py" ../shared/datasets "$out/ratings_raw_tie_order.dat.gz"
/usr/bin/time -v npm run train -- --model sasrec --data "$out/ratings_raw_tie_order.dat.gz" --out "$out/raw-tie-order" > "$out/raw-tie-order.log" 2> "$out/raw-tie-order.time"
node dist/cli/evaluate.js --checkpoint "$out/raw-tie-order/checkpoint-best" --ranks "$out/raw-tie-order.ranks.tsv" > "$out/raw-tie-order.evaluate.log"
node dist/cli/evaluate.js --checkpoint "$reference" --ranks "$out/reference.ranks.tsv" > "$out/reference.evaluate.log"
python3 "$here/tie-stats.py" ../shared/datasets
python3 "$here/group-metrics.py" "reference (2026-12-04, reconstructed order)=$out/reference.ranks.tsv" "raw tie order (users 1..2999)=$out/raw-tie-order.ranks.tsv"

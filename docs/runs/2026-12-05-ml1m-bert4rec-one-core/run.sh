#!/usr/bin/env bash
# BERT4Rec with today's defaults on ML-1M, planned to the hour, on ONE core of this 2-core
# machine: the whole command (build, load, training, validation, test) pinned to CPU 0 with
# taskset, so the runtime sees one hardware thread (os.availableParallelism follows the
# affinity) and runs WASM without worker threads. Wall time measured around the whole command,
# build included. The second command writes each test user's rank (for paired comparisons).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-/work/runs/bert4rec-one-core-2}
taskset -c 0 /usr/bin/time -v npm run train -- --data ../shared/datasets/ml-1m/ratings_reconstructed.dat.gz --seed "${SEED:-42}" --out "$out" > "$out.log" 2> "$out.time"
taskset -c 0 node dist/cli/evaluate.js --checkpoint "$out/checkpoint-best" --ranks "$out.ranks.tsv" > "$out.evaluate.log"

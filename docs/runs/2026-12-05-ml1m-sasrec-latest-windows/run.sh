#!/usr/bin/env bash
# SASRec with today's defaults (positions from the start, validation on 2,000 fixed users during
# training) but one training window per user, its latest L + 1 items (`--windows latest`, as
# SASRec's and SASRec+'s code train), planned to the hour, WASM on this 2-core machine. Wall
# time measured around the whole command, build included. With --average-last 15 the mean of the
# last 15 epochs' weights joins checkpoint-best and the last weights in the final choice (the
# 15 epochs' checkpoints stay, for averaging other spans by hand afterwards with npm run
# average). The last command writes each test user's rank (for paired comparisons).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-/work/runs/sasrec-latest-windows}
/usr/bin/time -v npm run train -- --model sasrec --windows latest --average-last 15 --data ../shared/datasets/ml-1m/ratings_reconstructed.dat.gz --out "$out" > "$out.log" 2> "$out.time"
# the weights the run tested: checkpoint-best, the last weights or the average, whichever the
# final choice on all validation users preferred (metrics.json finalChoice)
tested=$(node -e 'const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log("checkpoint-" + (m.finalChoice ? m.finalChoice.tested : "best"))' "$out/metrics.json")
node dist/cli/evaluate.js --checkpoint "$out/$tested" --ranks "$out.ranks.tsv" > "$out.evaluate.log"

#!/usr/bin/env bash
# ML-1M exact-resume check: an uninterrupted 2-epoch run vs the same run killed with SIGKILL
# at a random moment and resumed with --resume. Compares weights and metrics bit for bit.
set -euo pipefail
cd "$(dirname "$0")/../../.."
DATA=../shared/datasets/ml-1m/ratings_reconstructed.dat.gz
R=/work/runs/resume-check; rm -rf "$R"; mkdir -p "$R"
COMMON=(--data "$DATA" --epochs 2 --time-limit 0 --seed 42 --backend wasm --checkpoint-every 40)
node scripts/build.mjs --no-types > /dev/null
echo "== uninterrupted"; date -u
/usr/bin/time -f "%e s wall" node dist/cli/train.js "${COMMON[@]}" --out "$R/a" > "$R/a.log" 2>&1
KILL_AT=$(( 40 + RANDOM % 60 ))
echo "== interrupted: SIGKILL after ${KILL_AT} s"; date -u
node dist/cli/train.js "${COMMON[@]}" --out "$R/b" > "$R/b1.log" 2>&1 & PID=$!
sleep "$KILL_AT"; kill -9 "$PID" || true; wait "$PID" || true
grep -o '"step": [0-9]*' "$R/b/checkpoint-last/config.json" | head -1 | sed 's/^/checkpoint-last at /'
node -e 'const c=require(process.argv[1]); console.log("position:", JSON.stringify(c.position && {epoch: c.position.epoch, batches: c.position.batches}))' "$R/b/checkpoint-last/config.json" || true
echo "== resumed"; date -u
node dist/cli/train.js "${COMMON[@]}" --out "$R/b" --resume "$R/b/checkpoint-last" > "$R/b2.log" 2>&1
for f in checkpoint-last/model.safetensors checkpoint-last/optimizer.safetensors checkpoint-best/model.safetensors; do
  if cmp -s "$R/a/$f" "$R/b/$f"; then echo "identical: $f ($(stat -c %s "$R/a/$f") bytes, sha256 $(sha256sum "$R/a/$f" | cut -c1-16))"; else echo "DIFFERENT: $f"; fi
done
node -e '
const [a, b] = process.argv.slice(1).map((p) => require(p));
const pick = (m) => JSON.stringify({ test: m.test, history: (m.history ?? []).map((h) => ({ loss: h.loss, valid: h.valid })) });
console.log(pick(a) === pick(b) ? "identical: test metrics and per-epoch loss/validation" : "DIFFERENT metrics");
console.log("test full NDCG@10:", a.test?.bert4rec?.full?.ndcg10 ?? JSON.stringify(a.test).slice(0, 200));
' "$R/a/metrics.json" "$R/b/metrics.json"
date -u

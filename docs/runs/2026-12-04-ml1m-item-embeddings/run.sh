#!/usr/bin/env bash
# Random initialisation against item embeddings built from movies.dat (titles, genres, decades:
# scripts/movie-embeddings.mjs), both models, ML-1M, WASM, a short fixed plan each (a 12-epoch
# BERT4Rec, a SASRec of the same wall time), seed 42. Usage: bash run.sh MODEL INIT OUT
# (MODEL bert4rec|sasrec, INIT random|movies). Every run holds /tmp/cpu.lock (one heavy job at a time).
set -euo pipefail
cd "$(dirname "$0")/../../.."
model=$1 init=$2 out=$3
data=../shared/datasets/ml-1m/ratings_reconstructed.dat.gz
emb=/tmp/emb/movies-64.safetensors
[ -f "$emb" ] || node scripts/movie-embeddings.mjs --movies ../shared/datasets/ml-1m/movies.dat.gz --dim 64 --out "$emb"
extra=()
[ "$init" = movies ] && extra=(--item-embeddings "$emb")
epochs=12
[ "$model" = sasrec ] && epochs=${SASREC_EPOCHS:-12}
node scripts/build.mjs --no-types >/dev/null
/usr/bin/time -v node dist/cli/train.js --model "$model" --data "$data" --backend wasm --epochs "$epochs" --time-limit 0 --out "$out" "${extra[@]}" > "$out.log" 2> "$out.time"

#!/usr/bin/env bash
# BERT4Rec with its defaults on ML-1M, planned to the hour (as ../2026-12-04-ml1m-bert4rec-budget),
# but the item table started from vectors built from movies.dat (titles, genres, decades:
# scripts/movie-embeddings.mjs, ../2026-12-04-ml1m-item-embeddings): does the head start of the
# short plans survive a full plan? WASM on this 2-core machine; SEED (default 42) picks the seed.
# Wall time measured around the whole command, build included (the embedding file is built first,
# outside the budget: 1-2 s).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-/work/runs/bert4rec-budget-movies}
emb=$out-movies-64.safetensors
node scripts/movie-embeddings.mjs --movies ../shared/datasets/ml-1m/movies.dat.gz --dim 64 --out "$emb"
/usr/bin/time -v npm run train -- --data ../shared/datasets/ml-1m/ratings_reconstructed.dat.gz --seed "${SEED:-42}" --item-embeddings "$emb" --out "$out" > "$out.log" 2> "$out.time"

#!/usr/bin/env bash
set -euo pipefail
cd /work/exp-sorig
export XDG_RUNTIME_DIR=/tmp/xdg
out=/work/runs/sasrec-orig
/usr/bin/time -v npm run train -- --model sasrec --data ../shared/datasets/ml-1m/ratings_reconstructed.dat.gz --norm sasrec --dropout 0.1 --ffn 64 --windows latest --batch 128 --lr 0.001 --weight-decay 0 --out "$out" > "$out.log" 2> "$out.time"

"""Logits of one of our checkpoints on given inputs, for comparing PyTorch with our runtime.

  python interop/pytorch/logits.py --checkpoint DIR --inputs inputs.safetensors --out logits.safetensors

inputs.safetensors holds I32 'ids' [B, L], 'key_mask' [B, L] (1 = real item) and 'rows' [R]
(flat b * L + t); the output holds F32 'logits' [R, V+2] from the model in eval mode.
"""
from __future__ import annotations

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert4rec_torch import load_model, read_checkpoint, read_safetensors, write_safetensors  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Logits of a checkpoint on given inputs (eval mode).")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--inputs", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    model = load_model(read_checkpoint(a.checkpoint)).eval()
    x, _ = read_safetensors(a.inputs)
    missing = [k for k in ("ids", "key_mask", "rows") if k not in x]
    if missing:
        print(f"error: {a.inputs} lacks {', '.join(missing)}", file=sys.stderr)
        return 1
    with torch.no_grad():
        logits = model(x["ids"].long(), x["key_mask"] != 0, x["rows"].long())
    write_safetensors(a.out, {"logits": logits.float()})
    print(f"wrote {a.out}: logits {list(logits.shape)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Converts between our checkpoint directories and PyTorch files.

  python interop/pytorch/convert.py to-torch --checkpoint out/checkpoint-best --out bert4rec.pt
  python interop/pytorch/convert.py from-torch --torch bert4rec.pt --template out/checkpoint-best --out out/from-torch

to-torch writes torch.save({"state_dict", "config", "num_items", "step", "epoch", and
"optimizer_moments" when the checkpoint has them}); the state dict loads into
bert4rec_torch.Bert4Rec (and any module with the same names). from-torch accepts that
bundle or a bare state dict (a DistributedDataParallel's 'module.' prefix is stripped), checks
it against the template's model, and writes a checkpoint directory with the template's
config.json, id maps and sequences, which `npm run recommend` reads.
"""
from __future__ import annotations

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert4rec_torch import CheckpointError, load_model, load_optimizer_moments, read_checkpoint, save_checkpoint  # noqa: E402
from bert4rec_torch.checkpoint import load_state_dict_strict  # noqa: E402
from bert4rec_torch.model import Bert4Rec  # noqa: E402


def to_torch(a) -> None:
    ck = read_checkpoint(a.checkpoint)
    model = load_model(ck)
    bundle = {"state_dict": model.state_dict(), "config": ck.config, "num_items": ck.num_items, "step": ck.step, "epoch": ck.epoch}
    moments = load_optimizer_moments(ck)
    if moments is not None:
        bundle["optimizer_step"], bundle["optimizer_moments"] = moments
    torch.save(bundle, a.out)
    print(f"wrote {a.out}: {len(bundle['state_dict'])} tensors, step {ck.step}{', with AdamW moments' if moments else ''}")


def from_torch(a) -> None:
    template = read_checkpoint(a.template)
    obj = torch.load(a.torch, map_location="cpu", weights_only=True)
    bundle = obj if isinstance(obj, dict) and "state_dict" in obj else {"state_dict": obj}
    state = {k.removeprefix("module."): v for k, v in bundle["state_dict"].items()}
    model = Bert4Rec(template.num_items, template.model_config)
    load_state_dict_strict(model, state, a.torch)
    step = int(bundle.get("step", template.step)) if a.step is None else a.step
    epoch = int(bundle.get("epoch", template.epoch))
    moments = bundle.get("optimizer_moments")
    save_checkpoint(
        a.out, model, template, step, epoch,
        moments=moments, optimizer_step=bundle.get("optimizer_step"),
        exported_by=None if step == template.step and "config" in bundle else {"tool": "interop/pytorch/convert.py", "backend": "pytorch", "torch": torch.__version__, "fromStep": template.step},
    )
    print(f"wrote {a.out}: step {step}{', with AdamW moments' if moments else ' (no optimizer state: resume would start AdamW afresh)'}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Converts between our checkpoint directories and PyTorch files.")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("to-torch", help="checkpoint directory -> .pt")
    t.add_argument("--checkpoint", required=True)
    t.add_argument("--out", required=True)
    f = sub.add_parser("from-torch", help=".pt (+ a template checkpoint directory) -> checkpoint directory")
    f.add_argument("--torch", required=True, help="a file written by to-torch, or a torch.save'd state dict")
    f.add_argument("--template", required=True, help="the checkpoint the weights came from (config, id maps, sequences)")
    f.add_argument("--out", required=True)
    f.add_argument("--step", type=int, default=None, help="the step to record (default: the bundle's, else the template's)")
    a = p.parse_args(argv)
    try:
        (to_torch if a.command == "to-torch" else from_torch)(a)
    except (CheckpointError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Our checkpoint directories (src/checkpoint.ts) to and from PyTorch.

A directory holds model.safetensors (the state dict), optimizer.safetensors (AdamW moments
'm.<param>' / 'v.<param>' and the step), config.json (model + train config, id maps, epoch,
step) and sequences.safetensors (each user's dense item sequence). Both safetensors files
carry the step in their metadata and a checksum; config.json is written last.
"""
from __future__ import annotations

import datetime
import json
import os
import shutil
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional

import torch

from .model import Bert4Rec, Bert4RecConfig
from .safetensors_io import read_safetensors, write_file_atomic, write_safetensors

CHECKPOINT_FORMAT = "webgpu-bert4rec-checkpoint"
MODEL_FILE = "model.safetensors"
OPTIMIZER_FILE = "optimizer.safetensors"
CONFIG_FILE = "config.json"
SEQUENCES_FILE = "sequences.safetensors"


class CheckpointError(ValueError):
    """A checkpoint directory that is missing, inconsistent or not ours (the message names the file)."""


@dataclass
class Checkpoint:
    dir: str
    config: dict
    model_config: Bert4RecConfig
    num_items: int
    step: int
    epoch: int


def read_checkpoint(directory: str) -> Checkpoint:
    path = os.path.join(directory, CONFIG_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: not found (is {directory} a checkpoint directory written by npm run train?)") from None
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path}: invalid JSON ({e})") from None
    if config.get("format") != CHECKPOINT_FORMAT or config.get("version") != 1:
        raise CheckpointError(f"{path}: not a {CHECKPOINT_FORMAT} version 1 config (format {config.get('format')!r}, version {config.get('version')!r})")
    try:
        model_config = Bert4RecConfig.from_json(config["model"])
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: {e}") from None
    num_items = config.get("numItems")
    if not isinstance(num_items, int) or num_items < 1:
        raise CheckpointError(f"{path}: numItems must be a positive integer, got {num_items!r}")
    return Checkpoint(directory, config, model_config, num_items, int(config["step"]), int(config["epoch"]))


def _check_step(path: str, meta: Mapping[str, str], step: int) -> None:
    if meta.get("step") != str(step):
        raise CheckpointError(f"{path} was saved at step {meta.get('step')} but {CONFIG_FILE} says step {step}: the directory mixes two saves")


def load_model(ck: Checkpoint) -> Bert4Rec:
    """A Bert4Rec holding the checkpoint's weights (names and shapes must match exactly)."""
    path = os.path.join(ck.dir, MODEL_FILE)
    tensors, meta = read_safetensors(path, checksum="require")
    _check_step(path, meta, ck.step)
    model = Bert4Rec(ck.num_items, ck.model_config)
    load_state_dict_strict(model, tensors, path)
    return model


def load_state_dict_strict(model: torch.nn.Module, tensors: Mapping[str, torch.Tensor], where: str) -> None:
    own = model.state_dict()
    problems = [f"missing '{k}'" for k in own if k not in tensors]
    problems += [f"unexpected '{k}'" for k in tensors if k not in own]
    problems += [f"'{k}' is {list(t.shape)} {t.dtype}, the model wants {list(own[k].shape)} {own[k].dtype}"
                 for k, t in tensors.items() if k in own and (t.shape != own[k].shape or t.dtype != own[k].dtype)]
    if problems:
        raise CheckpointError(f"{where}: does not match the model: {'; '.join(problems[:8])}{' ...' if len(problems) > 8 else ''}")
    model.load_state_dict(dict(tensors), strict=True)


def load_optimizer_moments(ck: Checkpoint) -> Optional[tuple]:
    """(step, {param name: (m, v)}) from optimizer.safetensors, or None when the file is absent."""
    path = os.path.join(ck.dir, OPTIMIZER_FILE)
    if not os.path.exists(path):
        return None
    tensors, meta = read_safetensors(path, checksum="require")
    _check_step(path, meta, ck.step)
    moments: Dict[str, tuple] = {}
    for key, t in tensors.items():
        kind, _, name = key.partition(".")
        if kind not in ("m", "v") or not name:
            raise CheckpointError(f"{path}: unexpected tensor '{key}' (expected 'm.<param>' and 'v.<param>')")
        pair = moments.setdefault(name, [None, None])
        pair[0 if kind == "m" else 1] = t
    incomplete = [n for n, (m, v) in moments.items() if m is None or v is None]
    if incomplete:
        raise CheckpointError(f"{path}: moments without their pair for {', '.join(incomplete[:5])}")
    return int(meta.get("optimizer_step", meta["step"])), {n: (m, v) for n, (m, v) in moments.items()}


def load_sequences(directory: str) -> List[torch.Tensor]:
    """Every user's dense item sequence (oldest first), from sequences.safetensors."""
    path = os.path.join(directory, SEQUENCES_FILE)
    if not os.path.exists(path):
        raise CheckpointError(f"{path}: not found; the checkpoint holds no user sequences to train on")
    tensors, _ = read_safetensors(path, checksum="require")
    items, offsets = tensors.get("items"), tensors.get("offsets")
    if items is None or offsets is None or items.dtype != torch.int32 or offsets.dtype != torch.int32:
        raise CheckpointError(f"{path}: expected I32 tensors 'items' and 'offsets'")
    off = offsets.tolist()
    if off[0] != 0 or off[-1] != items.numel() or any(b < a for a, b in zip(off, off[1:])):
        raise CheckpointError(f"{path}: offsets are not ascending within the {items.numel()} items")
    return [items[a:b] for a, b in zip(off, off[1:])]


def save_checkpoint(
    out_dir: str,
    model: Bert4Rec,
    template: Checkpoint,
    step: int,
    epoch: int,
    moments: Optional[Mapping[str, tuple]] = None,
    optimizer_step: Optional[int] = None,
    exported_by: Optional[dict] = None,
) -> None:
    """Writes a checkpoint directory our `recommend` and `train --resume` read: the model at
    `step`, the AdamW moments when given (after `optimizer_step` updates, default `step`), the
    template's config.json with step, epoch, backend and savedAt updated, and the template's
    sequences.safetensors."""
    os.makedirs(out_dir, exist_ok=True)
    meta = {"step": str(step), "epoch": str(epoch), "format": CHECKPOINT_FORMAT}
    state = {k: v.detach().float().cpu() for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(out_dir, MODEL_FILE), state, meta)
    if moments is not None:
        tensors = {}
        for name, (m, v) in moments.items():
            tensors[f"m.{name}"] = m.detach().float().cpu()
            tensors[f"v.{name}"] = v.detach().float().cpu()
        write_safetensors(os.path.join(out_dir, OPTIMIZER_FILE), tensors, {**meta, "optimizer_step": str(step if optimizer_step is None else optimizer_step)})
    else:
        stale = os.path.join(out_dir, OPTIMIZER_FILE)
        if os.path.exists(stale):
            os.remove(stale)
    src_seq = os.path.join(template.dir, SEQUENCES_FILE)
    if os.path.exists(src_seq) and os.path.abspath(src_seq) != os.path.abspath(os.path.join(out_dir, SEQUENCES_FILE)):
        shutil.copyfile(src_seq, os.path.join(out_dir, SEQUENCES_FILE))
    config = dict(template.config)
    config.update(
        step=step,
        epoch=epoch,
        # The validation score of the template's best epoch does not describe these weights.
        best=None if step != template.step else config.get("best"),
        # Weights trained elsewhere are an epoch boundary for our trainer, never a mid-epoch position.
        position=None,
        backend=(exported_by or {}).get("backend", config.get("backend")),
        savedAt=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    )
    if exported_by:
        config["exportedBy"] = exported_by
    write_file_atomic(os.path.join(out_dir, CONFIG_FILE), (json.dumps(config, indent=1) + "\n").encode("utf-8"))

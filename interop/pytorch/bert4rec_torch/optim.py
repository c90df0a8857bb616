"""AdamW as src/train/optimizer.ts sets it up: weight decay on weights and embeddings, none on
biases and layer norms; global-norm clipping by min(1, clip / ||g||) (ours; PyTorch's
clip_grad_norm_ adds 1e-6 to the norm); BERT's linear warm-up then linear decay; moments
and step exchanged with our optimizer.safetensors ('m.<param>', 'v.<param>')."""
from __future__ import annotations

from typing import Dict, Mapping, Tuple

import torch

from .model import no_decay


def make_adamw(model: torch.nn.Module, train: Mapping, lr: float) -> torch.optim.AdamW:
    named = list(model.named_parameters())
    groups = [
        {"params": [p for n, p in named if not no_decay(n)], "weight_decay": float(train["weightDecay"])},
        {"params": [p for n, p in named if no_decay(n)], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=lr, betas=(float(train["beta1"]), float(train["beta2"])), eps=float(train["adamEps"]))


def linear_warmup_decay(peak: float, warmup: int, total: int):
    """lr of the 1-based step (runtime/optim/schedule.ts linearWarmupDecay)."""

    def lr(step: int) -> float:
        s = max(step, 0)
        if s <= warmup:
            return peak * s / warmup if warmup > 0 else peak
        if total == warmup:
            return 0.0
        return peak * max(total - s, 0) / (total - warmup)

    return lr


@torch.no_grad()
def clip_global_norm(params, clip: float) -> float:
    """Scales the gradients by min(1, clip / ||g||); returns ||g|| before clipping."""
    grads = [p.grad for p in params if p.grad is not None]
    norm = torch.sqrt(sum((g.float() ** 2).sum() for g in grads)).item()
    if clip > 0 and norm > clip:
        for g in grads:
            g.mul_(clip / norm)
    return norm


def load_moments(opt: torch.optim.AdamW, model: torch.nn.Module, step: int, moments: Mapping[str, Tuple[torch.Tensor, torch.Tensor]]) -> None:
    named = dict(model.named_parameters())
    missing = [n for n in named if n not in moments]
    extra = [n for n in moments if n not in named]
    if missing or extra:
        raise ValueError(f"optimizer state does not match the model: missing {missing[:5]}, unexpected {extra[:5]}")
    for n, p in named.items():
        m, v = moments[n]
        if m.shape != p.shape or v.shape != p.shape:
            raise ValueError(f"optimizer state '{n}': moments {list(m.shape)} / {list(v.shape)}, parameter {list(p.shape)}")
        opt.state[p] = {"step": torch.tensor(float(step)), "exp_avg": m.to(p.device, p.dtype).clone(), "exp_avg_sq": v.to(p.device, p.dtype).clone()}


def export_moments(opt: torch.optim.AdamW, model: torch.nn.Module) -> Dict[str, Tuple[torch.Tensor, torch.Tensor]]:
    out = {}
    for n, p in model.named_parameters():
        s = opt.state.get(p) or {}
        zeros = torch.zeros_like(p)
        out[n] = (s.get("exp_avg", zeros), s.get("exp_avg_sq", zeros))
    return out


def model_of(module: torch.nn.Module) -> torch.nn.Module:
    """The wrapped model of a DistributedDataParallel (its state_dict names carry no 'module.')."""
    return getattr(module, "module", module)

"""Cloze training samples over our users' sequences, as src/data (split.ts, samples.ts,
masking.ts) builds them; the random draws come from torch generators, not our RNG.

- Leave-one-out: a user's last item is the test item and the one before it the validation
  item; training uses the rest (a user with 2 items trains on the first; fewer: left out).
- Windows of at most L items: a sequence of n <= L items is one window; a longer one gets
  windows ending at its last item stepping back by L // 2, plus one starting at item 0.
- An epoch holds one cloze sample per window (each item masked with probability maskProb,
  at least one per window) and ceil(windows * maskLastFraction) samples that mask only the
  last item, rotating through the windows from epoch to epoch.
"""
from __future__ import annotations

import math
from typing import List, Sequence

import torch

IGNORE_INDEX = -1


def training_prefixes(sequences: Sequence[torch.Tensor]) -> List[torch.Tensor]:
    out = []
    for s in sequences:
        n = s.numel()
        out.append(s[:0] if n < 2 else s[:1] if n == 2 else s[: n - 2])
    return out


def window_starts(n: int, max_len: int, stride: int) -> List[int]:
    if n <= max_len:
        return [0] if n > 0 else []
    starts = list(range(n - max_len, 0, -stride))
    return [0] + starts[::-1]


class ClozeSamples(torch.utils.data.Dataset):
    """Item k of epoch e: (ids [L], targets [L]) left-padded; masks drawn from (seed, epoch, k)."""

    def __init__(self, sequences: Sequence[torch.Tensor], max_len: int, mask_prob: float, mask_id: int, mask_last_fraction: float, seed: int):
        self.L, self.p, self.mask_id, self.seed = max_len, mask_prob, mask_id, seed
        stride = max(1, max_len // 2)
        self.windows = [(s, b, min(max_len, s.numel() - b)) for s in sequences for b in window_starts(s.numel(), max_len, stride)]
        if not self.windows:
            raise ValueError("no training windows: every user has fewer than 2 interactions")
        self.mask_last = min(len(self.windows), math.ceil(len(self.windows) * mask_last_fraction))
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.windows) + self.mask_last

    def __getitem__(self, k: int):
        N = len(self.windows)
        mask_last = k >= N
        w = ((self.epoch % N) * self.mask_last + (k - N)) % N if mask_last else k
        seq, start, n = self.windows[w]
        items = seq[start : start + n].long()
        g = torch.Generator().manual_seed((self.seed * 1_000_003 + self.epoch) * 10_000_019 + k)
        if mask_last:
            masked = torch.zeros(n, dtype=torch.bool)
            masked[-1] = True
        else:
            masked = torch.rand(n, generator=g) < self.p
            if not masked.any():
                masked[torch.randint(n, (1,), generator=g)] = True
        ids = torch.zeros(self.L, dtype=torch.long)
        targets = torch.full((self.L,), IGNORE_INDEX, dtype=torch.long)
        ids[self.L - n :] = torch.where(masked, torch.full_like(items, self.mask_id), items)
        targets[self.L - n :] = torch.where(masked, items, torch.full_like(items, IGNORE_INDEX))
        return ids, targets

"""BERT4Rec in PyTorch, parameter for parameter the model of src/model/bert4rec.ts.

state_dict names, shapes and layouts equal our model.safetensors (Linear weights [out, in],
as PyTorch's), so `model.load_state_dict(read_safetensors(...)[0])` loads one of our
checkpoints unchanged. Shapes (B batch, L length, d hidden, V items, R gathered rows):
  ids [B, L] -> item embedding [V+2, d] (0 = PAD, V+1 = MASK) + positional [L, d]
  -> LayerNorm -> Dropout -> N post-LN transformer layers                      [B, L, d]
  -> rows [R] (flat b * L + t) -> head: GELU(h W + b) -> LayerNorm -> h E^T + bias  [R, V+2]
Sequences are left-padded: column j of a width-L batch is position maxLen - L + j, so the
last item sits at position maxLen - 1 whatever the width, as in our model.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Mapping, Optional

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class Bert4RecConfig:
    """The model section of our config.json (src/config.ts Bert4RecConfig); unknown keys are ignored."""

    maxLen: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    dropout: float
    maskProb: float
    gelu: str
    layerNormEps: float
    initStd: float
    linearInit: str

    @staticmethod
    def from_json(model: Mapping) -> "Bert4RecConfig":
        arch = model.get("architecture", "bert4rec")
        if arch != "bert4rec":
            raise ValueError(f"model.architecture is {arch!r}: this PyTorch module is BERT4Rec only (SASRec checkpoints have no PyTorch twin yet)")
        if model.get("itemVectorDim"):
            raise ValueError("model.itemVectorDim is set (--item-projection linear): this PyTorch module has no item projection")
        if model.get("norm", "post") != "post":
            raise ValueError(f"model.norm is {model['norm']!r} (--norm pre): this PyTorch module is post-LN only")
        if model.get("positions", "from-end") != "from-end":
            raise ValueError(f"model.positions is {model['positions']!r} (--positions from-start): this PyTorch module counts positions from the end only")
        names = [f.name for f in fields(Bert4RecConfig)]
        missing = [n for n in names if n not in model]
        if missing:
            raise ValueError(f"model config lacks {', '.join(missing)} (expected the 'model' object of a webgpu-bert4rec config.json)")
        c = Bert4RecConfig(**{n: model[n] for n in names})
        if c.hidden % c.heads:
            raise ValueError(f"model.hidden ({c.hidden}) must be divisible by model.heads ({c.heads})")
        if c.gelu not in ("erf", "tanh"):
            raise ValueError(f"model.gelu must be 'erf' or 'tanh', got {c.gelu!r}")
        return c

    @property
    def gelu_approximate(self) -> str:
        return "none" if self.gelu == "erf" else "tanh"


class Embeddings(nn.Module):
    def __init__(self, vocab: int, c: Bert4RecConfig):
        super().__init__()
        self.item = nn.Parameter(torch.empty(vocab, c.hidden))
        self.position = nn.Parameter(torch.empty(c.maxLen, c.hidden))
        self.norm = nn.LayerNorm(c.hidden, eps=c.layerNormEps)


class SelfAttention(nn.Module):
    def __init__(self, c: Bert4RecConfig):
        super().__init__()
        self.heads = c.heads
        self.query = nn.Linear(c.hidden, c.hidden)
        self.key = nn.Linear(c.hidden, c.hidden)
        self.value = nn.Linear(c.hidden, c.hidden)
        self.output = nn.Linear(c.hidden, c.hidden)

    def forward(self, x: torch.Tensor, key_mask: torch.Tensor, dropout: float) -> torch.Tensor:
        """x [B, L, d], key_mask bool [B, L] -> [B, L, d] (before the output dropout)."""
        B, L, d = x.shape
        h, dh = self.heads, d // self.heads
        split = lambda t: t.view(B, L, h, dh).transpose(1, 2)  # [B, h, L, dh]
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        # A row with no valid key (an all-padding sequence) attends to nothing: output 0, as
        # our kernel. Let it see every key (no NaN) and zero its output afterwards.
        has_key = key_mask.any(dim=1)  # [B]
        mask = (key_mask | ~has_key[:, None])[:, None, None, :]  # [B, 1, 1, L]
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout)
        a = a * has_key[:, None, None, None].to(a.dtype)
        return self.output(a.transpose(1, 2).reshape(B, L, d))


class FeedForward(nn.Module):
    def __init__(self, c: Bert4RecConfig):
        super().__init__()
        self.approximate = c.gelu_approximate
        self.intermediate = nn.Linear(c.hidden, c.ffn)
        self.output = nn.Linear(c.ffn, c.hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(F.gelu(self.intermediate(x), approximate=self.approximate))


class TransformerLayer(nn.Module):
    """Post-LN: x = LN(x + Drop(Attn(x))); x = LN(x + Drop(FFN(x)))."""

    def __init__(self, c: Bert4RecConfig):
        super().__init__()
        self.attention = SelfAttention(c)
        self.attention_norm = nn.LayerNorm(c.hidden, eps=c.layerNormEps)
        self.ffn = FeedForward(c)
        self.ffn_norm = nn.LayerNorm(c.hidden, eps=c.layerNormEps)
        self.p = c.dropout

    def forward(self, x: torch.Tensor, key_mask: torch.Tensor) -> torch.Tensor:
        p = self.p if self.training else 0.0
        a = self.attention(x, key_mask, p)
        x1 = self.attention_norm(x + F.dropout(a, p, self.training))
        return self.ffn_norm(x1 + F.dropout(self.ffn(x1), p, self.training))


class Head(nn.Module):
    def __init__(self, vocab: int, c: Bert4RecConfig):
        super().__init__()
        self.dense_weight = nn.Parameter(torch.empty(c.hidden, c.hidden))
        self.dense_bias = nn.Parameter(torch.zeros(c.hidden))
        self.norm = nn.LayerNorm(c.hidden, eps=c.layerNormEps)
        self.output_bias = nn.Parameter(torch.zeros(vocab))


class Bert4Rec(nn.Module):
    """Real items are 1..num_items; the vocabulary is num_items + 2 (PAD 0, MASK num_items + 1)."""

    def __init__(self, num_items: int, config: Bert4RecConfig):
        super().__init__()
        self.config = config
        self.num_items = num_items
        self.vocab = num_items + 2
        self.embeddings = Embeddings(self.vocab, config)
        self.layers = nn.ModuleList(TransformerLayer(config) for _ in range(config.layers))
        self.head = Head(self.vocab, config)
        self.reset_parameters()

    @property
    def mask_id(self) -> int:
        return self.num_items + 1

    @torch.no_grad()
    def reset_parameters(self, generator: Optional[torch.Generator] = None) -> None:
        """A fresh model (a run that does not start from one of our checkpoints): the same
        distributions as ours (truncated normals, 'fan-in' or 'fixed' dense init), not the same draws."""
        c = self.config
        for p in (self.embeddings.item, self.embeddings.position):
            nn.init.trunc_normal_(p, std=c.initStd, a=-2 * c.initStd, b=2 * c.initStd, generator=generator)
        dense = [self.head.dense_weight]
        for layer in self.layers:
            at, ff = layer.attention, layer.ffn
            dense += [at.query.weight, at.key.weight, at.value.weight, at.output.weight, ff.intermediate.weight, ff.output.weight]
            for lin in (at.query, at.key, at.value, at.output, ff.intermediate, ff.output):
                lin.bias.zero_()
        for w in dense:
            std = w.shape[1] ** -0.5 if c.linearInit == "fan-in" else c.initStd
            nn.init.trunc_normal_(w, std=std, a=-2 * std, b=2 * std, generator=generator)

    def encode(self, ids: torch.Tensor, key_mask: torch.Tensor) -> torch.Tensor:
        """ids [B, L] (long), key_mask [B, L] (bool, True = real item) -> [B, L, d]."""
        B, L = ids.shape
        c = self.config
        if not 1 <= L <= c.maxLen:
            raise ValueError(f"Bert4Rec: sequence length {L} must be in [1, maxLen {c.maxLen}]")
        x = self.embeddings.item[ids] + self.embeddings.position[c.maxLen - L :]
        x = F.dropout(self.embeddings.norm(x), c.dropout, self.training)
        key_mask = key_mask.bool()
        for layer in self.layers:
            x = layer(x, key_mask)
        return x

    def forward(self, ids: torch.Tensor, key_mask: torch.Tensor, rows: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Logits [R, V+2] at the flat rows b * L + t (all B * L rows when rows is None)."""
        x = self.encode(ids, key_mask)
        h = x.reshape(-1, x.shape[-1])
        if rows is not None:
            h = h[rows.long()]
        hd = self.head
        t = F.gelu(F.linear(h, hd.dense_weight, hd.dense_bias), approximate=self.config.gelu_approximate)
        # Tied output: logits = n E^T + b with E the item embedding [V+2, d].
        return F.linear(hd.norm(t), self.embeddings.item, hd.output_bias)


def no_decay(name: str) -> bool:
    """Biases and layer norms take no weight decay (src/model/bert4rec.ts isNoDecay)."""
    import re

    return bool(re.search(r"(^|[._])bias$", name) or re.search(r"(^|\.)(norm|attention_norm|ffn_norm)\.", name))

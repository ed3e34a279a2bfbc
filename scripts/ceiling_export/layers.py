"""Modules with a direct meaning in the format. A network may carry `Normalize` as a layer;
tracing keeps it whole and the op mapping writes it as one `normalize` operation."""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn


class Normalize(nn.Module):
    """Per-channel `(x - mean[c]) / std[c]` inside a network, exported as the `normalize` op.

    Input preprocessing normally belongs in the classifier glue (`glue=`); this module exists
    for networks that carry their normalisation as a layer, so that they export unchanged.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float]):
        super().__init__()
        if len(mean) != len(std) or not mean:
            raise ValueError("Normalize: mean and std need the same, non-zero length")
        if any(not s > 0 for s in std):
            raise ValueError("Normalize: every std must be positive")
        self.mean = [float(m) for m in mean]
        self.std = [float(s) for s in std]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (1, len(self.mean)) + (1,) * (x.dim() - 2)
        mean = torch.tensor(self.mean, dtype=x.dtype, device=x.device).view(shape)
        std = torch.tensor(self.std, dtype=x.dtype, device=x.device).view(shape)
        return (x - mean) / std

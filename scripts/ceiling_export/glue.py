"""Classifier glue: the range map, normalisation and resize that lead from the image space X to
the classifier's input. Built and checked here for the file's metadata, and applied in PyTorch
for verification and by the reference interpreter."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from .format import ExportError


def make_glue(range_from: Optional[Sequence[float]] = None,
              range_to: Optional[Sequence[float]] = None,
              mean: Optional[Sequence[float]] = None, std: Optional[Sequence[float]] = None,
              resize: Optional[Sequence[int]] = None) -> Optional[Dict[str, Any]]:
    """Build the classifier glue object from its parts (each optional)."""
    glue: Dict[str, Any] = {}
    if (range_from is None) != (range_to is None):
        raise ExportError("glue range needs both `from` and `to`")
    if range_from is not None:
        glue["range"] = {"from": [float(v) for v in range_from],
                         "to": [float(v) for v in range_to]}
    if (mean is None) != (std is None):
        raise ExportError("glue normalisation needs both mean and std")
    if mean is not None:
        glue["normalize"] = {"mean": [float(v) for v in mean], "std": [float(v) for v in std]}
    if resize is not None:
        glue["resize"] = [int(v) for v in resize]
    return glue or None


def check_glue(glue: Mapping[str, Any], input_shape: Sequence[int]) -> List[int]:
    """Validate glue against the image shape; return the graph's input shape (after glue)."""
    unknown = set(glue) - {"range", "normalize", "resize"}
    if unknown:
        raise ExportError(f"unknown glue fields {sorted(unknown)}")
    shape = list(input_shape)
    if "range" in glue:
        r = glue["range"]
        if len(r.get("from", [])) != 2 or len(r.get("to", [])) != 2:
            raise ExportError("glue range needs `from` and `to` pairs")
        if r["from"][0] == r["from"][1]:
            raise ExportError("glue range `from` is empty")
    if "normalize" in glue:
        n = glue["normalize"]
        if len(shape) < 2:
            raise ExportError("glue normalisation needs an input shape [C, ...]")
        if len(n["mean"]) != shape[0] or len(n["std"]) != shape[0]:
            raise ExportError(f"glue mean/std have {len(n['mean'])}/{len(n['std'])} values; "
                              f"the image has {shape[0]} channels")
        if any(not s > 0 for s in n["std"]):
            raise ExportError("glue std values must be positive")
    if "resize" in glue:
        if len(shape) != 3:
            raise ExportError("glue resize needs an image input shape [C, H, W]")
        size = glue["resize"]
        if len(size) != 2 or min(size) < 1:
            raise ExportError(f"glue resize {size} is not a positive [H, W] pair")
        shape = [shape[0], int(size[0]), int(size[1])]
    return shape


def range_scale_shift(glue_range: Mapping[str, Sequence[float]]) -> Tuple[float, float]:
    """The linear map sending `from` onto `to`: x -> scale * x + shift."""
    (a, b), (c, d) = glue_range["from"], glue_range["to"]
    scale = (d - c) / (b - a)
    return scale, c - a * scale


def apply_glue(x: torch.Tensor, glue: Optional[Mapping[str, Any]]) -> torch.Tensor:
    """The glue in PyTorch, in the format's order: range map, normalisation, bilinear resize."""
    if not glue:
        return x
    if "range" in glue:
        scale, shift = range_scale_shift(glue["range"])
        x = x * scale + shift
    if "normalize" in glue:
        shape = (1, -1) + (1,) * (x.dim() - 2)
        mean = torch.tensor(glue["normalize"]["mean"], dtype=x.dtype).view(shape)
        std = torch.tensor(glue["normalize"]["std"], dtype=x.dtype).view(shape)
        x = (x - mean) / std
    if "resize" in glue:
        x = F.interpolate(x, size=tuple(glue["resize"]), mode="bilinear", align_corners=False)
    return x

"""Verification: proves that a written file computes what the module computes, by reading it
back and comparing the reference interpreter with the module."""
from __future__ import annotations

import copy
from typing import Mapping

import torch
import torch.nn as nn

from .format import DTYPES, ExportError
from .glue import apply_glue
from .reference import max_rel_error, read_model, reference_forward


def round_weights(module: nn.Module, dtype: str) -> nn.Module:
    """Round every floating parameter and buffer to `dtype` and back to float32, in place:
    the module then computes exactly what the exported file computes."""
    target = DTYPES[dtype]
    with torch.no_grad():
        for t in list(module.parameters()) + list(module.buffers()):
            if t.is_floating_point():
                t.copy_(t.to(target).to(t.dtype))
    return module


def verify_export(module: nn.Module, path, stored: Mapping[str, torch.Tensor],
                  metadata: Mapping[str, str], glue, module_input_shape, dtype: str,
                  tolerance: float = 1e-4) -> float:
    """Check the file with the standard safetensors reader, then compare the reference
    interpreter (reading only the file) with the module itself on a random batch."""
    model = read_model(path)
    if model.metadata != dict(metadata):
        raise ExportError("metadata read back differs from what was written")
    if set(model.tensors) != set(stored):
        raise ExportError("tensor names read back differ from what was written")
    for name, t in stored.items():
        back = model.tensors[name]
        expect = t.float() if t.is_floating_point() else t
        if back.shape != expect.shape or not torch.equal(back, expect):
            raise ExportError(f"tensor `{name}` read back differs from what was written")
    reference = module
    if dtype in ("F16", "BF16"):
        reference = round_weights(copy.deepcopy(module), dtype)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(3, *model.input_shape, generator=gen)
    if model.role == "classifier" and glue and "range" in glue:
        lo, hi = sorted(glue["range"]["from"])
        x = lo + (hi - lo) * torch.rand(3, *model.input_shape, generator=gen)
    with torch.no_grad():
        got = reference_forward(model, x)
        inner = apply_glue(x, glue) if model.role == "classifier" else x
        want = reference(inner.reshape(3, *module_input_shape))
    if got.shape != want.shape:
        raise ExportError(f"exported graph outputs {list(got.shape)}, module {list(want.shape)}")
    err = max_rel_error(got, want)
    if not err <= tolerance:
        raise ExportError(f"exported graph disagrees with the module: max relative error "
                          f"{err:.3g} > {tolerance:g}")
    return err

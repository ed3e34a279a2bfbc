"""Getting a real checkpoint into the part of a module that is exported: a state dict nested
under any key, renamed keys, a sub-module or a method instead of forward(), and a flat output
given an image shape. Each failure says which option fixes it."""
from __future__ import annotations

import sys
from collections import OrderedDict
from typing import Any, List, Mapping, Optional, Sequence, Set

import torch
import torch.nn as nn

from .format import ExportError
from .tracing import trace


def select_checkpoint(obj: Any, key: str) -> Any:
    """`obj[k1][k2]...` for `--checkpoint-key k1.k2`."""
    for part in key.split("."):
        if not isinstance(obj, Mapping) or part not in obj:
            keys = sorted(map(str, obj.keys()))[:10] if isinstance(obj, Mapping) else []
            raise ExportError(f"--checkpoint-key {key}: no key {part!r} here (keys: {keys})")
        obj = obj[part]
    return obj


def rename_keys(state: Mapping[str, torch.Tensor], strip: Sequence[str],
                add: Optional[str]) -> "OrderedDict[str, torch.Tensor]":
    """Remove each `--strip-prefix` from the keys that carry it, then prepend `--add-prefix`."""
    renamed = OrderedDict()
    for name, value in state.items():
        for prefix in strip:
            if name.startswith(prefix):
                name = name[len(prefix):]
        renamed[(add or "") + name] = value
    return renamed


def submodule(module: nn.Module, name: str) -> nn.Module:
    try:
        part = module.get_submodule(name)
    except AttributeError as exc:
        children = [n for n, _ in module.named_children()]
        raise ExportError(f"--submodule {name}: {type(module).__name__} has no such sub-module "
                          f"(its children: {children})") from exc
    return part


class MethodAsForward(nn.Module):
    """A module whose forward() is another method of `inner` (a VAE's `decode`)."""

    def __init__(self, inner: nn.Module, method: str):
        super().__init__()
        if not callable(getattr(inner, method, None)):
            raise ExportError(f"--forward {method}: {type(inner).__name__} has no method {method!r}")
        self.inner, self.method = inner, method

    def forward(self, x):
        return getattr(self.inner, self.method)(x)


class FlatAsImage(nn.Module):
    """A generator whose module returns [N, C*H*W], viewed as [N, C, H, W] (`--output-shape`)."""

    def __init__(self, inner: nn.Module, shape: Sequence[int]):
        super().__init__()
        self.inner, self.shape = inner, [int(s) for s in shape]

    def forward(self, x):
        y = self.inner(x)
        return y.reshape(y.shape[0], *self.shape)


def used_keys(part: nn.Module) -> Set[str]:
    """State-dict keys of `part` that its traced forward() reads."""
    gm = trace(part)
    own = part.state_dict()
    used: Set[str] = set()
    for node in gm.graph.nodes:
        if node.op == "call_module":
            used |= {k for k in own if k.startswith(node.target + ".")}
        elif node.op == "get_attr":
            used |= {k for k in own if k == node.target or k.startswith(node.target + ".")}
    return {k for k in used if not k.endswith("num_batches_tracked")}


def load_used(module: nn.Module, state: Mapping[str, torch.Tensor], used: Set[str]) -> None:
    """Non-strict loading: every key the exported part reads must be in `state` with its shape;
    the keys nobody reads and the module keys the file lacks are listed, not fatal."""
    own = module.state_dict()
    missing = sorted(used - set(state))
    resized = [f"{k} {list(state[k].shape)} (module: {list(own[k].shape)})"
               for k in sorted(used & set(state)) if state[k].shape != own[k].shape]

    def few(names: List[str]) -> str:
        return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")

    if missing:
        sample = few(sorted(state)[:5]) or "none"
        raise ExportError(f"the exported part needs {few(missing)}, which the checkpoint lacks "
                          f"(its keys start: {sample}); --checkpoint-key, --strip-prefix or "
                          "--add-prefix can fix the names")
    if resized:
        raise ExportError(f"different shapes: {few(resized)} (check --kwargs)")
    unused = sorted(set(state) - used)
    unfilled = sorted(k for k in set(own) - set(state) - used if not k.endswith("num_batches_tracked"))
    if unused:
        print(f"note: {len(unused)} checkpoint tensors not used by the export: {few(unused)}",
              file=sys.stderr)
    if unfilled:
        print(f"note: {len(unfilled)} module tensors not in the checkpoint and not used: "
              f"{few(unfilled)}", file=sys.stderr)
    module.load_state_dict({k: v for k, v in state.items() if k in own}, strict=False)

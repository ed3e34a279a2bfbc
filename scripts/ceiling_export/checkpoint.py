"""State dicts. Checkpoints arrive nested in dicts and with the key prefixes of nn.DataParallel
or torch.compile; this finds the weights, strips the prefixes and loads them into the module,
with a short account of any mismatch."""
from __future__ import annotations

import os
from collections import OrderedDict
from typing import Any, List, Mapping, Optional, Sequence, Set, Union

import torch
import torch.nn as nn

from .format import ExportError
from .selection import load_used, rename_keys, select_checkpoint

_WRAPPER_PREFIXES = ("module.", "_orig_mod.")


def _unwrap_checkpoint(obj: Any) -> Mapping[str, torch.Tensor]:
    """Find the state dict in a checkpoint: training scripts often nest it under a key."""
    if isinstance(obj, nn.Module):
        return obj.state_dict()
    if not isinstance(obj, Mapping):
        raise ExportError(f"checkpoint holds a {type(obj).__name__}, not a state dict")
    if obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj
    for key in ("state_dict", "model_state_dict", "model", "net"):
        inner = obj.get(key)
        if isinstance(inner, Mapping) and inner and all(
                isinstance(v, torch.Tensor) for v in inner.values()):
            return inner
    raise ExportError("checkpoint is a dict but no state dict of tensors was found in it "
                      f"(top-level keys: {sorted(map(str, obj.keys()))[:10]}); pass "
                      "--checkpoint-key KEY to name the one that holds the weights")


def strip_wrapper_prefixes(state: Mapping[str, torch.Tensor],
                           expected: Sequence[str]) -> "OrderedDict[str, torch.Tensor]":
    """Remove `module.` (nn.DataParallel / DistributedDataParallel) and `_orig_mod.`
    (torch.compile) prefixes when every key carries them and the module's own keys do not."""
    keys = list(state.keys())
    expected_set = set(expected)
    changed = True
    while changed and keys:
        changed = False
        for prefix in _WRAPPER_PREFIXES:
            if all(k.startswith(prefix) for k in keys) and not set(keys) <= expected_set:
                state = OrderedDict((k[len(prefix):], v) for k, v in state.items())
                keys = list(state.keys())
                changed = True
    return OrderedDict(state)


def load_state_dict_flexible(module: nn.Module,
                             source: Union[str, os.PathLike, Mapping[str, torch.Tensor]],
                             strict: bool = True, checkpoint_key: Optional[str] = None,
                             strip_prefixes: Sequence[str] = (), add_prefix: Optional[str] = None,
                             used: Optional[Set[str]] = None) -> nn.Module:
    """Load weights saved from the bare module, from `nn.DataParallel` (keys `module.*`), from
    `torch.compile` (keys `_orig_mod.*`) or nested in a checkpoint dict; return the module.
    `checkpoint_key` names the nested dict (dotted for deeper ones), `strip_prefixes` and
    `add_prefix` rename the keys; with `used` (the keys the exported part reads), loading is
    non-strict: only those must be present (`selection.load_used`).

    Files are read with `weights_only=True`, so a checkpoint cannot run code on load.
    """
    if isinstance(source, Mapping):
        obj = source
    else:
        try:
            obj = torch.load(os.fspath(source), map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - report any loader failure the same way
            raise ExportError(f"cannot read state dict {source}: {exc}") from exc
    if checkpoint_key:
        obj = select_checkpoint(obj, checkpoint_key)
    state = rename_keys(_unwrap_checkpoint(obj), strip_prefixes, add_prefix)
    own = module.state_dict()
    state = strip_wrapper_prefixes(state, list(own.keys()))
    if used is not None:
        load_used(module, state, used)
        return module
    _check_state_keys(module, own, state, strict)
    try:
        module.load_state_dict(state, strict=strict)
    except RuntimeError as exc:
        raise ExportError(f"state dict does not match {type(module).__name__}: {exc}") from exc
    return module


def _check_state_keys(module: nn.Module, own: Mapping[str, torch.Tensor],
                      state: Mapping[str, torch.Tensor], strict: bool) -> None:
    """A short, readable account of a mismatch (PyTorch's lists every key)."""
    def few(names: List[str]) -> str:
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        return ", ".join(names[:5]) + more

    # Checkpoints from before PyTorch 0.4.1 lack num_batches_tracked; BatchNorm accepts that.
    missing = [k for k in own if k not in state and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in state if k not in own]
    resized = [f"{k} {list(state[k].shape)} (module: {list(own[k].shape)})"
               for k in own if k in state and state[k].shape != own[k].shape]
    problems = []
    if resized:
        problems.append(f"different shapes: {few(resized)}")
    if strict and missing:
        problems.append(f"missing from the file: {few(missing)}")
    if strict and unexpected:
        problems.append(f"not in the module: {few(unexpected)}")
    if problems:
        raise ExportError(f"state dict does not match {type(module).__name__} (check the "
                          f"constructor arguments; --strip-prefix/--add-prefix rename keys, "
                          f"--submodule or --forward with --non-strict load only what the "
                          f"export uses): " + "; ".join(problems))

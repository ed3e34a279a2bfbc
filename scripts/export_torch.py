#!/usr/bin/env python3
"""Export a PyTorch module to the ceiling model file (`.bin`, see docs/model-format.md).

The module is traced with torch.fx; every traced operation is mapped to one operation of the
format, or the export stops with an error naming the node and the layer, function or setting
that the format cannot express. Nothing is approximated: a model that exports runs the same
computation in the Swift engine, and the exporter proves it by re-running the written file with
a small PyTorch interpreter of the format (`reference_forward`) and comparing with the module.

Python use::

    from export_torch import export_module, load_state_dict_flexible
    net = DCGANGenerator(nz=100)
    load_state_dict_flexible(net, "netG.pth")          # `module.` prefixes are stripped
    export_module(net, "g.bin", role="generator", input_shape=[100])

Command line (see --help)::

    python scripts/export_torch.py --module scripts/models.py:DCGANGenerator \\
        --kwargs '{"nz":100}' --state-dict g.pt --role generator --input-shape 100 --out g.bin
"""
from __future__ import annotations

import argparse
import copy
import importlib
import importlib.util
import inspect
import json
import math
import operator
import os
import struct
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, NoReturn, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F

FORMAT_VERSION = "1"
GRAPH_INPUT = "input"
ROLES = ("generator", "classifier")

# Storage dtypes the format accepts for weights, and their safetensors names.
DTYPES: Dict[str, torch.dtype] = {
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "F64": torch.float64,
}
_SAFETENSORS_DTYPE = {
    torch.float32: ("F32", "<f4"),
    torch.float16: ("F16", "<f2"),
    torch.float64: ("F64", "<f8"),
    torch.bfloat16: ("BF16", "<u2"),
    torch.int64: ("I64", "<i8"),
    torch.int32: ("I32", "<i4"),
}

# Every operation of the format (docs/model-format.md, "Operations").
FORMAT_OPS = (
    "linear", "conv2d", "conv_transpose2d", "batch_norm", "relu", "leaky_relu", "elu", "tanh",
    "sigmoid", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "flatten", "reshape", "add",
    "normalize", "affine", "resize_bilinear", "softmax", "log_softmax",
)
_FINAL_ONLY_OPS = ("softmax", "log_softmax")


class ExportError(Exception):
    """The module cannot be written faithfully; the message names the node and the reason."""


# --------------------------------------------------------------------------------------------
# Modules with a direct meaning in the format
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# State dicts
# --------------------------------------------------------------------------------------------

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
                      f"(top-level keys: {sorted(map(str, obj.keys()))[:10]})")


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
                             strict: bool = True) -> nn.Module:
    """Load weights saved from the bare module, from `nn.DataParallel` (keys `module.*`), from
    `torch.compile` (keys `_orig_mod.*`) or nested in a checkpoint dict; return the module.

    Files are read with `weights_only=True`, so a checkpoint cannot run code on load.
    """
    if isinstance(source, Mapping):
        state = _unwrap_checkpoint(source)
    else:
        try:
            obj = torch.load(os.fspath(source), map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - report any loader failure the same way
            raise ExportError(f"cannot read state dict {source}: {exc}") from exc
        state = _unwrap_checkpoint(obj)
    own = module.state_dict()
    state = strip_wrapper_prefixes(state, list(own.keys()))
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
                          f"constructor arguments): " + "; ".join(problems))


# --------------------------------------------------------------------------------------------
# Tracing
# --------------------------------------------------------------------------------------------


class _Tracer(torch.fx.Tracer):
    """torch.nn layers stay whole (the default); `Normalize` too, since it maps to one op."""

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        if isinstance(m, Normalize):
            return True
        return super().is_leaf_module(m, module_qualified_name)


def trace(module: nn.Module) -> torch.fx.GraphModule:
    """Symbolically trace `module` (which must already be in eval mode)."""
    tracer = _Tracer()
    try:
        graph = tracer.trace(module)
    except Exception as exc:  # noqa: BLE001 - fx raises many types
        raise ExportError(
            f"torch.fx could not trace {type(module).__name__}: {type(exc).__name__}: {exc}. "
            "The exporter needs a forward() without control flow that depends on tensor "
            "values or shapes; move such logic out of forward() or export a sub-module."
        ) from exc
    return torch.fx.GraphModule(tracer.root, graph, type(module).__name__)


@dataclass
class _TensorValue:
    """Shape record of a traced tensor (the tensors themselves are not kept)."""
    shape: Tuple[int, ...]


class _Recorder(torch.fx.Interpreter):
    """Runs the traced graph once on an example batch and records each node's result: the
    shapes fix attributes that PyTorch computes at run time (reshape sizes, resize sizes)."""

    def __init__(self, gm: torch.fx.GraphModule):
        super().__init__(gm)
        self.values: Dict[torch.fx.Node, Any] = {}

    def run_node(self, n: torch.fx.Node) -> Any:
        result = super().run_node(n)
        if isinstance(result, torch.Tensor):
            self.values[n] = _TensorValue(tuple(result.shape))
        else:
            self.values[n] = result
        return result


def _record(gm: torch.fx.GraphModule, shape: Sequence[int]) -> Dict[torch.fx.Node, Any]:
    gen = torch.Generator().manual_seed(0)
    example = torch.randn(*shape, generator=gen)
    rec = _Recorder(gm)
    with torch.no_grad():
        rec.run(example)
    return rec.values


# --------------------------------------------------------------------------------------------
# Graph building
# --------------------------------------------------------------------------------------------

_BATCH = object()      # marker: a traced int equal to the batch size (x.size(0), x.shape[0])
_SHAPE = object()      # marker: a traced torch.Size of a tensor (x.size(), x.shape)
_OTHER_INT = object()  # marker: any other traced int


def _pair(v: Any, what: str = "value") -> List[int]:
    if isinstance(v, (list, tuple)):
        if len(v) == 1:
            return [int(v[0]), int(v[0])]
        if len(v) != 2:
            raise ValueError(f"{what} {v!r} is not a pair")
        return [int(v[0]), int(v[1])]
    return [int(v), int(v)]


def _describe(node: torch.fx.Node, modules: Mapping[str, nn.Module]) -> str:
    if node.op == "call_module":
        mod = modules.get(node.target)
        return f"layer `{node.target}` ({type(mod).__module__}.{type(mod).__name__})"
    if node.op == "call_function":
        fn = node.target
        name = getattr(fn, "__name__", repr(fn))
        mod = getattr(fn, "__module__", None) or ""
        if isinstance(fn, type(operator.add)) and mod in ("", "_operator", "operator"):
            return f"Python operator `{name}`"
        return f"function `{mod + '.' if mod else ''}{name}`"
    if node.op == "call_method":
        return f"tensor method `.{node.target}()`"
    if node.op == "get_attr":
        return f"attribute `{node.target}`"
    if node.op == "output":
        return "the value forward() returns"
    return node.op


class _Builder:
    """Walks the traced graph in order and emits format nodes and the tensors they use."""

    def __init__(self, gm: torch.fx.GraphModule, values: Mapping[torch.fx.Node, Any]):
        self.gm = gm
        self.modules = dict(gm.named_modules())
        self.values = values
        self.nodes: List[Dict[str, Any]] = []
        self.tensors: "OrderedDict[str, torch.Tensor]" = OrderedDict()
        self.names: Dict[torch.fx.Node, str] = {}
        self.symbols: Dict[torch.fx.Node, object] = {}
        self.used = {GRAPH_INPUT}
        self.current: Optional[torch.fx.Node] = None

    # -- errors and names ---------------------------------------------------------------------

    def fail(self, message: str, node: Optional[torch.fx.Node] = None) -> NoReturn:
        node = node or self.current
        where = f"node `{node.name}`, {_describe(node, self.modules)}" if node else "graph"
        raise ExportError(f"cannot export {where}: {message}")

    def unique(self, base: str) -> str:
        name, k = base, 1
        while name in self.used:
            name, k = f"{base}_{k}", k + 1
        self.used.add(name)
        return name

    # -- values -------------------------------------------------------------------------------

    def is_tensor(self, arg: Any) -> bool:
        return isinstance(arg, torch.fx.Node) and isinstance(self.values.get(arg), _TensorValue)

    def shape(self, arg: torch.fx.Node) -> Tuple[int, ...]:
        value = self.values.get(arg)
        if not isinstance(value, _TensorValue):
            self.fail(f"`{arg}` is not a tensor")
        return value.shape

    def tensor(self, arg: Any) -> str:
        """Graph name of a tensor argument."""
        if not self.is_tensor(arg):
            self.fail(f"expected a tensor argument, got {arg!r}")
        if arg not in self.names:
            self.fail(f"its input `{arg.name}` was not exported")
        return self.names[arg]

    def scalar(self, arg: Any) -> Optional[float]:
        """A Python number argument, or None when it is not one."""
        if isinstance(arg, bool):
            return None
        if isinstance(arg, (int, float)):
            return float(arg)
        return None

    def expect_rank(self, arg: torch.fx.Node, ranks: Sequence[int], what: str) -> None:
        rank = len(self.shape(arg))
        if rank not in ranks:
            want = " or ".join(f"{r}-D" for r in ranks)
            self.fail(f"{what} gets a {rank}-D input {list(self.shape(arg))}; the format's op "
                      f"takes {want} (batch axis included)")

    # -- emission ------------------------------------------------------------------------------

    def emit(self, node: torch.fx.Node, op: str, inputs: Sequence[str],
             attrs: Optional[Dict[str, Any]] = None, params: Optional[Dict[str, str]] = None,
             name: Optional[str] = None) -> str:
        name = name or self.unique(node.name if node.name != GRAPH_INPUT else "input_op")
        entry: Dict[str, Any] = {"name": name, "op": op, "inputs": list(inputs)}
        if attrs:
            entry["attrs"] = attrs
        if params:
            entry["params"] = params
        self.nodes.append(entry)
        self.names[node] = name
        return name

    def alias(self, node: torch.fx.Node, arg: Any) -> None:
        self.names[node] = self.tensor(arg)

    def param(self, module_name: str, attr: str) -> str:
        """Register a module parameter or buffer as a container tensor; return its name."""
        mod = self.modules[module_name]
        value = getattr(mod, attr, None)
        if not isinstance(value, torch.Tensor):
            self.fail(f"`{module_name}.{attr}` is missing")
        key = f"{module_name}.{attr}" if module_name else attr
        if key not in self.tensors:
            t = value.detach().to("cpu")
            if not t.is_floating_point():
                self.fail(f"tensor `{key}` has dtype {t.dtype}; weights must be floating point")
            if not torch.isfinite(t).all():
                self.fail(f"tensor `{key}` holds NaN or infinite values")
            self.tensors[key] = t
        return key


# ----- argument binding ---------------------------------------------------------------------


def _bind(signature_of: Callable, node: torch.fx.Node) -> Dict[str, Any]:
    """Bind a call's args/kwargs to a stand-in Python signature (with defaults applied)."""
    bound = inspect.signature(signature_of).bind(*node.args, **node.kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def _sig_unary(input, inplace=False): ...  # noqa: E704 - stand-in signatures
def _sig_leaky_relu(input, negative_slope=0.01, inplace=False): ...  # noqa: E704
def _sig_elu(input, alpha=1.0, inplace=False): ...  # noqa: E704
def _sig_flatten(input, start_dim=0, end_dim=-1): ...  # noqa: E704
def _sig_method_flatten(input, start_dim=0, end_dim=-1): ...  # noqa: E704
def _sig_binary(input, other, alpha=1): ...  # noqa: E704
def _sig_max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                    return_indices=False): ...  # noqa: E704
def _sig_avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
                    count_include_pad=True, divisor_override=None): ...  # noqa: E704
def _sig_adaptive(input, output_size): ...  # noqa: E704
def _sig_interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                     recompute_scale_factor=None, antialias=False): ...  # noqa: E704
def _sig_softmax(input, dim=None, _stacklevel=3, dtype=None): ...  # noqa: E704
def _sig_dropout(input, p=0.5, training=True, inplace=False): ...  # noqa: E704
def _sig_size(input, dim=None): ...  # noqa: E704
def _sig_mean(input, dim=None, keepdim=False, dtype=None): ...  # noqa: E704


# ----- shared op emitters -------------------------------------------------------------------


def _emit_pool(b: _Builder, node, x, kind: str, kernel, stride, padding, dilation=1,
               ceil_mode=False, count_include_pad=True, divisor_override=None,
               return_indices=False) -> None:
    b.expect_rank(x, [4], kind)
    if ceil_mode:
        b.fail("ceil_mode=True is not supported (the format pools in floor mode)")
    if _pair(dilation) != [1, 1]:
        b.fail(f"dilation={dilation} on a pool is not supported")
    if divisor_override is not None:
        b.fail(f"divisor_override={divisor_override} is not supported")
    if return_indices:
        b.fail("return_indices=True is not supported")
    kernel = _pair(kernel)
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else _pair(stride)
    attrs: Dict[str, Any] = {"kernel": kernel, "stride": stride, "padding": _pair(padding)}
    if kind == "avg_pool2d":
        attrs["count_include_pad"] = bool(count_include_pad)
    b.emit(node, kind, [b.tensor(x)], attrs)


def _emit_adaptive(b: _Builder, node, x, output_size) -> None:
    b.expect_rank(x, [4], "adaptive_avg_pool2d")
    h, w = b.shape(x)[2:]
    size = list(output_size) if isinstance(output_size, (list, tuple)) else [output_size] * 2
    if len(size) == 1:
        size = size * 2
    oh = h if size[0] is None else int(size[0])
    ow = w if size[1] is None else int(size[1])
    if (oh, ow) == (1, 1):
        b.emit(node, "adaptive_avg_pool2d", [b.tensor(x)], {"output_size": [1, 1]})
    elif h % oh == 0 and w % ow == 0:
        # Exactly an average pool when the output size divides the input size.
        k = [h // oh, w // ow]
        b.emit(node, "avg_pool2d", [b.tensor(x)],
               {"kernel": k, "stride": k, "padding": [0, 0], "count_include_pad": True})
    else:
        b.fail(f"adaptive average pooling from {h}x{w} to {oh}x{ow}: only output size 1x1, "
               "or one that divides the input size, is supported")


def _emit_flatten(b: _Builder, node, x, start_dim: int, end_dim: int) -> None:
    rank = len(b.shape(x))
    start = start_dim + rank if start_dim < 0 else start_dim
    end = end_dim + rank if end_dim < 0 else end_dim
    if start == 0:
        b.fail("flattening the batch axis (start_dim=0) is not supported; use start_dim=1")
    if start == 1 and end == rank - 1:
        b.emit(node, "flatten", [b.tensor(x)])
    else:
        b.emit(node, "reshape", [b.tensor(x)], {"shape": list(b.shape(node)[1:])})


def _emit_reshape(b: _Builder, node, x, sizes: Sequence[Any]) -> None:
    if len(sizes) == 1 and isinstance(sizes[0], (list, tuple)):
        sizes = sizes[0]
    if not sizes:
        b.fail("reshape without sizes")
    first = sizes[0]
    is_batch = (first == -1 and not isinstance(first, torch.fx.Node)) or (
        isinstance(first, torch.fx.Node) and b.symbols.get(first) is _BATCH)
    if not is_batch:
        b.fail(f"the first size of a view/reshape must keep the batch axis: use -1 or "
               f"x.size(0) (got {first!r})")
    out = b.shape(node)
    if out[0] != b.shape(x)[0]:
        b.fail(f"view/reshape to {list(out)} mixes the batch axis with the others")
    b.emit(node, "reshape", [b.tensor(x)], {"shape": list(out[1:])})


def _emit_softmax(b: _Builder, node, x, dim, dtype, op: str) -> None:
    if dtype is not None:
        b.fail(f"{op} with dtype={dtype} is not supported")
    rank = len(b.shape(x))
    if rank != 2:
        b.fail(f"{op} over a {rank}-D tensor; the format applies it to [N, K] logits only")
    if dim is None or dim not in (1, -1):
        b.fail(f"{op} over dim={dim}; only the class axis (dim=1) is supported")
    b.emit(node, op, [b.tensor(x)])


def _emit_interpolate(b: _Builder, node, x, size, scale_factor, mode, align_corners,
                      recompute_scale_factor, antialias=False) -> None:
    if mode != "bilinear":
        b.fail(f"interpolation mode {mode!r}; only mode='bilinear' is supported")
    if align_corners:
        b.fail("align_corners=True is not supported (the format resizes with "
               "align_corners=False)")
    if antialias:
        b.fail("antialias=True is not supported")
    b.expect_rank(x, [4], "bilinear resize")
    in_hw = b.shape(x)[2:]
    out_hw = b.shape(node)[2:]
    if size is None and scale_factor is not None and not recompute_scale_factor:
        # PyTorch then maps coordinates with 1/scale_factor, not in/out: equal only when
        # in * scale_factor is the output size exactly.
        scales = _pair_float(scale_factor)
        for n_in, n_out, s in zip(in_hw, out_hw, scales):
            if n_in * s != n_out:
                b.fail(f"scale_factor={scale_factor} gives a non-integral size ({n_in} x {s}); "
                       "pass size=... or recompute_scale_factor=True")
    b.emit(node, "resize_bilinear", [b.tensor(x)], {"size": list(out_hw)})


def _pair_float(v: Any) -> List[float]:
    if isinstance(v, (list, tuple)):
        return [float(v[0]), float(v[-1])]
    return [float(v), float(v)]


def _emit_arith(b: _Builder, node, op: str, lhs: Any, rhs: Any, alpha: Any = 1) -> None:
    """`+ - * /` between tensors and Python numbers: tensor+tensor is `add`, a tensor with a
    number is `affine`; shape arithmetic (x.size(1) * 4) is only recorded, never emitted."""
    lt, rt = b.is_tensor(lhs), b.is_tensor(rhs)
    if not lt and not rt:
        b.symbols[node] = _OTHER_INT
        return
    if alpha != 1 and op not in ("add", "sub"):
        b.fail(f"alpha={alpha} is not supported")
    if lt and rt:
        if op != "add" or alpha != 1:
            b.fail(f"tensor-tensor `{op}`{' with alpha' if alpha != 1 else ''} is not in the "
                   "format (only the sum of two tensors of the same shape is)")
        if b.shape(lhs) != b.shape(rhs):
            b.fail(f"adding tensors of shapes {list(b.shape(lhs))} and {list(b.shape(rhs))}; "
                   "the format adds equal shapes only (no broadcasting)")
        b.emit(node, "add", [b.tensor(lhs), b.tensor(rhs)])
        return
    tensor, other = (lhs, rhs) if lt else (rhs, lhs)
    c = b.scalar(other)
    if c is None:
        b.fail(f"`{op}` between a tensor and {other!r}; only Python numbers are supported")
    a = b.scalar(alpha)
    if op == "add":
        scale, shift = 1.0, (c * a if lt else c)
        if rt:  # c + alpha * x
            scale = a
    elif op == "sub":
        scale, shift = (1.0, -c * a) if lt else (-a, c)
    elif op == "mul":
        scale, shift = c, 0.0
    elif op == "div":
        if not lt:
            b.fail("dividing a number by a tensor is not supported")
        if c == 0:
            b.fail("division by zero")
        scale, shift = 1.0 / c, 0.0
    else:  # pragma: no cover - callers pass the ops above
        b.fail(f"unknown arithmetic {op}")
    b.emit(node, "affine", [b.tensor(tensor)], {"scale": scale, "shift": shift})


# ----- call_module handlers -----------------------------------------------------------------


def _module_args(b: _Builder, node, allowed_kwargs=()) -> Any:
    extra = [k for k in node.kwargs if k not in allowed_kwargs]
    if len(node.args) != 1 or extra:
        b.fail("the layer is called with extra arguments; only layer(x) is supported")
    return node.args[0]


def _conv_padding(b: _Builder, mod: nn.Conv2d) -> List[int]:
    if isinstance(mod.padding, str):
        if mod.padding == "valid":
            return [0, 0]
        pads = []
        for k, d in zip(mod.kernel_size, mod.dilation):
            total = d * (k - 1)
            if total % 2:
                b.fail("padding='same' with an even kernel pads unevenly; not supported")
            pads.append(total // 2)
        return pads
    return _pair(mod.padding)


def _m_linear(b: _Builder, node, mod: nn.Linear) -> None:
    x = _module_args(b, node)
    b.expect_rank(x, [2], "nn.Linear")
    params = {"weight": b.param(node.target, "weight")}
    if mod.bias is not None:
        params["bias"] = b.param(node.target, "bias")
    b.emit(node, "linear", [b.tensor(x)], params=params)


def _m_conv2d(b: _Builder, node, mod: nn.Conv2d) -> None:
    x = _module_args(b, node)
    if mod.groups != 1:
        b.fail(f"groups={mod.groups} is not supported (groups=1 only)")
    if mod.padding_mode != "zeros":
        b.fail(f"padding_mode={mod.padding_mode!r} is not supported (zeros only)")
    b.expect_rank(x, [4], "nn.Conv2d")
    attrs = {"stride": _pair(mod.stride), "padding": _conv_padding(b, mod),
             "dilation": _pair(mod.dilation)}
    params = {"weight": b.param(node.target, "weight")}
    if mod.bias is not None:
        params["bias"] = b.param(node.target, "bias")
    b.emit(node, "conv2d", [b.tensor(x)], attrs, params)


def _m_conv_transpose2d(b: _Builder, node, mod: nn.ConvTranspose2d) -> None:
    if node.kwargs.get("output_size") is not None or len(node.args) > 1:
        b.fail("calling ConvTranspose2d with output_size is not supported; set "
               "output_padding on the layer instead")
    x = node.args[0]
    if mod.groups != 1:
        b.fail(f"groups={mod.groups} is not supported (groups=1 only)")
    if mod.padding_mode != "zeros":
        b.fail(f"padding_mode={mod.padding_mode!r} is not supported (zeros only)")
    b.expect_rank(x, [4], "nn.ConvTranspose2d")
    attrs = {"stride": _pair(mod.stride), "padding": _pair(mod.padding),
             "output_padding": _pair(mod.output_padding), "dilation": _pair(mod.dilation)}
    params = {"weight": b.param(node.target, "weight")}
    if mod.bias is not None:
        params["bias"] = b.param(node.target, "bias")
    b.emit(node, "conv_transpose2d", [b.tensor(x)], attrs, params)


def _m_batch_norm(b: _Builder, node, mod: nn.modules.batchnorm._BatchNorm) -> None:
    x = _module_args(b, node)
    if not mod.track_running_stats or mod.running_mean is None or mod.running_var is None:
        b.fail("BatchNorm without running statistics (track_running_stats=False) normalises "
               "with batch statistics even in eval mode; not supported")
    ranks = [4] if isinstance(mod, nn.BatchNorm2d) else [2, 3] if isinstance(
        mod, nn.BatchNorm1d) else [2, 3, 4]
    b.expect_rank(x, ranks, type(mod).__name__)
    params = {"running_mean": b.param(node.target, "running_mean"),
              "running_var": b.param(node.target, "running_var")}
    if mod.affine:
        params["weight"] = b.param(node.target, "weight")
        params["bias"] = b.param(node.target, "bias")
    b.emit(node, "batch_norm", [b.tensor(x)], {"eps": float(mod.eps)}, params)


def _m_simple(op: str) -> Callable:
    def handler(b: _Builder, node, mod) -> None:
        b.emit(node, op, [b.tensor(_module_args(b, node))])
    return handler


def _m_leaky_relu(b: _Builder, node, mod: nn.LeakyReLU) -> None:
    b.emit(node, "leaky_relu", [b.tensor(_module_args(b, node))],
           {"negative_slope": float(mod.negative_slope)})


def _m_elu(b: _Builder, node, mod: nn.ELU) -> None:
    b.emit(node, "elu", [b.tensor(_module_args(b, node))], {"alpha": float(mod.alpha)})


def _m_max_pool(b: _Builder, node, mod: nn.MaxPool2d) -> None:
    _emit_pool(b, node, _module_args(b, node), "max_pool2d", mod.kernel_size, mod.stride,
               mod.padding, mod.dilation, mod.ceil_mode, return_indices=mod.return_indices)


def _m_avg_pool(b: _Builder, node, mod: nn.AvgPool2d) -> None:
    _emit_pool(b, node, _module_args(b, node), "avg_pool2d", mod.kernel_size, mod.stride,
               mod.padding, 1, mod.ceil_mode, mod.count_include_pad, mod.divisor_override)


def _m_adaptive(b: _Builder, node, mod: nn.AdaptiveAvgPool2d) -> None:
    _emit_adaptive(b, node, _module_args(b, node), mod.output_size)


def _m_flatten(b: _Builder, node, mod: nn.Flatten) -> None:
    _emit_flatten(b, node, _module_args(b, node), mod.start_dim, mod.end_dim)


def _m_alias(b: _Builder, node, mod) -> None:
    b.alias(node, _module_args(b, node))


def _m_softmax(op: str) -> Callable:
    def handler(b: _Builder, node, mod) -> None:
        _emit_softmax(b, node, _module_args(b, node), mod.dim, None, op)
    return handler


def _m_upsample(b: _Builder, node, mod: nn.Upsample) -> None:
    if isinstance(mod, nn.UpsamplingBilinear2d):
        b.fail("nn.UpsamplingBilinear2d uses align_corners=True; not supported")
    _emit_interpolate(b, node, _module_args(b, node), mod.size, mod.scale_factor, mod.mode,
                      mod.align_corners, mod.recompute_scale_factor)


def _m_normalize(b: _Builder, node, mod: Normalize) -> None:
    x = _module_args(b, node)
    shape = b.shape(x)
    if len(shape) < 2 or shape[1] != len(mod.mean):
        b.fail(f"Normalize with {len(mod.mean)} channels on input {list(shape)}")
    b.emit(node, "normalize", [b.tensor(x)], {"mean": list(mod.mean), "std": list(mod.std)})


_MODULE_HANDLERS: Dict[type, Callable] = {
    nn.Linear: _m_linear,
    nn.Conv2d: _m_conv2d,
    nn.ConvTranspose2d: _m_conv_transpose2d,
    nn.BatchNorm1d: _m_batch_norm,
    nn.BatchNorm2d: _m_batch_norm,
    nn.SyncBatchNorm: _m_batch_norm,
    nn.ReLU: _m_simple("relu"),
    nn.Tanh: _m_simple("tanh"),
    nn.Sigmoid: _m_simple("sigmoid"),
    nn.LeakyReLU: _m_leaky_relu,
    nn.ELU: _m_elu,
    nn.MaxPool2d: _m_max_pool,
    nn.AvgPool2d: _m_avg_pool,
    nn.AdaptiveAvgPool2d: _m_adaptive,
    nn.Flatten: _m_flatten,
    nn.Identity: _m_alias,
    nn.Dropout: _m_alias,
    nn.Dropout1d: _m_alias,
    nn.Dropout2d: _m_alias,
    nn.Dropout3d: _m_alias,
    nn.AlphaDropout: _m_alias,
    nn.FeatureAlphaDropout: _m_alias,
    nn.Softmax: _m_softmax("softmax"),
    nn.LogSoftmax: _m_softmax("log_softmax"),
    nn.Upsample: _m_upsample,
    nn.UpsamplingBilinear2d: _m_upsample,
    Normalize: _m_normalize,
}


# ----- call_function handlers ---------------------------------------------------------------


def _f_unary(op: str) -> Callable:
    def handler(b: _Builder, node) -> None:
        a = _bind(_sig_unary, node)
        b.emit(node, op, [b.tensor(a["input"])])
    return handler


def _f_leaky_relu(b: _Builder, node) -> None:
    a = _bind(_sig_leaky_relu, node)
    b.emit(node, "leaky_relu", [b.tensor(a["input"])],
           {"negative_slope": float(a["negative_slope"])})


def _f_elu(b: _Builder, node) -> None:
    a = _bind(_sig_elu, node)
    b.emit(node, "elu", [b.tensor(a["input"])], {"alpha": float(a["alpha"])})


def _f_flatten(b: _Builder, node) -> None:
    a = _bind(_sig_flatten, node)
    _emit_flatten(b, node, a["input"], a["start_dim"], a["end_dim"])


def _f_reshape(b: _Builder, node) -> None:
    _emit_reshape(b, node, node.args[0], list(node.args[1:]) or [node.kwargs.get("shape")])


def _f_arith(op: str) -> Callable:
    def handler(b: _Builder, node) -> None:
        a = _bind(_sig_binary, node)
        _emit_arith(b, node, op, a["input"], a["other"], a["alpha"])
    return handler


def _f_neg(b: _Builder, node) -> None:
    x = node.args[0]
    if not b.is_tensor(x):
        b.symbols[node] = _OTHER_INT
        return
    b.emit(node, "affine", [b.tensor(x)], {"scale": -1.0, "shift": 0.0})


def _f_max_pool2d(b: _Builder, node) -> None:
    a = _bind(_sig_max_pool2d, node)
    _emit_pool(b, node, a["input"], "max_pool2d", a["kernel_size"], a["stride"], a["padding"],
               a["dilation"], a["ceil_mode"], return_indices=a["return_indices"])


def _f_avg_pool2d(b: _Builder, node) -> None:
    a = _bind(_sig_avg_pool2d, node)
    _emit_pool(b, node, a["input"], "avg_pool2d", a["kernel_size"], a["stride"], a["padding"],
               1, a["ceil_mode"], a["count_include_pad"], a["divisor_override"])


def _f_adaptive(b: _Builder, node) -> None:
    a = _bind(_sig_adaptive, node)
    _emit_adaptive(b, node, a["input"], a["output_size"])


def _f_interpolate(b: _Builder, node) -> None:
    a = _bind(_sig_interpolate, node)
    _emit_interpolate(b, node, a["input"], a["size"], a["scale_factor"], a["mode"],
                      a["align_corners"], a["recompute_scale_factor"], a["antialias"])


def _f_softmax(op: str) -> Callable:
    def handler(b: _Builder, node) -> None:
        a = _bind(_sig_softmax, node)
        _emit_softmax(b, node, a["input"], a["dim"], a["dtype"], op)
    return handler


def _f_dropout(b: _Builder, node) -> None:
    a = _bind(_sig_dropout, node)
    if a["training"] and a["p"] != 0:
        b.fail("F.dropout with training=True stays active in eval mode; pass "
               "training=self.training")
    b.alias(node, a["input"])


def _f_getattr(b: _Builder, node) -> None:
    obj, attr = node.args[0], node.args[1]
    if b.is_tensor(obj) and attr == "shape":
        b.symbols[node] = _SHAPE
        return
    b.fail(f"attribute `.{attr}` of a traced value is not supported")


def _f_getitem(b: _Builder, node) -> None:
    obj, index = node.args[0], node.args[1]
    if b.symbols.get(obj) is _SHAPE:
        b.symbols[node] = _BATCH if index == 0 else _OTHER_INT
        return
    if b.is_tensor(obj):
        b.fail("indexing or slicing a tensor is not supported")
    b.fail(f"indexing {obj!r} is not supported")


def _f_mean(b: _Builder, node) -> None:
    a = _bind(_sig_mean, node)
    _emit_mean(b, node, a["input"], a["dim"], a["keepdim"], a["dtype"])


def _emit_mean(b: _Builder, node, x, dim, keepdim, dtype) -> None:
    """Mean over the two spatial axes is global average pooling (then flatten, unless kept)."""
    b.expect_rank(x, [4], "mean")
    dims = sorted(d % 4 for d in (dim if isinstance(dim, (list, tuple)) else [dim])) \
        if dim is not None else None
    if dims != [2, 3] or dtype is not None:
        b.fail(f"mean over dim={dim}; only the spatial mean over dims (2, 3) is supported")
    if keepdim:
        b.emit(node, "adaptive_avg_pool2d", [b.tensor(x)], {"output_size": [1, 1]})
        return
    pooled = b.unique(f"{node.name}_pool")
    b.nodes.append({"name": pooled, "op": "adaptive_avg_pool2d", "inputs": [b.tensor(x)],
                    "attrs": {"output_size": [1, 1]}})
    b.emit(node, "flatten", [pooled])


_FUNCTION_HANDLERS: Dict[Any, Callable] = {
    F.relu: _f_unary("relu"),
    torch.relu: _f_unary("relu"),
    torch.relu_: _f_unary("relu"),
    F.relu_: _f_unary("relu"),
    torch.tanh: _f_unary("tanh"),
    F.tanh: _f_unary("tanh"),
    torch.sigmoid: _f_unary("sigmoid"),
    F.sigmoid: _f_unary("sigmoid"),
    F.leaky_relu: _f_leaky_relu,
    F.elu: _f_elu,
    torch.flatten: _f_flatten,
    torch.reshape: _f_reshape,
    operator.add: _f_arith("add"),
    operator.iadd: _f_arith("add"),
    torch.add: _f_arith("add"),
    operator.sub: _f_arith("sub"),
    operator.isub: _f_arith("sub"),
    torch.sub: _f_arith("sub"),
    operator.mul: _f_arith("mul"),
    operator.imul: _f_arith("mul"),
    torch.mul: _f_arith("mul"),
    operator.truediv: _f_arith("div"),
    operator.itruediv: _f_arith("div"),
    torch.div: _f_arith("div"),
    operator.neg: _f_neg,
    torch.neg: _f_neg,
    F.max_pool2d: _f_max_pool2d,
    F.avg_pool2d: _f_avg_pool2d,
    F.adaptive_avg_pool2d: _f_adaptive,
    F.interpolate: _f_interpolate,
    F.softmax: _f_softmax("softmax"),
    torch.softmax: _f_softmax("softmax"),
    F.log_softmax: _f_softmax("log_softmax"),
    torch.log_softmax: _f_softmax("log_softmax"),
    F.dropout: _f_dropout,
    getattr: _f_getattr,
    operator.getitem: _f_getitem,
    torch.mean: _f_mean,
}


# ----- call_method handlers -----------------------------------------------------------------


def _meth_unary(op: str) -> Callable:
    def handler(b: _Builder, node) -> None:
        if len(node.args) != 1 or node.kwargs:
            b.fail("unexpected arguments")
        b.emit(node, op, [b.tensor(node.args[0])])
    return handler


def _meth_size(b: _Builder, node) -> None:
    a = _bind(_sig_size, node)
    if a["dim"] is None:
        b.symbols[node] = _SHAPE
    else:
        rank = len(b.shape(a["input"]))
        b.symbols[node] = _BATCH if a["dim"] % rank == 0 else _OTHER_INT


def _meth_view(b: _Builder, node) -> None:
    sizes = list(node.args[1:])
    if not sizes and "size" in node.kwargs:
        sizes = [node.kwargs["size"]]
    if not sizes and "shape" in node.kwargs:
        sizes = [node.kwargs["shape"]]
    _emit_reshape(b, node, node.args[0], sizes)


def _meth_flatten(b: _Builder, node) -> None:
    a = _bind(_sig_method_flatten, node)
    _emit_flatten(b, node, a["input"], a["start_dim"], a["end_dim"])


def _meth_identity(b: _Builder, node) -> None:
    if len(node.args) != 1 or node.kwargs:
        b.fail("unexpected arguments")
    b.alias(node, node.args[0])


def _meth_softmax(op: str) -> Callable:
    def handler(b: _Builder, node) -> None:
        a = _bind(_sig_softmax, node)
        _emit_softmax(b, node, a["input"], a["dim"], a["dtype"], op)
    return handler


def _meth_mean(b: _Builder, node) -> None:
    a = _bind(_sig_mean, node)
    _emit_mean(b, node, a["input"], a["dim"], a["keepdim"], a["dtype"])


def _meth_float(b: _Builder, node) -> None:
    if b.is_tensor(node.args[0]) and len(node.args) == 1:
        b.alias(node, node.args[0])  # the engine computes in float32 throughout
    else:
        b.fail("unexpected arguments")


_METHOD_HANDLERS: Dict[str, Callable] = {
    "relu": _meth_unary("relu"), "relu_": _meth_unary("relu"),
    "tanh": _meth_unary("tanh"), "tanh_": _meth_unary("tanh"),
    "sigmoid": _meth_unary("sigmoid"), "sigmoid_": _meth_unary("sigmoid"),
    "view": _meth_view, "reshape": _meth_view,
    "flatten": _meth_flatten,
    "size": _meth_size,
    "contiguous": _meth_identity, "float": _meth_float,
    "add": _f_arith("add"), "add_": _f_arith("add"),
    "sub": _f_arith("sub"), "sub_": _f_arith("sub"),
    "mul": _f_arith("mul"), "mul_": _f_arith("mul"),
    "div": _f_arith("div"), "div_": _f_arith("div"),
    "neg": _f_neg,
    "softmax": _meth_softmax("softmax"),
    "log_softmax": _meth_softmax("log_softmax"),
    "mean": _meth_mean,
}


def _is_inplace(node: torch.fx.Node, modules: Mapping[str, nn.Module]) -> bool:
    if node.op == "call_module":
        return bool(getattr(modules.get(node.target), "inplace", False))
    if node.op == "call_method":
        return str(node.target).endswith("_")
    if node.op == "call_function":
        return bool(node.kwargs.get("inplace")) or node.target in (
            torch.relu_, F.relu_, operator.iadd, operator.isub, operator.imul,
            operator.itruediv)
    return False


def _check_inplace(b: _Builder, node: torch.fx.Node, order: Mapping[torch.fx.Node, int]) -> None:
    """An in-place op overwrites its input: no later op may read that input's old value."""
    if not _is_inplace(node, b.modules) or not node.args:
        return
    target = node.args[0]
    if not isinstance(target, torch.fx.Node):
        return
    for user in target.users:
        if user is not node and order[user] > order[node]:
            b.fail(f"it overwrites `{target.name}` in place, and `{user.name}` reads "
                   f"`{target.name}` afterwards; use the out-of-place form")


def _ancestors(output: torch.fx.Node) -> set:
    seen, stack = set(), [output]
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        stack.extend(n.all_input_nodes)
    return seen


def build_graph(gm: torch.fx.GraphModule, values: Mapping[torch.fx.Node, Any],
                input_reshape: Optional[Sequence[int]] = None
                ) -> Tuple[Dict[str, Any], "OrderedDict[str, torch.Tensor]"]:
    """Map the traced graph to the format's graph JSON and the tensors it refers to."""
    b = _Builder(gm, values)
    nodes = list(gm.graph.nodes)
    order = {n: i for i, n in enumerate(nodes)}
    output = next(n for n in nodes if n.op == "output")
    live = _ancestors(output)
    placeholders = [n for n in nodes if n.op == "placeholder" and n in live]
    if len(placeholders) != 1:
        raise ExportError(f"forward() must take exactly one tensor input; it uses "
                          f"{[p.name for p in placeholders]}")
    for node in nodes:
        if node not in live:
            continue
        b.current = node
        if node.op == "placeholder":
            if input_reshape is not None:
                name = b.unique("input_reshape")
                b.nodes.append({"name": name, "op": "reshape", "inputs": [GRAPH_INPUT],
                                "attrs": {"shape": [int(s) for s in input_reshape]}})
                b.names[node] = name
            else:
                b.names[node] = GRAPH_INPUT
        elif node.op == "output":
            result = node.args[0]
            if not b.is_tensor(result):
                b.fail("forward() must return a single tensor (not a tuple, list or dict)")
            graph_output = b.tensor(result)
        elif node.op == "get_attr":
            b.fail("forward() uses a parameter or buffer directly (as in F.conv2d(x, "
                   "self.weight)); only the layers listed in docs/model-format.md are "
                   "supported")
        else:
            _check_inplace(b, node, order)
            _dispatch(b, node)
    b.current = None
    if graph_output == GRAPH_INPUT or not b.nodes:
        raise ExportError("the exported graph has no operations (forward() returns its input)")
    for entry in b.nodes:
        if entry["op"] in _FINAL_ONLY_OPS and entry["name"] != graph_output:
            raise ExportError(f"cannot export node `{entry['name']}`: {entry['op']} is only "
                              "supported as the network's last operation")
    graph = {"input": GRAPH_INPUT, "output": graph_output, "nodes": b.nodes}
    return graph, b.tensors


def _dispatch(b: _Builder, node: torch.fx.Node) -> None:
    if node.op == "call_module":
        mod = b.modules[node.target]
        handler = _MODULE_HANDLERS.get(type(mod))
        if handler is None:
            hint = ""
            for base in _MODULE_HANDLERS:
                if isinstance(mod, base):
                    hint = f" (it subclasses {base.__name__}, but may compute something else)"
            b.fail(f"unsupported layer{hint}")
        handler(b, node, mod)
    elif node.op == "call_function":
        handler = _FUNCTION_HANDLERS.get(node.target)
        if handler is None:
            b.fail("unsupported function")
        handler(b, node)
    elif node.op == "call_method":
        handler = _METHOD_HANDLERS.get(str(node.target))
        if handler is None:
            b.fail("unsupported tensor method")
        handler(b, node)
    else:
        b.fail(f"unsupported node kind {node.op}")


# --------------------------------------------------------------------------------------------
# Glue
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# The container
# --------------------------------------------------------------------------------------------


def _tensor_bytes(t: torch.Tensor) -> Tuple[str, bytes]:
    code, np_dtype = _SAFETENSORS_DTYPE[t.dtype]
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        arr = t.view(torch.int16).numpy().view(np.uint16)
    else:
        arr = t.numpy()
    return code, np.ascontiguousarray(arr.astype(np_dtype, copy=False)).tobytes()


def write_safetensors(path: Union[str, os.PathLike], tensors: Mapping[str, torch.Tensor],
                      metadata: Mapping[str, str]) -> None:
    """Write a safetensors file: u64 LE header length, JSON header padded with spaces to a
    multiple of 8, then the tensors back to back in header order. Wider dtypes come first, as
    the reference library does, so every tensor is aligned to its element size."""
    itemsize = {name: t.element_size() for name, t in tensors.items()}
    names = sorted(tensors, key=lambda n: -itemsize[n])  # stable: keeps first-use order
    header: Dict[str, Any] = {"__metadata__": dict(metadata)}
    blobs, offset = [], 0
    for name in names:
        code, data = _tensor_bytes(tensors[name])
        header[name] = {"dtype": code, "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)
    tmp = Path(str(path) + ".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


@dataclass
class ModelFile:
    """A model file read back: parsed metadata and Float32 copies of the tensors."""
    role: str
    input_shape: List[int]
    graph: Dict[str, Any]
    tensors: Dict[str, torch.Tensor]
    metadata: Dict[str, str]
    glue: Optional[Dict[str, Any]] = None
    prior: Optional[Dict[str, Any]] = None
    classes: Optional[List[str]] = None
    stored_dtypes: Dict[str, str] = field(default_factory=dict)


def read_model(path: Union[str, os.PathLike]) -> ModelFile:
    """Read a model file with the standard safetensors library (which is itself a check that
    the container is valid) and parse the metadata."""
    from safetensors import safe_open

    tensors: Dict[str, torch.Tensor] = {}
    dtypes: Dict[str, str] = {}
    with safe_open(os.fspath(path), framework="pt") as f:
        metadata = dict(f.metadata() or {})
        for name in f.keys():
            t = f.get_tensor(name)
            dtypes[name] = str(t.dtype).replace("torch.", "")
            tensors[name] = t.float() if t.is_floating_point() else t
    if metadata.get("ceiling.format") != FORMAT_VERSION:
        raise ExportError(f"{path}: ceiling.format is {metadata.get('ceiling.format')!r}")

    def js(key: str) -> Any:
        return json.loads(metadata[key]) if key in metadata else None

    return ModelFile(role=metadata["ceiling.role"], input_shape=js("ceiling.input_shape"),
                     graph=js("ceiling.graph"), tensors=tensors, metadata=metadata,
                     glue=js("ceiling.glue"), prior=js("ceiling.prior"),
                     classes=js("ceiling.classes"), stored_dtypes=dtypes)


# --------------------------------------------------------------------------------------------
# Reference interpreter of the format
# --------------------------------------------------------------------------------------------


def _run_op(op: str, xs: List[torch.Tensor], attrs: Mapping[str, Any],
            p: Mapping[str, Optional[torch.Tensor]]) -> torch.Tensor:
    x = xs[0]
    if op == "linear":
        return F.linear(x, p["weight"], p.get("bias"))
    if op == "conv2d":
        return F.conv2d(x, p["weight"], p.get("bias"), attrs["stride"], attrs["padding"],
                        attrs["dilation"])
    if op == "conv_transpose2d":
        return F.conv_transpose2d(x, p["weight"], p.get("bias"), attrs["stride"],
                                  attrs["padding"], attrs["output_padding"], 1,
                                  attrs["dilation"])
    if op == "batch_norm":
        return F.batch_norm(x, p["running_mean"], p["running_var"], p.get("weight"),
                            p.get("bias"), training=False, eps=attrs["eps"])
    if op == "relu":
        return F.relu(x)
    if op == "leaky_relu":
        return F.leaky_relu(x, attrs["negative_slope"])
    if op == "elu":
        return F.elu(x, attrs["alpha"])
    if op == "tanh":
        return torch.tanh(x)
    if op == "sigmoid":
        return torch.sigmoid(x)
    if op == "max_pool2d":
        return F.max_pool2d(x, attrs["kernel"], attrs["stride"], attrs["padding"])
    if op == "avg_pool2d":
        return F.avg_pool2d(x, attrs["kernel"], attrs["stride"], attrs["padding"],
                            count_include_pad=attrs.get("count_include_pad", True))
    if op == "adaptive_avg_pool2d":
        return F.adaptive_avg_pool2d(x, (1, 1))
    if op == "flatten":
        return torch.flatten(x, 1)
    if op == "reshape":
        return x.reshape(x.shape[0], *attrs["shape"])
    if op == "add":
        return xs[0] + xs[1]
    if op == "normalize":
        shape = (1, -1) + (1,) * (x.dim() - 2)
        mean = torch.tensor(attrs["mean"], dtype=x.dtype).view(shape)
        std = torch.tensor(attrs["std"], dtype=x.dtype).view(shape)
        return (x - mean) / std
    if op == "affine":
        return attrs["scale"] * x + attrs["shift"]
    if op == "resize_bilinear":
        return F.interpolate(x, size=tuple(attrs["size"]), mode="bilinear",
                             align_corners=False)
    if op == "softmax":
        return F.softmax(x, dim=1)
    if op == "log_softmax":
        return F.log_softmax(x, dim=1)
    raise ExportError(f"unknown op {op!r}")


def reference_forward(model: Union[ModelFile, str, os.PathLike], x: torch.Tensor,
                      apply_model_glue: bool = True) -> torch.Tensor:
    """Run a model file in PyTorch, following the format's definitions only (not the module
    it came from). `x` is a batch in the model's input space (X for classifiers, latent
    vectors for generators). Differentiable, so it also gives reference gradients."""
    if not isinstance(model, ModelFile):
        model = read_model(model)
    if list(x.shape[1:]) != list(model.input_shape):
        raise ExportError(f"input {list(x.shape)} does not match input_shape "
                          f"{model.input_shape}")
    if apply_model_glue and model.role == "classifier":
        x = apply_glue(x, model.glue)
    env = {model.graph["input"]: x}
    for node in model.graph["nodes"]:
        params = {slot: model.tensors[name] for slot, name in node.get("params", {}).items()}
        env[node["name"]] = _run_op(node["op"], [env[i] for i in node["inputs"]],
                                    node.get("attrs", {}), params)
    return env[model.graph["output"]]


def max_rel_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """max|a - b| / max|b| over the whole tensor (b is the reference)."""
    a = torch.as_tensor(a, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64)
    scale = b.abs().max().item()
    diff = (a - b).abs().max().item()
    return diff / scale if scale > 0 else diff


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def round_weights(module: nn.Module, dtype: str) -> nn.Module:
    """Round every floating parameter and buffer to `dtype` and back to float32, in place:
    the module then computes exactly what the exported file computes."""
    target = DTYPES[dtype]
    with torch.no_grad():
        for t in list(module.parameters()) + list(module.buffers()):
            if t.is_floating_point():
                t.copy_(t.to(target).to(t.dtype))
    return module


def _module_input_shape(gm: torch.fx.GraphModule, role: str, graph_shape: Sequence[int],
                        requested: Optional[Sequence[int]], batch: int
                        ) -> Tuple[List[int], Dict[torch.fx.Node, Any]]:
    """Decide the shape forward() receives: as requested, else the graph input shape, else
    (generators with a latent vector) [nz, 1, 1] as the DCGAN generators expect."""
    candidates = [list(requested)] if requested is not None else [list(graph_shape)]
    if requested is None and role == "generator" and len(graph_shape) == 1:
        candidates.append([graph_shape[0], 1, 1])
    errors = []
    for shape in candidates:
        if math.prod(shape) != math.prod(graph_shape):
            raise ExportError(f"module input shape {shape} has a different number of elements "
                              f"than the input shape {list(graph_shape)}")
        try:
            return shape, _record(gm, [batch] + shape)
        except Exception as exc:  # noqa: BLE001 - any failure means: not this shape
            first_line = (str(exc).strip().splitlines() or [""])[0]
            errors.append(f"{shape}: {type(exc).__name__}: {first_line}")
    raise ExportError("the module does not run on the given input shape; tried " +
                      "; ".join(errors))


def export_module(module: nn.Module, path: Union[str, os.PathLike], role: str,
                  input_shape: Sequence[int], *, latent_dim: Optional[int] = None,
                  prior_mean: float = 0, prior_std: float = 1,
                  module_input_shape: Optional[Sequence[int]] = None,
                  glue: Optional[Mapping[str, Any]] = None,
                  classes: Optional[Sequence[str]] = None, dtype: str = "F32",
                  source: Optional[str] = None, keep_unused: bool = False,
                  verify: bool = True) -> Dict[str, Any]:
    """Export `module` to `path`; return a summary (graph, tensor count, verification error).

    role: "generator" (input_shape = [latent dim]) or "classifier" (input_shape = the image
    space X, i.e. the generator's output shape, before `glue`).
    module_input_shape: the per-sample shape forward() expects when it differs from the input
    shape after glue (a reshape is prepended); for generators whose forward() takes
    [N, nz, 1, 1] it is detected.
    keep_unused: also store tensors no op uses (BatchNorm's int64 num_batches_tracked...).
    verify: read the file back with safetensors and compare the format's reference
    interpreter with the module on a random batch.
    """
    if role not in ROLES:
        raise ExportError(f"role must be one of {ROLES}, got {role!r}")
    if dtype not in DTYPES:
        raise ExportError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
    input_shape = [int(s) for s in input_shape]
    if not input_shape or min(input_shape) < 1:
        raise ExportError(f"input shape {input_shape} must be non-empty and positive")
    if role == "generator":
        if len(input_shape) != 1:
            raise ExportError(f"a generator's input shape is [latent dim]; got {input_shape}")
        if latent_dim is not None and latent_dim != input_shape[0]:
            raise ExportError(f"latent dim {latent_dim} != input shape {input_shape}")
        if glue:
            raise ExportError("glue belongs to the classifier, not the generator")
        if classes:
            raise ExportError("class names belong to the classifier")
        if not prior_std > 0:
            raise ExportError("prior std must be positive")
    elif latent_dim is not None:
        raise ExportError("latent dim is for generators")
    glue = dict(glue) if glue else None
    graph_shape = check_glue(glue, input_shape) if glue else list(input_shape)

    while isinstance(module, (nn.DataParallel, nn.parallel.DistributedDataParallel)):
        module = module.module  # the wrapper only scatters batches over devices
    module = module.eval()
    gm = trace(module)
    batch = 2
    mshape, values = _module_input_shape(gm, role, graph_shape, module_input_shape, batch)
    graph, tensors = build_graph(gm, values, mshape if mshape != graph_shape else None)
    out_shape = _output_shape(gm, values)
    if role == "classifier":
        if len(out_shape) != 2:
            raise ExportError(f"a classifier must output [N, K] scores; it outputs {out_shape}")
        if classes is not None and len(classes) != out_shape[1]:
            raise ExportError(f"{len(classes)} class names for {out_shape[1]} outputs")

    stored = OrderedDict()
    for name, t in tensors.items():
        converted = t.to(DTYPES[dtype])
        if not torch.isfinite(converted).all():
            raise ExportError(f"tensor `{name}` does not fit in {dtype} (overflows to inf)")
        stored[name] = converted
    if keep_unused:
        for name, t in module.state_dict().items():
            if name not in stored:
                stored[name] = t.to(DTYPES[dtype]) if t.is_floating_point() else t

    metadata = _metadata(role, input_shape, graph, glue, classes, prior_mean, prior_std, source)
    write_safetensors(path, stored, metadata)
    summary = {"path": os.fspath(path), "graph": graph, "tensors": len(stored),
               "parameters": int(sum(t.numel() for t in tensors.values())),
               "module_input_shape": mshape, "output_shape": out_shape[1:],
               "bytes": os.path.getsize(path)}
    if verify:
        summary["max_rel_error"] = verify_export(module, path, stored, metadata, glue, mshape,
                                                 dtype)
    return summary


def _output_shape(gm: torch.fx.GraphModule, values: Mapping[torch.fx.Node, Any]) -> List[int]:
    out = next(n for n in gm.graph.nodes if n.op == "output").args[0]
    value = values.get(out) if isinstance(out, torch.fx.Node) else None
    if not isinstance(value, _TensorValue):
        raise ExportError("forward() must return a single tensor")
    return list(value.shape)


def _metadata(role, input_shape, graph, glue, classes, prior_mean, prior_std,
              source) -> Dict[str, str]:
    def js(v: Any) -> str:
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False)

    meta = {"ceiling.format": FORMAT_VERSION, "ceiling.role": role,
            "ceiling.input_shape": js(list(input_shape)), "ceiling.graph": js(graph)}
    if role == "generator":
        meta["ceiling.prior"] = js({"distribution": "normal", "mean": prior_mean,
                                    "std": prior_std})
    if glue:
        meta["ceiling.glue"] = js(glue)
    if classes:
        meta["ceiling.classes"] = js([str(c) for c in classes])
    if source:
        meta["ceiling.source"] = str(source)
    return meta


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


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def load_object(spec: str) -> Any:
    """`path/to/file.py:Name` or `package.module:Name` -> the named object."""
    if ":" not in spec:
        raise ExportError(f"--module {spec!r}: expected FILE.py:NAME or package.module:NAME")
    where, name = spec.rsplit(":", 1)
    if where.endswith(".py") or os.path.sep in where:
        file = Path(where).resolve()
        if not file.is_file():
            raise ExportError(f"--module: no file {where}")
        sys.path.insert(0, str(file.parent))
        mod_spec = importlib.util.spec_from_file_location(file.stem, file)
        module = importlib.util.module_from_spec(mod_spec)
        sys.modules[file.stem] = module
        mod_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    obj = module
    for part in name.split("."):
        if not hasattr(obj, part):
            raise ExportError(f"--module: {where} has no `{name}`")
        obj = getattr(obj, part)
    return obj


def _ints(values: Optional[Sequence[str]]) -> Optional[List[int]]:
    """Shapes may be given as `3 32 32`, `3,32,32` or `3x32x32`."""
    if values is None:
        return None
    out: List[int] = []
    for v in values:
        out += [int(p) for p in v.replace("x", ",").split(",") if p.strip()]
    return out


def build_arg_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="Export a PyTorch module to a ceiling model file (.bin). "
                    "See docs/model-format.md.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  %(prog)s --module scripts/models.py:DCGANGenerator --kwargs '{\"nz\":100}' \\\n"
               "      --state-dict netG.pth --role generator --input-shape 100 --out g.bin\n"
               "  %(prog)s --module scripts/models.py:CIFARResNet18 --state-dict r.pt \\\n"
               "      --role classifier --input-shape 3,32,32 --range-from -1 1 \\\n"
               "      --range-to 0 1 --mean 0.4914 0.4822 0.4465 --std 0.247 0.243 0.261 \\\n"
               "      --classes airplane automobile bird cat deer dog frog horse ship truck \\\n"
               "      --out resnet.bin")
    p.add_argument("--module", required=True,
                   help="FILE.py:NAME or package.module:NAME of an nn.Module class or factory")
    p.add_argument("--kwargs", default="{}", help="JSON object of constructor arguments")
    p.add_argument("--state-dict", help="weights (.pt/.pth); `module.` prefixes from "
                   "nn.DataParallel are stripped; without it the initial weights are exported")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--input-shape", required=True, nargs="+",
                   help="per-sample input shape: the latent dim for a generator (100), the "
                        "image space X for a classifier (3,32,32)")
    p.add_argument("--module-input-shape", nargs="+",
                   help="per-sample shape forward() expects, if it differs (a reshape is "
                        "prepended); [nz,1,1] generators are detected automatically")
    p.add_argument("--latent-dim", type=int, help="generators: check against --input-shape")
    p.add_argument("--prior-mean", type=float, default=0, help="generators: latent prior mean")
    p.add_argument("--prior-std", type=float, default=1, help="generators: latent prior std")
    g = p.add_argument_group("classifier glue (applied to X in this order)")
    g.add_argument("--range-from", nargs=2, type=float, metavar=("LO", "HI"),
                   help="range of the image space X, e.g. -1 1")
    g.add_argument("--range-to", nargs=2, type=float, metavar=("LO", "HI"),
                   help="range the classifier was trained on, e.g. 0 1")
    g.add_argument("--mean", nargs="+", type=float, help="per-channel normalisation mean")
    g.add_argument("--std", nargs="+", type=float, help="per-channel normalisation std")
    g.add_argument("--resize", nargs=2, type=int, metavar=("H", "W"),
                   help="bilinear resize (align_corners=False) to H W")
    g.add_argument("--glue", help="the glue as a JSON object instead of the flags above")
    p.add_argument("--classes", nargs="+", help="class names, in output order")
    p.add_argument("--classes-file", help="file with one class name per line")
    p.add_argument("--dtype", default="F32", choices=sorted(DTYPES),
                   help="storage dtype of the weights (default F32)")
    p.add_argument("--source", help="free text stored as ceiling.source")
    p.add_argument("--keep-unused", action="store_true",
                   help="also store state-dict tensors no op uses (e.g. num_batches_tracked)")
    p.add_argument("--no-verify", action="store_true",
                   help="skip reading the file back and comparing with the module")
    p.add_argument("--out", required=True, help="output .bin path")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_arg_parser().parse_args(argv)
    try:
        factory = load_object(args.module)
        kwargs = json.loads(args.kwargs)
        module = factory(**kwargs)
        if not isinstance(module, nn.Module):
            raise ExportError(f"{args.module} returned a {type(module).__name__}, "
                              "not an nn.Module")
        if args.state_dict:
            load_state_dict_flexible(module, args.state_dict)
        else:
            print("warning: no --state-dict; exporting the module's initial weights",
                  file=sys.stderr)
        if args.glue:
            glue = json.loads(args.glue)
        else:
            glue = make_glue(args.range_from, args.range_to, args.mean, args.std, args.resize)
        classes = args.classes
        if args.classes_file:
            classes = [line.strip() for line in Path(args.classes_file).read_text().splitlines()
                       if line.strip()]
        summary = export_module(
            module, args.out, args.role, _ints(args.input_shape), latent_dim=args.latent_dim,
            prior_mean=args.prior_mean, prior_std=args.prior_std,
            module_input_shape=_ints(args.module_input_shape), glue=glue, classes=classes,
            dtype=args.dtype, source=args.source, keep_unused=args.keep_unused,
            verify=not args.no_verify)
    except (ExportError, json.JSONDecodeError, TypeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    ops = sorted({n["op"] for n in summary["graph"]["nodes"]})
    print(f"wrote {summary['path']}: {len(summary['graph']['nodes'])} ops ({', '.join(ops)}), "
          f"{summary['parameters']} weights in {summary['tensors']} tensors, "
          f"{summary['bytes']} bytes")
    if "max_rel_error" in summary:
        print(f"verified: safetensors reads it; reference interpreter vs module max relative "
              f"error {summary['max_rel_error']:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

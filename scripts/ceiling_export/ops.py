"""The op mapping: what each traced layer, function and tensor method becomes in the format, or
the error saying what the format cannot express. One handler per PyTorch callable, found in
the three tables that `graph` dispatches through."""
from __future__ import annotations

import inspect
import operator
from typing import Any, Callable, Dict, List, Sequence

import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F

from .builder import _Builder
from .layers import Normalize

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
    "softmax": _f_softmax("softmax"),  # x.softmax(dim) binds like F.softmax(x, dim)
    "log_softmax": _f_softmax("log_softmax"),
    "mean": _meth_mean,
}

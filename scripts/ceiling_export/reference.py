"""The reference interpreter: reads a model file back with the standard safetensors library and
runs it in PyTorch by the format's definitions alone, not by the module it came from, so that
comparing the two checks the file. Other scripts use it to run model files in PyTorch."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Union

import torch
import torch.nn.functional as F

from .format import FORMAT_VERSION, ExportError
from .glue import apply_glue


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

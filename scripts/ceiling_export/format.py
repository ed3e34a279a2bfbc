"""The format's vocabulary: its version, the roles, the storage dtypes, the operation names,
and the error every stage of an export raises. Kept in one place because every other module of
the exporter uses them."""
from __future__ import annotations

from typing import Dict

import torch

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

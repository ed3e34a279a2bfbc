"""The export itself (`export_module`): checks the arguments, traces the module, builds the
graph, converts the weights to the storage dtype, writes the file and verifies it."""
from __future__ import annotations

import math
import os
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.fx
import torch.nn as nn

from .format import DTYPES, ROLES, ExportError
from .glue import check_glue
from .graph import build_graph
from .tracing import _record, _TensorValue, trace
from .verify import verify_export
from .writer import _metadata, write_safetensors


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

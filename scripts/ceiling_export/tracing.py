"""Tracing. The op mapping works on the module's torch.fx graph, and needs the shapes PyTorch
only computes at run time (reshape and resize sizes): one recorded run on an example batch
gives them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Sequence, Tuple

import torch
import torch.fx
import torch.nn as nn

from .format import ExportError
from .layers import Normalize


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

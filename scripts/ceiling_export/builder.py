"""The state of one graph build: the format nodes and tensors emitted so far, the graph names of
traced values, and errors that name the traced node they concern. The handlers in `ops` emit
through it."""
from __future__ import annotations

import operator
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, NoReturn, Optional, Sequence, Tuple

import torch
import torch.fx
import torch.nn as nn

from .format import GRAPH_INPUT, ExportError
from .tracing import _TensorValue


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

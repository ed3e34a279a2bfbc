"""Graph building: walks the traced graph in order, keeps what the output depends on, refuses
in-place writes that a later node would notice, and hands each node to its handler in `ops`."""
from __future__ import annotations

import operator
from collections import OrderedDict
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F

from .builder import _Builder
from .format import _FINAL_ONLY_OPS, GRAPH_INPUT, ExportError
from .ops import _FUNCTION_HANDLERS, _METHOD_HANDLERS, _MODULE_HANDLERS


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

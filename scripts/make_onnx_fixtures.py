#!/usr/bin/env python3
"""Write the ONNX import's test fixtures into Tests/CeilingONNXTests/Fixtures/.

The modules are those of scripts/make_fixtures.py (same seeds, so the same weights), exported
with both torch.onnx exporters: the TorchScript one (`dynamo=False`, opset 17, dynamic batch
axis, which writes Shape/Gather/Concat chains for `view`) and the torch.export-based one
(`dynamo=True`, opset 18, weights in a `.onnx.data` file beside the model). For every fixture
NAME and exporter E:

    NAME.E.onnx (+ NAME.E.onnx.data)   the exported model
    NAME.input/output/cotangent/grad_input.npy   PyTorch's references, as in make_fixtures.py
    NAME.onnx.json                     the declaration (role, glue, classes) where one is needed

and invalid/*.onnx, broken files each with the error the import must give. manifest.json lists
them. Needs `pip install onnx onnxscript` (only this script; the tests read the committed files).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any, Dict, List

import onnx
import torch
import torch.nn as nn
from onnx import helper, numpy_helper

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))

import make_fixtures as mf  # noqa: E402

OUT = mf.REPO / "Tests" / "CeilingONNXTests" / "Fixtures"
SIZE_BUDGET = 12 * 1024 * 1024

# (fixture, exporters): the small modules of make_fixtures.py whose layers ONNX can express.
# cifar_resnet18 only through the default exporter (2.8 MB each), to keep the folder small.
CHOSEN = {
    "dcgan64": ["torchscript", "dynamo"],
    "lenet5_relu": ["torchscript", "dynamo"],
    "lenet5_tanh": ["torchscript", "dynamo"],
    "mlp_generator": ["torchscript", "dynamo"],
    "vae_decoder": ["torchscript", "dynamo"],
    "cifar_resnet18": ["dynamo"],
    "log_softmax_mlp": ["torchscript", "dynamo"],
    "activations_softmax": ["torchscript", "dynamo"],
    "pooling": ["torchscript", "dynamo"],
    "conv_transpose": ["torchscript", "dynamo"],
    "batchnorm1d": ["torchscript"],
    "residual_functional": ["torchscript", "dynamo"],
    "glue_classifier": ["torchscript"],
    "onnx_operators": ["torchscript", "dynamo"],
}


class OnImageSpace(nn.Module):
    """The module as the model file sees it: reads [N, *input_shape] and reshapes it to what
    forward() takes (a DCGAN generator's [N, nz, 1, 1])."""

    def __init__(self, module: nn.Module, shape: List[int]):
        super().__init__()
        self.module, self.shape = module, shape

    def forward(self, x):
        return self.module(x.reshape(x.shape[0], *self.shape))


class OperatorsNet(nn.Module):
    """ONNX operators the modules above do not make torch.onnx write: F.pad before a Conv
    (Pad), a product with a parameter (MatMul + Add), unsqueeze/squeeze, a per-channel
    normalisation by constant tensors (Sub, Div) and a scalar division."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.weight = nn.Parameter(torch.randn(4 * 8 * 4, 5) * 0.1)
        self.bias = nn.Parameter(torch.randn(5))
        self.register_buffer("mean", torch.tensor([0.1, -0.2, 0.3]).reshape(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.5, 0.25, 2.0]).reshape(1, 3, 1, 1))

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = torch.relu(self.conv(nn.functional.pad(x, (1, 1, 2, 2))))
        x = x.unsqueeze(1).squeeze(1).flatten(1)
        return torch.matmul(x, self.weight) + self.bias / 2


EXTRA = [mf.Fixture("onnx_operators", "classifier", "Pad, MatMul + Add, Squeeze, Unsqueeze, Sub, Div",
                    OperatorsNet, [3, 6, 4])]


def export(module: nn.Module, example: torch.Tensor, path: Path, exporter: str) -> None:
    if exporter == "torchscript":
        torch.onnx.export(module, (example,), str(path), dynamo=False, opset_version=17,
                          input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    else:
        torch.onnx.export(module, (example,), str(path), dynamo=True, opset_version=18,
                          external_data=True, input_names=["x"], output_names=["y"])
    strip_provenance(path)


def strip_provenance(path: Path) -> None:
    """Drops the per-node metadata (the exporter's stack traces, which name the files and folders
    of the machine that exported) and doc strings; the graph and its weights stay as written."""
    model = onnx.load(str(path), load_external_data=False)
    for node in model.graph.node:
        del node.metadata_props[:]
        node.doc_string = ""
    onnx.save(model, str(path))


def operators(path: Path) -> List[str]:
    model = onnx.load(str(path), load_external_data=False)
    return sorted({n.op_type for n in model.graph.node})


def make_model(fx: mf.Fixture, exporters: List[str]) -> List[Dict[str, Any]]:
    module = mf.build_module(fx)
    mshape = fx.module_input_shape()
    gen = torch.Generator().manual_seed(mf.seed_for(fx.name) + 3)
    x = mf.make_input(fx, gen)
    y, u, g = mf.torch_reference(module, x, gen, fx.glue, mshape)
    files = {}
    for key, t in (("input", x), ("output", y), ("cotangent", u), ("grad_input", g)):
        files[key] = f"{fx.name}.{key}.npy"
        mf.save_npy(OUT / files[key], t)
    declaration = None
    if fx.glue or fx.classes:
        declaration = f"{fx.name}.onnx.json"
        text = {"role": fx.role, "classes": fx.classes}
        if fx.glue:
            # The network reads the glue's output; the declaration states X's shape.
            text.update(glue=fx.glue, input_shape=fx.input_shape)
        (OUT / declaration).write_text(json.dumps({k: v for k, v in text.items() if v}, indent=1) + "\n")
    # The exported module reads what the glue produces (the glue is declared, not exported).
    wrapped = OnImageSpace(module, mshape) if fx.latent_as_image else module
    example_shape = fx.input_shape if fx.latent_as_image or not fx.glue else mshape
    example = torch.zeros(fx.batch, *example_shape)
    entries = []
    for exporter in exporters:
        path = OUT / f"{fx.name}.{exporter}.onnx"
        export(wrapped, example, path, exporter)
        check = onnx.load(str(path))  # loads external data too: the file is complete
        onnx.checker.check_model(check)
        entries.append({"name": fx.name, "exporter": exporter, "role": fx.role, "model": path.name,
                        "declaration": declaration, **files, "operators": operators(path)})
        print(f"{fx.name:22s} {exporter:11s} {', '.join(operators(path))}", flush=True)
    return entries


# ----------------------------------------------------------------------------------------------
# Broken files
# ----------------------------------------------------------------------------------------------


def small_model(initializers_external: bool = False) -> onnx.ModelProto:
    """Conv-Relu-Flatten-Gemm on [N, 1, 4, 4], the base of the broken files."""
    torch.manual_seed(0)
    w = numpy_helper.from_array(torch.randn(2, 1, 3, 3).numpy(), "w")
    b = numpy_helper.from_array(torch.randn(2).numpy(), "b")
    fc = numpy_helper.from_array(torch.randn(3, 8).numpy(), "fc")
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[0, 0, 0, 0]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("Flatten", ["r"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "fc"], ["y"], name="fc", transB=1)]
    graph = helper.make_graph(
        nodes, "small", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["N", 1, 4, 4])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, ["N", 3])], [w, b, fc])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def make_invalid() -> List[Dict[str, str]]:
    folder = OUT / "invalid"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    cases = []

    def emit(name: str, mention: str, model: onnx.ModelProto = None, data: bytes = None) -> None:
        path = folder / f"{name}.onnx"
        path.write_bytes(data if data is not None else model.SerializeToString())
        cases.append({"name": name, "file": f"invalid/{name}.onnx", "error_should_mention": mention})

    whole = small_model().SerializeToString()
    emit("truncated", "the protobuf does not parse", data=whole[:len(whole) // 2])
    m = small_model()
    del m.graph.initializer[1]
    emit("missing_initializer", "reads 'b', which is neither an initializer", m)
    m = small_model()
    m.graph.node[1].op_type = "Gelu"
    emit("unknown_op", "node 'relu' (Gelu): operator 'Gelu' is not supported", m)
    m = small_model()
    m.graph.initializer[2].CopyFrom(numpy_helper.from_array(torch.randn(3, 7).numpy(), "fc"))
    emit("mismatched_shapes", "node 'fc'", m)
    m = small_model()
    m.graph.node[0].attribute[0].ints[:] = [0, 0, 1, 1]
    emit("asymmetric_pads", "the padding is asymmetric", m)

    def external(name: str, location: str, length_cut: int = 0) -> onnx.ModelProto:
        m = small_model()
        tensor = m.graph.initializer[2]
        raw = numpy_helper.to_array(tensor).tobytes()
        if not location.startswith("/") and ".." not in location:
            (folder / location).write_bytes(raw[:len(raw) - length_cut])
        tensor.ClearField("float_data")
        tensor.ClearField("raw_data")
        tensor.data_location = onnx.TensorProto.EXTERNAL
        for key, value in (("location", location), ("offset", "0"), ("length", str(len(raw)))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
        return m

    emit("external_missing", "external data 'nowhere.onnx.data' is missing", external("x", "nowhere.onnx.data"))
    (folder / "nowhere.onnx.data").unlink()
    emit("external_short", "run past the end of the file", external("x", "external_short.onnx.data", length_cut=8))
    emit("external_escapes", "not a plain path inside the model's folder", external("x", "../../../etc/passwd"))
    emit("external_absolute", "not a plain path inside the model's folder", external("x", "/etc/passwd"))
    return cases


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.parse_args()
    torch.set_num_threads(1)
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    table = {fx.name: fx for fx in mf.FIXTURE_LIST + EXTRA}
    models = [e for name, exporters in CHOSEN.items() for e in make_model(table[name], exporters)]
    manifest = {
        "about": "ONNX import fixtures, written by scripts/make_onnx_fixtures.py with PyTorch "
                 + torch.__version__.split("+")[0] + " and onnx " + onnx.__version__
                 + "; references as in the engine's fixtures (float32, eval mode)",
        "models": models,
        "invalid_models": make_invalid(),
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"total {total / 2**20:.2f} MiB in {OUT}")
    if total > SIZE_BUDGET:
        raise SystemExit(f"fixtures exceed the {SIZE_BUDGET / 2**20:.0f} MiB budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())

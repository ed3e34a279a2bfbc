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

The exporter is the package `ceiling_export/` next to this file; this module runs its command
line and re-exports its Python API, so that `import export_torch` keeps working.
"""
import sys

from ceiling_export import (DTYPES, FORMAT_OPS, FORMAT_VERSION, GRAPH_INPUT, ROLES, ExportError,
                            ModelFile, Normalize, apply_glue, build_arg_parser, build_graph,
                            check_glue, export_module, load_object, load_state_dict_flexible,
                            main, make_glue, max_rel_error, range_scale_shift, read_model,
                            reference_forward, round_weights, strip_wrapper_prefixes, trace,
                            verify_export, write_safetensors)
from ceiling_export.reference import _run_op

__all__ = [
    "DTYPES", "FORMAT_OPS", "FORMAT_VERSION", "GRAPH_INPUT", "ROLES", "ExportError",
    "ModelFile", "Normalize", "apply_glue", "build_arg_parser", "build_graph", "check_glue",
    "export_module", "load_object", "load_state_dict_flexible", "main", "make_glue",
    "max_rel_error", "range_scale_shift", "read_model", "reference_forward", "round_weights",
    "strip_wrapper_prefixes", "trace", "verify_export", "write_safetensors", "_run_op",
]

if __name__ == "__main__":
    sys.exit(main())

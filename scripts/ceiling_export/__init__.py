"""The exporter from PyTorch to the ceiling model file (docs/model-format.md), as a package.

Its modules, in the order an export uses them: `checkpoint` loads the weights, `tracing` traces
the module with torch.fx, `builder`, `ops` and `graph` map the traced operations to the
format's, `glue` handles the classifier glue, `writer` writes the safetensors container,
`reference` reads it back and runs it by the format's definitions, `verify` compares that with
the module, `export` ties these together, and `cli` is the command line. `format` and `layers`
hold what the others share. `scripts/export_torch.py` is the entry point and re-exports this
API under its old module name.
"""
from .checkpoint import load_state_dict_flexible, strip_wrapper_prefixes
from .cli import build_arg_parser, load_object, main
from .export import export_module
from .format import DTYPES, FORMAT_OPS, FORMAT_VERSION, GRAPH_INPUT, ROLES, ExportError
from .glue import apply_glue, check_glue, make_glue, range_scale_shift
from .graph import build_graph
from .layers import Normalize
from .reference import ModelFile, max_rel_error, read_model, reference_forward
from .tracing import trace
from .verify import round_weights, verify_export
from .writer import write_safetensors

__all__ = [
    "DTYPES", "FORMAT_OPS", "FORMAT_VERSION", "GRAPH_INPUT", "ROLES", "ExportError",
    "ModelFile", "Normalize", "apply_glue", "build_arg_parser", "build_graph", "check_glue",
    "export_module", "load_object", "load_state_dict_flexible", "main", "make_glue",
    "max_rel_error", "range_scale_shift", "read_model", "reference_forward", "round_weights",
    "strip_wrapper_prefixes", "trace", "verify_export", "write_safetensors",
]

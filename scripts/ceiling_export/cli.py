"""The command line of scripts/export_torch.py: builds the module and loads its weights from the
arguments, exports it, and reports what was written."""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any, List, Optional, Sequence

import torch.nn as nn

from .checkpoint import load_state_dict_flexible
from .export import export_module
from .format import DTYPES, ROLES, ExportError
from .glue import make_glue
from .selection import FlatAsImage, MethodAsForward, submodule, used_keys


def load_object(spec: str) -> Any:
    """`path/to/file.py:Name` or `package.module:Name` -> the named object."""
    if ":" not in spec:
        raise ExportError(f"--module {spec!r}: expected FILE.py:NAME or package.module:NAME")
    where, name = spec.rsplit(":", 1)
    if where.endswith(".py") or os.path.sep in where:
        file = Path(where).resolve()
        if not file.is_file():
            raise ExportError(f"--module: no file {where}")
        sys.path.insert(0, str(file.parent))
        mod_spec = importlib.util.spec_from_file_location(file.stem, file)
        module = importlib.util.module_from_spec(mod_spec)
        sys.modules[file.stem] = module
        mod_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    obj = module
    for part in name.split("."):
        if not hasattr(obj, part):
            raise ExportError(f"--module: {where} has no `{name}`")
        obj = getattr(obj, part)
    return obj


def _ints(values: Optional[Sequence[str]]) -> Optional[List[int]]:
    """Shapes may be given as `3 32 32`, `3,32,32` or `3x32x32`."""
    if values is None:
        return None
    out: List[int] = []
    for v in values:
        out += [int(p) for p in v.replace("x", ",").split(",") if p.strip()]
    return out


def build_arg_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="Export a PyTorch module to a ceiling model file (.bin). "
                    "See docs/model-format.md.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  %(prog)s --module scripts/models.py:DCGANGenerator --kwargs '{\"nz\":100}' \\\n"
               "      --state-dict netG.pth --role generator --input-shape 100 --out g.bin\n"
               "  %(prog)s --module scripts/models.py:CIFARResNet18 --state-dict r.pt \\\n"
               "      --role classifier --input-shape 3,32,32 --range-from -1 1 \\\n"
               "      --range-to 0 1 --mean 0.4914 0.4822 0.4465 --std 0.247 0.243 0.261 \\\n"
               "      --classes airplane automobile bird cat deer dog frog horse ship truck \\\n"
               "      --out resnet.bin")
    p.add_argument("--module", required=True,
                   help="FILE.py:NAME or package.module:NAME of an nn.Module class or factory")
    p.add_argument("--kwargs", default="{}", help="JSON object of constructor arguments")
    p.add_argument("--state-dict", help="weights (.pt/.pth); `module.` prefixes from "
                   "nn.DataParallel are stripped; without it the initial weights are exported")
    c = p.add_argument_group("checkpoints as training scripts save them")
    c.add_argument("--checkpoint-key", metavar="KEY",
                   help="the checkpoint entry holding the weights (netG_state_dict, "
                        "state_dict, model; dotted for nested dicts: a.b)")
    c.add_argument("--strip-prefix", action="append", default=[], metavar="P",
                   help="remove P from the start of every key that has it (repeatable)")
    c.add_argument("--add-prefix", metavar="P", help="prepend P to every key")
    c.add_argument("--submodule", metavar="NAME",
                   help="export this sub-module (dotted: decoder, model.gen) instead of the module")
    c.add_argument("--forward", metavar="METHOD",
                   help="export this method (decode) instead of forward()")
    c.add_argument("--non-strict", action="store_true",
                   help="load only the tensors the export uses, listing the others (implied by "
                        "--submodule and --forward)")
    c.add_argument("--output-shape", nargs="+", metavar="C H W",
                   help="generators whose module returns flat vectors: the image shape "
                        "(a reshape is appended, so glue and plots see an image)")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--input-shape", required=True, nargs="+",
                   help="per-sample input shape: the latent dim for a generator (100), the "
                        "image space X for a classifier (3,32,32)")
    p.add_argument("--module-input-shape", nargs="+",
                   help="per-sample shape forward() expects, if it differs (a reshape is "
                        "prepended); [nz,1,1] generators are detected automatically")
    p.add_argument("--latent-dim", type=int, help="generators: check against --input-shape")
    p.add_argument("--prior-mean", type=float, default=0, help="generators: latent prior mean")
    p.add_argument("--prior-std", type=float, default=1, help="generators: latent prior std")
    g = p.add_argument_group("classifier glue (applied to X in this order)")
    g.add_argument("--range-from", nargs=2, type=float, metavar=("LO", "HI"),
                   help="range of the image space X, e.g. -1 1")
    g.add_argument("--range-to", nargs=2, type=float, metavar=("LO", "HI"),
                   help="range the classifier was trained on, e.g. 0 1")
    g.add_argument("--mean", nargs="+", type=float, help="per-channel normalisation mean")
    g.add_argument("--std", nargs="+", type=float, help="per-channel normalisation std")
    g.add_argument("--resize", nargs=2, type=int, metavar=("H", "W"),
                   help="bilinear resize (align_corners=False) to H W")
    g.add_argument("--glue", help="the glue as a JSON object instead of the flags above")
    p.add_argument("--classes", nargs="+", help="class names, in output order")
    p.add_argument("--classes-file", help="file with one class name per line")
    p.add_argument("--dtype", default="F32", choices=sorted(DTYPES),
                   help="storage dtype of the weights (default F32)")
    p.add_argument("--source", help="free text stored as ceiling.source")
    p.add_argument("--keep-unused", action="store_true",
                   help="also store state-dict tensors no op uses (e.g. num_batches_tracked)")
    p.add_argument("--no-verify", action="store_true",
                   help="skip reading the file back and comparing with the module")
    p.add_argument("--out", required=True, help="output .bin path")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_arg_parser().parse_args(argv)
    try:
        factory = load_object(args.module)
        kwargs = json.loads(args.kwargs)
        module = factory(**kwargs)
        if not isinstance(module, nn.Module):
            raise ExportError(f"{args.module} returned a {type(module).__name__}, "
                              "not an nn.Module")
        part = submodule(module, args.submodule) if args.submodule else module
        if args.forward:
            part = MethodAsForward(part, args.forward)
        if args.state_dict:
            used = None
            if args.non_strict or args.submodule or args.forward:
                prefix = args.submodule + "." if args.submodule else ""
                inner = "inner." if args.forward else ""
                used = {prefix + k[len(inner):] for k in used_keys(part)}
            load_state_dict_flexible(module, args.state_dict, checkpoint_key=args.checkpoint_key,
                                     strip_prefixes=args.strip_prefix,
                                     add_prefix=args.add_prefix, used=used)
        else:
            print("warning: no --state-dict; exporting the module's initial weights",
                  file=sys.stderr)
        if args.output_shape:
            if args.role != "generator":
                raise ExportError("--output-shape is for generators (a classifier outputs logits)")
            part = FlatAsImage(part, _ints(args.output_shape))
        if args.glue:
            glue = json.loads(args.glue)
        else:
            glue = make_glue(args.range_from, args.range_to, args.mean, args.std, args.resize)
        classes = args.classes
        if args.classes_file:
            classes = [line.strip() for line in Path(args.classes_file).read_text().splitlines()
                       if line.strip()]
        summary = export_module(
            part, args.out, args.role, _ints(args.input_shape), latent_dim=args.latent_dim,
            prior_mean=args.prior_mean, prior_std=args.prior_std,
            module_input_shape=_ints(args.module_input_shape), glue=glue, classes=classes,
            dtype=args.dtype, source=args.source, keep_unused=args.keep_unused,
            verify=not args.no_verify)
    except (ExportError, json.JSONDecodeError, TypeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    ops = sorted({n["op"] for n in summary["graph"]["nodes"]})
    print(f"wrote {summary['path']}: {len(summary['graph']['nodes'])} ops ({', '.join(ops)}), "
          f"{summary['parameters']} weights in {summary['tensors']} tensors, "
          f"{summary['bytes']} bytes")
    if "max_rel_error" in summary:
        print(f"verified: safetensors reads it; reference interpreter vs module max relative "
              f"error {summary['max_rel_error']:.2e}")
    return 0

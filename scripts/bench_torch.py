#!/usr/bin/env python3
"""PyTorch CPU reference timings for the workloads ceiling runs, to compare with the Swift
engine on the same machine and thread count.

Workloads (images per second; the median over --repeats timed runs after --warmup runs):

    dcgan32_generate        DCGAN-32 four-stage generator (nz=100, ngf=64), eval mode,
                            forward only (inference_mode)
    resnet18_forward        CIFAR ResNet-18 (width 64), eval mode, forward only
    resnet18_input_grad     CIFAR ResNet-18, forward + gradient of a random linear functional
                            <u, logits> with respect to the input; the weights do not require
                            gradients, so no weight gradients are computed (as in the engine)
    dcgan32_input_grad      the DCGAN-32 generator, forward + gradient of <u, g(z)> w.r.t. z
    dcgan32_jvp             the DCGAN-32 generator, forward + Jacobian-vector product
                            (torch.func.jvp, forward-mode AD)

Other modules can be timed with --model FILE.py:Class --kwargs JSON --input-shape C,H,W
(--mode forward, input_grad or jvp). Output: a table, or with --json one object
{"workload": images_per_second, ..., "torch": version, "threads": T, "batch": B}.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import torch
import torch.nn as nn

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))

import models  # noqa: E402


@dataclass
class Workload:
    """A module, the per-sample input shape, and what to time."""
    name: str
    build: Callable[[], nn.Module]
    input_shape: List[int]
    mode: str  # "forward", "input_grad" or "jvp"


BUILTIN: Dict[str, Workload] = {
    w.name: w for w in [
        Workload("dcgan32_generate", lambda: models.DCGANGenerator32(nz=100, ngf=64),
                 [100, 1, 1], "forward"),
        Workload("resnet18_forward", lambda: models.CIFARResNet18(width=64), [3, 32, 32],
                 "forward"),
        Workload("resnet18_input_grad", lambda: models.CIFARResNet18(width=64), [3, 32, 32],
                 "input_grad"),
        Workload("dcgan32_input_grad", lambda: models.DCGANGenerator32(nz=100, ngf=64),
                 [100, 1, 1], "input_grad"),
        Workload("dcgan32_jvp", lambda: models.DCGANGenerator32(nz=100, ngf=64),
                 [100, 1, 1], "jvp"),
    ]
}


def make_step(module: nn.Module, x: torch.Tensor, mode: str,
              gen: torch.Generator) -> Callable[[], None]:
    """One timed unit of work on a batch; inputs and cotangents are made outside the timing."""
    if mode == "forward":
        def step() -> None:
            with torch.inference_mode():
                module(x)
        return step
    if mode == "input_grad":
        with torch.no_grad():
            u = torch.randn(module(x).shape, generator=gen)

        def step() -> None:
            xg = x.detach().requires_grad_(True)
            (module(xg) * u).sum().backward()
            assert xg.grad is not None
        return step
    if mode == "jvp":
        v = torch.randn(x.shape, generator=gen)

        def step() -> None:
            torch.func.jvp(module, (x,), (v,))
        return step
    raise ValueError(f"unknown mode {mode!r}")


def time_step(step: Callable[[], None], warmup: int, repeats: int) -> float:
    """Median wall time of `repeats` runs after `warmup` untimed ones."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_workload(w: Workload, batch: int, warmup: int, repeats: int) -> float:
    """Images per second for one workload (random weights: speed does not depend on them)."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    module = w.build().eval()
    for p in module.parameters():
        p.requires_grad_(False)
    x = torch.randn(batch, *w.input_shape, generator=gen)
    seconds = time_step(make_step(module, x, w.mode, gen), warmup, repeats)
    return batch / seconds


def custom_workload(spec: str, kwargs: str, input_shape: str, mode: str) -> Workload:
    """A workload from --model FILE.py:Class (imported the same way export_torch.py does)."""
    from export_torch import load_object

    factory = load_object(spec)
    shape = [int(s) for s in input_shape.replace("x", ",").split(",") if s.strip()]
    name = f"{spec.rsplit(':', 1)[1]}_{mode}"
    return Workload(name, lambda: factory(**json.loads(kwargs)), shape, mode)


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    p.add_argument("--batch", type=int, default=64, help="images per batch (default 64)")
    p.add_argument("--repeats", type=int, default=5, help="timed runs (default 5)")
    p.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2)")
    p.add_argument("--workloads", nargs="+", choices=sorted(BUILTIN), metavar="NAME",
                   help=f"built-in workloads to run (default all: {', '.join(BUILTIN)})")
    p.add_argument("--model", help="also time FILE.py:Class or package.module:Class")
    p.add_argument("--kwargs", default="{}", help="JSON constructor arguments for --model")
    p.add_argument("--input-shape", help="per-sample input shape for --model, e.g. 3,32,32")
    p.add_argument("--mode", default="forward", choices=["forward", "input_grad", "jvp"],
                   help="what to time for --model (default forward)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    if args.threads < 1 or args.batch < 1 or args.repeats < 1 or args.warmup < 0:
        p.error("--threads, --batch and --repeats must be positive, --warmup not negative")

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    workloads = [BUILTIN[n] for n in (args.workloads or BUILTIN)]
    if args.model:
        if not args.input_shape:
            p.error("--model needs --input-shape")
        workloads.append(custom_workload(args.model, args.kwargs, args.input_shape, args.mode))
        if args.workloads is None:
            workloads = workloads[-1:]

    results: Dict[str, object] = {}
    for w in workloads:
        results[w.name] = round(run_workload(w, args.batch, args.warmup, args.repeats), 2)
        if not args.json:
            print(f"{w.name:28s} {results[w.name]:12.1f} images/s", flush=True)
    results.update({"torch": torch.__version__, "threads": args.threads, "batch": args.batch})
    if args.json:
        print(json.dumps(results))
    else:
        print(f"torch {torch.__version__}, {args.threads} thread(s), batch {args.batch}, "
              f"median of {args.repeats}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

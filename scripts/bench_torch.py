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

--serve is the mode `ceiling bench` drives: it reads one JSON request per line on stdin and
answers one JSON line each, so that every timed PyTorch run can follow the matching ceiling run
under the same background load. Requests:

    {"op": "setup", "key": K, "model": M, "mode": MODE, "input": NPY, ...}
        builds the workload (and runs it once to warm up); MODE is forward, input_grad,
        deepfool or modulus. M is {"kind": "file", "path": model file} (run by the format's
        reference interpreter, up to the logits) or {"kind": "reference", "arch": "dcgan32" or
        "resnet18", ..., "weights": safetensors written by ceiling in graph order}. With
        "reference": NPY the answer's "check" is max |torch - ceiling| / max |ceiling|.
    {"op": "time", "key": K}
        one timed run: {"seconds", "work", "forward_samples", "cotangent_samples"}.

DeepFool and the modulus ascent here are line-for-line equivalents of ceiling's own (see
`deepfool` and `modulus_ascent`), so both engines do the same passes on the same batches.
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


# ----------------------------------------------------------------------------------------------
# Serve mode: the workloads of `ceiling bench`
# ----------------------------------------------------------------------------------------------


class FileNetwork(nn.Module):
    """A ceiling model file run by the format's reference interpreter
    (scripts/ceiling_export/reference.py), up to the classifier's logits (a final softmax is
    dropped, as ceiling does)."""

    def __init__(self, path: str):
        super().__init__()
        from export_torch import read_model

        self.model = read_model(path)
        nodes = self.model.graph["nodes"]
        self.output = self.model.graph["output"]
        last = next(n for n in nodes if n["name"] == self.output)
        if self.model.role == "classifier" and last["op"] in ("softmax", "log_softmax"):
            self.output = last["inputs"][0]
        self.steps = [(n["name"], n["op"], n["inputs"], n.get("attrs", {}),
                       {slot: self.model.tensors[name] for slot, name in n.get("params", {}).items()})
                      for n in nodes]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        from export_torch import _run_op, apply_glue

        env = {self.model.graph["input"]: apply_glue(x, self.model.glue)}
        for name, op, inputs, attrs, params in self.steps:
            env[name] = _run_op(op, [env[i] for i in inputs], attrs, params)
            if name == self.output:
                break
        return env[self.output]


def load_ordered_weights(module: nn.Module, path: str) -> None:
    """Copies ceiling's parameters (NNN.weight/bias of convolutions and linear layers, NNN.scale/
    shift of folded batch norms, in graph order) into the module's layers taken in the same
    order; a batch norm gets mean 0 and variance 1 - eps so that it computes scale * x + shift."""
    from safetensors.torch import load_file

    tensors = load_file(path)
    layers = [m for m in module.modules()
              if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.BatchNorm2d))]
    indices = sorted({name.split(".")[0] for name in tensors})
    if len(indices) != len(layers):
        raise ValueError(f"{path} holds {len(indices)} layers, the module {len(layers)}")
    with torch.no_grad():
        for index, layer in zip(indices, layers):
            if isinstance(layer, nn.BatchNorm2d):
                layer.weight.copy_(tensors[f"{index}.scale"])
                layer.bias.copy_(tensors[f"{index}.shift"])
                layer.running_mean.zero_()
                layer.running_var.fill_(1 - layer.eps)
            else:
                layer.weight.copy_(tensors[f"{index}.weight"])
                if layer.bias is not None:
                    layer.bias.copy_(tensors[f"{index}.bias"])


def build_network(spec: Dict[str, object]) -> nn.Module:
    if spec["kind"] == "file":
        net: nn.Module = FileNetwork(str(spec["path"]))
    elif spec["arch"] == "dcgan32":
        net = models.DCGANGenerator32(nz=int(spec["nz"]), ngf=int(spec["ngf"]))
        load_ordered_weights(net, str(spec["weights"]))
        net = nn.Sequential(nn.Unflatten(1, (int(spec["nz"]), 1, 1)), net)
    elif spec["arch"] == "resnet18":
        net = models.CIFARResNet18(num_classes=int(spec["classes"]), width=int(spec["width"]))
        load_ordered_weights(net, str(spec["weights"]))
    else:
        raise ValueError(f"unknown model {spec}")
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def deepfool(f: nn.Module, x: torch.Tensor, overshoot: float, max_iterations: int):
    """ceiling's batched multi-class L2 DeepFool (CeilingScience/Attacks/DeepFool.swift): labels
    are the clean predictions; every still-correct sample steps to the nearest linearised
    boundary among all classes, r = (|f'_k| + 1e-4) w_k / ||w_k||^2; all K class gradients come
    from one backward pass with K cotangents (is_grads_batched); the perturbation accumulates in
    float64 and is scaled by 1 + overshoot. Returns (perturbation, sample-iterations, forward
    samples, cotangent samples)."""
    n = x.shape[0]
    with torch.no_grad():
        logits0 = f(x)
    k = logits0.shape[1]
    labels = logits0.argmax(1)
    # Candidate order: the label first, then the other classes by clean logit.
    order = logits0.argsort(1, descending=True)
    classes = torch.stack([torch.cat([labels[i:i + 1], order[i][order[i] != labels[i]]]) for i in range(n)])
    total = torch.zeros(x.shape, dtype=torch.float64)
    active = torch.arange(n)
    factor = 1 + overshoot
    eye = torch.eye(k)
    sample_iterations, forward, cotangents = 0, n, 0
    for _ in range(max_iterations):
        if len(active) == 0:
            break
        a = len(active)
        point = (x[active] + (factor * total[active]).float()).requires_grad_(True)
        logits = f(point)
        cls = classes[active]                                    # [a, K]
        cot = eye[cls].permute(1, 0, 2).contiguous()             # [K, a, K]: one-hot of class j
        grads, = torch.autograd.grad(logits, point, cot, is_grads_batched=True)
        sample_iterations += a
        forward += a
        cotangents += k * a
        with torch.no_grad():
            lg = logits.double()
            still = lg.argmax(1) == labels[active]
            g = grads.reshape(k, a, -1).double()
            w = g[1:] - g[:1]                                    # [K-1, a, size]
            fk = lg.gather(1, cls[:, 1:]) - lg.gather(1, cls[:, :1])    # [a, K-1]
            norm2 = (w * w).sum(2).T                             # [a, K-1]
            ratio = fk.abs() / norm2.sqrt()
            ratio[norm2 <= 0] = float("inf")
            best = ratio.argmin(1)
            finite = torch.isfinite(ratio.gather(1, best[:, None]))[:, 0]
            keep = still & finite
            rows = torch.arange(a)
            wb = w[best, rows]                                   # [a, size]
            step = (fk[rows, best].abs() + 1e-4) / norm2[rows, best]
            update = (step[:, None] * wb).reshape((a,) + tuple(x.shape[1:]))
            total[active[keep]] += update[keep]
            active = active[keep]
    return (factor * total).float(), sample_iterations, forward, cotangents


def modulus_ascent(g: nn.Module, latent: int, anchors: int, directions: int, steps: int,
                   radius: float, chunk: int, seed: int = 0):
    """ceiling's modulus ascent (CeilingScience/Modulus/BallAscent.swift) at one radius s with one
    chain per anchor: D random points s u on the sphere, the best starts a projected
    normalised-gradient ascent on f(r) = 1/2 ||g(z + r) - g(z)||^2 (gradient J^T (g(z + r) - g(z))
    by one backward pass), step eta s with eta from 4, doubled on an accepted step (up to 64),
    halved on a rejected one, the chain stopping below 1/1024. Anchors run in chunks of `chunk`.
    Returns (best values, gradient evaluations, forward samples, cotangent samples)."""
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(anchors, latent, generator=gen)
    best_all, grad_evals, forward, cotangents = [], 0, 0, 0

    def evaluate(u: torch.Tensor, r: torch.Tensor, base: torch.Tensor, gradient: bool):
        nonlocal grad_evals, forward, cotangents
        forward += len(r)
        if not gradient:
            with torch.no_grad():
                return (g(u + r) - base).flatten(1).double().norm(dim=1), None
        rr = r.detach().requires_grad_(True)
        diff = g(u + rr) - base
        grad, = torch.autograd.grad(diff, rr, diff.detach())
        grad_evals += len(r)
        cotangents += len(r)
        return diff.detach().flatten(1).double().norm(dim=1), grad

    for start in range(0, anchors, chunk):
        u = z[start:start + chunk]
        c = len(u)
        with torch.no_grad():
            base = g(u)
        forward += c
        dirs = torch.randn(c, directions, u.shape[1], generator=gen)
        dirs = dirs / dirs.norm(dim=2, keepdim=True)
        cands = (radius * dirs).reshape(c * directions, -1)
        values, _ = evaluate(u.repeat_interleave(directions, 0), cands, base.repeat_interleave(directions, 0), False)
        pick = values.reshape(c, directions).argmax(1)
        chains = cands.reshape(c, directions, -1)[torch.arange(c), pick]
        values, grads = evaluate(u, chains, base, True)
        eta = torch.full((c,), 4.0, dtype=torch.float64)
        for _ in range(steps):
            norm = grads.double().norm(dim=1)
            moving = (eta >= 1.0 / 1024) & (norm > 0) & torch.isfinite(norm)
            eta[~moving & (eta >= 1.0 / 1024)] = 0
            if not bool(moving.any()):
                break
            idx = moving.nonzero()[:, 0]
            point = chains[idx].double() + (eta[idx] * radius / norm[idx])[:, None] * grads[idx].double()
            size = point.norm(dim=1)
            shrink = torch.where(size > radius, radius / size, torch.ones_like(size))
            proposal = (point * shrink[:, None]).float()
            new_values, new_grads = evaluate(u[idx], proposal, base[idx], True)
            accept = new_values >= values[idx]
            ai, ri = idx[accept], idx[~accept]
            chains[ai], values[ai], grads[ai] = proposal[accept], new_values[accept], new_grads[accept]
            eta[ai] = torch.clamp(2 * eta[ai], max=64.0)
            eta[ri] = eta[ri] / 2
        best_all.append(values)
    return torch.cat(best_all), grad_evals, forward, cotangents


def load_npy(path: str) -> torch.Tensor:
    import numpy as np

    return torch.from_numpy(np.load(path)).float()


def serve_step(request: Dict[str, object]) -> Callable[[], Dict[str, float]]:
    """The timed unit of one `setup` request; returns the work it counted."""
    net = build_network(request["model"])  # type: ignore[arg-type]
    mode = request["mode"]
    if mode == "modulus":
        anchors = int(request["anchors"])  # type: ignore[arg-type]

        def step() -> Dict[str, float]:
            latent = int(request["model"]["nz"])  # type: ignore[index]
            _, evals, fwd, cot = modulus_ascent(net, latent, anchors, int(request["directions"]),
                                                int(request["steps"]), float(request["radius"]),
                                                int(request["chunk"]))
            return {"work": evals, "forward_samples": fwd, "cotangent_samples": cot}
        return step
    x = load_npy(str(request["input"]))
    if mode == "deepfool":
        def step() -> Dict[str, float]:
            _, iterations, fwd, cot = deepfool(net, x, float(request["overshoot"]), int(request["max_iterations"]))
            return {"work": iterations, "forward_samples": fwd, "cotangent_samples": cot}
        return step
    n = float(x.shape[0])
    if mode == "forward":
        def step() -> Dict[str, float]:
            with torch.inference_mode():
                net(x)
            return {"work": n, "forward_samples": n, "cotangent_samples": 0}
        return step
    if mode == "input_grad":
        with torch.no_grad():
            u = torch.randn(net(x).shape, generator=torch.Generator().manual_seed(1))

        def step() -> Dict[str, float]:
            xg = x.detach().requires_grad_(True)
            (net(xg) * u).sum().backward()
            return {"work": n, "forward_samples": n, "cotangent_samples": n}
        return step
    raise ValueError(f"unknown mode {mode!r}")


def serve(threads: int) -> int:
    """The line protocol of --serve (see the module docstring)."""
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    steps: Dict[str, Callable[[], Dict[str, float]]] = {}

    def reply(obj: Dict[str, object]) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    reply({"torch": torch.__version__, "threads": threads})
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            key = request["key"]
            if request["op"] == "setup":
                steps[key] = serve_step(request)
                steps[key]()
                answer: Dict[str, object] = {"ok": True}
                if request.get("reference"):
                    net = build_network(request["model"])
                    with torch.no_grad():
                        ours = load_npy(str(request["reference"]))
                        theirs = net(load_npy(str(request["input"]))).reshape(ours.shape)
                    answer["check"] = float((theirs - ours).abs().max() / ours.abs().max())
                reply(answer)
            elif request["op"] == "time":
                start = time.perf_counter()
                work = steps[key]()
                reply({"seconds": time.perf_counter() - start, **work})
            else:
                reply({"error": f"unknown op {request['op']!r}"})
        except Exception as error:  # reported to ceiling, which carries on without this workload
            reply({"error": f"{type(error).__name__}: {error}"})
    return 0


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
    p.add_argument("--serve", action="store_true",
                   help="answer ceiling bench's JSON requests on stdin (see above)")
    args = p.parse_args(argv)
    if args.serve:
        return serve(args.threads)
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

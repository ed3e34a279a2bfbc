#!/usr/bin/env python3
"""Cross-check ceiling's minimal-L2 unconstrained robustness r_unc against foolbox 3.

Run by hand (not part of the test suite)::

    venv/bin/pip install foolbox          # foolbox 3.3.x
    swift build -c release
    venv/bin/python scripts/crosscheck_foolbox.py --model generators/lenet.bin \
        --points generators/real_digits.npy -n 64

For one classifier file and n points it compares, per point and in the median:

- ceiling: `ceiling attack` (DeepFool, DDN-style refinement, boundary binary search);
- foolbox L2DeepFoolAttack (overshoot 0.02, 50 steps, logits loss), followed by the same
  boundary binary search as ceiling (20 halvings of the scale along the perturbation);
- foolbox DDNAttack, called with epsilons=None so that it returns its minimal adversaries.

Labels are the classifier's own predictions (as for r_unc). The classifier runs in PyTorch
through the reference interpreter of the model format (scripts/ceiling_export/reference.py),
up to its logits (a final softmax/log-softmax is dropped, as ceiling does). r_unc has no pixel
box, but foolbox needs finite bounds: we pass (-1e6, 1e6), which no attack here comes near, so
no clipping happens. The acceptance criterion: ceiling's median no larger than DeepFool + binary
search, and within 5% of DDN.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_torch import _run_op, apply_glue, read_model  # noqa: E402

BOUNDS = (-1e6, 1e6)
ROOT = Path(__file__).resolve().parent.parent


class ModelFileModule(nn.Module):
    """A ceiling classifier file as a torch module returning logits."""

    def __init__(self, path: str):
        super().__init__()
        self.model = read_model(path)
        if self.model.role != "classifier":
            raise SystemExit(f"{path} is a {self.model.role}, not a classifier")
        nodes = self.model.graph["nodes"]
        self.output = self.model.graph["output"]
        last = next(n for n in nodes if n["name"] == self.output)
        if last["op"] in ("softmax", "log_softmax"):
            self.output = last["inputs"][0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = self.model
        x = apply_glue(x, m.glue)
        env = {m.graph["input"]: x}
        for node in m.graph["nodes"]:
            params = {slot: m.tensors[name] for slot, name in node.get("params", {}).items()}
            env[node["name"]] = _run_op(node["op"], [env[i] for i in node["inputs"]],
                                        node.get("attrs", {}), params)
            if node["name"] == self.output:
                break
        return env[self.output]


def labels_of(net: nn.Module, x: torch.Tensor, batch: int = 256) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([net(x[i:i + batch]).argmax(1) for i in range(0, len(x), batch)])


def boundary_search(net: nn.Module, x: torch.Tensor, labels: torch.Tensor, delta: torch.Tensor,
                    success: torch.Tensor, steps: int = 20) -> torch.Tensor:
    """Per sample, the norm of the smallest scale t in (0, 1] found by bisection with x + t delta
    still adversarial (the same search as ceiling's BoundarySearch); +inf where not adversarial."""
    low = torch.zeros(len(x))
    high = torch.ones(len(x))
    shape = (-1,) + (1,) * (x.dim() - 1)
    for _ in range(steps):
        mid = (low + high) / 2
        adversarial = labels_of(net, x + mid.view(shape) * delta) != labels
        high = torch.where(adversarial, mid, high)
        low = torch.where(adversarial, low, mid)
    final = x + high.view(shape) * delta
    ok = success & (labels_of(net, final) != labels)
    norms = (high.view(shape) * delta).flatten(1).norm(dim=1).double()
    return torch.where(ok, norms, torch.full_like(norms, float("inf")))


def verified_norms(net, x, labels, adversarial) -> torch.Tensor:
    ok = labels_of(net, adversarial) != labels
    norms = (adversarial - x).flatten(1).norm(dim=1).double()
    return torch.where(ok, norms, torch.full_like(norms, float("inf")))


def median(norms: np.ndarray) -> float:
    """Median with censored values as +inf (never dropped)."""
    return float(np.sort(norms)[int(np.ceil(0.5 * len(norms))) - 1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="classifier .bin (default: generators/lenet.bin, else a fixture)")
    parser.add_argument("--points", help="images .npy (default: uniform random in [0, 1], seeded)")
    parser.add_argument("-n", type=int, default=32, help="number of points")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ddn-steps", type=int, default=1000)
    parser.add_argument("--ddn-init-epsilon", type=float, default=1.0)
    parser.add_argument("--refinement-steps", type=int, default=100, help="ceiling attack --refinement-steps")
    parser.add_argument("--ceiling", default=str(ROOT / ".build/release/ceiling"), help="the ceiling executable")
    args = parser.parse_args()

    import foolbox as fb

    model = args.model
    if model is None:
        model = str(ROOT / "generators/lenet.bin")
        if not os.path.exists(model):
            model = str(ROOT / "Tests/CeilingEngineTests/Fixtures/lenet5_relu.bin")
    net = ModelFileModule(model).eval()
    shape = net.model.input_shape
    if args.points:
        x = torch.from_numpy(np.load(args.points)[: args.n].astype(np.float32))
    else:
        x = torch.from_numpy(np.random.default_rng(args.seed).random((args.n, *shape), dtype=np.float32))
    labels = labels_of(net, x)
    torch.manual_seed(args.seed)

    with tempfile.TemporaryDirectory() as tmp:
        inp, out = os.path.join(tmp, "x.npy"), os.path.join(tmp, "r.json")
        np.save(inp, x.numpy())
        subprocess.run([args.ceiling, "attack", "--classifier", model, "--input", inp, "--json", out,
                        "--refinement-steps", str(args.refinement_steps)], check=True, stdout=subprocess.DEVNULL)
        report = json.load(open(out))
    ceiling = np.array([np.inf if v is None else v for v in report["norms"]])
    if report["labels"] != labels.tolist():
        print(f"warning: {sum(a != b for a, b in zip(report['labels'], labels.tolist()))} labels differ between ceiling and PyTorch")

    fmodel = fb.PyTorchModel(net, bounds=BOUNDS)
    deepfool = fb.attacks.L2DeepFoolAttack(steps=50, overshoot=0.02, candidates=None, loss="logits")
    raw, _, success = deepfool(fmodel, x, labels, epsilons=None)
    df = verified_norms(net, x, labels, raw).numpy()
    df_bs = boundary_search(net, x, labels, raw - x, torch.from_numpy(np.isfinite(df))).numpy()

    ddn = fb.attacks.DDNAttack(init_epsilon=args.ddn_init_epsilon, steps=args.ddn_steps, gamma=0.05)
    raw, _, success = ddn(fmodel, x, labels, epsilons=None)
    dd = verified_norms(net, x, labels, raw).numpy()
    dd_bs = boundary_search(net, x, labels, raw - x, torch.from_numpy(np.isfinite(dd))).numpy()

    rows = [("ceiling attack", ceiling), ("foolbox DeepFool", df), ("foolbox DeepFool + binary search", df_bs),
            ("foolbox DDN", dd), ("foolbox DDN + binary search", dd_bs)]
    print(f"model {model}, {len(x)} points, input shape {list(shape)}, "
          f"mean ||x|| = {x.flatten(1).norm(dim=1).mean():.4g}, bounds {BOUNDS}")
    print(f"{'method':36s} {'median':>10s} {'censored':>9s} {'ceiling / it':>13s} {'ceiling <= it':>14s}")
    for name, norms in rows:
        ratio = median(ceiling) / median(norms)
        better = np.mean(ceiling <= norms * (1 + 1e-6))
        print(f"{name:36s} {median(norms):10.5g} {int(np.sum(~np.isfinite(norms))):9d} {ratio:13.4f} {better:14.1%}")
    ok_df = median(ceiling) <= median(df_bs)
    ok_ddn = median(ceiling) <= 1.05 * median(dd)
    print(f"acceptance: median <= DeepFool + binary search: {'yes' if ok_df else 'NO'}; "
          f"within 5% of DDN: {'yes' if ok_ddn else 'NO'}")
    return 0 if ok_df and ok_ddn else 1


if __name__ == "__main__":
    raise SystemExit(main())

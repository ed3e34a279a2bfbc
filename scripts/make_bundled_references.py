#!/usr/bin/env python3
"""Reference outputs of the bundled models in generators/, computed by PyTorch from the
weights stored in the .bin files themselves, for the test that loads every bundled model
(Tests/CeilingEngineTests/BundledModelTests.swift).

Re-run after re-exporting any bundled model; the fixture records each file's SHA-256, so the
test says which file changed instead of reporting a mysterious mismatch.

  python scripts/make_bundled_references.py
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import torch
from safetensors import safe_open

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import CIFARResNet18, DCGANGenerator32, LeNet5  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# file -> (module constructor, kind)
MODELS = {
    "dcgan.bin": (lambda: DCGANGenerator32(nz=100, ngf=64, nc=3), "generator"),
    "lenet.bin": (lambda: LeNet5(10), "classifier"),
    "resnet.bin": (lambda: CIFARResNet18(10, width=16), "classifier"),
    "lenet_pgd.bin": (lambda: LeNet5(10), "classifier"),
}


def load_from_bin(module, path):
    """Loads the module's parameters and buffers from the model file's tensors (same names)."""
    with safe_open(path, "pt") as f:
        state = {k: f.get_tensor(k).float() for k in f.keys()}
    missing, unexpected = module.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit(f"{path}: missing {missing}, unexpected {unexpected}")
    return module.eval()


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--generators", default=os.path.join(ROOT, "generators"))
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests/CeilingEngineTests/Fixtures/bundled_reference.json"))
    ap.add_argument("--latents", type=int, default=2, help="generator inputs (z from numpy seed 0)")
    ap.add_argument("--images", type=int, default=8, help="classifier inputs: the first real images")
    a = ap.parse_args()
    torch.set_num_threads(1)
    real = np.load(os.path.join(a.generators, "real_digits.npy"))[: a.images].astype(np.float32)
    z = np.random.default_rng(0).standard_normal((a.latents, 100)).astype(np.float32)
    models = {}
    for name, (make, kind) in MODELS.items():
        path = os.path.join(a.generators, name)
        net = load_from_bin(make(), path)
        x = z if kind == "generator" else real
        # The DCGAN module takes z as [N, nz, 1, 1]; the model file's graph reshapes [N, nz] itself.
        fed = x.reshape(x.shape[0], -1, 1, 1) if kind == "generator" else x
        with torch.no_grad():
            y = net(torch.from_numpy(fed)).double().numpy()
        entry = {"sha256": sha256(path), "kind": kind, "output_shape": list(y.shape),
                 "output": [float(f"{v:.7g}") for v in y.ravel()]}
        if kind == "generator":
            entry["input"] = [float(v) for v in x.ravel()]
            entry["input_shape"] = list(x.shape)
        else:
            entry["real_images"] = a.images
        models[name] = entry
        print(f"{name}: output {list(y.shape)}, |y|max {np.abs(y).max():.4f}")
    doc = {"torch": torch.__version__, "models": models}
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()

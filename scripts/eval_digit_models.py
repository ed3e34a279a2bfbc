#!/usr/bin/env python3
"""Sanity checks of the digit-world models (state dicts from train_dcgan.py and
train_classifier.py), for the model cards in generators/README.md:

- accuracy of each classifier on the bundled real images (generators/real_digits.npy),
- how the ResNet sees DCGAN samples: the share of samples it classifies with softmax
  confidence above 0.9 (on real test images the share is reported alongside, for scale),
  and the class histogram of its predictions (a collapsed generator shows up here),
- optionally a sample grid (--grid).

  python scripts/eval_digit_models.py --art artifacts --grid generators/dcgan_samples.png
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import CIFARResNet18, DCGANGenerator32, LeNet5  # noqa: E402
from train_dcgan import save_grid  # noqa: E402


def load(net, path):
    net.load_state_dict(torch.load(path, map_location="cpu"))
    return net.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--art", default="artifacts")
    ap.add_argument("--real", default="generators/real_digits.npy")
    ap.add_argument("--n", type=int, default=2000, help="generator samples to classify")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--ngf", type=int, default=64)
    ap.add_argument("--generator", help="generator state dict (default ART/dcgan/generator.pt)")
    ap.add_argument("--grid", help="write an 8x8 grid of generator samples (z from --grid-seed) here")
    ap.add_argument("--grid-seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    out = {}
    x = torch.from_numpy(np.load(a.real))
    lab_path = a.real[:-4] + "_labels.npy"
    y = torch.from_numpy(np.load(lab_path)) if os.path.exists(lab_path) else None
    nets = {}
    for name, make in [("lenet", lambda: LeNet5(10)), ("resnet", lambda: CIFARResNet18(10, width=a.width)),
                       ("lenet_pgd", lambda: LeNet5(10))]:
        p = os.path.join(a.art, name, "model.pt")
        if os.path.exists(p):
            nets[name] = load(make(), p)
    with torch.no_grad():
        for name, net in nets.items():
            if y is not None:
                acc = (net(x).argmax(1) == y).float().mean().item()
                out[f"{name}_accuracy_on_real_digits"] = acc
                print(f"{name}: accuracy on {a.real}: {acc:.4f}")
        gp = a.generator or os.path.join(a.art, "dcgan", "generator.pt")
        if os.path.exists(gp):
            G = load(DCGANGenerator32(100, a.ngf, 3), gp)
            z = torch.randn(a.n, 100, 1, 1, generator=torch.Generator().manual_seed(a.seed))
            s = G(z)
            if a.grid:
                zg = torch.randn(64, 100, 1, 1, generator=torch.Generator().manual_seed(a.grid_seed))
                save_grid(G(zg), a.grid)
                print(f"wrote {a.grid}")
            judge = nets.get("resnet") or nets.get("lenet")
            if judge is not None:
                ps = torch.softmax(judge(s), 1)
                pr = torch.softmax(judge(x), 1)
                conf_s = (ps.max(1).values > 0.9).float().mean().item()
                conf_r = (pr.max(1).values > 0.9).float().mean().item()
                hist = np.bincount(ps.argmax(1).numpy(), minlength=10) / a.n
                out.update({"samples_confident_share": conf_s, "real_confident_share": conf_r,
                            "samples_class_shares": [round(float(h), 4) for h in hist]})
                print(f"classifier confidence > 0.9: {conf_s:.3f} of {a.n} generator samples, "
                      f"{conf_r:.3f} of the real images")
                print("predicted class shares of generator samples:", [round(float(h), 3) for h in hist])
    print(json.dumps(out))


if __name__ == "__main__":
    main()

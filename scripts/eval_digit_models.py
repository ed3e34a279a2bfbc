#!/usr/bin/env python3
"""Sanity checks of the digit-world models (state dicts from train_dcgan.py and
train_classifier.py), for the model cards in generators/README.md:

- accuracy of each classifier on the bundled real images (generators/real_digits.npy),
- the ResNet's confident share (softmax > 0.9) on the real images, for scale,
- how the classifiers see DCGAN samples: generator_quality.py's figures (ResNet confident
  share, class shares, pairwise disagreement), here with the classifiers' state dicts,
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
from models import CIFARResNet18, LeNet5  # noqa: E402
import generator_quality as quality  # noqa: E402
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
    ap.add_argument("--generator", help="generator state dict or model file (default ART/dcgan/generator.pt)")
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
            G = quality.load_generator(gp)
            if a.grid:
                zg = torch.randn(64, 100, 1, 1, generator=torch.Generator().manual_seed(a.grid_seed))
                save_grid(G(zg), a.grid)
                print(f"wrote {a.grid}")
            if set(nets) == set(quality.CLASSIFIERS):
                q = quality.measure(G, nets, a.n, a.seed)
                conf_r = (torch.softmax(nets[quality.JUDGE](x), 1).max(1).values > quality.CONFIDENCE).float().mean().item()
                out.update({"samples": q, "real_confident_share": conf_r})
                print(quality.report(q))
                print(f"ResNet confident on the real images: {conf_r:.3f}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Train a digit classifier (LeNet-5 or CIFAR-style ResNet-18) on the procedural digits,
optionally with PGD adversarial training (Madry et al. 2018).

The networks are the definitions in scripts/models.py: LeNet5 (ReLU, max-pool; the paper's
"2-layer LeNet": two conv layers, then three linear layers) and CIFARResNet18 (--width is the
first-stage width, 64 in the original).

Inputs are in the image space X of the bounds: the DCGAN's output range [-1, 1]
(uint8 / 127.5 - 1), NCHW. The networks consume X directly, so the exported model needs
no glue. Labels 0..9 are the digits "0".."9".

Recipe: SGD, momentum 0.9, Nesterov, weight decay 5e-4, one-cycle learning rate
(linear warm-up over the first 15%, cosine decay), batch 128, no augmentation (the data
set is procedural and already jittered). Accuracy on the held-out test set is printed
after every epoch and stored in train_info.json.

PGD adversarial training (--pgd-eps > 0): every batch is replaced by PGD adversaries
found against the current weights, L2 (default) or Linf, with --pgd-steps steps of
size --pgd-step (default 2.5 eps / steps), random start in the ball, no clipping to the
pixel box (the bounds' unconstrained robustness has no box). From scratch, the LeNet stays at
chance level under PGD for the first epoch; starting from the clean model (--init) avoids that. The test report then adds the
accuracy under a stronger PGD (--eval-pgd-steps steps, same eps) on the first
--eval-pgd-n test images.

Reproduce (CPU, one thread):
  python scripts/make_digits.py --seed 1 --count 60000 --workers 2 --out artifacts/digits_train
  python scripts/make_digits.py --seed 2 --count 10000 --workers 2 --out artifacts/digits_test
  python scripts/train_classifier.py --arch lenet --epochs 20 --lr 0.05 --out artifacts/lenet
  python scripts/train_classifier.py --arch resnet18 --width 16 --epochs 2 --lr 0.1 --out artifacts/resnet
  python scripts/train_classifier.py --arch lenet --epochs 3 --lr 0.02 --pgd-eps 1.0 --pgd-steps 5 \
      --init artifacts/lenet/model.pt --out artifacts/lenet_pgd
CPU kernels are not bit-for-bit deterministic across machines and thread counts, so a
rerun gives similar but not identical weights.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import CIFARResNet18, LeNet5  # noqa: E402


def to_x(u8):
    t = torch.from_numpy(np.ascontiguousarray(u8)).permute(0, 3, 1, 2).float()
    return t / 127.5 - 1.0


def _norm(v, p):
    flat = v.flatten(1)
    n = flat.norm(dim=1) if p == "l2" else flat.abs().amax(dim=1)
    return n.view(-1, *([1] * (v.dim() - 1)))


def pgd(model, x, y, eps, steps, step, norm="l2", gen=None):
    """Untargeted PGD maximising cross-entropy within the eps-ball around x (no box)."""
    was_training = model.training
    model.eval()
    if norm == "l2":
        d = torch.randn(x.shape, generator=gen)
        d = d / _norm(d, "l2") * eps * torch.rand(x.shape[0], 1, 1, 1, generator=gen)
    else:
        d = (torch.rand(x.shape, generator=gen) * 2 - 1) * eps
    for _ in range(steps):
        d.requires_grad_(True)
        loss = F.cross_entropy(model(x + d), y)
        (g,) = torch.autograd.grad(loss, d)
        with torch.no_grad():
            if norm == "l2":
                d = d + step * g / _norm(g, "l2").clamp_min(1e-12)
                n = _norm(d, "l2")
                d = d * torch.clamp(eps / n.clamp_min(1e-12), max=1.0)
            else:
                d = (d + step * g.sign()).clamp(-eps, eps)
    model.train(was_training)
    return (x + d).detach()


@torch.no_grad()
def accuracy(model, xs, ys, batch=500):
    model.eval()
    correct = 0
    for i in range(0, len(xs), batch):
        correct += (model(to_x(xs[i:i + batch])).argmax(1) == torch.from_numpy(ys[i:i + batch])).sum().item()
    return correct / len(xs)


def pgd_accuracy(model, xs, ys, eps, steps, norm, batch=250, seed=0):
    gen = torch.Generator().manual_seed(seed)
    correct = 0
    for i in range(0, len(xs), batch):
        x, y = to_x(xs[i:i + batch]), torch.from_numpy(ys[i:i + batch])
        xa = pgd(model, x, y, eps, steps, 2.5 * eps / steps, norm, gen)
        with torch.no_grad():
            correct += (model(xa).argmax(1) == y).sum().item()
    return correct / len(xs)


def build(a):
    if a.arch == "lenet":
        return LeNet5(10, act="relu", in_channels=3, input_size=32, pool="max")
    return CIFARResNet18(10, width=a.width)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=["lenet", "resnet18"], required=True)
    ap.add_argument("--width", type=int, default=16, help="ResNet-18 first-stage width (64 in the original)")
    ap.add_argument("--train", default="artifacts/digits_train")
    ap.add_argument("--test", default="artifacts/digits_test")
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--wd", type=float, default=5e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--pgd-eps", type=float, default=0.0, help="PGD adversarial training radius in X (0: off)")
    ap.add_argument("--pgd-norm", choices=["l2", "linf"], default="l2")
    ap.add_argument("--pgd-steps", type=int, default=7)
    ap.add_argument("--pgd-step", type=float, default=0.0, help="step size (default 2.5 eps / steps)")
    ap.add_argument("--eval-pgd-steps", type=int, default=20)
    ap.add_argument("--eval-pgd-n", type=int, default=2000)
    ap.add_argument("--init", help="start from this state dict (e.g. the clean model, for PGD fine-tuning)")
    ap.add_argument("--bench", type=int, default=0, help="only time this many iterations and exit")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    xtr, ytr = np.load(a.train + "_x.npy"), np.load(a.train + "_y.npy")
    xte, yte = np.load(a.test + "_x.npy"), np.load(a.test + "_y.npy")
    n = len(xtr)
    model = build(a)
    if a.init:
        model.load_state_dict(torch.load(a.init, map_location="cpu"))
        print(f"initialised from {a.init}: test accuracy {accuracy(model, xte, yte):.4f}", flush=True)
    nparams = sum(p.numel() for p in model.parameters())
    print(f"{a.arch} with {nparams} parameters; {n} training, {len(xte)} test images", flush=True)
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.dim() == 1 else decay).append(p)
    opt = torch.optim.SGD([{"params": decay, "weight_decay": a.wd}, {"params": no_decay, "weight_decay": 0}],
                          lr=a.lr, momentum=0.9, nesterov=True)
    steps_per_epoch = n // a.batch
    total = a.epochs * steps_per_epoch
    warm = max(1, int(0.15 * total))

    def lr_at(s):
        if s < warm:
            return a.lr * (s + 1) / warm
        return a.lr * 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, total - warm)))

    gen = torch.Generator().manual_seed(a.seed + 7)
    step_size = a.pgd_step or 2.5 * a.pgd_eps / max(1, a.pgd_steps)
    elapsed, s = 0.0, 0
    history = []
    for epoch in range(a.epochs):
        model.train()
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(a.seed * 1000 + epoch)).numpy()
        t0 = time.time()
        run_loss, run_correct, seen = 0.0, 0, 0
        for k in range(steps_per_epoch):
            idx = np.sort(perm[k * a.batch:(k + 1) * a.batch])
            x, y = to_x(xtr[idx]), torch.from_numpy(ytr[idx])
            if a.pgd_eps > 0:
                x = pgd(model, x, y, a.pgd_eps, a.pgd_steps, step_size, a.pgd_norm, gen)
            for g in opt.param_groups:
                g["lr"] = lr_at(s)
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            s += 1
            run_loss += loss.item() * len(y)
            run_correct += (logits.argmax(1) == y).sum().item()
            seen += len(y)
            if a.bench and s >= a.bench:
                dt = time.time() - t0
                print(f"{s} iterations: {dt / s:.3f} s/iter, {dt / s * steps_per_epoch / 60:.1f} min/epoch", flush=True)
                return
            if s % 100 == 0:
                print(f"epoch {epoch + 1} step {k + 1}/{steps_per_epoch} loss {run_loss / seen:.4f} "
                      f"train acc {run_correct / seen:.4f} lr {lr_at(s):.4f} "
                      f"{(elapsed + time.time() - t0) / 60:.1f} min", flush=True)
        elapsed += time.time() - t0
        acc = accuracy(model, xte, yte)
        rec = {"epoch": epoch + 1, "train_loss": run_loss / seen, "train_acc": run_correct / seen,
               "test_acc": acc, "train_seconds": round(elapsed, 1)}
        history.append(rec)
        print(f"== epoch {epoch + 1}: test accuracy {acc:.4f} (error {100 * (1 - acc):.2f}%), "
              f"{elapsed / 60:.1f} min training", flush=True)
        torch.save(model.state_dict(), os.path.join(a.out, "model.pt"))

    info = {"arch": a.arch, "parameters": nparams, "args": vars(a), "epochs": a.epochs,
            "train_seconds": round(elapsed, 1), "threads": a.threads, "train_samples": n,
            "test_samples": len(xte), "test_acc": history[-1]["test_acc"], "history": history,
            "torch": torch.__version__}
    if a.pgd_eps > 0:
        m = min(a.eval_pgd_n, len(xte))
        t0 = time.time()
        pacc = pgd_accuracy(model, xte[:m], yte[:m], a.pgd_eps, a.eval_pgd_steps, a.pgd_norm)
        info["pgd_eval"] = {"norm": a.pgd_norm, "eps": a.pgd_eps, "steps": a.eval_pgd_steps,
                            "step": 2.5 * a.pgd_eps / a.eval_pgd_steps, "n": m, "accuracy": pacc,
                            "clean_accuracy_same_images": accuracy(model, xte[:m], yte[:m])}
        print(f"PGD-{a.eval_pgd_steps} {a.pgd_norm} eps {a.pgd_eps} accuracy on {m} test images: {pacc:.4f} "
              f"({time.time() - t0:.0f} s)", flush=True)
    print(f"final test accuracy {info['test_acc']:.4f} (error {100 * (1 - info['test_acc']):.2f}%) "
          f"after {a.epochs} epochs, {elapsed / 60:.1f} min", flush=True)
    with open(os.path.join(a.out, "train_info.json"), "w") as f:
        json.dump(info, f, indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Train a DCGAN (latent d = 100, 32x32x3, Tanh output) on the procedural digits.

Data: the uint8 NHWC arrays written by make_digits.py, mapped to [-1, 1] (x/127.5 - 1),
which is the generator's output space (the image space X of the bounds).

Networks: DCGANGenerator32 and DCGANDiscriminator (32x32, logits) from scripts/models.py.
Standard DCGAN recipe: four-stage transposed-conv generator and its mirror-image
discriminator, N(0, 0.02) init, Adam lr 2e-4 betas (0.5, 0.999), non-saturating
BCE loss. Checkpoints (generator, discriminator, optimisers, progress) are written
to --out every --ckpt-every iterations and at the end of every epoch; --resume
continues from the last one. A grid of samples from a fixed latent batch is
written after every epoch.

Reproduce (CPU, one thread):
  python scripts/make_digits.py --seed 1 --count 60000 --workers 2 --out artifacts/digits_train
  python scripts/train_dcgan.py --data artifacts/digits_train --out artifacts/dcgan \
      --ngf 64 --ndf 64 --batch 64 --epochs 5 --seed 0 --threads 1
CPU kernels are not bit-for-bit deterministic across machines and thread counts, so a
rerun gives similar but not identical weights.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import DCGANDiscriminator, DCGANGenerator32, dcgan_weights_init  # noqa: E402


def to_x(u8):
    """uint8 NHWC batch -> float32 NCHW in [-1, 1]."""
    t = torch.from_numpy(np.ascontiguousarray(u8)).permute(0, 3, 1, 2).float()
    return t / 127.5 - 1.0


def save_grid(x, path, cols=8, scale=4, pad=2):
    """x: float tensor (N, 3, 32, 32) in [-1, 1] -> upscaled PNG grid."""
    a = ((x.clamp(-1, 1) + 1) * 127.5 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy()
    n, h, w, _ = a.shape
    rows = (n + cols - 1) // cols
    grid = np.full((rows * (h * scale + pad) + pad, cols * (w * scale + pad) + pad, 3), 255, np.uint8)
    for k in range(n):
        r, c = divmod(k, cols)
        y0, x0 = pad + r * (h * scale + pad), pad + c * (w * scale + pad)
        grid[y0:y0 + h * scale, x0:x0 + w * scale] = np.repeat(np.repeat(a[k], scale, 0), scale, 1)
    Image.fromarray(grid).save(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="prefix of make_digits.py output (PREFIX_x.npy)")
    ap.add_argument("--out", required=True, help="directory for checkpoints, samples and the log")
    ap.add_argument("--nz", type=int, default=100)
    ap.add_argument("--ngf", type=int, default=64)
    ap.add_argument("--ndf", type=int, default=64)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--epochs", type=float, default=6)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ckpt-every", type=int, default=200)
    ap.add_argument("--max-minutes", type=float, default=0, help="stop (with a checkpoint) after this long; 0 = no limit")
    ap.add_argument("--bench", type=int, default=0, help="only time this many iterations and exit")
    ap.add_argument("--resume", action="store_true")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    xs = np.load(a.data + "_x.npy", mmap_mode="r")
    xs = np.asarray(xs)
    n = len(xs)
    iters_per_epoch = n // a.batch
    total_iters = int(round(a.epochs * iters_per_epoch))

    G = DCGANGenerator32(nz=a.nz, ngf=a.ngf, nc=3)
    D = DCGANDiscriminator(nc=3, ndf=a.ndf, image_size=32, sigmoid=False)  # logits
    G.apply(dcgan_weights_init)
    D.apply(dcgan_weights_init)
    optG = torch.optim.Adam(G.parameters(), lr=a.lr, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=a.lr, betas=(0.5, 0.999))
    gen = torch.Generator().manual_seed(a.seed + 1)
    fixed_z = torch.randn(64, a.nz, 1, 1, generator=torch.Generator().manual_seed(1234))
    it, elapsed = 0, 0.0
    ckpt = os.path.join(a.out, "checkpoint.pt")
    if a.resume and os.path.exists(ckpt):
        s = torch.load(ckpt, weights_only=False)
        G.load_state_dict(s["G"]); D.load_state_dict(s["D"])
        optG.load_state_dict(s["optG"]); optD.load_state_dict(s["optD"])
        gen.set_state(s["gen"]); it, elapsed = s["iter"], s["elapsed"]
        print(f"resumed at iteration {it}, {elapsed / 60:.1f} min trained", flush=True)

    def save():
        torch.save({"G": G.state_dict(), "D": D.state_dict(), "optG": optG.state_dict(),
                    "optD": optD.state_dict(), "gen": gen.get_state(), "iter": it,
                    "elapsed": elapsed, "args": vars(a)}, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)
        torch.save(G.state_dict(), os.path.join(a.out, "generator.pt"))
        info = {"iterations": it, "epochs": it / iters_per_epoch, "train_seconds": round(elapsed, 1),
                "threads": a.threads, "args": vars(a), "train_samples": n,
                "torch": torch.__version__}
        with open(os.path.join(a.out, "train_info.json"), "w") as f:
            json.dump(info, f, indent=1)

    perm = None
    t_last = time.time()
    while it < total_iters:
        epoch, k = divmod(it, iters_per_epoch)
        if perm is None or k == 0 or perm[1] != epoch:
            # a permutation per epoch, derived from the seed so resuming reproduces it
            p = torch.randperm(n, generator=torch.Generator().manual_seed(a.seed * 1000 + epoch)).numpy()
            perm = (p, epoch)
        idx = np.sort(perm[0][k * a.batch:(k + 1) * a.batch])
        real = to_x(xs[idx])
        b = real.shape[0]
        G.train(); D.train()
        z = torch.randn(b, a.nz, 1, 1, generator=gen)
        fake = G(z)
        # discriminator: real -> 1, fake -> 0
        optD.zero_grad(set_to_none=True)
        d_real = D(real)
        d_fake = D(fake.detach())
        lossD = (F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real))
                 + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))
        lossD.backward()
        optD.step()
        # generator: non-saturating loss
        optG.zero_grad(set_to_none=True)
        d_gen = D(fake)
        lossG = F.binary_cross_entropy_with_logits(d_gen, torch.ones_like(d_gen))
        lossG.backward()
        optG.step()
        it += 1
        now = time.time()
        elapsed += now - t_last
        t_last = now
        if a.bench and it >= a.bench:
            print(f"{it} iterations, {elapsed / it:.3f} s/iter at batch {a.batch}, "
                  f"{elapsed / it * iters_per_epoch / 60:.1f} min/epoch", flush=True)
            return
        if it % 50 == 0:
            print(f"iter {it}/{total_iters} epoch {it / iters_per_epoch:.2f} lossD {lossD.item():.3f} "
                  f"lossG {lossG.item():.3f} D(x) {torch.sigmoid(d_real).mean():.2f} "
                  f"D(G(z)) {torch.sigmoid(d_fake).mean():.2f} {elapsed / 60:.1f} min", flush=True)
        end_of_epoch = it % iters_per_epoch == 0
        if it % a.ckpt_every == 0 or end_of_epoch or it == total_iters:
            save()
            G.eval()
            with torch.no_grad():
                save_grid(G(fixed_z), os.path.join(a.out, "samples_latest.png"))
                if end_of_epoch:
                    save_grid(G(fixed_z), os.path.join(a.out, f"samples_epoch{it // iters_per_epoch}.png"))
        if a.max_minutes and elapsed > a.max_minutes * 60:
            save()
            print(f"time limit reached at iteration {it}", flush=True)
            break
    save()
    G.eval()
    with torch.no_grad():
        save_grid(G(fixed_z), os.path.join(a.out, "samples_final.png"))
    print(f"done: {it} iterations ({it / iters_per_epoch:.2f} epochs), {elapsed / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()

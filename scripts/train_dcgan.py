#!/usr/bin/env python3
"""Train a DCGAN (latent d = 100, 32x32x3, Tanh output) on the procedural digits.

Data: the uint8 NHWC arrays written by make_digits.py, mapped to [-1, 1] (x/127.5 - 1),
which is the generator's output space (the image space X of the bounds).

Networks: DCGANGenerator32 and DCGANDiscriminator (32x32, logits) from scripts/models.py.
The generator is always the standard four-stage DCGAN; what trains it is chosen here:

- from scratch (N(0, 0.02) init) or continued from a generator (--init-generator, a model
  file or a state dict); the discriminator always starts fresh, and --d-warmup trains it
  alone for a while so that a continued generator first meets a discriminator that knows
  the data,
- the loss: non-saturating BCE on logits (--loss bce, the DCGAN recipe) or the hinge loss
  (--loss hinge), with the DCGAN discriminator's batch norms or spectral normalisation on its
  layers instead (--discriminator) and separate learning rates (--lr-g, --lr-d: the two
  time-scale rule),
- an exponential moving average of the generator's weights (--ema DECAY, 0 = none). The
  average is the generator that is evaluated, kept and exported; its batch-norm statistics are
  re-estimated for the averaged weights on fixed latents before each use (averaging the
  running statistics of the trained weights would not match the averaged weights),
- an information-maximising term in the generator's loss (--info-weight W, 0 = none): W times
  [mean entropy of an auxiliary classifier's prediction per sample] minus [entropy of its
  batch-mean prediction] (CatGAN, Springenberg 2016), which pushes towards samples the
  classifier is sure of and an even class mix. The auxiliary classifier (a DigitCNN, see
  aux_classifier.py) is trained here on the training digits for --aux-epochs before the game,
  frozen, and saved as aux_classifier.pt in --out (reused from there, or from --aux-classifier);
  it is not one of the bundled classifiers that score the generator.

Every --eval-every iterations the (averaged) generator is scored by generator_quality.py
(ResNet confident share, class shares, classifier disagreement on 2,000 samples; the
classifiers are read from generators/*.bin); the scores go to quality.jsonl and the best
generator so far to generator.pt (what export_digit_models.sh exports). Checkpoints of
everything (both generators, discriminator, optimisers, random state, best score) are written
every --ckpt-every iterations; --resume continues from the last one. Grids of a fixed latent
batch are written at every evaluation.

Reproduce: see generators/README.md. CPU kernels are not bit-for-bit deterministic across
machines and thread counts, so a rerun gives similar but not identical weights.
"""
import argparse
import copy
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aux_classifier as aux  # noqa: E402
import generator_quality as quality  # noqa: E402
from models import DCGANDiscriminator, DCGANGenerator32, DigitCNN, dcgan_weights_init  # noqa: E402


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


def d_loss(kind, d_real, d_fake):
    if kind == "hinge":
        return F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()
    return (F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real))
            + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))


def g_loss(kind, d_gen):
    if kind == "hinge":
        return -d_gen.mean()
    return F.binary_cross_entropy_with_logits(d_gen, torch.ones_like(d_gen))  # non-saturating


@torch.no_grad()
def ema_update(avg, net, decay):
    for pa, p in zip(avg.parameters(), net.parameters()):
        pa.lerp_(p, 1 - decay)


@torch.no_grad()
def recalibrate_bn(g, nz, batches=16, batch=128, seed=4321):
    """Population batch-norm statistics of g's current weights, from fixed latents (cumulative
    average over the batches, so the result does not depend on earlier statistics)."""
    bns = [m for m in g.modules() if isinstance(m, nn.BatchNorm2d)]
    saved = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    g.train()
    gen = torch.Generator().manual_seed(seed)
    for _ in range(batches):
        g(torch.randn(batch, nz, 1, 1, generator=gen))
    for m, mom in zip(bns, saved):
        m.momentum = mom
    g.eval()


def auxiliary_classifier(a, xs):
    """The frozen auxiliary classifier of the information term and its training record: loaded
    from --aux-classifier or OUT/aux_classifier.pt when there, else trained and saved there."""
    path = a.aux_classifier or os.path.join(a.out, "aux_classifier.pt")
    if os.path.exists(path):
        s = torch.load(path, weights_only=False)
        net = DigitCNN(10)
        net.load_state_dict(s["state_dict"])
        net.eval()
        for p in net.parameters():
            p.requires_grad_(False)
        print(f"auxiliary classifier from {path}: {s['info']}", flush=True)
        return net, s["info"]
    ys = np.load(a.data + "_y.npy")
    net, info = aux.train(xs, ys, to_x, epochs=a.aux_epochs, seed=a.seed,
                          log=lambda m: print(m, flush=True))
    torch.save({"state_dict": net.state_dict(), "info": info}, path + ".tmp")
    os.replace(path + ".tmp", path)
    return net, info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="prefix of make_digits.py output (PREFIX_x.npy)")
    ap.add_argument("--out", required=True, help="directory for checkpoints, samples and the logs")
    ap.add_argument("--nz", type=int, default=100)
    ap.add_argument("--ngf", type=int, default=64)
    ap.add_argument("--ndf", type=int, default=64)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--epochs", type=float, default=6, help="length of this run in passes over the data")
    ap.add_argument("--init-generator", help="continue from this generator (.bin model file or state dict)")
    ap.add_argument("--loss", choices=("bce", "hinge"), default="bce")
    ap.add_argument("--discriminator", choices=("dcgan", "dcgan-sn"), default="dcgan",
                    help="DCGANDiscriminator with batch norm (dcgan) or spectral norm instead (dcgan-sn)")
    ap.add_argument("--lr-g", type=float, default=2e-4)
    ap.add_argument("--lr-d", type=float, default=2e-4)
    ap.add_argument("--beta1", type=float, default=0.5)
    ap.add_argument("--beta2", type=float, default=0.999)
    ap.add_argument("--ema", type=float, default=0.0, help="decay of the generator weight average; 0 = none")
    ap.add_argument("--info-weight", type=float, default=0.0,
                    help="weight of the information-maximising term in the generator loss; 0 = none")
    ap.add_argument("--aux-epochs", type=float, default=1.0, help="training length of the auxiliary classifier")
    ap.add_argument("--aux-classifier", help="use this saved auxiliary classifier (aux_classifier.pt) instead")
    ap.add_argument("--d-warmup", type=int, default=0, help="discriminator-only iterations before the game")
    ap.add_argument("--eval-every", type=int, default=500, help="iterations between quality scores; 0 = never")
    ap.add_argument("--eval-n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ckpt-every", type=int, default=100)
    ap.add_argument("--max-minutes", type=float, default=0, help="stop (with a checkpoint) after this long; 0 = no limit")
    ap.add_argument("--bench", type=int, default=0, help="only time this many iterations and exit")
    ap.add_argument("--resume", action="store_true")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    xs = np.asarray(np.load(a.data + "_x.npy", mmap_mode="r"))
    n = len(xs)
    iters_per_epoch = n // a.batch
    total_iters = int(round(a.epochs * iters_per_epoch))

    if a.init_generator:
        G = quality.load_generator(a.init_generator).train()
    else:
        G = DCGANGenerator32(nz=a.nz, ngf=a.ngf, nc=3)
        G.apply(dcgan_weights_init)
    D = DCGANDiscriminator(nc=3, ndf=a.ndf, image_size=32, sigmoid=False,
                           spectral_norm=a.discriminator == "dcgan-sn")
    if a.discriminator == "dcgan":
        D.apply(dcgan_weights_init)  # spectrally normalised layers keep PyTorch's default init
    G_avg = copy.deepcopy(G).eval() if a.ema else G
    optG = torch.optim.Adam(G.parameters(), lr=a.lr_g, betas=(a.beta1, a.beta2))
    optD = torch.optim.Adam(D.parameters(), lr=a.lr_d, betas=(a.beta1, a.beta2))
    classifiers = quality.load_classifiers() if a.eval_every else None
    C, aux_info = None, None
    if a.info_weight:
        C, aux_info = auxiliary_classifier(a, xs)
    gen = torch.Generator().manual_seed(a.seed + 1)
    fixed_z = torch.randn(64, a.nz, 1, 1, generator=torch.Generator().manual_seed(1234))
    it, elapsed, best = 0, 0.0, None
    ckpt = os.path.join(a.out, "checkpoint.pt")
    if a.resume and os.path.exists(ckpt):
        s = torch.load(ckpt, weights_only=False)
        G.load_state_dict(s["G"]); D.load_state_dict(s["D"])
        if a.ema:
            G_avg.load_state_dict(s["G_avg"])
        optG.load_state_dict(s["optG"]); optD.load_state_dict(s["optD"])
        gen.set_state(s["gen"]); it, elapsed, best = s["iter"], s["elapsed"], s["best"]
        torch.set_rng_state(s["torch_rng"])
        print(f"resumed at iteration {it}, {elapsed / 60:.1f} min trained", flush=True)

    def info(extra=None):
        d = {"iterations": it, "d_warmup": a.d_warmup, "epochs": max(0, it - a.d_warmup) / iters_per_epoch,
             "train_seconds": round(elapsed, 1), "threads": a.threads, "args": vars(a),
             "train_samples": n, "torch": torch.__version__, "auxiliary_classifier": aux_info}
        d.update(extra or {})
        return d

    def save():
        torch.save({"G": G.state_dict(), "G_avg": G_avg.state_dict() if a.ema else None,
                    "D": D.state_dict(), "optG": optG.state_dict(), "optD": optD.state_dict(),
                    "gen": gen.get_state(), "torch_rng": torch.get_rng_state(), "iter": it,
                    "elapsed": elapsed, "best": best, "args": vars(a)}, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)
        if not a.eval_every:  # no scores to pick the best by: the latest generator is the result
            if a.ema:
                recalibrate_bn(G_avg, a.nz)
            torch.save(G_avg.state_dict(), os.path.join(a.out, "generator.pt"))
        with open(os.path.join(a.out, "train_info.json"), "w") as f:
            json.dump(info({"best": best}), f, indent=1)

    def evaluate():
        nonlocal best
        g = G_avg
        if a.ema:
            recalibrate_bn(g, a.nz)
        q = quality.measure(g, classifiers, a.eval_n)
        sc = quality.score(q)
        save_grid(g(fixed_z).detach(), os.path.join(a.out, f"samples_iter{it}.png"))
        is_best = best is None or tuple(sc) > tuple(best["score"])
        rec = info({"quality": q, "score": sc, "best_so_far": is_best})
        with open(os.path.join(a.out, "quality.jsonl"), "a") as f:
            f.write(json.dumps(rec) + "\n")
        print(f"eval iter {it} epoch {rec['epochs']:.2f} {elapsed / 60:.1f} min: {quality.summary(q)}"
              f"{' (best so far)' if is_best else ''}", flush=True)
        if is_best:
            best = {"iter": it, "epochs": rec["epochs"], "score": list(sc), "train_seconds": round(elapsed, 1)}
            torch.save(g.state_dict(), os.path.join(a.out, "generator.pt.tmp"))
            os.replace(os.path.join(a.out, "generator.pt.tmp"), os.path.join(a.out, "generator.pt"))
        if a.ema:
            g.eval()

    if it == 0 and a.eval_every:
        evaluate()  # the starting point, for comparison
        save()
    perm = None
    t_last = time.time()
    while it < total_iters + a.d_warmup:
        warm = it < a.d_warmup
        step = it if warm else it - a.d_warmup
        epoch, k = divmod(step, iters_per_epoch)
        if perm is None or perm[1] != epoch:
            # a permutation per epoch, derived from the seed so resuming reproduces it
            p = torch.randperm(n, generator=torch.Generator().manual_seed(a.seed * 1000 + epoch + 1000 * warm)).numpy()
            perm = (p, epoch)
        idx = np.sort(perm[0][k * a.batch:(k + 1) * a.batch])
        real = to_x(xs[idx])
        b = real.shape[0]
        G.train(); D.train()
        z = torch.randn(b, a.nz, 1, 1, generator=gen)
        if warm:
            with torch.no_grad():
                fake = G(z)
        else:
            fake = G(z)
        optD.zero_grad(set_to_none=True)
        d_real = D(real)
        d_fake = D(fake.detach())
        lossD = d_loss(a.loss, d_real, d_fake)
        lossD.backward()
        optD.step()
        if not warm:
            optG.zero_grad(set_to_none=True)
            lossG = g_loss(a.loss, D(fake))
            if C is not None:
                info_value = aux.info_term(C(aux.augment(fake, gen)))
                lossG = lossG + a.info_weight * info_value
            lossG.backward()
            optG.step()
            if a.ema:
                ema_update(G_avg, G, a.ema)
        it += 1
        now = time.time()
        elapsed += now - t_last
        t_last = now
        if a.bench and it >= a.bench:
            print(f"{it} iterations, {elapsed / it:.3f} s/iter at batch {a.batch}, "
                  f"{elapsed / it * iters_per_epoch / 60:.1f} min/epoch", flush=True)
            return
        if it % 50 == 0:
            print(f"iter {it}/{total_iters + a.d_warmup}{' (D warm-up)' if warm else ''} "
                  f"epoch {max(0, it - a.d_warmup) / iters_per_epoch:.2f} lossD {lossD.item():.3f}"
                  f"{'' if warm else f' lossG {lossG.item():.3f}'}"
                  f"{f' info {info_value.item():.3f}' if C is not None and not warm else ''} D(x) {d_real.mean():.2f} "
                  f"D(G(z)) {d_fake.mean():.2f} (logits) {elapsed / 60:.1f} min", flush=True)
        done = it == total_iters + a.d_warmup
        stop = done or (a.max_minutes and elapsed > a.max_minutes * 60)
        if a.eval_every and not warm and ((it - a.d_warmup) % a.eval_every == 0 or done):
            evaluate()
            t_last = time.time()  # evaluation is not training time
        if it % a.ckpt_every == 0 or stop:
            save()
            t_last = time.time()
        if stop:
            break
    print(f"{'done' if it == total_iters + a.d_warmup else 'time limit reached'}: {it} iterations "
          f"({max(0, it - a.d_warmup) / iters_per_epoch:.2f} epochs after {a.d_warmup} warm-up), "
          f"{elapsed / 60:.1f} min; best {best}", flush=True)


if __name__ == "__main__":
    main()

"""The auxiliary digit classifier of train_dcgan.py and its information-maximising term.

A generator trained only against a discriminator can settle on smeared, half-formed digits
that the discriminator no longer tells from real ones. The term of CatGAN (Springenberg 2016,
the generator's side of its objective) asks instead that a digit classifier be sure of each
sample and that the samples cover the classes evenly:

    info(x_1..x_n) = mean_i H(p(y | x_i)) - H(mean_i p(y | x_i))     (nats, in [-ln 10, ln 10])

train_dcgan.py adds a weight times this to the generator's loss. p is a DigitCNN (models.py)
trained here on the training digits, then frozen. It is not one of the bundled classifiers
that generator_quality.py judges the generator with (those stay independent), and it is
trained and applied under random sub-pixel shifts and pixel noise (`augment`), so that the
generator is rewarded for digits that stay legible under small changes, not for a texture that
fools this one network at one position.
"""
import time

import numpy as np
import torch
import torch.nn.functional as F

from models import DigitCNN


def augment(x, gen, shift=2.0, noise=0.05):
    """x: (N, 3, 32, 32) in [-1, 1]. Each image shifted by a uniform random offset of up to
    `shift` pixels in each direction (bilinear, border pixels repeated) plus N(0, noise^2)
    pixel noise. Differentiable in x."""
    n = x.shape[0]
    t = (torch.rand(n, 2, generator=gen) * 2 - 1) * (2 * shift / x.shape[-1])
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1
    theta[:, :, 2] = t
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return x + noise * torch.randn(x.shape, generator=gen)


def info_term(logits):
    """Mean per-sample prediction entropy minus the entropy of the mean prediction (nats)."""
    logp = F.log_softmax(logits, 1)
    p = logp.exp()
    per_sample = -(p * logp).sum(1).mean()
    mean_p = p.mean(0)
    marginal = -(mean_p * mean_p.clamp_min(1e-12).log()).sum()
    return per_sample - marginal


def train(xs, ys, to_x, epochs=1.0, batch=128, lr=2e-3, held_out=2000, seed=0, log=print):
    """A DigitCNN trained with Adam (one-cycle cosine learning rate) on all but the last
    `held_out` digits, augmented as above. Returns the frozen network (eval mode) and a record
    with its accuracy on the held-out digits (plain and augmented) and the training time."""
    gen = torch.Generator().manual_seed(seed + 77)
    torch.manual_seed(seed + 77)
    net = DigitCNN(10)
    n = len(xs) - held_out
    steps = int(epochs * (n // batch))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    t0 = time.time()
    net.train()
    perm = None
    for s in range(steps):
        epoch, k = divmod(s, n // batch)
        if perm is None or perm[1] != epoch:
            perm = (torch.randperm(n, generator=gen).numpy(), epoch)
        idx = np.sort(perm[0][k * batch:(k + 1) * batch])
        x, y = augment(to_x(xs[idx]), gen), torch.from_numpy(np.asarray(ys[idx])).long()
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if (s + 1) % 100 == 0:
            log(f"auxiliary classifier step {s + 1}/{steps} loss {loss.item():.4f} {(time.time() - t0) / 60:.1f} min")
    seconds = time.time() - t0
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    with torch.no_grad():
        x = to_x(xs[n:])
        y = torch.from_numpy(np.asarray(ys[n:])).long()
        acc = (net(x).argmax(1) == y).float().mean().item()
        acc_aug = (net(augment(x, gen)).argmax(1) == y).float().mean().item()
        conf = (torch.softmax(net(x), 1).max(1).values > 0.9).float().mean().item()
    rec = {"arch": "DigitCNN", "epochs": epochs, "steps": steps, "batch": batch, "lr": lr,
           "train_digits": n, "held_out": held_out, "held_out_accuracy": acc,
           "held_out_accuracy_augmented": acc_aug, "held_out_confident": conf,
           "train_seconds": round(seconds, 1)}
    log(f"auxiliary classifier: held-out accuracy {acc:.4f} (augmented {acc_aug:.4f}), "
        f"confident {conf:.3f}, {seconds / 60:.1f} min")
    return net, rec

#!/usr/bin/env python3
"""How the bundled classifiers see a digit-world generator's samples.

On n generated samples (z ~ N(0, I_100) from torch seed --seed, the batch
eval_digit_models.py also uses) it prints, each with a 95% Wilson interval:

- the ResNet's confident share: samples on which its softmax maximum exceeds 0.9
  (on real digits the share is about 0.97, so this measures how digit-like the samples are),
- the class shares of the ResNet's predictions (a generator that favours some digits, or
  collapses onto a few, shows up here; uniform is 0.10 each),
- the pairwise disagreement of the bundled classifiers (lenet, lenet_pgd, resnet): the share
  of samples on which the two predict different classes. On real digits all three are right
  on 97-99%, so disagreement on generated points is the generator's ambiguity.

The acceptance targets of the bundled generator (generators/README.md) are checked and
printed with the numbers: confident >= 0.80, every class share in [0.07, 0.13], LeNet / ResNet
disagreement <= 0.15. train_dcgan.py calls `measure` on every evaluated checkpoint.

The classifiers are read from their model files (generators/*.bin, the weights the tests and
the command line use) into the PyTorch modules of scripts/models.py. The generator is a model
file or a PyTorch state dict of DCGANGenerator32.

  python scripts/generator_quality.py --generator generators/dcgan.bin
  python scripts/generator_quality.py --generator artifacts/dcgan/generator.pt --json
"""
import argparse
import itertools
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_bundled_references import MODELS, ROOT, load_from_bin  # noqa: E402

CLASSIFIERS = ("lenet", "lenet_pgd", "resnet")
JUDGE = "resnet"
CONFIDENCE = 0.9
TARGETS = {"confident_min": 0.80, "class_share_range": (0.07, 0.13), "lenet_resnet_disagreement_max": 0.15}


def wilson(k, n, zq=1.959964):
    """95% Wilson score interval of a binomial share k / n."""
    p = k / n
    den = 1 + zq * zq / n
    mid = (p + zq * zq / (2 * n)) / den
    half = zq * math.sqrt(p * (1 - p) / n + zq * zq / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def load_classifiers(generators_dir=os.path.join(ROOT, "generators")):
    """The bundled classifiers as PyTorch modules in eval mode, by name."""
    return {name: load_from_bin(MODELS[name + ".bin"][0](), os.path.join(generators_dir, name + ".bin"))
            for name in CLASSIFIERS}


def load_generator(path):
    """DCGANGenerator32 in eval mode from a model file (.bin) or a state dict (.pt)."""
    make = MODELS["dcgan.bin"][0]
    if path.endswith(".bin"):
        return load_from_bin(make(), path)
    g = make()
    g.load_state_dict(torch.load(path, map_location="cpu"))
    return g.eval()


def latents(n, seed):
    return torch.randn(n, 100, 1, 1, generator=torch.Generator().manual_seed(seed))


@torch.no_grad()
def measure(generator, classifiers, n=2000, seed=0, chunk=250):
    """The three quality figures of the generator's samples, with counts and intervals.

    The generator and the classifiers are run in eval mode (the exported computation)."""
    was_training = generator.training
    generator.eval()
    z = latents(n, seed)
    preds, conf = {name: [] for name in classifiers}, []
    for i in range(0, n, chunk):
        x = generator(z[i:i + chunk])
        for name, net in classifiers.items():
            p = torch.softmax(net(x), 1)
            preds[name].append(p.argmax(1))
            if name == JUDGE:
                conf.append(p.max(1).values > CONFIDENCE)
    generator.train(was_training)
    preds = {k: torch.cat(v) for k, v in preds.items()}
    k_conf = int(torch.cat(conf).sum())
    counts = torch.bincount(preds[JUDGE], minlength=10).tolist()
    out = {"n": n, "seed": seed,
           "confident": {"count": k_conf, "share": k_conf / n, "interval95": wilson(k_conf, n)},
           "class_shares": [{"count": c, "share": c / n, "interval95": wilson(c, n)} for c in counts],
           "disagreement": {}}
    for a, b in itertools.combinations(classifiers, 2):
        k = int((preds[a] != preds[b]).sum())
        out["disagreement"][f"{a}/{b}"] = {"count": k, "share": k / n, "interval95": wilson(k, n)}
    lo, hi = TARGETS["class_share_range"]
    shares = [c["share"] for c in out["class_shares"]]
    out["targets_met"] = {
        "confident": out["confident"]["share"] >= TARGETS["confident_min"],
        "class_shares": all(lo <= s <= hi for s in shares),
        "lenet_resnet": out["disagreement"]["lenet/resnet"]["share"] <= TARGETS["lenet_resnet_disagreement_max"],
    }
    return out


def score(q):
    """Ranks checkpoints: more targets met first, then confident share minus the LeNet / ResNet
    disagreement minus how far the class shares stray outside the target range."""
    lo, hi = TARGETS["class_share_range"]
    stray = sum(max(0.0, lo - c["share"], c["share"] - hi) for c in q["class_shares"])
    return (sum(q["targets_met"].values()),
            q["confident"]["share"] - q["disagreement"]["lenet/resnet"]["share"] - stray)


def summary(q):
    """One line for a training log."""
    shares = ",".join(f"{c['share']:.3f}" for c in q["class_shares"])
    dis = " ".join(f"{k} {v['share']:.3f}" for k, v in q["disagreement"].items())
    return (f"confident {q['confident']['share']:.3f} classes [{shares}] disagreement {dis} "
            f"targets {sum(q['targets_met'].values())}/3")


def report(q):
    def iv(e):
        return f"{e['share']:.3f} [{e['interval95'][0]:.3f}, {e['interval95'][1]:.3f}]"
    lo, hi = TARGETS["class_share_range"]
    lines = [f"{q['n']} generator samples (z ~ N(0, I) from torch seed {q['seed']}); shares with 95% Wilson intervals",
             f"ResNet confident (softmax > {CONFIDENCE}): {iv(q['confident'])}   "
             f"target >= {TARGETS['confident_min']:.2f}: {'met' if q['targets_met']['confident'] else 'not met'}",
             f"ResNet class shares (target each in [{lo:.2f}, {hi:.2f}]: "
             f"{'met' if q['targets_met']['class_shares'] else 'not met'}):"]
    lines += [f"  {d}: {iv(c)}" for d, c in enumerate(q["class_shares"])]
    lines.append("pairwise disagreement:")
    for pair, e in q["disagreement"].items():
        note = ""
        if pair == "lenet/resnet":
            note = (f"   target <= {TARGETS['lenet_resnet_disagreement_max']:.2f}: "
                    f"{'met' if q['targets_met']['lenet_resnet'] else 'not met'}")
        lines.append(f"  {pair}: {iv(e)}{note}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--generator", default=os.path.join(ROOT, "generators", "dcgan.bin"),
                    help="model file (.bin) or DCGANGenerator32 state dict (.pt)")
    ap.add_argument("--generators-dir", default=os.path.join(ROOT, "generators"),
                    help="folder of the classifiers' model files")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    q = measure(load_generator(a.generator), load_classifiers(a.generators_dir), a.n, a.seed)
    print(report(q))
    if a.json:
        print(json.dumps(q))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Re-check in PyTorch the adversaries `ceiling attack` returns.

Runs `ceiling attack` on the first N images of a .npy file, then evaluates the classifier's
.bin weights in PyTorch (the format's reference interpreter, scripts/ceiling_export/reference.py,
float32) at the clean and at the returned adversarial images, and counts the adversaries whose
label PyTorch does not see changed. Run by hand (needs PyTorch):

    python scripts/recheck_adversaries.py --classifier generators/lenet.bin \
        --images generators/real_digits.npy --count 200
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ceiling_export.reference import read_model, reference_forward  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ceiling", default=".build/release/ceiling", help="the ceiling executable")
    parser.add_argument("--classifier", required=True, help="classifier model (.bin)")
    parser.add_argument("--images", required=True, help="images (.npy) in the classifier's input space")
    parser.add_argument("--count", type=int, default=100, help="how many of the first images to attack")
    parser.add_argument("--refinement-steps", type=int, default=100)
    args = parser.parse_args()

    torch.set_num_threads(1)
    images = np.load(args.images)[: args.count].astype(np.float32)
    with tempfile.TemporaryDirectory() as folder:
        clean_path, adversarial_path, record_path = (str(Path(folder) / n) for n in ("x.npy", "adv.npy", "attack.json"))
        np.save(clean_path, images)
        subprocess.run([args.ceiling, "attack", "--classifier", args.classifier, "--input", clean_path,
                        "--refinement-steps", str(args.refinement_steps), "--json", record_path,
                        "--output", adversarial_path], check=True, stdout=subprocess.DEVNULL)
        adversarial = np.load(adversarial_path)
        record = json.loads(Path(record_path).read_text())

    model = read_model(args.classifier)
    with torch.no_grad():
        clean_logits = reference_forward(model, torch.from_numpy(images))
        adversarial_logits = reference_forward(model, torch.from_numpy(adversarial))
    clean = clean_logits.argmax(dim=1).numpy()
    moved = adversarial_logits.argmax(dim=1).numpy()
    found = np.array([norm is not None for norm in record["norms"]])
    agree = clean == np.array(record["labels"])
    fails = found & (moved == clean)
    # The margin PyTorch sees at each returned point: top other logit minus the clean class's.
    logits = adversarial_logits.numpy().astype(np.float64)
    others = logits.copy()
    others[np.arange(len(clean)), clean] = -np.inf
    margins = others.max(axis=1) - logits[np.arange(len(clean)), clean]
    print(f"{args.classifier}: {len(images)} images, {found.sum()} adversaries returned "
          f"({(~found).sum()} censored)")
    print(f"  clean labels: PyTorch agrees with ceiling on {agree.sum()} of {len(images)}")
    print(f"  adversaries whose label PyTorch does not see changed: {fails.sum()} of {found.sum()}")
    if found.any():
        print(f"  PyTorch's logit margin at the returned points: min {margins[found].min():.3g}, "
              f"median {np.median(margins[found]):.3g}")
    return 1 if fails.any() or not agree.all() else 0


if __name__ == "__main__":
    sys.exit(main())

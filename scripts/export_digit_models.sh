#!/bin/sh
# Export the digit-world models trained by train_dcgan.py and train_classifier.py
# (state dicts under $ART, default artifacts) to generators/*.bin.
# Run from the repository root. See generators/README.md for the training commands.
set -eu
PY=${PY:-python3}
ART=${ART:-artifacts}
# The generator state dict: dcgan.bin is the last training stage's best (generators/README.md).
GENERATOR=${GENERATOR:-$ART/dcgan_info30/generator.pt}
CLASSES="0 1 2 3 4 5 6 7 8 9"

$PY scripts/export_torch.py --module scripts/models.py:DCGANGenerator32 \
    --kwargs '{"nz":100,"ngf":64,"nc":3}' --state-dict "$GENERATOR" \
    --role generator --input-shape 100 --latent-dim 100 \
    --source "DCGAN generator (d=100, ngf=64) trained on procedural SVHN-like digits (scripts/make_digits.py seed 1); see generators/README.md" \
    --out generators/dcgan.bin

$PY scripts/export_torch.py --module scripts/models.py:LeNet5 --kwargs '{"num_classes":10}' \
    --state-dict "$ART/lenet/model.pt" --role classifier --input-shape 3 32 32 --classes $CLASSES \
    --source "LeNet-5 (ReLU, max-pool) trained on procedural SVHN-like digits in [-1, 1]; see generators/README.md" \
    --out generators/lenet.bin

$PY scripts/export_torch.py --module scripts/models.py:CIFARResNet18 --kwargs '{"num_classes":10,"width":16}' \
    --state-dict "$ART/resnet/model.pt" --role classifier --input-shape 3 32 32 --classes $CLASSES \
    --source "CIFAR-style ResNet-18, width 16, trained on procedural SVHN-like digits in [-1, 1]; see generators/README.md" \
    --out generators/resnet.bin

$PY scripts/export_torch.py --module scripts/models.py:LeNet5 --kwargs '{"num_classes":10}' \
    --state-dict "$ART/lenet_pgd/model.pt" --role classifier --input-shape 3 32 32 --classes $CLASSES \
    --source "LeNet-5 with L2 PGD adversarial training (eps 1.0 in [-1, 1] image space) on procedural SVHN-like digits; see generators/README.md" \
    --out generators/lenet_pgd.bin

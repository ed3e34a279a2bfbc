"""PyTorch definitions of the networks ceiling is tested and benchmarked with.

Written from the published architectures, with the parameter names of the usual reference
code, so that checkpoints trained elsewhere load with `load_state_dict` (through
`export_torch.load_state_dict_flexible` when they were saved from nn.DataParallel):

- DCGANGenerator: the 64x64 generator of Radford et al. as in the PyTorch examples.
- DCGANGenerator32: the common 32x32 four-stage variant.
- DCGANGenerator32OneByOne: the 64x64 stack whose last layer is a 1x1 transposed convolution,
  so that the output stays 32x32 (another common CIFAR-10 variant).
- DCGANDiscriminator: the matching discriminator (64x64 or 32x32 input).
- CIFARResNet18: the 3x3-stem ResNet-18 used for CIFAR-10, with a `width` knob.
- TorchvisionResNet18: torchvision's ImageNet ResNet-18 (7x7 stem and max pool), same
  parameter names as torchvision.models.resnet18, so its weights load unchanged.
- LeNet5: the LeNet-5 layout (conv-pool-act twice, three linear layers).
- DigitCNN: a small all-convolutional classifier (train_dcgan.py's auxiliary classifier, kept
  apart in design from the LeNet and ResNet that judge the generator).
- MLPGenerator and VAEDecoder: fully connected generators.

Every constructor takes plain numbers and strings, and every forward() is a straight line
(no data-dependent branches) so that torch.fx can trace it for export.
"""
from __future__ import annotations

import math
from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = [
    "DCGANGenerator", "DCGANGenerator32", "DCGANGenerator32OneByOne", "DCGANDiscriminator",
    "CIFARResNet18", "TorchvisionResNet18", "LeNet5", "DigitCNN", "MLPGenerator", "VAEDecoder",
    "dcgan_weights_init",
]


# ----------------------------------------------------------------------------------------------
# DCGAN
# ----------------------------------------------------------------------------------------------


def _up(cin: int, cout: int, kernel: int = 4, stride: int = 2, padding: int = 1):
    """A DCGAN generator stage: transposed convolution (no bias), BatchNorm, ReLU."""
    return [nn.ConvTranspose2d(cin, cout, kernel, stride, padding, bias=False),
            nn.BatchNorm2d(cout), nn.ReLU(True)]


class DCGANGenerator(nn.Module):
    """DCGAN generator for 64x64 images (PyTorch examples layout, keys `main.<i>.*`).

    Input [N, nz, 1, 1] (a latent vector as a 1x1 image); output [N, nc, 64, 64] in [-1, 1].
    Spatial sizes 1 -> 4 -> 8 -> 16 -> 32 -> 64 with channels 8ngf, 4ngf, 2ngf, ngf, nc.
    nz=100, ngf=64 has 3.6M parameters.
    """

    def __init__(self, nz: int = 100, ngf: int = 64, nc: int = 3):
        super().__init__()
        self.nz = nz
        self.main = nn.Sequential(
            *_up(nz, ngf * 8, 4, 1, 0),
            *_up(ngf * 8, ngf * 4),
            *_up(ngf * 4, ngf * 2),
            *_up(ngf * 2, ngf),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z)


class DCGANGenerator32(nn.Module):
    """Four-stage DCGAN generator for 32x32 images (keys `main.<i>.*`).

    ConvT(nz, 4ngf, 4, 1, 0)-BN-ReLU, ConvT(4ngf, 2ngf, 4, 2, 1)-BN-ReLU,
    ConvT(2ngf, ngf, 4, 2, 1)-BN-ReLU, ConvT(ngf, nc, 4, 2, 1)-Tanh: 1 -> 4 -> 8 -> 16 -> 32.
    Input [N, nz, 1, 1]; output [N, nc, 32, 32] in [-1, 1].
    """

    def __init__(self, nz: int = 100, ngf: int = 64, nc: int = 3):
        super().__init__()
        self.nz = nz
        self.main = nn.Sequential(
            *_up(nz, ngf * 4, 4, 1, 0),
            *_up(ngf * 4, ngf * 2),
            *_up(ngf * 2, ngf),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z)


class DCGANGenerator32OneByOne(nn.Module):
    """The 64x64 DCGAN stack with a final ConvT(ngf, nc, 1, 1, 0), giving 32x32 images
    (keys `main.<i>.*`). Sizes 1 -> 4 -> 8 -> 16 -> 32 -> 32.
    Input [N, nz, 1, 1]; output [N, nc, 32, 32] in [-1, 1].
    """

    def __init__(self, nz: int = 100, ngf: int = 64, nc: int = 3):
        super().__init__()
        self.nz = nz
        self.main = nn.Sequential(
            *_up(nz, ngf * 8, 4, 1, 0),
            *_up(ngf * 8, ngf * 4),
            *_up(ngf * 4, ngf * 2),
            *_up(ngf * 2, ngf),
            nn.ConvTranspose2d(ngf, nc, 1, 1, 0, bias=False),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z)


class DCGANDiscriminator(nn.Module):
    """DCGAN discriminator (keys `main.<i>.*`), for training the generators above.

    image_size 64: Conv(nc, ndf, 4, 2, 1)-LeakyReLU(0.2), then Conv-BN-LeakyReLU stages to
    8ndf at 4x4, then Conv(8ndf, 1, 4, 1, 0). image_size 32: one stage fewer (4ndf at 4x4).
    Returns [N] probabilities (sigmoid=True, the PyTorch-examples choice, for nn.BCELoss) or
    [N] logits (sigmoid=False, for nn.BCEWithLogitsLoss or a hinge loss).

    spectral_norm=True puts spectral normalisation (Miyato et al. 2018) on every convolution
    and drops the batch norms: the discriminator is then 1-Lipschitz per layer and judges each
    image on its own, which keeps the adversarial game stable over long training.
    """

    def __init__(self, nc: int = 3, ndf: int = 64, image_size: int = 64, sigmoid: bool = True,
                 spectral_norm: bool = False):
        super().__init__()
        if image_size not in (32, 64):
            raise ValueError("image_size must be 32 or 64")
        sn = nn.utils.parametrizations.spectral_norm if spectral_norm else (lambda m: m)
        stages = int(math.log2(image_size)) - 2  # halvings from image_size down to 4
        layers = [sn(nn.Conv2d(nc, ndf, 4, 2, 1, bias=False)), nn.LeakyReLU(0.2, inplace=True)]
        ch = ndf
        for _ in range(stages - 1):
            layers.append(sn(nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=False)))
            if not spectral_norm:
                layers.append(nn.BatchNorm2d(ch * 2))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            ch *= 2
        layers.append(sn(nn.Conv2d(ch, 1, 4, 1, 0, bias=False)))
        if sigmoid:
            layers.append(nn.Sigmoid())
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).view(-1)


def dcgan_weights_init(m: nn.Module) -> None:
    """The DCGAN paper's initialisation: conv weights N(0, 0.02), BN weights N(1, 0.02) and
    biases 0. Use as `net.apply(dcgan_weights_init)`."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


# ----------------------------------------------------------------------------------------------
# ResNets
# ----------------------------------------------------------------------------------------------


class CIFARBasicBlock(nn.Module):
    """Two 3x3 conv-BN layers plus a shortcut (1x1 conv + BN when the shape changes)."""

    expansion = 1

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + self.shortcut(x)
        return F.relu(out)


class CIFARResNet18(nn.Module):
    """ResNet-18 for 32x32 inputs: 3x3 stem conv (width channels, stride 1) + BN + ReLU, four
    stages of two BasicBlocks (width x 1, 2, 4, 8; strides 1, 2, 2, 2), F.avg_pool2d(out, 4),
    linear. Keys: conv1, bn1, layer<k>.<i>.{conv1,bn1,conv2,bn2,shortcut.0,shortcut.1}, linear.
    width=64 is the standard 11.2M-parameter network. Input [N, 3, 32, 32]; output logits.
    """

    def __init__(self, num_classes: int = 10, width: int = 64, in_channels: int = 3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        widths = [width, width * 2, width * 4, width * 8]
        cin = width
        for k, (w, stride) in enumerate(zip(widths, [1, 2, 2, 2]), start=1):
            blocks = [CIFARBasicBlock(cin, w, stride), CIFARBasicBlock(w, w, 1)]
            setattr(self, f"layer{k}", nn.Sequential(*blocks))
            cin = w
        self.linear = nn.Linear(widths[-1] * CIFARBasicBlock.expansion, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        out = self.layer4(out)
        out = F.avg_pool2d(out, 4)
        out = out.view(out.size(0), -1)
        return self.linear(out)


class TorchvisionBasicBlock(nn.Module):
    """torchvision's BasicBlock: conv3x3-BN-ReLU-conv3x3-BN, plus identity or `downsample`
    (1x1 conv + BN), then ReLU. One ReLU module (in place) is applied twice, as there."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class TorchvisionResNet18(nn.Module):
    """torchvision.models.resnet18 rebuilt from its definition (He et al. 2016, ImageNet
    layout): conv 7x7/2 (64, no bias), BN, ReLU, max pool 3x3/2 pad 1, four stages of two
    BasicBlocks (64, 128, 256, 512; the first block of stages 2-4 has stride 2 and a
    `downsample` of 1x1 conv + BN), AdaptiveAvgPool2d((1, 1)), flatten, fc. The state-dict
    keys are torchvision's, so `torchvision.models.resnet18(...).state_dict()` loads here and
    the other way round. Initialisation follows torchvision (Kaiming normal, fan_out).
    """

    def __init__(self, num_classes: int = 1000, in_channels: int = 3, width: int = 64):
        """`width` scales every stage (64 is torchvision's); the layers and keys stay the same."""
        super().__init__()
        self.inplanes = width
        self.conv1 = nn.Conv2d(in_channels, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(width, 2, 1)
        self.layer2 = self._make_layer(2 * width, 2, 2)
        self.layer3 = self._make_layer(4 * width, 2, 2)
        self.layer4 = self._make_layer(8 * width, 2, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8 * width, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def _make_layer(self, planes: int, blocks: int, stride: int) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False),
                                       nn.BatchNorm2d(planes))
        layers = [TorchvisionBasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [TorchvisionBasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


# ----------------------------------------------------------------------------------------------
# Small classifiers and generators
# ----------------------------------------------------------------------------------------------


_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh}


class LeNet5(nn.Module):
    """LeNet-5: conv5x5(6)-pool-act, conv5x5(16)-pool-act, linear 400-120-act-84-act-classes.

    act: "relu" or "tanh". pool: "max" or "avg" (2x2). Input [N, 3, 32, 32] by default, or
    [N, 1, 28, 28] with in_channels=1, input_size=28 (the first conv then pads by 2, as
    LeNet on MNIST's padded 32x32 digits). Keys: features.{0,3}, classifier.{0,2,4}.
    """

    def __init__(self, num_classes: int = 10, act: str = "relu", in_channels: int = 3,
                 input_size: int = 32, pool: str = "max"):
        super().__init__()
        if act not in _ACTIVATIONS:
            raise ValueError(f"act must be one of {sorted(_ACTIVATIONS)}")
        if input_size not in (28, 32):
            raise ValueError("input_size must be 28 or 32")
        if pool not in ("max", "avg"):
            raise ValueError("pool must be 'max' or 'avg'")
        Act = _ACTIVATIONS[act]
        Pool = nn.MaxPool2d if pool == "max" else nn.AvgPool2d
        pad = 2 if input_size == 28 else 0
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=pad), Pool(2), Act(),
            nn.Conv2d(6, 16, 5), Pool(2), Act(),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), Act(),
            nn.Linear(120, 84), Act(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


class DigitCNN(nn.Module):
    """Five 3x3 convolutions (32, 64, 64, 128, 128 channels; strides 1, 2, 1, 2, 2; batch norm
    and ReLU after each but the first, ReLU alone there), global average pool, linear:
    32 -> 16 -> 8 -> 4. Input [N, 3, 32, 32]; output logits. Keys: features.<i>, classifier.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 3):
        super().__init__()
        layers = [nn.Conv2d(in_channels, 32, 3, 1, 1), nn.ReLU(True)]
        cin = 32
        for cout, stride in ((64, 2), (64, 1), (128, 2), (128, 2)):
            layers += [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]
            cin = cout
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x).mean((2, 3))
        return self.classifier(x)


def _image_shape(shape: Sequence[int]) -> Tuple[int, ...]:
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3:
        raise ValueError("image_shape must be (C, H, W)")
    return shape


class MLPGenerator(nn.Module):
    """Fully connected generator: Linear-ReLU-Linear-ReLU-Linear-Tanh, reshaped to an image.

    Input [N, nz]; output [N, *image_shape] in [-1, 1]. Keys: net.{0,2,4}.
    """

    def __init__(self, nz: int = 100, hidden: Sequence[int] = (256, 512),
                 image_shape: Sequence[int] = (1, 28, 28)):
        super().__init__()
        if len(hidden) != 2:
            raise ValueError("hidden must hold two layer widths")
        self.image_shape = _image_shape(image_shape)
        out = math.prod(self.image_shape)
        self.net = nn.Sequential(
            nn.Linear(nz, hidden[0]), nn.ReLU(True),
            nn.Linear(hidden[0], hidden[1]), nn.ReLU(True),
            nn.Linear(hidden[1], out), nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.net(z)
        return x.view(x.size(0), *self.image_shape)


class VAEDecoder(nn.Module):
    """The decoder of the classic MNIST VAE: Linear(nz, hidden)-ReLU-Linear(hidden, C*H*W)-
    Sigmoid, reshaped to an image in [0, 1]. Input [N, nz]. Keys: fc3, fc4 (the names of the
    PyTorch-examples VAE, whose encoder owns fc1, fc2, so its decoder weights load as they are).
    """

    def __init__(self, nz: int = 20, hidden: int = 400,
                 image_shape: Sequence[int] = (1, 28, 28)):
        super().__init__()
        self.image_shape = _image_shape(image_shape)
        self.fc3 = nn.Linear(nz, hidden)
        self.fc4 = nn.Linear(hidden, math.prod(self.image_shape))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.fc3(z))
        x = torch.sigmoid(self.fc4(h))
        return x.reshape(-1, *self.image_shape)

#!/usr/bin/env python3
"""Write the network-engine test fixtures: model files with PyTorch reference outputs and
input gradients, plus deliberately broken model files for the loader's error paths.

For every fixture NAME, in Tests/CeilingEngineTests/Fixtures/:

    NAME.bin             the model, written by export_torch.py
    NAME.input.npy       a batch x in the model's input space (latents, or images in X)
    NAME.output.npy      f(x), computed by PyTorch from the module (float32, eval mode)
    NAME.cotangent.npy   a random u with the shape of f(x)
    NAME.grad_input.npy  d<u, f(x)>/dx by torch.autograd

The .npy files are NumPy format 1.0, dtype '<f4', C order. manifest.json lists the models with
their role, storage dtype, shapes, the ops they use, whether their widths are reduced, and a
suggested tolerance on the max relative error max|a - b| / max|b|. Classifier references
include the glue: f(x) = net(glue(x)) and the gradient is taken with respect to x in X.

Weights are random (seeded), and BatchNorm layers get random running statistics and affine
parameters, so that eval-mode BatchNorm is not the identity. Every run writes byte-identical
files. `--full` instead exports the big networks at their real widths to a scratch folder and,
when the Swift command has been built, compares its `forward` with PyTorch.
"""
from __future__ import annotations

import argparse
import copy
import io
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))

import export_torch as ex  # noqa: E402
import models  # noqa: E402

REPO = SCRIPTS.parent
FIXTURES = REPO / "Tests" / "CeilingEngineTests" / "Fixtures"
SIZE_BUDGET = 30 * 1024 * 1024

CIFAR_MEAN = [0.4914, 0.4822, 0.4465]
CIFAR_STD = [0.2470, 0.2435, 0.2616]


# ----------------------------------------------------------------------------------------------
# Small networks that exist to cover the format's ops and attributes
# ----------------------------------------------------------------------------------------------


class GlueNet(nn.Module):
    """A small CNN on 3x40x40 inputs: reached through glue (range, mean/std, resize)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.conv2(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class GlueInGraphNet(nn.Module):
    """The glue's operations as layers: scalar arithmetic (affine), ex.Normalize (normalize),
    bilinear up-sampling by 1.25 and down-sampling to an odd size (resize_bilinear)."""

    def __init__(self):
        super().__init__()
        self.norm = ex.Normalize(CIFAR_MEAN, CIFAR_STD)
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.fc = nn.Linear(6 * 7 * 9, 10)

    def forward(self, x):
        x = (x + 1) / 2
        x = self.norm(x)
        x = F.interpolate(x, scale_factor=1.25, mode="bilinear", align_corners=False)
        x = torch.tanh(self.conv(x))
        x = F.interpolate(x, size=(7, 9), mode="bilinear")
        x = 1.5 - 0.5 * x
        return self.fc(x.flatten(1))


class LogSoftmaxMLP(nn.Module):
    """Linear-BatchNorm1d-ReLU-Dropout-Linear-log_softmax on a flattened 1x4x4 input."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.bn = nn.BatchNorm1d(32)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(32, 5)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = self.drop(F.relu(self.bn(self.fc1(x))))
        return F.log_softmax(self.fc2(x), dim=1)


class ActivationsNet(nn.Module):
    """LeakyReLU, ELU, Sigmoid, Tanh (layers and functions), spatial mean, Softmax output."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.act2 = nn.ELU(alpha=0.7)
        self.conv3 = nn.Conv2d(8, 8, 3, padding=1)
        self.act3 = nn.LeakyReLU(0.1)
        self.conv4 = nn.Conv2d(8, 8, 3, padding=1)
        self.act4 = nn.Sigmoid()
        self.fc = nn.Linear(8, 6)
        self.out = nn.Softmax(dim=1)

    def forward(self, x):
        x = F.leaky_relu(self.conv1(x), 0.3)
        x = self.act2(self.conv2(x))
        x = F.elu(self.act3(self.conv3(x)), alpha=1.3)
        x = torch.tanh(self.act4(self.conv4(x)) * 4.0 - 2.0)
        x = x.mean((2, 3))
        return self.out(self.fc(x))


class PoolingNet(nn.Module):
    """Pools and convolutions with unequal pairs on a non-square input (3x20x18): dilated
    conv without bias, BatchNorm without affine, max pools with padding, average pools with
    count_include_pad true and false, an adaptive pool that maps to an average pool."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, (3, 5), stride=(1, 2), padding=(1, 2), dilation=(2, 1),
                               bias=False)
        self.bn1 = nn.BatchNorm2d(8, affine=False)
        self.pool1 = nn.MaxPool2d(3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.pool2 = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.pool3 = nn.AvgPool2d((3, 2), stride=(2, 1), padding=(1, 1), count_include_pad=True)
        self.pool4 = nn.AdaptiveAvgPool2d((2, 1))
        self.fc = nn.Linear(8 * 2 * 1, 5)

    def forward(self, x):
        x = self.pool1(F.relu(self.bn1(self.conv1(x))))          # 8 x 9 x 5
        x = self.pool3(self.pool2(self.conv2(x)))                # 8 x 5 x 6
        x = F.max_pool2d(x, (2, 3), stride=(1, 2), padding=(1, 1))  # 8 x 6 x 3
        x = F.avg_pool2d(x, 2, padding=1, count_include_pad=False)  # 8 x 4 x 2
        x = self.pool4(x)                                          # 8 x 2 x 1
        return self.fc(torch.flatten(x, 1))


class ConvTransposeGen(nn.Module):
    """Transposed convolutions with output_padding, strides 2 and 3, unequal pairs and
    dilation, one without bias; BatchNorm with and without affine. Latent 12 -> 3x40x58."""

    def __init__(self, nz: int = 12):
        super().__init__()
        self.fc = nn.Linear(nz, 8 * 3 * 3)
        self.up1 = nn.ConvTranspose2d(8, 6, 3, stride=2, padding=1, output_padding=1)
        self.bn1 = nn.BatchNorm2d(6)
        self.up2 = nn.ConvTranspose2d(6, 4, 4, stride=3, padding=1, output_padding=2, bias=False)
        self.bn2 = nn.BatchNorm2d(4, affine=False)
        self.up3 = nn.ConvTranspose2d(4, 3, (3, 2), stride=(2, 3), padding=(1, 0),
                                      output_padding=(1, 2), dilation=(2, 1))

    def forward(self, z):
        x = self.fc(z).view(-1, 8, 3, 3)
        x = F.relu(self.bn1(self.up1(x)))        # 6 x 6 x 6
        x = F.elu(self.bn2(self.up2(x)))         # 4 x 19 x 19
        return torch.sigmoid(self.up3(x))        # 3 x 40 x 58


class BatchNorm1dNet(nn.Module):
    """BatchNorm1d on [N, C, L] (after a reshape) and on [N, C] without affine."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(32, 24)
        self.bn1 = nn.BatchNorm1d(4)
        self.fc2 = nn.Linear(24, 10)
        self.bn2 = nn.BatchNorm1d(10, affine=False)

    def forward(self, x):
        x = self.fc1(x.flatten(1)).reshape(x.size(0), 4, 6)
        x = F.elu(self.bn1(x))
        return torch.tanh(self.bn2(self.fc2(torch.flatten(x, 1))))


class SmallConvNet(nn.Module):
    """conv-BN-ReLU-maxpool-linear-ReLU-linear on 1x8x8; used for the DataParallel state
    dict, the storage dtypes and the broken files."""

    def __init__(self, classes: int = 4):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(4 * 3 * 3, 12)
        self.fc2 = nn.Linear(12, classes)

    def forward(self, x):
        x = self.pool(F.relu(self.bn(self.conv(x))))
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


class ResidualFunctionalNet(nn.Module):
    """Residual sums and activations in all their spellings (operator, torch., tensor methods,
    in-place), functional pools and reshape forms."""

    def __init__(self):
        super().__init__()
        self.conv0 = nn.Conv2d(3, 6, 3, padding=1, bias=False)
        self.conv1 = nn.Conv2d(6, 6, 3, padding=1)
        self.conv2 = nn.Conv2d(6, 6, 3, padding=1)
        self.conv3 = nn.Conv2d(6, 6, 1)
        self.conv4 = nn.Conv2d(6, 6, 3, padding=2, dilation=2)
        self.conv5 = nn.Conv2d(6, 6, 1, bias=False)
        self.fc = nn.Linear(6, 7)

    def forward(self, x):
        h = torch.relu(self.conv0(x))
        r = self.conv2(self.conv1(h).relu())
        h = F.relu(h + r, inplace=True)
        h = torch.add(h, self.conv3(h)).sigmoid()
        h = h.add(self.conv4(h)).tanh()
        r = self.conv5(h)
        r += h
        h = torch.sigmoid(F.avg_pool2d(r, 2))
        h = F.adaptive_avg_pool2d(h, 1)
        h = h.view(h.shape[0], -1)
        return self.fc(h) * 2.0


# ----------------------------------------------------------------------------------------------
# Fixture table
# ----------------------------------------------------------------------------------------------


@dataclass
class Fixture:
    """One fixture: how to build the module and how to export it."""
    name: str
    role: str
    description: str
    build: Callable[[], nn.Module]
    input_shape: List[int]
    batch: int = 2
    dtype: str = "F32"
    glue: Optional[Dict[str, Any]] = None
    classes: Optional[List[str]] = None
    reduced_width: bool = False
    via_dataparallel: bool = False
    keep_unused: bool = False
    latent_as_image: bool = False  # forward() takes [N, nz, 1, 1] (DCGAN generators)
    full_build: Optional[Callable[[], nn.Module]] = None  # real width, for --full
    full_input_shape: Optional[List[int]] = None  # when the real width changes it

    def module_input_shape(self) -> List[int]:
        """The per-sample shape forward() receives (after glue, after the latent reshape)."""
        if self.latent_as_image:
            return [self.input_shape[0], 1, 1]
        return ex.check_glue(self.glue, self.input_shape) if self.glue else self.input_shape


CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                 "ship", "truck"]

FIXTURE_LIST: List[Fixture] = [
    Fixture("dcgan64", "generator",
            "DCGAN generator 64x64 (PyTorch-examples layout), nz=100, REDUCED width ngf=8 "
            "(real: ngf=64, 3.6M weights); input [nz] reshaped to [nz,1,1]",
            lambda: models.DCGANGenerator(nz=100, ngf=8), [100], reduced_width=True,
            latent_as_image=True,
            full_build=lambda: models.DCGANGenerator(nz=100, ngf=64)),
    Fixture("dcgan32_four_stage", "generator",
            "DCGAN generator 32x32, four ConvTranspose stages, nz=100, REDUCED width ngf=16 "
            "(real: ngf=64)",
            lambda: models.DCGANGenerator32(nz=100, ngf=16), [100], reduced_width=True,
            latent_as_image=True,
            full_build=lambda: models.DCGANGenerator32(nz=100, ngf=64)),
    Fixture("dcgan32_one_by_one", "generator",
            "DCGAN 64x64 stack ending in ConvT(ngf,3,1,1,0) (32x32 output), nz=100, REDUCED "
            "width ngf=8 (real: ngf=64)",
            lambda: models.DCGANGenerator32OneByOne(nz=100, ngf=8), [100], reduced_width=True,
            latent_as_image=True,
            full_build=lambda: models.DCGANGenerator32OneByOne(nz=100, ngf=64)),
    Fixture("cifar_resnet18", "classifier",
            "CIFAR ResNet-18 (3x3 stem, BasicBlock [2,2,2,2], 1x1 conv shortcuts, "
            "F.avg_pool2d(4), linear), REDUCED width 16 (real: 64, 11.2M weights)",
            lambda: models.CIFARResNet18(num_classes=10, width=16), [3, 32, 32],
            classes=CIFAR_CLASSES, reduced_width=True,
            full_build=lambda: models.CIFARResNet18(num_classes=10, width=64)),
    Fixture("torchvision_resnet18", "classifier",
            "torchvision resnet18 architecture (7x7 stem, max pool, AdaptiveAvgPool2d), "
            "num_classes=10, on 3x64x64, REDUCED width 32 (real: 64, 11.2M weights); weights "
            "stored as F16, reference computed in float32 from the F16-rounded weights",
            lambda: models.TorchvisionResNet18(num_classes=10, width=32), [3, 64, 64], dtype="F16",
            reduced_width=True, full_build=lambda: models.TorchvisionResNet18(num_classes=10)),
    Fixture("lenet5_relu", "classifier",
            "LeNet-5, ReLU, max pooling, 3x32x32 input, real width",
            lambda: models.LeNet5(act="relu", in_channels=3, input_size=32, pool="max"),
            [3, 32, 32]),
    Fixture("lenet5_tanh", "classifier",
            "LeNet-5, tanh, average pooling, 1x28x28 input (first conv padded by 2), real width",
            lambda: models.LeNet5(act="tanh", in_channels=1, input_size=28, pool="avg"),
            [1, 28, 28]),
    Fixture("mlp_generator", "generator",
            "MLP generator Linear-ReLU-Linear-ReLU-Linear-Tanh reshaped to 1x28x28 "
            "(view(x.size(0), ...)), REDUCED nz=32, hidden (64, 128) (usual: 100, (256, 512))",
            lambda: models.MLPGenerator(nz=32, hidden=(64, 128), image_shape=(1, 28, 28)),
            [32], reduced_width=True,
            full_build=lambda: models.MLPGenerator(nz=100, hidden=(256, 512)),
            full_input_shape=[100]),
    Fixture("vae_decoder", "generator",
            "VAE decoder Linear-ReLU-Linear-Sigmoid reshaped to 1x28x28 (reshape(-1, ...)), "
            "nz=20, REDUCED hidden 100 (usual: 400)",
            lambda: models.VAEDecoder(nz=20, hidden=100), [20], reduced_width=True,
            full_build=lambda: models.VAEDecoder(nz=20, hidden=400)),
    Fixture("glue_classifier", "classifier",
            "small CNN exported WITH glue: X = 3x32x32 in [-1,1] -> range [0,1] -> CIFAR "
            "mean/std -> bilinear resize to 40x40; reference applies the same glue in PyTorch",
            GlueNet, [3, 32, 32],
            glue=ex.make_glue([-1, 1], [0, 1], CIFAR_MEAN, CIFAR_STD, [40, 40]),
            classes=CIFAR_CLASSES),
    Fixture("glue_in_graph", "classifier",
            "the glue's ops as graph nodes: affine from scalar arithmetic, normalize, "
            "resize_bilinear up (32->40, scale_factor 1.25) and down (40x40->7x9)",
            GlueInGraphNet, [3, 32, 32]),
    Fixture("log_softmax_mlp", "classifier",
            "Linear-BatchNorm1d-ReLU-Dropout-Linear ending in log_softmax, input 1x4x4",
            LogSoftmaxMLP, [1, 4, 4], batch=3),
    Fixture("activations_softmax", "classifier",
            "LeakyReLU and ELU (layers and functions, non-default slopes), Sigmoid, Tanh, "
            "spatial mean, Softmax output, input 3x10x10",
            ActivationsNet, [3, 10, 10]),
    Fixture("pooling", "classifier",
            "non-square 3x20x18 input, unequal pairs: dilated conv without bias, BatchNorm "
            "without affine, MaxPool2d/F.max_pool2d with padding, AvgPool2d with "
            "count_include_pad true and false, adaptive pool exported as avg_pool2d",
            PoolingNet, [3, 20, 18], batch=3),
    Fixture("conv_transpose", "generator",
            "Linear, reshape, ConvTranspose2d with output_padding, strides 2, 3 and (2,3), "
            "dilation (2,1), one without bias; BatchNorm with and without affine; "
            "latent 12 -> 3x40x58",
            ConvTransposeGen, [12]),
    Fixture("batchnorm1d", "classifier",
            "BatchNorm1d on [N,C,L] after Linear + reshape, and on [N,C] without affine",
            BatchNorm1dNet, [2, 4, 4], batch=3),
    Fixture("residual_functional", "classifier",
            "residual sums and activations as operators, torch functions, tensor methods and "
            "in-place forms; dilated conv; functional pools; view(x.shape[0], -1); scalar "
            "scale on the logits",
            ResidualFunctionalNet, [3, 12, 12]),
    Fixture("dataparallel", "classifier",
            "small CNN whose state dict was saved from nn.DataParallel (keys `module.*`), "
            "loaded with load_state_dict_flexible; unused int64 num_batches_tracked tensors "
            "kept in the file",
            SmallConvNet, [1, 8, 8], classes=["north", "east", "south", "west"],
            via_dataparallel=True, keep_unused=True),
    Fixture("dtype_bf16", "classifier",
            "small CNN with weights stored as BF16; reference from the BF16-rounded weights",
            SmallConvNet, [1, 8, 8], dtype="BF16"),
    Fixture("dtype_f64", "generator",
            "MLP generator with weights stored as F64 (exactly the float32 weights)",
            lambda: models.MLPGenerator(nz=8, hidden=(16, 32), image_shape=(1, 6, 6)), [8],
            dtype="F64"),
]


# ----------------------------------------------------------------------------------------------
# Building and reference values
# ----------------------------------------------------------------------------------------------


def seed_for(name: str) -> int:
    """A stable per-fixture seed (Python's hash() is salted per process)."""
    return zlib.crc32(name.encode("utf-8"))


def randomize_batch_norm(module: nn.Module, fx: Fixture, gen: torch.Generator) -> None:
    """Give every BatchNorm non-trivial running statistics and affine parameters.

    The statistics are drawn around those of the activations the layer actually sees on a
    calibration batch (mean shifted by up to 0.2 std, variance scaled by a factor in
    [0.5, 2]), so activations stay of order one as in a trained network: tanh saturates in
    part, ReLUs cut about half, and the references test the arithmetic rather than a
    near-linear regime. The affine weight is drawn in [0.5, 1.5] and the bias in [-0.2, 0.2].
    """
    norms = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return

    def calibrate(bn: nn.Module, inputs) -> None:
        x = inputs[0].detach()
        dims = [d for d in range(x.dim()) if d != 1]
        mean, var = x.mean(dims), x.var(dims, unbiased=False).clamp_min(1e-4)
        c = bn.num_features
        bn.running_mean.copy_(mean + (torch.rand(c, generator=gen) * 0.4 - 0.2) * var.sqrt())
        bn.running_var.copy_(var * (torch.rand(c, generator=gen) * 1.5 + 0.5))
        if bn.affine:
            bn.weight.copy_(torch.rand(c, generator=gen) + 0.5)
            bn.bias.copy_(torch.rand(c, generator=gen) * 0.4 - 0.2)
        bn.num_batches_tracked.fill_(1000)

    hooks = [bn.register_forward_pre_hook(calibrate) for bn in norms]
    try:
        module.eval()
        batch = make_input(fx, gen, batch=16)
        inner = ex.apply_glue(batch, fx.glue) if fx.glue else batch
        with torch.no_grad():
            module(inner.reshape(16, *fx.module_input_shape()))
    finally:
        for h in hooks:
            h.remove()


def build_module(fx: Fixture, full: bool = False) -> nn.Module:
    """Seeded construction, calibrated random BatchNorm statistics, eval mode, rounding."""
    torch.manual_seed(seed_for(fx.name))
    gen = torch.Generator().manual_seed(seed_for(fx.name) + 1)
    module = (fx.full_build if full and fx.full_build else fx.build)()
    randomize_batch_norm(module, fx, gen)
    module.eval()
    if fx.via_dataparallel:
        module = _through_dataparallel(module, fx)
    if fx.dtype in ("F16", "BF16"):
        ex.round_weights(module, fx.dtype)
    return module


def _through_dataparallel(trained: nn.Module, fx: Fixture) -> nn.Module:
    """Save the state dict the way nn.DataParallel does and load it into a fresh module."""
    buffer = io.BytesIO()
    torch.save(nn.DataParallel(trained).state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    assert all(k.startswith("module.") for k in state), "expected DataParallel keys"
    torch.manual_seed(seed_for(fx.name) + 2)
    fresh = fx.build()
    ex.load_state_dict_flexible(fresh, state)
    return fresh.eval()


def make_input(fx: Fixture, gen: torch.Generator, batch: Optional[int] = None) -> torch.Tensor:
    """Latents ~ N(0, I); images uniform in [-1, 1], the range of the DCGAN generators."""
    shape = (batch or fx.batch, *fx.input_shape)
    if fx.role == "generator":
        return torch.randn(*shape, generator=gen)
    return torch.rand(*shape, generator=gen) * 2 - 1


def torch_reference(module: nn.Module, x: torch.Tensor, u_gen: Optional[torch.Generator],
                    glue, module_input_shape, u: Optional[torch.Tensor] = None):
    """f(x) = module(glue(x)) and d<u, f(x)>/dx, in the dtype of x and the module."""
    x = x.clone().requires_grad_(True)
    inner = ex.apply_glue(x, glue) if glue else x
    y = module(inner.reshape(x.shape[0], *module_input_shape))
    if u is None:
        u = torch.randn(*y.shape, generator=u_gen)
    (y * u.to(y.dtype)).sum().backward()
    return y.detach(), u, x.grad.detach()


def float32_noise(module: nn.Module, x, u, glue, module_input_shape, y32, g32):
    """How far float32 PyTorch is from float64 on this fixture: a floor for tolerances."""
    m64 = copy.deepcopy(module).double()
    y64, _, g64 = torch_reference(m64, x.double(), None, glue, module_input_shape, u.double())
    return ex.max_rel_error(y32, y64), ex.max_rel_error(g32, g64)


def save_npy(path: Path, t: torch.Tensor) -> None:
    """NumPy .npy 1.0, little-endian float32, C order."""
    arr = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=(1, 0), allow_pickle=False)


def make_fixture(fx: Fixture, out_dir: Path) -> Dict[str, Any]:
    """Export one fixture, compute and cross-check its references, return its manifest entry."""
    module = build_module(fx)
    bin_path = out_dir / f"{fx.name}.bin"
    summary = ex.export_module(
        module, bin_path, fx.role, fx.input_shape, glue=fx.glue, classes=fx.classes,
        dtype=fx.dtype, keep_unused=fx.keep_unused,
        source=f"ceiling engine test fixture `{fx.name}` (scripts/make_fixtures.py)")
    mshape = summary["module_input_shape"]
    assert mshape == fx.module_input_shape(), (mshape, fx.module_input_shape())
    gen = torch.Generator().manual_seed(seed_for(fx.name) + 3)
    x = make_input(fx, gen)
    y, u, g = torch_reference(module, x, gen, fx.glue, mshape)
    _cross_check(bin_path, x, u, y, g, fx.name)
    noise_y, noise_g = float32_noise(module, x, u, fx.glue, mshape, y, g)
    files = {"model": bin_path.name}
    for key, t in (("input", x), ("output", y), ("cotangent", u), ("grad_input", g)):
        files[key] = f"{fx.name}.{key}.npy"
        save_npy(out_dir / files[key], t)
    ops = sorted({n["op"] for n in summary["graph"]["nodes"]})
    tolerance = float(f"{min(1e-2, max(1e-4, 100 * max(noise_y, noise_g))):.1g}")
    return {
        "name": fx.name, "role": fx.role, "description": fx.description, "dtype": fx.dtype,
        "reduced_width": fx.reduced_width, "batch": fx.batch, "input_shape": fx.input_shape,
        "output_shape": list(y.shape[1:]), "parameters": summary["parameters"], "ops": ops,
        "glue": fx.glue is not None, "files": files, "tolerance": tolerance,
        "float32_vs_float64": {"output": float(f"{noise_y:.3g}"),
                               "grad_input": float(f"{noise_g:.3g}")},
    }


def _cross_check(bin_path: Path, x, u, y, g, name: str) -> None:
    """The format's reference interpreter, reading only the file, must reproduce the module's
    output and gradient: this catches exporter mistakes before any Swift code runs."""
    model = ex.read_model(bin_path)
    xr = x.clone().requires_grad_(True)
    yr = ex.reference_forward(model, xr)
    (yr * u).sum().backward()
    ey, eg = ex.max_rel_error(yr.detach(), y), ex.max_rel_error(xr.grad, g)
    if ey > 1e-5 or eg > 1e-5:
        raise SystemExit(f"{name}: file disagrees with the module (output {ey:.2e}, "
                         f"gradient {eg:.2e})")


# ----------------------------------------------------------------------------------------------
# Broken files for the loader's error paths
# ----------------------------------------------------------------------------------------------


def _raw_container(header: Dict[str, Any], data: bytes) -> bytes:
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data


def _parse_container(blob: bytes):
    n = struct.unpack("<Q", blob[:8])[0]
    return json.loads(blob[8:8 + n]), blob[8 + n:]


def make_invalid(out_dir: Path) -> List[Dict[str, str]]:
    """Write model files that a loader must reject, each with what its error should name."""
    base_dir = out_dir / "invalid"
    base_dir.mkdir(exist_ok=True)
    torch.manual_seed(seed_for("invalid"))
    net = SmallConvNet()
    spec = Fixture("invalid", "classifier", "", SmallConvNet, [1, 8, 8])
    randomize_batch_norm(net, spec, torch.Generator().manual_seed(seed_for("invalid") + 1))
    tmp = base_dir / "_base.bin"
    ex.export_module(net, tmp, "classifier", [1, 8, 8])
    blob = tmp.read_bytes()
    tmp.unlink()
    header, data = _parse_container(blob)
    meta = header["__metadata__"]
    graph = json.loads(meta["ceiling.graph"])
    cases: List[Dict[str, str]] = []

    def emit(name: str, problem: str, mentions: str, content: bytes) -> None:
        (base_dir / f"{name}.bin").write_bytes(content)
        cases.append({"name": name, "file": f"invalid/{name}.bin", "problem": problem,
                      "error_should_mention": mentions})

    def variant(edit_header=None, edit_graph=None, edit_data=None) -> bytes:
        h = json.loads(json.dumps(header))
        g = json.loads(json.dumps(graph))
        d = bytearray(data)
        if edit_graph:
            edit_graph(g)
        h["__metadata__"]["ceiling.graph"] = json.dumps(g, separators=(",", ":"))
        if edit_header:
            edit_header(h)
        if edit_data:
            edit_data(h, d)
        return _raw_container(h, bytes(d))

    def node(g, name):
        return next(n for n in g["nodes"] if n["name"] == name)

    def set_f32(h, d, tensor, index, value):
        begin = h[tensor]["data_offsets"][0] + 4 * index
        d[begin:begin + 4] = struct.pack("<f", value)

    emit("truncated", "the file ends inside the tensor data", "fc2.bias",
         blob[:-8])
    emit("header_length_too_large", "the u64 header length exceeds the file size",
         "header", struct.pack("<Q", len(blob) * 4) + blob[8:])
    emit("header_not_json", "the header bytes are not JSON", "header",
         struct.pack("<Q", 16) + b"{not json at all" + data)
    emit("offsets_overlap", "two tensors' data_offsets overlap", "fc1.bias",
         variant(edit_header=lambda h: h["fc1.bias"].__setitem__(
             "data_offsets", [h["fc1.weight"]["data_offsets"][0],
                              h["fc1.weight"]["data_offsets"][0] + 48])))
    emit("offsets_size_mismatch", "data_offsets length differs from shape x dtype size",
         "fc1.weight", variant(edit_header=lambda h: h["fc1.weight"].__setitem__(
             "shape", [12, 35])))
    emit("nan_weight", "a weight an op uses is NaN", "fc1.weight",
         variant(edit_data=lambda h, d: set_f32(h, d, "fc1.weight", 5, float("nan"))))
    emit("inf_running_var", "a BatchNorm running_var is infinite", "bn.running_var",
         variant(edit_data=lambda h, d: set_f32(h, d, "bn.running_var", 2, float("inf"))))
    emit("missing_tensor", "an op's param names a tensor the file lacks", "fc3.bias",
         variant(edit_graph=lambda g: node(g, "fc2")["params"].__setitem__("bias",
                                                                            "fc3.bias")))
    emit("unknown_op", "an op the format does not define", "gelu",
         variant(edit_graph=lambda g: node(g, "relu_1").__setitem__("op", "gelu")))
    emit("undefined_input", "a node reads a value no earlier node defines", "nowhere",
         variant(edit_graph=lambda g: node(g, "fc2").__setitem__("inputs", ["nowhere"])))
    emit("use_before_definition", "a node reads a value defined only later", "relu_1",
         variant(edit_graph=lambda g: g["nodes"].insert(0, g["nodes"].pop(
             g["nodes"].index(node(g, "fc2"))))))
    emit("missing_attr", "conv2d without its required stride", "stride",
         variant(edit_graph=lambda g: node(g, "conv")["attrs"].pop("stride")))
    emit("weight_shape_mismatch", "fc2.weight's in-features differ from fc1's out-features",
         "fc2", _shape_mismatch(header, graph, data))
    emit("input_shape_mismatch", "input_shape has 3 channels, the conv weight expects 1",
         "conv", variant(edit_header=lambda h: h["__metadata__"].__setitem__(
             "ceiling.input_shape", "[3,8,8]")))
    emit("softmax_not_last", "softmax is used in the middle of the graph", "softmax",
         variant(edit_graph=lambda g: node(g, "relu_1").__setitem__("op", "softmax")))
    emit("duplicate_node_name", "two nodes share a name", "relu",
         variant(edit_graph=lambda g: node(g, "relu_1").__setitem__("name", "relu")))
    emit("bad_format_version", "ceiling.format is not \"1\"", "version",
         variant(edit_header=lambda h: h["__metadata__"].__setitem__("ceiling.format", "2")))
    emit("bad_role", "ceiling.role is neither generator nor classifier", "ceiling.role",
         variant(edit_header=lambda h: h["__metadata__"].__setitem__(
             "ceiling.role", "discriminator")))
    emit("missing_graph", "no ceiling.graph in the metadata", "ceiling.graph",
         variant(edit_header=lambda h: h["__metadata__"].pop("ceiling.graph") and None))
    emit("unsupported_dtype", "a used tensor is stored as I32", "fc2.bias",
         variant(edit_header=lambda h: h["fc2.bias"].__setitem__("dtype", "I32")))
    emit("unknown_output", "the graph's output names no node", "logits",
         variant(edit_graph=lambda g: g.__setitem__("output", "logits")))
    return cases


def _shape_mismatch(header, graph, data) -> bytes:
    """A consistent container whose graph is not: fc1 still gives 12 features, but fc2's
    weight is stored as [4, 6] (its first 24 values), so fc2 expects 6."""
    h = json.loads(json.dumps(header))
    h["__metadata__"]["ceiling.graph"] = json.dumps(graph, separators=(",", ":"))
    begin, _ = h["fc2.weight"]["data_offsets"]
    h["fc2.weight"]["shape"] = [4, 6]
    d = bytearray(data)
    # Drop the last 24 floats of fc2.weight and shift everything after it.
    end = begin + 4 * 4 * 12
    new_end = begin + 4 * 4 * 6
    d = d[:new_end] + d[end:]
    shift = end - new_end
    for name, entry in h.items():
        if name != "__metadata__" and entry["data_offsets"][0] >= end:
            entry["data_offsets"] = [o - shift for o in entry["data_offsets"]]
    h["fc2.weight"]["data_offsets"] = [begin, new_end]
    return _raw_container(h, bytes(d))


# ----------------------------------------------------------------------------------------------
# Coverage and the main program
# ----------------------------------------------------------------------------------------------


def check_coverage(out_dir: Path, entries: Sequence[Dict[str, Any]]) -> None:
    """Every op of the format, and the attribute variants that change the arithmetic, must be
    exercised by some fixture; stop if a change to the table loses one."""
    seen_ops, flags = set(), set()
    for e in entries:
        model = ex.read_model(out_dir / e["files"]["model"])
        flags.add(f"dtype:{e['dtype']}")
        if model.glue:
            flags.update(f"glue:{k}" for k in model.glue)
        if any(t.dtype == torch.int64 for t in model.tensors.values()):
            flags.add("unused_i64")
        for n in model.graph["nodes"]:
            seen_ops.add(n["op"])
            a, p = n.get("attrs", {}), n.get("params", {})
            if n["op"] in ("conv2d", "conv_transpose2d", "linear") and "bias" not in p:
                flags.add(f"{n['op']}:no_bias")
            if n["op"] in ("conv2d", "conv_transpose2d") and a["dilation"] != [1, 1]:
                flags.add(f"{n['op']}:dilation")
            if n["op"] == "conv_transpose2d" and a["output_padding"] != [0, 0]:
                flags.add("conv_transpose2d:output_padding")
            if n["op"] == "conv_transpose2d" and 3 in a["stride"]:
                flags.add("conv_transpose2d:stride3")
            if n["op"] == "batch_norm":
                flags.add("batch_norm:affine" if "weight" in p else "batch_norm:no_affine")
            if n["op"] == "avg_pool2d" and a["padding"] != [0, 0]:
                flags.add(f"avg_pool2d:padded:count_include_pad={a['count_include_pad']}")
            if n["op"] == "max_pool2d" and a["padding"] != [0, 0]:
                flags.add("max_pool2d:padding")
            for key in ("kernel", "stride", "padding", "dilation"):
                if key in a and a[key][0] != a[key][1]:
                    flags.add("unequal_pairs")
    missing_ops = set(ex.FORMAT_OPS) - seen_ops
    wanted = {"dtype:F32", "dtype:F16", "dtype:BF16", "dtype:F64", "glue:range",
              "glue:normalize", "glue:resize", "unused_i64", "conv2d:no_bias",
              "conv2d:dilation", "conv_transpose2d:dilation", "conv_transpose2d:no_bias",
              "conv_transpose2d:output_padding", "conv_transpose2d:stride3",
              "batch_norm:affine", "batch_norm:no_affine", "max_pool2d:padding",
              "avg_pool2d:padded:count_include_pad=True",
              "avg_pool2d:padded:count_include_pad=False", "unequal_pairs"}
    missing = sorted(missing_ops) + sorted(wanted - flags)
    if missing:
        raise SystemExit(f"fixture coverage lost: {missing}")


def write_all(out_dir: Path, only: Optional[Sequence[str]] = None) -> None:
    """Write the committed fixtures and the manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = [f for f in FIXTURE_LIST if not only or f.name in only]
    entries = []
    for fx in table:
        entry = make_fixture(fx, out_dir)
        entries.append(entry)
        size = sum((out_dir / f).stat().st_size for f in entry["files"].values())
        print(f"{fx.name:22s} {size / 1024:9.1f} KiB  tol {entry['tolerance']:.0e}  "
              f"f32/f64 out {entry['float32_vs_float64']['output']:.1e} "
              f"grad {entry['float32_vs_float64']['grad_input']:.1e}", flush=True)
    invalid = make_invalid(out_dir)
    if not only:
        check_coverage(out_dir, entries)
        manifest = {
            "about": "ceiling engine fixtures, written by scripts/make_fixtures.py; "
                     "references computed by PyTorch " + torch.__version__.split("+")[0] +
                     " in float32, eval mode; grad_input = d<cotangent, output>/d input; "
                     "for classifiers with glue, output = net(glue(input)); tolerance is on "
                     "max|a - b| / max|b|",
            "models": entries,
            "invalid_models": invalid,
        }
        (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    if not only:
        _warn_stale(out_dir, entries, invalid)
    total = sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file())
    print(f"total {total / 2**20:.2f} MiB in {out_dir}")
    if total > SIZE_BUDGET:
        raise SystemExit(f"fixtures exceed the {SIZE_BUDGET / 2**20:.0f} MiB budget")


def _warn_stale(out_dir: Path, entries, invalid) -> None:
    """Name files the manifest does not list (left over from renamed fixtures); they are not
    deleted, since the folder is shared with the tests."""
    known = {"manifest.json"} | {c["file"] for c in invalid}
    known |= {f for e in entries for f in e["files"].values()}
    stale = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*")
                   if p.is_file() and p.suffix in (".bin", ".npy")
                   and str(p.relative_to(out_dir)) not in known)
    if stale:
        print(f"warning: files not in the manifest: {', '.join(stale)}")


# ----------------------------------------------------------------------------------------------
# --full: real widths, compared with the Swift command when it exists
# ----------------------------------------------------------------------------------------------


def cli_forward(ceiling: Path, model: Path, prefix: Path, out_prefix: Path):
    """Run `ceiling forward` on PREFIX.input.npy / PREFIX.cotangent.npy; return the max
    relative errors of its output and input gradient against PREFIX.output/grad_input.npy,
    or the error text when the command fails."""
    cmd = [str(ceiling), "forward", str(model), "--input", f"{prefix}.input.npy",
           "--output", f"{out_prefix}.swift_output.npy",
           "--grad-output", f"{prefix}.cotangent.npy",
           "--grad-input", f"{out_prefix}.swift_grad_input.npy"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}"
    ey = ex.max_rel_error(torch.from_numpy(np.load(f"{out_prefix}.swift_output.npy")),
                          torch.from_numpy(np.load(f"{prefix}.output.npy")))
    eg = ex.max_rel_error(torch.from_numpy(np.load(f"{out_prefix}.swift_grad_input.npy")),
                          torch.from_numpy(np.load(f"{prefix}.grad_input.npy")))
    return ey, eg


def _need_cli(ceiling: Path) -> bool:
    if ceiling.is_file() and os.access(ceiling, os.X_OK):
        return True
    print(f"{ceiling} not found; build it with `swift build -c release` (or pass --ceiling)")
    return False


def run_check(fixtures: Path, ceiling: Path) -> int:
    """Compare `ceiling forward` with the committed references, within each manifest
    tolerance, and confirm that `ceiling inspect` rejects every broken file."""
    if not _need_cli(ceiling):
        return 1
    manifest = json.loads((fixtures / "manifest.json").read_text())
    failures = 0
    with tempfile.TemporaryDirectory(prefix="ceiling-check-") as tmp:
        for e in manifest["models"]:
            result = cli_forward(ceiling, fixtures / e["files"]["model"],
                                 fixtures / e["name"], Path(tmp) / e["name"])
            if isinstance(result, str):
                ok, text = False, result
            else:
                ok = max(result) <= e["tolerance"]
                text = f"output {result[0]:.2e}, grad_input {result[1]:.2e}"
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {e['name']:22s} {text} (tolerance "
                  f"{e['tolerance']:.0e})")
    for case in manifest.get("invalid_models", []):
        proc = subprocess.run([str(ceiling), "inspect", str(fixtures / case["file"])],
                              capture_output=True, text=True)
        message = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:] or [""]
        ok = proc.returncode != 0 and case["error_should_mention"] in message[0]
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} invalid/{case['name']:22s} {message[0][-140:]}")
    print(f"{failures} failure(s)")
    return 1 if failures else 0


def run_full(out_dir: Optional[Path], ceiling: Path, names: Optional[Sequence[str]]) -> int:
    """Export the full-width networks and compare `ceiling forward` with PyTorch."""
    scratch = out_dir or Path(tempfile.mkdtemp(prefix="ceiling-full-"))
    scratch.mkdir(parents=True, exist_ok=True)
    table = [f for f in FIXTURE_LIST if f.full_build and (not names or f.name in names)]
    have_cli = _need_cli(ceiling)
    print(f"full-width models in {scratch}")
    worst = 0.0
    for fx in table:
        fx_full = Fixture(**{**fx.__dict__, "dtype": "F32",
                             "input_shape": fx.full_input_shape or fx.input_shape})
        module = build_module(fx_full, full=True)
        base = scratch / fx.name
        summary = ex.export_module(module, f"{base}.bin", fx.role, fx_full.input_shape,
                                   glue=fx.glue, dtype="F32")
        gen = torch.Generator().manual_seed(seed_for(fx.name) + 3)
        x = make_input(fx_full, gen)
        y, u, g = torch_reference(module, x, gen, fx.glue, summary["module_input_shape"])
        for key, t in (("input", x), ("output", y), ("cotangent", u), ("grad_input", g)):
            save_npy(Path(f"{base}.{key}.npy"), t)
        label = f"{fx.name} ({summary['parameters']:,} weights)"
        noise = max(float32_noise(module, x, u, fx.glue, summary["module_input_shape"], y, g))
        if not have_cli:
            print(f"{label}:\n  {ceiling} forward {base}.bin --input {base}.input.npy "
                  f"--output y.npy --grad-output {base}.cotangent.npy --grad-input gx.npy")
            continue
        result = cli_forward(ceiling, Path(f"{base}.bin"), base, base)
        if isinstance(result, str):
            print(f"{label}: ceiling forward failed: {result}")
            worst = math.inf
            continue
        # ReLU and max-pool decisions taken on values within rounding of a tie make float32
        # gradients of wide networks uncertain at the percent level; judge against that floor.
        allowed = max(1e-3, 4 * noise)
        worst = max(worst, max(result) / allowed)
        print(f"{label}: max rel error output {result[0]:.2e}, grad_input {result[1]:.2e} "
              f"(PyTorch float32 vs float64: {noise:.1e}; allowed {allowed:.0e})", flush=True)
    if have_cli:
        print("all within tolerance" if worst <= 1 else "SOME OUT OF TOLERANCE")
    return 0 if worst <= 1 else 1


def check_torchvision() -> None:
    """When torchvision imports, confirm models.TorchvisionResNet18 is its resnet18: same
    state-dict keys and shapes, same output."""
    try:
        import torchvision  # noqa: F401
        from torchvision.models import resnet18
    except Exception as exc:  # noqa: BLE001 - a broken install raises more than ImportError
        print(f"torchvision unavailable ({type(exc).__name__}: {exc}); check skipped")
        return
    torch.manual_seed(0)
    theirs, ours = resnet18(num_classes=10).eval(), models.TorchvisionResNet18(10).eval()
    a, b = theirs.state_dict(), ours.state_dict()
    assert list(a) == list(b) and all(a[k].shape == b[k].shape for k in a), "keys differ"
    ours.load_state_dict(a)
    x = torch.randn(2, 3, 64, 64)
    assert torch.equal(theirs(x), ours(x)), "outputs differ"
    print(f"torchvision {torchvision.__version__}: resnet18 matches models.TorchvisionResNet18")


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=FIXTURES,
                   help=f"fixture folder (default {FIXTURES.relative_to(REPO)})")
    p.add_argument("--only", nargs="+", metavar="NAME",
                   help="write only these fixtures (no manifest); for debugging")
    p.add_argument("--list", action="store_true", help="list the fixtures and exit")
    p.add_argument("--check", action="store_true",
                   help="run `ceiling forward` / `ceiling inspect` on the committed fixtures "
                        "and compare with the references and manifest tolerances")
    p.add_argument("--full", action="store_true",
                   help="export real-width models to a scratch folder and compare "
                        "`ceiling forward` with PyTorch")
    p.add_argument("--full-out", type=Path, help="folder for --full (default: a temp dir)")
    p.add_argument("--ceiling", type=Path, default=REPO / ".build" / "release" / "ceiling",
                   help="the Swift command for --full (default .build/release/ceiling)")
    p.add_argument("--check-torchvision", action="store_true",
                   help="compare models.TorchvisionResNet18 with torchvision's, if installed")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    if args.list:
        for fx in FIXTURE_LIST:
            print(f"{fx.name:22s} {fx.role:10s} {fx.dtype:4s} {fx.description}")
        return 0
    if args.check_torchvision:
        check_torchvision()
        return 0
    if args.check:
        return run_check(args.out, args.ceiling)
    if args.full:
        return run_full(args.full_out, args.ceiling, args.only)
    write_all(args.out, args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())

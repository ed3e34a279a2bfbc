#!/usr/bin/env python3
"""Tests of export_torch.py's options for real checkpoints, on small modules defined here:
a nested checkpoint (the PyTorch DCGAN tutorial's `netG_state_dict`), prefixed keys, a VAE's
decoder as a sub-module and as a method, non-strict loading, and a flat-output generator
with --output-shape feeding a classifier with resize glue. Each export is read back and run
through the format's reference interpreter against the module. When the Swift command is
built (.build/release/ceiling), the generator/classifier pair is also run through it.

    /path/to/venv/bin/python scripts/test_export_options.py
"""
from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import torch
import torch.nn as nn

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))

import export_torch as ex  # noqa: E402

HERE = f"{Path(__file__).resolve()}"
CEILING = SCRIPTS.parent / ".build" / "release" / "ceiling"


class FlatGenerator(nn.Module):
    """An MLP generator returning [N, 36] vectors (a 1x6x6 image, flattened)."""

    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 36), nn.Tanh())

    def forward(self, z):
        return self.main(z)


class VAE(nn.Module):
    """Encoder and decoder; only the decoder (or `decode`) is a generator."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(36, 16), nn.ReLU(), nn.Linear(16, 8))
        self.decoder = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 36), nn.Sigmoid())

    def decode(self, z):
        return self.decoder(z).view(-1, 1, 6, 6)

    def forward(self, x):
        return self.decode(self.encoder(x)[:, :4])


class SmallClassifier(nn.Module):
    """Trained on 1x8x8 images: it needs the 6x6 images resized."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.fc = nn.Linear(4 * 6 * 6, 3)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).flatten(1))


def export(*args: str) -> tuple:
    """Run the exporter's command line; return (exit code, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = ex.main(list(args))
    return code, err.getvalue()


def reference(path: Path, x: torch.Tensor) -> torch.Tensor:
    return ex.reference_forward(ex.read_model(path), x)


class ExportOptionTests(unittest.TestCase):
    def setUp(self):
        folder = tempfile.TemporaryDirectory(prefix="ceiling-export-options-")
        self.addCleanup(folder.cleanup)
        self.dir = Path(folder.name)
        torch.manual_seed(0)

    def save(self, obj, name: str) -> str:
        path = self.dir / name
        torch.save(obj, path)
        return str(path)

    def test_nested_checkpoint_needs_and_takes_the_key(self):
        g = FlatGenerator()
        ckpt = self.save({"netG_state_dict": g.state_dict(), "epoch": 5,
                          "netD_state_dict": {"w": torch.zeros(2)}}, "ckpt.pth")
        out = self.dir / "g.bin"
        code, err = export("--module", f"{HERE}:FlatGenerator", "--state-dict", ckpt,
                           "--role", "generator", "--input-shape", "8", "--out", str(out))
        self.assertEqual(code, 1)
        self.assertIn("--checkpoint-key", err)
        code, err = export("--module", f"{HERE}:FlatGenerator", "--state-dict", ckpt,
                           "--checkpoint-key", "netG_state_dict", "--role", "generator",
                           "--input-shape", "8", "--out", str(out))
        self.assertEqual(code, 0, err)
        z = torch.randn(3, 8)
        torch.testing.assert_close(reference(out, z), g.eval()(z))

    def test_dotted_key_and_prefixes(self):
        g = FlatGenerator()
        state = {f"gen.{k}": v for k, v in g.state_dict().items()}
        ckpt = self.save({"train": {"models": state}}, "nested.pt")
        out = self.dir / "g.bin"
        code, err = export("--module", f"{HERE}:FlatGenerator", "--state-dict", ckpt,
                           "--checkpoint-key", "train.models", "--role", "generator",
                           "--input-shape", "8", "--out", str(out))
        self.assertEqual(code, 1)
        self.assertIn("--strip-prefix", err)
        code, err = export("--module", f"{HERE}:FlatGenerator", "--state-dict", ckpt,
                           "--checkpoint-key", "train.models", "--strip-prefix", "gen.",
                           "--role", "generator", "--input-shape", "8", "--out", str(out))
        self.assertEqual(code, 0, err)
        z = torch.randn(3, 8)
        torch.testing.assert_close(reference(out, z), g.eval()(z))
        # A decoder saved on its own, loaded into the full VAE's `decoder.` keys.
        vae = VAE()
        ckpt = self.save(vae.decoder.state_dict(), "decoder.pt")
        code, err = export("--module", f"{HERE}:VAE", "--state-dict", ckpt, "--add-prefix",
                           "decoder.", "--submodule", "decoder", "--role", "generator",
                           "--input-shape", "4", "--output-shape", "1", "6", "6",
                           "--out", str(out))
        self.assertEqual(code, 0, err)
        self.assertIn("not in the checkpoint and not used", err)
        z = torch.randn(2, 4)
        torch.testing.assert_close(reference(out, z), vae.decoder.eval()(z).reshape(2, 1, 6, 6))

    def test_submodule_and_method(self):
        vae = VAE()
        ckpt = self.save({"model": vae.state_dict()}, "vae.pt")
        z = torch.randn(2, 4)
        expected = vae.eval().decode(z)
        out = self.dir / "decoder.bin"
        code, err = export("--module", f"{HERE}:VAE", "--state-dict", ckpt, "--forward",
                           "decode", "--role", "generator", "--input-shape", "4",
                           "--out", str(out))
        self.assertEqual(code, 0, err)
        self.assertIn("checkpoint tensors not used by the export: encoder", err)
        torch.testing.assert_close(reference(out, z), expected)
        code, err = export("--module", f"{HERE}:VAE", "--state-dict", ckpt, "--submodule",
                           "decoder", "--output-shape", "1", "6", "6", "--role", "generator",
                           "--input-shape", "4", "--out", str(out))
        self.assertEqual(code, 0, err)
        torch.testing.assert_close(reference(out, z), expected)

    def test_missing_used_tensor_is_refused(self):
        vae = VAE()
        state = {k: v for k, v in vae.state_dict().items() if k != "decoder.2.weight"}
        ckpt = self.save(state, "partial.pt")
        code, err = export("--module", f"{HERE}:VAE", "--state-dict", ckpt, "--forward",
                           "decode", "--role", "generator", "--input-shape", "4",
                           "--out", str(self.dir / "x.bin"))
        self.assertEqual(code, 1)
        self.assertIn("decoder.2.weight", err)
        self.assertIn("--checkpoint-key, --strip-prefix or --add-prefix", err)
        code, err = export("--module", f"{HERE}:VAE", "--state-dict", self.save(state, "p.pt"),
                           "--submodule", "encoder", "--role", "generator",
                           "--input-shape", "36", "--out", str(self.dir / "e.bin"))
        self.assertEqual(code, 0, err)  # the encoder's tensors are all there

    def test_flat_generator_feeds_a_classifier_with_resize_glue(self):
        g, c = FlatGenerator(), SmallClassifier()
        gen, cls = self.dir / "g.bin", self.dir / "c.bin"
        code, err = export("--module", f"{HERE}:FlatGenerator", "--state-dict",
                           self.save(g.state_dict(), "g.pt"), "--role", "generator",
                           "--input-shape", "8", "--out", str(gen))
        self.assertEqual(code, 0, err)
        code, err = export("--module", f"{HERE}:SmallClassifier", "--state-dict",
                           self.save(c.state_dict(), "c.pt"), "--role", "classifier",
                           "--input-shape", "1", "6", "6", "--resize", "8", "8",
                           "--out", str(cls))
        self.assertEqual(code, 0, err)
        if CEILING.is_file():  # [N, 36] images cannot be resized: the pair is refused
            run = self.robustness(gen, cls)
            self.assertIn(run.returncode, (1, 64), run.stdout)
            self.assertIn("--input-shape", run.stderr)
        code, err = export("--module", f"{HERE}:FlatGenerator", "--state-dict",
                           self.save(g.state_dict(), "g.pt"), "--role", "generator",
                           "--input-shape", "8", "--output-shape", "1", "6", "6",
                           "--out", str(gen))
        self.assertEqual(code, 0, err)
        self.assertEqual(ex.read_model(gen).graph["nodes"][-1]["op"], "reshape")
        z = torch.randn(2, 8)
        images = reference(gen, z)
        self.assertEqual(list(images.shape), [2, 1, 6, 6])
        if CEILING.is_file():
            run = self.robustness(gen, cls)
            self.assertEqual(run.returncode, 0, run.stderr)

    def robustness(self, gen: Path, cls: Path) -> subprocess.CompletedProcess:
        return subprocess.run([str(CEILING), "robustness", "--generator", str(gen),
                               "--classifier", str(cls), "--samples", "8"],
                              capture_output=True, text=True)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""Procedural SVHN-like digits: 32x32 RGB crops of house numbers, labels 0-9.

Each sample is a centred digit (the label) with partially visible neighbouring
digits on one or both sides, as in SVHN's cropped-digit format. Glyphs come from
the DejaVu fonts (Debian `fonts-dejavu-core`, `fonts-dejavu-extra`) with a random
family and weight; the renderer draws at 4x resolution and varies size, aspect,
position, spacing, rotation, shear, plate and background colours (with a random
minimum contrast), lighting gradients, occasional plate edges and shadow bands, then
box-downsamples to 32x32 and adds blur, JPEG artefacts, pixel noise and exposure changes.

Everything is determined by --seed and --count: sample i is drawn from its own
generator seeded by (seed, i), so a set can be produced in chunks or in parallel
and any prefix of a larger set equals the smaller set.

Output (`--out PREFIX`, for training):
  PREFIX_x.npy  uint8, shape (N, 32, 32, 3), NHWC, RGB, 0..255
  PREFIX_y.npy  int64, shape (N,), labels 0..9

Usage:
  python scripts/make_digits.py --seed 1 --count 60000 --out artifacts/digits_train
  python scripts/make_digits.py --seed 2 --count 10000 --out artifacts/digits_test
  python scripts/make_digits.py --seed 2 --count 64 --grid real.png   # look at samples
  python scripts/make_digits.py --seed 3 --count 1000 --workers 2 \
      --float-out generators/real_digits.npy --grid generators/real_samples.png
"""
import argparse
import io
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
# Families and weights used for glyphs. ExtraLight is kept rare (thin strokes are
# unusual on house numbers); the math font is excluded (its digits match Serif).
FONTS = [
    ("DejaVuSans.ttf", 3), ("DejaVuSans-Bold.ttf", 3), ("DejaVuSans-Oblique.ttf", 1),
    ("DejaVuSans-BoldOblique.ttf", 1), ("DejaVuSans-ExtraLight.ttf", 0.5),
    ("DejaVuSansCondensed.ttf", 2), ("DejaVuSansCondensed-Bold.ttf", 2),
    ("DejaVuSansCondensed-Oblique.ttf", 0.5), ("DejaVuSansCondensed-BoldOblique.ttf", 0.5),
    ("DejaVuSansMono.ttf", 1.5), ("DejaVuSansMono-Bold.ttf", 1.5),
    ("DejaVuSansMono-Oblique.ttf", 0.5), ("DejaVuSansMono-BoldOblique.ttf", 0.5),
    ("DejaVuSerif.ttf", 2), ("DejaVuSerif-Bold.ttf", 2), ("DejaVuSerif-Italic.ttf", 0.5),
    ("DejaVuSerif-BoldItalic.ttf", 0.5), ("DejaVuSerifCondensed.ttf", 1),
    ("DejaVuSerifCondensed-Bold.ttf", 1), ("DejaVuSerifCondensed-Italic.ttf", 0.3),
    ("DejaVuSerifCondensed-BoldItalic.ttf", 0.3),
]
SIZE = 32          # output side
SS = 4             # supersampling factor
BIG = SIZE * SS    # render side
FONT_PX = 112      # glyph render size in points at which masks are cached

_FONT_OBJS = {}
_GLYPHS = {}


def _font(name):
    f = _FONT_OBJS.get(name)
    if f is None:
        path = os.path.join(FONT_DIR, name)
        if not os.path.exists(path):
            sys.exit(f"font not found: {path} (apt-get install fonts-dejavu-core fonts-dejavu-extra)")
        f = ImageFont.truetype(path, FONT_PX)
        _FONT_OBJS[name] = f
    return f


def glyph(name, digit):
    """Tight-cropped float mask (H, W) in [0, 1] of one digit at FONT_PX."""
    key = (name, digit)
    g = _GLYPHS.get(key)
    if g is None:
        f = _font(name)
        im = Image.new("L", (FONT_PX * 2, FONT_PX * 2), 0)
        ImageDraw.Draw(im).text((FONT_PX // 2, FONT_PX // 4), str(digit), fill=255, font=f)
        a = np.asarray(im, dtype=np.float32) / 255.0
        ys, xs = np.nonzero(a > 0.02)
        g = a[ys.min():ys.max() + 1, xs.min():xs.max() + 1].copy()
        _GLYPHS[key] = g
    return g


def _resize_mask(m, h, w):
    im = Image.fromarray((m * 255).astype(np.uint8), "L")
    return np.asarray(im.resize((max(1, w), max(1, h)), Image.BILINEAR), dtype=np.float32) / 255.0


def _paste(canvas, m, x0, y0):
    """Max-composite mask m onto canvas with its top-left at (x0, y0); clips."""
    H, W = canvas.shape
    h, w = m.shape
    xa, ya = max(0, x0), max(0, y0)
    xb, yb = min(W, x0 + w), min(H, y0 + h)
    if xa >= xb or ya >= yb:
        return
    np.maximum(canvas[ya:yb, xa:xb], m[ya - y0:yb - y0, xa - x0:xb - x0], out=canvas[ya:yb, xa:xb])


def _luma(c):
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def _colours(rng):
    """Background and foreground RGB in [0, 1] with a luminance gap of at least 0.15-0.35."""
    min_contrast = rng.uniform(0.15, 0.35)
    while True:
        if rng.random() < 0.55:
            # desaturated plates and walls: greys, beiges, dark panels
            base = rng.uniform(0.05, 0.95)
            bg = np.clip(base + rng.normal(0, 0.06, 3), 0, 1)
        else:
            bg = rng.uniform(0, 1, 3)
        if rng.random() < 0.5:
            base = rng.uniform(0, 1)
            fg = np.clip(base + rng.normal(0, 0.08, 3), 0, 1)
        else:
            fg = rng.uniform(0, 1, 3)
        # mute saturated colours a little: painted plates are rarely neon
        bg = 0.75 * bg + 0.25 * _luma(bg)
        fg = 0.8 * fg + 0.2 * _luma(fg)
        if abs(_luma(bg) - _luma(fg)) >= min_contrast:
            return bg, fg


def render(rng):
    """One sample: (uint8 HxWx3 image, label)."""
    label = int(rng.integers(10))
    fname = FONTS[rng.choice(len(FONTS), p=_FONT_P)][0]
    # digit height as a fraction of the crop: SVHN crops are tight around the digit
    h = rng.uniform(0.42, 0.95) * BIG
    aspect = rng.uniform(0.85, 1.2)   # horizontal stretch
    spacing = rng.uniform(-0.04, 0.35)  # gap between digits, fraction of height

    canvas = np.zeros((BIG * 2, BIG * 2), dtype=np.float32)  # larger, cropped after warp
    cx = BIG + rng.normal(0, 0.05) * BIG
    cy = BIG + rng.normal(0, 0.05) * BIG

    def place(d, xc):
        g = glyph(fname, d)
        scale = h / g.shape[0]
        gh, gw = int(round(g.shape[0] * scale)), int(round(g.shape[1] * scale * aspect))
        m = _resize_mask(g, gh, gw)
        _paste(canvas, m, int(round(xc - gw / 2)), int(round(cy - gh / 2)))
        return gw

    wc = place(label, cx)
    # neighbours: SVHN crops usually show parts of adjacent digits of the same number
    left = rng.random() < 0.7
    right = rng.random() < 0.7
    wd = h * 0.62 * aspect  # typical neighbour width, for centring
    if left:
        place(int(rng.integers(10)), cx - wc / 2 - spacing * h - wd / 2)
    if right:
        place(int(rng.integers(10)), cx + wc / 2 + spacing * h + wd / 2)

    # geometric jitter: rotation, shear, slight perspective-like anisotropy
    ang = np.deg2rad(rng.normal(0, 8))
    shear = rng.normal(0, 0.15)
    sx = np.exp(rng.normal(0, 0.05))
    sy = np.exp(rng.normal(0, 0.05))
    c, s = np.cos(ang), np.sin(ang)
    A = np.array([[c, -s], [s, c]]) @ np.array([[sx, shear], [0, sy]])
    Ainv = np.linalg.inv(A)
    # output pixel (u, v) in the BIG crop -> canvas coordinate; crop centred at canvas centre
    ox, oy = BIG / 2, BIG / 2
    a, b = Ainv[0]
    d_, e = Ainv[1]
    cxo = BIG - (a * ox + b * oy)
    cyo = BIG - (d_ * ox + e * oy)
    im = Image.fromarray((canvas * 255).astype(np.uint8), "L")
    im = im.transform((BIG, BIG), Image.AFFINE, (a, b, cxo, d_, e, cyo), resample=Image.BILINEAR)
    m = np.asarray(im, dtype=np.float32) / 255.0

    # colours and lighting
    bg, fg = _colours(rng)
    yy, xx = np.mgrid[0:BIG, 0:BIG].astype(np.float32) / BIG - 0.5
    gdir = rng.normal(0, 1, 2)
    grad = (gdir[0] * xx + gdir[1] * yy) * rng.uniform(0, 0.35)
    bgimg = bg[None, None, :] + grad[..., None] * rng.uniform(0.3, 1.0, 3)[None, None, :]
    # occasional plate edge / frame line crossing the crop
    if rng.random() < 0.25:
        edge_c = np.clip(bg + rng.normal(0, 0.35, 3), 0, 1)
        th = rng.uniform(0, np.pi)
        off = rng.uniform(0.3, 0.5) * rng.choice([-1, 1])
        dist = np.cos(th) * xx + np.sin(th) * yy - off
        side = (dist * np.sign(off)) > 0
        bgimg = np.where(side[..., None], edge_c[None, None, :], bgimg)
    fgimg = fg[None, None, :] + rng.normal(0, 0.03, 3)[None, None, :]
    img = bgimg * (1 - m[..., None]) + fgimg * m[..., None]
    # shading across the whole crop (light falloff)
    img = img * (1 - rng.uniform(0, 0.3) * (xx[..., None] * gdir[1] - yy[..., None] * gdir[0]) ** 2)
    # occasional soft shadow band (eaves, frames) darkening part of the crop
    if rng.random() < 0.25:
        th = rng.uniform(0, np.pi)
        dist = np.cos(th) * xx + np.sin(th) * yy - rng.uniform(-0.3, 0.3)
        band = 1 / (1 + np.exp(-dist / rng.uniform(0.02, 0.1)))
        img = img * (1 - rng.uniform(0.2, 0.6) * band[..., None])
    img = np.clip(img, 0, 1)

    # downsample with a box filter, then blur and noise at the output resolution
    out = img.reshape(SIZE, SS, SIZE, SS, 3).mean(axis=(1, 3))
    pil = Image.fromarray((out * 255 + 0.5).astype(np.uint8), "RGB")
    r = rng.choice([0.0, rng.uniform(0.2, 1.8)], p=[0.25, 0.75])
    if r > 0:
        pil = pil.filter(ImageFilter.GaussianBlur(radius=float(r)))
    if rng.random() < 0.5:  # compression artefacts
        buf = io.BytesIO()
        pil.save(buf, format="JPEG", quality=int(rng.integers(30, 90)))
        buf.seek(0)
        pil = Image.open(buf).convert("RGB")
    out = np.asarray(pil, dtype=np.float32) / 255.0
    # noise stays below a third of the digit/background contrast so the digit remains legible
    sigma = rng.uniform(0.0, min(0.07, abs(_luma(bg) - _luma(fg)) / 3))
    out = out + rng.normal(0, sigma, out.shape)
    out = out * rng.uniform(0.8, 1.15) + rng.uniform(-0.08, 0.08)  # exposure
    return (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8), label


_w = np.array([w for _, w in FONTS], dtype=np.float64)
_FONT_P = _w / _w.sum()


def generate(seed, count, start=0):
    xs = np.empty((count, SIZE, SIZE, 3), dtype=np.uint8)
    ys = np.empty((count,), dtype=np.int64)
    for i in range(count):
        rng = np.random.default_rng([seed, start + i])
        xs[i], ys[i] = render(rng)
    return xs, ys


def save_grid(xs, path, cols=8, scale=4):
    n = len(xs)
    rows = (n + cols - 1) // cols
    pad = 2
    H = rows * (SIZE * scale + pad) + pad
    W = cols * (SIZE * scale + pad) + pad
    grid = np.full((H, W, 3), 255, dtype=np.uint8)
    for k in range(n):
        r, c = divmod(k, cols)
        big = np.repeat(np.repeat(xs[k], scale, 0), scale, 1)
        y0, x0 = pad + r * (SIZE * scale + pad), pad + c * (SIZE * scale + pad)
        grid[y0:y0 + SIZE * scale, x0:x0 + SIZE * scale] = big
    Image.fromarray(grid).save(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--out", help="output prefix: writes PREFIX_x.npy and PREFIX_y.npy")
    ap.add_argument("--float-out", help="also write the images as float32 NCHW in [-1, 1] (x/127.5 - 1, the "
                    "DCGAN's output range) to this .npy, and the labels to the same name with _labels")
    ap.add_argument("--grid", help="also write a PNG grid of the first 64 samples (4x upscaled)")
    ap.add_argument("--workers", type=int, default=1, help="processes (output is identical for any value)")
    a = ap.parse_args()
    if a.workers > 1:
        from multiprocessing import Pool
        chunks = np.array_split(np.arange(a.count), a.workers * 4)
        with Pool(a.workers) as p:
            parts = p.starmap(generate, [(a.seed, len(c), int(c[0])) for c in chunks if len(c)])
        xs = np.concatenate([p_[0] for p_ in parts])
        ys = np.concatenate([p_[1] for p_ in parts])
    else:
        xs, ys = generate(a.seed, a.count)
    if a.out:
        np.save(a.out + "_x.npy", xs)
        np.save(a.out + "_y.npy", ys)
        print(f"wrote {a.out}_x.npy {xs.shape} uint8 NHWC and {a.out}_y.npy; "
              f"class counts {np.bincount(ys, minlength=10).tolist()}")
    if a.float_out:
        xf = (xs.astype(np.float32).transpose(0, 3, 1, 2) / np.float32(127.5) - np.float32(1.0))
        np.save(a.float_out, np.ascontiguousarray(xf, dtype=np.float32))
        lab = a.float_out[:-4] if a.float_out.endswith(".npy") else a.float_out
        np.save(lab + "_labels.npy", ys)
        print(f"wrote {a.float_out} {xf.shape} float32 NCHW in [-1, 1] and {lab}_labels.npy")
    if a.grid:
        save_grid(xs[:64], a.grid)
        print(f"wrote {a.grid}; labels of the first 64: {ys[:64].tolist()}")


if __name__ == "__main__":
    main()

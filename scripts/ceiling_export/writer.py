"""Writing a model file: the safetensors container and the `ceiling.*` metadata it carries."""
from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import Any, Dict, Mapping, Tuple, Union

import numpy as np
import torch

from .format import _SAFETENSORS_DTYPE, FORMAT_VERSION


def _tensor_bytes(t: torch.Tensor) -> Tuple[str, bytes]:
    code, np_dtype = _SAFETENSORS_DTYPE[t.dtype]
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        arr = t.view(torch.int16).numpy().view(np.uint16)
    else:
        arr = t.numpy()
    return code, np.ascontiguousarray(arr.astype(np_dtype, copy=False)).tobytes()


def write_safetensors(path: Union[str, os.PathLike], tensors: Mapping[str, torch.Tensor],
                      metadata: Mapping[str, str]) -> None:
    """Write a safetensors file: u64 LE header length, JSON header padded with spaces to a
    multiple of 8, then the tensors back to back in header order. Wider dtypes come first, as
    the reference library does, so every tensor is aligned to its element size."""
    itemsize = {name: t.element_size() for name, t in tensors.items()}
    names = sorted(tensors, key=lambda n: -itemsize[n])  # stable: keeps first-use order
    header: Dict[str, Any] = {"__metadata__": dict(metadata)}
    blobs, offset = [], 0
    for name in names:
        code, data = _tensor_bytes(tensors[name])
        header[name] = {"dtype": code, "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)
    tmp = Path(str(path) + ".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def _metadata(role, input_shape, graph, glue, classes, prior_mean, prior_std,
              source) -> Dict[str, str]:
    def js(v: Any) -> str:
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False)

    meta = {"ceiling.format": FORMAT_VERSION, "ceiling.role": role,
            "ceiling.input_shape": js(list(input_shape)), "ceiling.graph": js(graph)}
    if role == "generator":
        meta["ceiling.prior"] = js({"distribution": "normal", "mean": prior_mean,
                                    "std": prior_std})
    if glue:
        meta["ceiling.glue"] = js(glue)
    if classes:
        meta["ceiling.classes"] = js([str(c) for c in classes])
    if source:
        meta["ceiling.source"] = str(source)
    return meta

"""OFA's image preprocessing with Pillow, as the reference runs it: RGB, BICUBIC resize to S x S, (x/255 - 0.5)/0.5."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image


def preprocess_image(path: Path, size: int) -> torch.Tensor:
    """[1, 3, S, S] float32 tensor of one image file."""
    with Image.open(path) as im:
        rgb = im.convert("RGB").resize((size, size), Image.BICUBIC)
    arr = np.asarray(rgb, dtype=np.float32) / np.float32(255.0)
    arr = (arr - np.float32(0.5)) / np.float32(0.5)
    return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))[None]

"""Strict loading of OFA's published VQGAN checkpoint: ``vqgan/model.yaml`` + ``vqgan/last.ckpt``.

    model, ckpt = load_vqgan(Path("checkpoints/vqgan"))   # CheckpointError naming the file, field or key at fault

Rules: every parameter of the model of ``model.yaml`` must come from ``state_dict`` with its exact shape and a
floating-point type; a key the model does not know is an error. The one exception is the training loss
(``loss.*``: taming's discriminator and LPIPS network, saved with the model by its GAN training), which inference
never uses: those keys are counted and left out. (The reference loads with ``strict=False``, which would also
accept a checkpoint with missing or misnamed weights; this loader does not.)
"""
from __future__ import annotations

import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Tuple

import torch

from .checkpoint import _short, sha256_file
from .errors import CheckpointError
from .vqgan import GumbelVq, VqganConfig

CONFIG_FILE = "model.yaml"
WEIGHTS_FILE = "last.ckpt"
TRAINING_ONLY_PREFIX = "loss."


@dataclass(frozen=True)
class VqganCheckpoint:
    directory: Path
    config: VqganConfig
    config_file: Path
    weights_file: Path
    config_sha256: str
    weights_sha256: str
    ignored_training_keys: int


def find_vqgan(directory: Path) -> Tuple[Path, Path]:
    """The folder holding model.yaml and last.ckpt: DIR itself, or DIR/vqgan as OFA's checkpoint folder has it."""
    if not directory.is_dir():
        raise CheckpointError(f"VQGAN checkpoint directory not found: {directory}")
    for folder in (directory, directory / "vqgan"):
        if (folder / CONFIG_FILE).is_file() or (folder / WEIGHTS_FILE).is_file():
            for name in (CONFIG_FILE, WEIGHTS_FILE):
                if not (folder / name).is_file():
                    raise CheckpointError(f"Missing VQGAN file {folder / name} (a VQGAN checkpoint folder holds "
                                          f"{CONFIG_FILE} and {WEIGHTS_FILE})")
            return folder / CONFIG_FILE, folder / WEIGHTS_FILE
    raise CheckpointError(f"No VQGAN checkpoint in {directory}: expected {CONFIG_FILE} and {WEIGHTS_FILE} there or "
                          "in its vqgan/ folder")


def read_vqgan_state(path: Path) -> Dict[str, torch.Tensor]:
    try:
        raw = torch.load(path, map_location="cpu")
    except (RuntimeError, EOFError, OSError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError) as e:
        raise CheckpointError(f"Corrupt or truncated VQGAN weights file {path}: {type(e).__name__}: {e}") from e
    if not isinstance(raw, dict) or "state_dict" not in raw:
        found = sorted(raw)[:8] if isinstance(raw, dict) else type(raw).__name__
        raise CheckpointError(f"VQGAN weights file {path} holds no 'state_dict' (found {found})")
    state = raw["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"'state_dict' of {path} is not a mapping of names to tensors")
    return state


def load_vqgan_weights(model: GumbelVq, state: Dict[str, torch.Tensor], source: str) -> int:
    """Copies the weights in; returns how many training-only keys were left out."""
    expected = model.state_dict()
    kept = {k: v for k, v in state.items() if not k.startswith(TRAINING_ONLY_PREFIX)}
    problems = []
    missing = sorted(k for k in expected if k not in kept)
    unexpected = sorted(k for k in kept if k not in expected)
    wrong_shape = sorted(f"{k}: file {list(kept[k].shape)}, model {list(expected[k].shape)}"
                         for k in expected if k in kept and kept[k].shape != expected[k].shape)
    non_float = sorted(k for k in expected if k in kept and not kept[k].is_floating_point())
    if missing:
        problems.append(f"missing key(s) {_short(missing)}")
    if unexpected:
        problems.append(f"unexpected key(s) {_short(unexpected)}")
    if wrong_shape:
        problems.append(f"wrong shape: {_short(wrong_shape)}")
    if non_float:
        problems.append(f"non-floating-point weight(s) {_short(non_float)}")
    if problems:
        raise CheckpointError(f"VQGAN checkpoint {source} does not match the model of its {CONFIG_FILE}: "
                              + "; ".join(problems))
    with torch.no_grad():
        for key, target in expected.items():
            target.copy_(kept[key].to(target.dtype))
    return len(state) - len(kept)


def load_vqgan(directory: Path) -> Tuple[GumbelVq, VqganCheckpoint]:
    config_file, weights_file = find_vqgan(directory)
    cfg = VqganConfig.load(config_file)
    model = GumbelVq(cfg)
    ignored = load_vqgan_weights(model, read_vqgan_state(weights_file), str(weights_file))
    model.eval()
    return model, VqganCheckpoint(config_file.parent, cfg, config_file, weights_file, sha256_file(config_file),
                                  sha256_file(weights_file), ignored)

"""The id layout of an OFA vocabulary, derived from ``vocab.json`` and the model's vocabulary size.

OFA's tokenizer appends 8192 ``<code_i>`` then 1000 ``<bin_i>`` tokens after the BPE vocabulary, so the code range
starts at len(vocab.json) and the bin range right after it; vocab_size must equal the sum.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import CheckpointError

NUM_CODES = 8192
NUM_BINS = 1000
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>")


@dataclass(frozen=True)
class VocabularyLayout:
    text_size: int
    code_first_id: int
    num_codes: int
    bin_first_id: int
    num_bins: int
    unk_id: int
    mask_id: int


def read_vocabulary_layout(vocab_file: Path, merges_file: Path, vocab_size: int,
                           num_codes: int = NUM_CODES, num_bins: int = NUM_BINS) -> VocabularyLayout:
    try:
        vocab = json.loads(vocab_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"Corrupt vocabulary file {vocab_file}: {e}") from e
    if not isinstance(vocab, dict) or not all(isinstance(v, int) for v in vocab.values()):
        raise CheckpointError(f"Vocabulary file {vocab_file} is not a JSON object of token -> id")
    ids = sorted(vocab.values())
    if ids != list(range(len(ids))):
        raise CheckpointError(f"Vocabulary file {vocab_file}: ids are not 0..{len(ids) - 1} without gaps")
    for i, token in enumerate(SPECIALS):
        if vocab.get(token) != i:
            raise CheckpointError(f"Vocabulary file {vocab_file}: {token} must have id {i}, found {vocab.get(token)}")
    try:
        lines = merges_file.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as e:
        raise CheckpointError(f"Corrupt merges file {merges_file}: {e}") from e
    bad = [n for n, line in enumerate(lines[1:], start=2) if line and len(line.split(" ")) != 2]
    if bad:
        raise CheckpointError(f"Merges file {merges_file}: line {bad[0]} is not two symbols separated by a space")
    text_size = len(vocab)
    if text_size + num_codes + num_bins != vocab_size:
        raise CheckpointError(
            f"Vocabulary size mismatch: vocab.json has {text_size} entries, + {num_codes} codes + {num_bins} bins = "
            f"{text_size + num_codes + num_bins}, but config.json says vocab_size {vocab_size}")
    return VocabularyLayout(text_size=text_size, code_first_id=text_size, num_codes=num_codes,
                            bin_first_id=text_size + num_codes, num_bins=num_bins,
                            unk_id=vocab["<unk>"], mask_id=vocab.get("<mask>", -1))

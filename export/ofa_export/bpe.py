"""GPT-2 byte-level BPE as OFA uses it (no prefix space, no lowercasing), with OFA's <code_i>/<bin_i> tokens.

    tok = BpeTokenizer.from_files(Path("vocab.json"), Path("merges.txt"), code_first_id=861, bin_first_id=9053)
    tok.encode(" what does the image describe?")   # [0, ..., 2]: bos + pieces + eos

Used to write goldens for the Java runtime; the Java tokenizer is tested against an independent implementation.
"""
from __future__ import annotations

import json
import re as stdre
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import regex

from .testing import bytes_to_unicode

PRETOKEN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
SPECIAL = stdre.compile(r"\s*(<(?:bin|code)_\d+>)\s*")


class BpeTokenizer:
    def __init__(self, vocab: Dict[str, int], merges: List[Tuple[str, str]], code_first_id: int, num_codes: int,
                 bin_first_id: int, num_bins: int):
        self.vocab = vocab
        self.ranks = {pair: i for i, pair in enumerate(merges)}
        self.byte_map = bytes_to_unicode()
        self.code_first_id, self.num_codes = code_first_id, num_codes
        self.bin_first_id, self.num_bins = bin_first_id, num_bins
        self.bpe = lru_cache(maxsize=65536)(self._bpe)

    @staticmethod
    def from_files(vocab_file: Path, merges_file: Path, code_first_id: int, num_codes: int, bin_first_id: int,
                   num_bins: int) -> "BpeTokenizer":
        vocab = json.loads(vocab_file.read_text(encoding="utf-8"))
        lines = merges_file.read_text(encoding="utf-8").split("\n")[1:]
        merges = [tuple(line.split(" ")) for line in lines if line]
        return BpeTokenizer(vocab, merges, code_first_id, num_codes, bin_first_id, num_bins)

    def _bpe(self, token: str) -> Tuple[str, ...]:
        word = list(token)
        while len(word) > 1:
            pairs = [(self.ranks.get((a, b), float("inf")), i) for i, (a, b) in enumerate(zip(word, word[1:]))]
            rank, first = min(pairs)
            if rank == float("inf"):
                break
            a, b = word[first], word[first + 1]
            merged, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
                    merged.append(a + b)
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        return tuple(word)

    def pieces(self, text: str) -> List[int]:
        ids: List[int] = []
        for pre in PRETOKEN.findall(text):
            mapped = "".join(self.byte_map[b] for b in pre.encode("utf-8"))
            ids.extend(self.vocab.get(p, self.vocab["<unk>"]) for p in self.bpe(mapped))
        return ids

    def encode(self, text: str) -> List[int]:
        ids = [self.vocab["<s>"]]
        pos = 0
        for m in SPECIAL.finditer(text):
            ids.extend(self.pieces(text[pos:m.start()]))
            kind, index = m.group(1)[1:-1].split("_")
            ids.append((self.bin_first_id if kind == "bin" else self.code_first_id) + int(index))
            pos = m.end()
        ids.extend(self.pieces(text[pos:]))
        ids.append(self.vocab["</s>"])
        return ids

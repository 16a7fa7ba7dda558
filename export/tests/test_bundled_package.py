"""The bundled package regenerates byte-identically from its script (models/make_ofa_tiny_random.py)."""
from __future__ import annotations

import hashlib
import importlib.util

from .helpers import ROOT, TempDirTestCase


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class BundledPackageTest(TempDirTestCase):
    def test_regenerates_identically(self) -> None:
        spec = importlib.util.spec_from_file_location("make_ofa_tiny_random", ROOT / "models" / "make_ofa_tiny_random.py")
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        script.build_package(self.tmp / "package", self.tmp)
        committed = ROOT / "models" / script.NAME
        names = sorted(p.name for p in committed.iterdir())
        self.assertEqual(names, sorted(p.name for p in (self.tmp / "package").iterdir()))
        for name in names:
            self.assertEqual(sha(committed / name), sha(self.tmp / "package" / name), name)

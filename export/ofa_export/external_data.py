"""One external-data file per graph, where a graph's weights pass protobuf's 2 GB limit.

``torch.onnx.export`` writes a graph over 2 GB as the ``.onnx`` file plus one loose file per tensor, hundreds for
OFA-large and -huge. ``pack_graph`` rewrites such a graph into ``NAME.onnx`` and a single ``NAME.onnx.data``
(the HF Optimum convention, which ONNX Runtime reads next to the graph), streaming tensor by tensor so the
weights are never all in memory, and returns the data file's name, size and SHA-256 for the manifest:

    info = pack_graph(Path("tmp/encoder/encoder.onnx"), Path("pkg/encoder.onnx"), "auto")
    # None (small graph: weights inside encoder.onnx) or
    # {"file": "encoder.onnx.data", "bytes": 3721445376, "sha256": "..."}

``mode`` is ``auto`` (external data only where the graph needs it) or ``always`` (every tensor of 1 KiB or
more goes out: the same layout on a small model, which is how the tests exercise the large-model path).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Dict, Iterator, Optional

import onnx
from onnx import TensorProto, numpy_helper

MODES = ("auto", "always")
# protobuf cannot serialise a message of 2 GiB; keep headroom for the graph's nodes and small constants
EMBED_LIMIT = 2 ** 31 - 2 ** 26
# tensors below this stay inside the graph: shapes, scalars and the like, as onnx's own converter does
MIN_EXTERNAL_BYTES = 1024
ALIGNMENT = 4096   # offsets on page boundaries, so ONNX Runtime may map the file rather than copy it


def _tensors(graph: onnx.GraphProto) -> Iterator[TensorProto]:
    yield from graph.initializer
    for node in graph.node:
        for attr in node.attribute:
            if attr.HasField("t"):
                yield attr.t
            yield from attr.tensors
            if attr.HasField("g"):
                yield from _tensors(attr.g)
            for sub in attr.graphs:
                yield from _tensors(sub)


def _external_fields(t: TensorProto) -> Dict[str, str]:
    return {e.key: e.value for e in t.external_data}


def _tensor_bytes(t: TensorProto, folder: Path) -> bytes:
    """The tensor's little-endian payload, wherever the exporter put it (a loose file, raw_data or typed fields)."""
    if t.data_location == TensorProto.EXTERNAL:
        fields = _external_fields(t)
        with open(folder / fields["location"], "rb") as f:
            f.seek(int(fields.get("offset", 0)))
            return f.read(int(fields["length"])) if "length" in fields else f.read()
    if t.HasField("raw_data"):
        return t.raw_data
    return numpy_helper.to_array(t).tobytes()


def _size(t: TensorProto) -> int:
    if t.data_location == TensorProto.EXTERNAL:
        fields = _external_fields(t)
        return int(fields["length"]) if "length" in fields else -1
    return t.ByteSize()


def _needs_external(model: onnx.ModelProto, folder: Path) -> bool:
    total = model.ByteSize()
    for t in _tensors(model.graph):
        if t.data_location == TensorProto.EXTERNAL:
            length = _size(t)
            total += length if length >= 0 else (folder / _external_fields(t)["location"]).stat().st_size
    return total > EMBED_LIMIT


def pack_graph(source: Path, dest: Path, mode: str = "auto") -> Optional[Dict]:
    """Writes the graph at ``source`` (with any loose tensor files beside it) to ``dest``, its tensors embedded or
    in one ``dest.name + '.data'`` file; returns that file's manifest entry, or None when embedded."""
    if mode not in MODES:
        raise ValueError(f"external data mode {mode!r} is not one of {list(MODES)}")
    folder = source.parent
    model = onnx.load(str(source), load_external_data=False)
    if mode == "auto" and not _needs_external(model, folder):
        onnx.external_data_helper.load_external_data_for_model(model, str(folder))
        dest.write_bytes(model.SerializeToString())
        return None
    data_name = dest.name + ".data"
    digest = hashlib.sha256()
    offset = 0
    with open(dest.parent / data_name, "wb") as out:
        for t in _tensors(model.graph):
            external = t.data_location == TensorProto.EXTERNAL
            if not external and t.ByteSize() < MIN_EXTERNAL_BYTES:
                continue
            payload = _tensor_bytes(t, folder)
            pad = -offset % ALIGNMENT
            if pad:
                out.write(b"\0" * pad)
                digest.update(b"\0" * pad)
                offset += pad
            out.write(payload)
            digest.update(payload)
            # the tensor now points into the one data file; its typed fields are cleared, its dims and type kept
            for field in ("raw_data", "float_data", "int32_data", "int64_data", "double_data", "uint64_data",
                          "string_data"):
                t.ClearField(field)
            del t.external_data[:]
            t.data_location = TensorProto.EXTERNAL
            for key, value in (("location", data_name), ("offset", str(offset)), ("length", str(len(payload)))):
                entry = t.external_data.add()
                entry.key, entry.value = key, value
            offset += len(payload)
    dest.write_bytes(model.SerializeToString())
    return {"file": data_name, "bytes": offset, "sha256": digest.hexdigest()}

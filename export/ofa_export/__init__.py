"""OFA checkpoint converter: HF-layout (or fairseq) OFA checkpoints -> ONNX model packages."""
__version__ = "0.1.0"

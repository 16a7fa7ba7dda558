"""Errors the converter reports to people: each names the file or key at fault."""


class CheckpointError(Exception):
    """A checkpoint, config or vocabulary file is missing, corrupt or does not match the model."""

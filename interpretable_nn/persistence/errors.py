"""The errors and warnings of saving and loading models."""

from __future__ import annotations

__all__ = ["ModelFileError", "UnverifiedModelWarning"]


class ModelFileError(ValueError):
    """A model directory that cannot be trusted or read (checksum, signature, format, layout,
    meaning)."""


class UnverifiedModelWarning(UserWarning):
    """A signed model was loaded without its key: its signature was not checked."""

"""Where a library warning points: the user's line, not the library's."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["user_stacklevel"]

_PACKAGE_DIR = str(Path(__file__).resolve().parents[1]) + os.sep  # a folder: not interpretable_nn_extras/


def _library_dirs() -> tuple[str, ...]:
    """This package's folder, and scikit-learn's and joblib's where they are loaded: a
    warning raised under ``model.score(X, y)`` or ``cross_val_score`` points at that call,
    not at scikit-learn's line that called ``predict``."""
    dirs = [_PACKAGE_DIR]
    for name in ("sklearn", "joblib"):
        mod = sys.modules.get(name)
        if mod is not None and getattr(mod, "__file__", None):
            dirs.append(str(Path(mod.__file__).resolve().parent) + os.sep)  # not sklearn_helpers.py
    return tuple(dirs)


def user_stacklevel() -> int:
    """The ``stacklevel`` for :func:`warnings.warn` that points at the first frame outside
    this package and the scikit-learn machinery calling it (the user's call), however deep
    inside the library the warning is raised. Call it in the function that calls
    ``warnings.warn``."""
    frame = sys._getframe(1)
    level = 1
    dirs = _library_dirs()
    while frame is not None and frame.f_code.co_filename.startswith(dirs):
        frame = frame.f_back
        level += 1
    return level

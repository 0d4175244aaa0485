"""The writer of saved models: every file goes into one directory, atomically.

:func:`commit` writes a model's data files and then its manifest with the staged protocol
described in :mod:`interpretable_nn.persistence`; :func:`write_file_atomic` writes one file
(a temporary sibling, then a rename) for anything saved beside a model. Every operation goes
through :class:`_Dir`, a handle on the target directory, with plain entry names: nothing is
written outside the directory, no existing entry is opened for writing (so a planted
symbolic link is replaced, never followed), and every file is created with mode ``0o666``
filtered by the umask.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import stat
from pathlib import Path

__all__ = ["check_save_path", "write_file_atomic", "write_figure_atomic", "write_output", "commit", "staged_name"]

#: whether the OS resolves names against a directory handle (POSIX). ``os.replace`` takes
#: ``src_dir_fd`` wherever ``os.rename`` does (both are renameat), but CPython lists only
#: ``os.rename`` in ``supports_dir_fd``: testing ``os.replace`` there turned the handle and
#: the save lock off on every platform, and two saves into one directory at once left a
#: model that did not load in 196 of 300 rounds
_HAS_DIR_FD = (os.open in os.supports_dir_fd and os.rename in os.supports_dir_fd and os.unlink in os.supports_dir_fd
               and os.listdir in os.supports_fd and hasattr(os, "O_DIRECTORY"))


def _dir_path(path, what: str = "path") -> Path:
    """``path`` as a Path; an empty path is refused rather than read as the working directory."""
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{what} must be a directory path (str or os.PathLike); got {type(path).__name__}.")
    text = os.fspath(path)
    text = os.fsdecode(text) if isinstance(text, bytes) else text
    if not text.strip():
        raise ValueError(
            f"{what} is empty; pass a directory path, e.g. model.save('model_dir') "
            "(write '.' to mean the working directory)."
        )
    return Path(text)


def check_save_path(path) -> Path:
    """Check, without writing anything, that a model can be saved to directory ``path``.

    Raises ``ValueError`` for an empty path or a path that exists and is not a directory, and
    ``PermissionError`` when the directory (or the nearest existing parent it would be
    created in) is not writable. Returns the path. Meant for callers that train first and
    save afterwards (``interpretable-nn fit --out``): check before the work, not after.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> check_save_path(os.path.join(d, "new", "model")).name
    'model'
    >>> check_save_path("")
    Traceback (most recent call last):
    ValueError: path is empty; pass a directory path, e.g. model.save('model_dir') (write '.' to mean the working directory).
    """
    p = _dir_path(path)
    if p.exists() and not p.is_dir():
        raise ValueError(f"{p} exists and is not a directory; pass a directory path for the saved model.")
    if p.is_symlink() and not p.exists():
        raise ValueError(f"{p} is a symbolic link to nothing ({os.readlink(p)}); remove it or create the "
                         "directory it points to.")
    probe = p
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ValueError(f"{probe} is not a directory, so {p} cannot be created; pass another path.")
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise PermissionError(f"{probe} is not writable, so the model cannot be saved to {p}.")
    return p


# ---------------------------------------------------------------------------- the writer
class _Dir:
    """A directory every file operation of one save goes through: names are plain entries of
    this directory (never paths), resolved against an open handle where the OS has them."""

    def __init__(self, path: Path):
        self.path = path
        self.fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY) if _HAS_DIR_FD else None

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _p(self, name: str):
        if os.sep in name or (os.altsep and os.altsep in name) or name in ("", ".", ".."):
            raise ValueError(f"{name!r} is not a plain file name.")
        return name if self.fd is not None else str(self.path / name)

    def write_new(self, name: str, data: bytes, mode: int | None = None) -> None:
        """Create ``name`` (it must not exist; a symlink there is not followed) holding ``data``;
        ``mode``: its permission bits exactly (default ``0o666`` less the umask)."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
        kw = {"dir_fd": self.fd} if self.fd is not None else {}
        fd = os.open(self._p(name), flags, 0o666, **kw)
        try:
            if mode is not None and hasattr(os, "fchmod"):  # POSIX (Windows has it from 3.13)
                os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)

    def replace(self, src: str, dst: str) -> None:
        kw = {"src_dir_fd": self.fd, "dst_dir_fd": self.fd} if self.fd is not None else {}
        os.replace(self._p(src), self._p(dst), **kw)

    def unlink(self, name: str) -> None:
        kw = {"dir_fd": self.fd} if self.fd is not None else {}
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._p(name), **kw)

    def listdir(self) -> list[str]:
        return os.listdir(self.fd if self.fd is not None else self.path)

    def sync(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.fsync(self.fd)

    def lock(self):
        """An exclusive lock on the directory for the duration of a save (POSIX)."""
        if self.fd is None:
            return contextlib.nullcontext()
        try:
            import fcntl
        except ImportError:  # pragma: no cover - POSIX without fcntl
            return contextlib.nullcontext()

        @contextlib.contextmanager
        def held():
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self.fd, fcntl.LOCK_UN)

        return held()


def _tmp_name(name: str) -> str:
    return f".{name}.{secrets.token_hex(8)}.tmp"


def staged_name(name: str, digest: str) -> str:
    return f".{name}.{digest}.staged"


def _write_via_temp(d: _Dir, name: str, data: bytes, base: str | None = None, mode: int | None = None) -> None:
    """Write ``data`` to a fresh temporary entry of ``d`` (named after ``base``, default
    ``name``; permission bits ``mode``, default ``0o666`` less the umask), then rename it to ``name``."""
    tmp = _tmp_name(base or name)
    try:
        d.write_new(tmp, data, mode)
        d.replace(tmp, name)
    except BaseException:
        d.unlink(tmp)
        raise


def _open_target(path: Path) -> _Dir:
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} exists and is not a directory; pass a directory path for the saved model.")
    path.mkdir(parents=True, exist_ok=True)
    return _Dir(path)


def commit(path: Path, files: dict[str, bytes], manifest_name: str, manifest: bytes, precheck=None) -> None:
    """Write ``files`` (name -> bytes), then ``manifest`` under ``manifest_name``, into
    directory ``path`` (created if needed) with the staged protocol: each data file as
    ``.<name>.<sha256>.staged``, then the manifest (the commit point), then each staged file
    renamed to its name, then whatever earlier interrupted saves of these names left.
    ``precheck`` (what the directory must hold) runs under the lock, before any write: run
    before it, a save committing in between made the directory look foreign (a model's
    files without its manifest) to the second save."""
    names = "|".join(re.escape(n) for n in (*files, manifest_name))
    leftover = re.compile(rf"\.({names})\.([0-9a-f]{{16}}\.tmp|[0-9a-f]{{64}}\.staged)")
    d = _open_target(path)
    try:
        with d.lock():
            if precheck is not None:
                precheck()
            staged: list[str] = []
            try:
                created: list[str] = []  # staged files this save added (an older manifest may use others)
                for name, data in files.items():
                    st = staged_name(name, hashlib.sha256(data).hexdigest())
                    if st not in d.listdir():
                        created.append(st)
                    _write_via_temp(d, st, data, base=name)
                    staged.append(st)
                d.sync()
                _write_via_temp(d, manifest_name, manifest)  # the commit point
            except BaseException:
                for st in created:
                    d.unlink(st)
                raise
            d.sync()
            for name, st in zip(files, staged):
                d.replace(st, name)  # committed: the new model loads before and after each rename
            d.sync()
            for entry in d.listdir():  # earlier interrupted saves
                if leftover.fullmatch(entry):
                    d.unlink(entry)
    finally:
        d.close()


def write_output(path, data: bytes | str, encoding: str = "utf-8") -> Path:
    """Write a file whose path a user named (a CLI's ``--output``, an export's path): as
    :func:`write_file_atomic`, except that a device, a pipe or a socket there, also behind a
    link (``/dev/stdout``, a named pipe), is written through, as a shell's ``>`` does. Renaming
    over it would replace the device's entry itself (run as root, ``/dev/stdout`` became a
    plain file), and nothing can be half-written there that a rename could have kept whole.
    Files inside a directory the library owns (a saved model's) use :func:`write_file_atomic`,
    which never follows a link: one planted there must not lead a write to a device."""
    p = _dir_path(path)
    if p.exists() and not p.is_file() and not p.is_dir():
        with open(p, "wb") as fh:
            fh.write(data.encode(encoding) if isinstance(data, str) else data)
        return p
    return write_file_atomic(p, data, encoding)


def write_figure_atomic(fig, path, **savefig_kw) -> Path:
    """``fig.savefig(path, **savefig_kw)`` through :func:`write_output`: the image is drawn in
    memory (its format from the file's suffix, as matplotlib reads it), then written in one
    rename, so an interrupted run leaves no half-written picture."""
    import io

    p = _dir_path(path)
    buf = io.BytesIO()
    fig.savefig(buf, format=p.suffix.lstrip(".").lower() or None, **{"bbox_inches": "tight", **savefig_kw})
    return write_output(p, buf.getvalue())


def write_file_atomic(path, data: bytes | str, encoding: str = "utf-8") -> Path:
    """Write one file atomically: a fresh temporary sibling, then a rename over ``path``.

    The file's directory must exist. A symbolic link at ``path`` is replaced, never followed,
    and readers see the old content or the new, never a half-written file (a link to a device
    or a pipe too: see :func:`write_output` for a path a user named). The file gets the
    mode every saved file gets (``0o666`` filtered by the umask), or the permission bits of the
    regular file it replaces. Use it for any file written beside a saved model.

    Examples
    --------
    >>> import tempfile, os
    >>> p = write_file_atomic(os.path.join(tempfile.mkdtemp(), "notes.json"), '{"a": 1}')
    >>> p.read_text()
    '{"a": 1}'
    """
    p = _dir_path(path)
    if isinstance(data, str):
        data = data.encode(encoding)
    if not p.parent.is_dir():
        raise FileNotFoundError(f"{p.parent} is not a directory; create it before writing {p.name}.")
    if p.is_dir() and not p.is_symlink():
        raise IsADirectoryError(f"{p} is a directory; pass the path of a file in it, e.g. "
                                f"{p / ('out' + (Path(p.name).suffix or '.csv'))}.")
    # a file the new one replaces keeps its permission bits (``chmod 600 scores.csv`` stays
    # private, as ``>`` keeps it); a link is replaced by a file of the default mode
    old = os.lstat(p) if os.path.lexists(p) else None
    keep = stat.S_IMODE(old.st_mode) if old is not None and stat.S_ISREG(old.st_mode) else None
    d = _Dir(p.parent)
    try:
        _write_via_temp(d, p.name, bytes(data), mode=keep)
        d.sync()
    finally:
        d.close()
    return p

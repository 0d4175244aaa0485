"""Files in and out for the commands: :func:`read_csv` opens a user's CSV file and turns
every way it can fail into one ``ValueError`` naming the file and the fix; :func:`check_output`
refuses a destination that would destroy an input, a saved model or a results store. Here,
below the CLI, because the monitor's and the export's commands (which live beside what they
run) use them as the main CLI does."""

from __future__ import annotations

import os
import unicodedata
import warnings
from pathlib import Path
from typing import Any

from ..data.schema import UnnamedColumnWarning

__all__ = ["read_csv", "check_output", "one_line", "plain", "TARGET_FILE", "UnnamedColumnWarning"]

#: beside a saved model: the target column, which label the score is the log-odds of, the id column
TARGET_FILE = "target.json"


#: the format characters that reorder text (bidirectional marks, embeddings, overrides and
#: isolates); other format characters (a zero-width joiner in an emoji or a Persian name, a
#: soft hyphen) are shown as they are
_BIDI = frozenset("\u061c\u200e\u200f") | {chr(c) for c in range(0x202A, 0x202F)} | {chr(c) for c in range(0x2066, 0x206A)}


def plain(text: Any) -> str:
    """``text`` safe for a terminal or a text file: control, line-separator and bidirectional
    characters shown as ``\\uXXXX`` (a name cannot forge a line, recolour the terminal or
    reorder what follows it)."""
    return "".join(f"\\u{ord(c):04x}" if c in _BIDI or unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                   for c in str(text))


def one_line(text: Any) -> str:
    """``text`` on one line (an error message must not span lines or forge new ones), with
    :func:`plain`'s escapes (a bidi override in a file name reordered the rest of the line)."""
    return plain(" ".join(str(text).split()))


def _input_file(path: str | os.PathLike, what: str) -> Path:
    p = Path(path)
    if str(path) == "":
        raise ValueError(f"{what} is empty; give the path of a CSV file.")
    if p.is_dir():
        raise ValueError(f"{what} {p} is a directory; give the path of a CSV file.")
    if not p.exists():
        raise ValueError(f"{what} {p}: no such file.")
    if not os.access(p, os.R_OK):
        raise ValueError(f"{what} {p} is not readable (permission denied).")
    return p


def _first_bad_byte(p, encoding: str, exc: UnicodeDecodeError) -> tuple[int, bytes, int]:
    """(offset in the file, the byte, its line) of the first byte ``encoding`` cannot read:
    pandas decodes in chunks, so its error's offset is into a chunk (a file whose 23rd byte was
    bad said "offset 0")."""
    import codecs

    dec, done = codecs.getincrementaldecoder(encoding)(), 0
    with open(p, "rb") as f:
        while chunk := f.read(1 << 20):
            try:
                dec.decode(chunk)
            except UnicodeDecodeError as e:
                at = done - (len(e.object) - len(chunk)) + e.start  # e.object: bytes held back, then the chunk
                with open(p, "rb") as g:
                    line = g.read(at).count(b"\n") + 1
                return at, e.object[e.start:e.start + 1], line
            done += len(chunk)
    return exc.start, exc.object[exc.start:exc.start + 1], 0


def read_csv(path: str | os.PathLike, *, what: str = "--input", encoding: str = "utf-8", keep=(), **kwargs):
    """``pd.read_csv(path, **kwargs)`` with every failure turned into one ValueError naming
    ``path`` and what to do (``--encoding`` for a file that is not in ``encoding``). A column
    with no name in the header is left out (:func:`_unnamed`) unless its pandas name
    (``'Unnamed: 0'``) is in ``keep``: the columns the caller needs (a saved model's feature,
    an ``--id-column``)."""
    import codecs

    import pandas as pd

    try:
        if not getattr(codecs.lookup(encoding), "_is_text_encoding", True):  # rot13, base64: not of text files
            raise LookupError(encoding)
    except LookupError:
        raise ValueError(f"--encoding {encoding!r} is not a known text encoding (e.g. utf-8, latin-1, cp1252).") from None
    p = _input_file(path, what)
    kwargs.setdefault("index_col", False)  # a row with an extra field must not shift into the index
    # "age, home" (a space after each comma, as people and some tools write): the names and
    # cells as written without it; else ' home' is the column, ' NA' a level, not missing
    kwargs.setdefault("skipinitialspace", True)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message="Length of header or names does not match",
                                    category=pd.errors.ParserWarning)
            frame = pd.read_csv(p, encoding=encoding, **kwargs)
    except pd.errors.ParserWarning:
        frame = _trailing_commas(p, encoding, kwargs, what)
    except UnicodeDecodeError as exc:
        at, byte, line = _first_bad_byte(p, encoding, exc)
        with open(p, "rb") as f:
            bom = f.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # Excel's "Unicode text"
        raise ValueError(
            f"{what} {p} is not {encoding} text (byte {byte!r} at offset {at}, line {line}); pass --encoding "
            f"with the file's encoding, e.g. {'--encoding utf-16 (it starts with a UTF-16 byte-order mark)' if bom else '--encoding latin-1 or cp1252'}."
        ) from None
    except UnicodeError as exc:  # utf-16 without a byte-order mark
        raise ValueError(f"{what} {p} is not {encoding} text ({one_line(exc)}); pass --encoding with the file's "
                         "encoding, e.g. utf-16-le or utf-16-be for UTF-16 without a byte-order mark.") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{what} {p} is empty; it needs a header line with the column names.") from None
    except pd.errors.ParserError as exc:
        raise ValueError(f"{what} {p} is not a readable CSV table: {one_line(exc)}") from None
    if frame.shape[1] > 1 and kwargs.get("header", "infer") == "infer":
        # pandas renames a repeated header ('x', 'x.1'); the Python API refuses duplicate names
        head = pd.read_csv(p, encoding=encoding, header=None, nrows=1, dtype=str, keep_default_na=False,
                           sep=kwargs.get("sep", ","),
                           skipinitialspace=kwargs["skipinitialspace"]).iloc[0]  # the names as the frame has them
        if not any(h.strip() for h in head.tolist()):
            raise ValueError(f"{what} {p} has no column names in its first line ({len(head)} empty fields); "
                             "the first line must be a header naming the columns.")
        blank = [i for i, h in enumerate(head.tolist()) if not h.strip() and str(frame.columns[i]) not in set(keep)]
        if blank and len(head) == frame.shape[1] and "usecols" not in kwargs and kwargs["index_col"] is False:
            frame = _unnamed(frame, blank, p, what)  # never a feature: row numbers (to_csv's index), padding
        dup = sorted({h for h in head.tolist() if h.strip() and (head == h).sum() > 1})
        if dup:
            raise ValueError(f"{what} {p} names the column(s) {dup} more than once (pandas would read the second "
                             "as a new column); give every column its own name.")
    sep = [c for c in (";", "\t", "|") if frame.shape[1] == 1 and c in str(frame.columns[0])]
    if sep:  # one column named 'id;income;...': not comma-separated (Excel's export where ',' is the decimal mark)
        raise ValueError(f"{what} {p} has a single column named {str(frame.columns[0])[:60]!r}: it looks "
                         f"{sep[0]!r}-separated, and this command reads comma-separated files with '.' decimals. "
                         f"Convert it first, e.g. pandas.read_csv(f, sep={sep[0]!r}, decimal=',').to_csv(out, "
                         "index=False).")
    return frame


def _unnamed(frame, blank: list[int], p: Path, what: str):
    """``frame`` without its columns at ``blank`` (no name in the header). Empty ones (``a,b,,``:
    a spreadsheet's padding) go without a word; one that holds values goes with an
    :class:`UnnamedColumnWarning`: ``df.to_csv(f)`` writes the row index as an unnamed first
    column, which pandas reads as ``'Unnamed: 0'`` and a model would take for a feature."""
    import numpy as np
    import pandas as pd

    def filled(col) -> bool:
        cells = frame.iloc[:, col]
        return bool((cells.notna() & (cells.astype(str).str.strip() != "")).any())

    held = [i for i in blank if filled(i)]
    if held:
        cols = ", ".join(str(i + 1) for i in held[:5]) + (" ..." if len(held) > 5 else "")
        sample = frame.iloc[:3, held[0]].tolist()
        numbers = pd.to_numeric(frame.iloc[:, held[0]], errors="coerce").to_numpy()
        rows = held[0] == 0 and len(numbers) > 0 and numbers[0] in (0, 1) and (numbers == numbers[0] + np.arange(len(numbers))).all()
        why = "; pandas' to_csv without index=False and R's write.csv write the row numbers so" if rows else ""
        warnings.warn(f"{what} {p}: column{'s' if len(held) > 1 else ''} {cols} (counting from 1) "
                      f"{'have' if len(held) > 1 else 'has'} no name in the header and {'were' if len(held) > 1 else 'was'} "
                      f"left out (first values {sample}{why}). To read it, name it in the header (ids: name it id, the "
                      f"commands' id column, or pass --id-column {str(frame.columns[held[0]])!r}).",
                      UnnamedColumnWarning, stacklevel=3)
    return frame.iloc[:, [i for i in range(frame.shape[1]) if i not in set(blank)]]


def _trailing_commas(p: Path, encoding: str, kwargs: dict, what: str):
    """A file whose rows hold more fields than its header: read it when every extra field is
    empty (a trailing separator on each row, as spreadsheets write), else refuse (pandas
    would drop the extra values, or shift them into the index with ``index_col=None``)."""
    import csv

    import pandas as pd

    with open(p, newline="", encoding=encoding) as fh:
        rows = csv.reader(fh, delimiter=kwargs.get("sep", ","))
        width = len(next(rows, []))
        for line, row in enumerate(rows if width > 1 else (), start=2):  # one column: the separator hint below
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                raise ValueError(f"{what} {p}: row {line} has {len(row)} fields but the header has {width}; "
                                 "check the separator, quote fields that hold commas, or fix the row.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        return pd.read_csv(p, encoding=encoding, **{**kwargs, "usecols": list(range(width))})


def check_output(path, *, what: str = "--output", inputs=()) -> Path:
    """An output file that can be written: not a directory, its folder exists, not one of the
    ``inputs`` it is computed from."""
    p = Path(path)
    if str(path) == "":
        raise ValueError(f"{what} is empty; give a file name.")
    if p.is_dir():
        raise ValueError(f"{what} {p} is a directory; give a file name (e.g. {p / 'out.csv'}).")
    if not p.parent.is_dir():
        raise ValueError(f"{what} {p}: the folder {p.parent} does not exist; create it first.")
    for src in inputs:  # compared before either exists: a store created by the run was then overwritten
        if src and p.resolve() == Path(src).resolve():
            raise ValueError(f"{what} {p} is also an input or another output of this command; writing it would "
                             "destroy that file. Choose another file name.")
    if p.is_file() and _head(p) == b"SQLite format 3\x00":  # a study's store, a monitor log
        raise ValueError(f"{what} {p} is a SQLite database (a study's results or a monitor's log); writing "
                         "there would destroy it. Choose another file name.")
    if _holds_saved_files(p.parent):  # predictions over model.json: a model that no longer loads
        raise ValueError(f"{what} {p} is inside {p.parent}, which holds a saved model; writing there could "
                         "overwrite its files. Write the output to another folder.")
    if p.exists() and not os.access(p, os.W_OK) or not os.access(p.parent, os.W_OK):
        raise ValueError(f"{what} {p} cannot be written (permission denied).")
    return p


def _head(p: Path) -> bytes:
    try:
        with open(p, "rb") as fh:
            return fh.read(16)
    except OSError:
        return b""


def _is_model_dir(p: Path) -> bool:
    return any((p / f).is_file() for f in ("manifest.json", "model.json", "tensors.safetensors"))


def _holds_saved_files(p: Path) -> bool:
    """A saved model's directory, or a ``distill --out`` one (its ``ruleset.json``)."""
    return _is_model_dir(p) or (p / TARGET_FILE).is_file() or (p / "ruleset.json").is_file()

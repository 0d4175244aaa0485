"""Checks of the NAM's arguments that :func:`~.fit.fit_nam` runs before any training: the
interaction pairs a user names."""

from __future__ import annotations

from numbers import Integral

from ...data.encoding import TabularEncoder

__all__ = ["forced_pairs", "monotone_names"]


def forced_pairs(interactions, names: list[str], monotone: set[str]) -> list[tuple[int, int]]:
    """``interactions`` given as column pairs -> index pairs into ``names`` (the schema's
    columns, the layout's order), checked."""
    if isinstance(interactions, (Integral, str)):
        return []
    out: list[tuple[int, int]] = []
    for p in interactions:
        if isinstance(p, str) or not hasattr(p, "__len__") or len(p) != 2:
            raise ValueError(f"interactions must be an int or a list of column pairs like [('Income', 'Debt')]; got {p!r}.")
        a, b = (str(c) for c in p)
        unknown = [c for c in (a, b) if c not in names]
        if unknown:
            raise ValueError(f"interactions names {unknown}, which are not columns of X; available: {names}.")
        if a == b:
            raise ValueError(f"interactions pair ({a!r}, {b!r}) repeats one column; a pair needs two columns.")
        mono = [c for c in (a, b) if c in monotone]
        if mono:
            raise ValueError(
                f"interactions pair ({a!r}, {b!r}) uses monotone feature(s) {mono}: an interaction would break "
                "the guarantee that the prediction is monotone in them. Drop the pair or the constraint."
            )
        pair = tuple(sorted((names.index(a), names.index(b))))
        if pair not in out:
            out.append(pair)
    return out


def monotone_names(encoder: TabularEncoder) -> set[str]:
    """The names of the columns with a monotone constraint."""
    return {f.name for f in encoder.schema_ if f.monotone}

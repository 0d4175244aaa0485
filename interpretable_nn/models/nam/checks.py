"""Checks of the NAM's arguments that :func:`~.fit.fit_nam` runs before any training: the
interaction pairs a user names."""

from __future__ import annotations

from numbers import Integral

from ...data.encoding import TabularEncoder

__all__ = ["forced_pairs", "monotone_names", "pair_name_clashes"]


def pair_name_clashes(interactions, names: list[str], forced: list[tuple[int, int]]) -> None:
    """A column named like an interaction term of two other columns (``"a x b"`` beside
    ``a`` and ``b``) is refused when the fit may have that pair: the pair's term is named
    ``"a x b"`` too, so explanations held two columns of one name, ``to_shap`` gave the
    pair's share to the column, and a reason map could not tell the two apart. The NAM names
    the pair of columns ``i < j`` (schema order) ``"names[i] x names[j]"``; ``forced`` is
    :func:`forced_pairs`' reading of a listed ``interactions`` (the only pairs such a fit has)."""
    if isinstance(interactions, Integral) and not isinstance(interactions, bool) and interactions == 0:
        return
    if not isinstance(interactions, (Integral, str)):  # a list: its pairs only
        clash = [(n, names[a], names[b]) for a, b in forced if (n := f"{names[a]} x {names[b]}") in names]
    else:  # a count or "auto": any pair may be fitted
        order, clash = {c: i for i, c in enumerate(names)}, []
        for n in names:
            parts = n.split(" x ")
            for k in range(1, len(parts)):
                a, b = " x ".join(parts[:k]), " x ".join(parts[k:])
                if a in order and b in order and order[a] < order[b]:
                    clash.append((n, a, b))
    if clash:
        n, a, b = clash[0]
        raise ValueError(
            f"Column {n!r} is named like the interaction term of columns {a!r} and {b!r}, which the NAM "
            f"names {n!r} too; rename the column (e.g. {n.replace(' x ', '_x_')!r}) or fit without "
            "interactions (interactions=0).")


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

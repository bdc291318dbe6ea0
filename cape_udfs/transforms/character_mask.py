"""character-mask: replace characters with ``mask_char``, keeping the first
``keep_first`` and the last ``keep_last`` and never touching the ``ignore``
characters: ``123-45-6789`` with ``keep_last: 4, ignore: "-"`` gives
``***-**-6789``.

Positions are counted in Unicode code points (as DuckDB's length, left and
right count them), so a letter with a combining accent is two characters.
A value of at most ``keep_first + keep_last`` characters is masked whole:
keeping both ends would show all of it. The result is always text; integer
and decimal columns are masked in their canonical text form.

Rendered as native SQL; ``mask`` below is the reference the SQL is tested
against.
"""
from __future__ import annotations

from cape_udfs import types as t
from cape_udfs.transforms.base import INT, STRING, Param, Transform

MAX_KEEP = 1_000_000


def _one_character(value: str) -> str | None:
    if len(value) != 1:
        return "mask_char must be exactly one character"
    if value == "\x00":
        return "mask_char must not be the NUL character"
    return None


def _keep(name: str) -> Param:
    return Param(name, INT, f"a whole number from 0 to {MAX_KEEP}", 0,
                 check=lambda v: None if 0 <= v <= MAX_KEEP else f"{name} must be from 0 to {MAX_KEEP}")


class CharacterMask(Transform):
    name = "character-mask"
    accepts = frozenset({t.TEXT, t.INTEGER, t.DECIMAL})
    params = (
        Param("mask_char", STRING, "exactly one character", "*", check=_one_character),
        _keep("keep_first"),
        _keep("keep_last"),
        Param("ignore", STRING, "a string of characters that are never masked", "",
              check=lambda v: "ignore must not contain the NUL character" if "\x00" in v else None,
              # distinct, in order of first appearance, so the SQL class is short
              convert=lambda v: "".join(dict.fromkeys(v))),
    )

    def plan_args(self, args, family, options):
        # Code points as \x{...} escapes: RE2 (DuckDB) and Java (Spark) both read
        # them inside a character class, so no character needs quoting.
        ignore_class = "".join(f"\\x{{{ord(ch):x}}}" for ch in args["ignore"])
        return {**args, "ignore_class": ignore_class}

    def output_type(self, input_type, args):
        return "VARCHAR"


def mask(value: str | None, mask_char: str = "*", keep_first: int = 0, keep_last: int = 0,
         ignore: str = "") -> str | None:
    """The reference: what the rendered SQL computes for one value."""
    if value is None:
        return None
    n = len(value)
    whole = n <= keep_first + keep_last
    return "".join(
        ch if ch in ignore or (not whole and (i < keep_first or i >= n - keep_last)) else mask_char
        for i, ch in enumerate(value)
    )

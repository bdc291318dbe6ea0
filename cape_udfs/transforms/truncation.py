"""truncation: cut a value down, by column type.

- text keeps its first ``length`` characters (code points);
- numbers are cut toward zero to ``precision`` decimal places (negative cuts
  to tens, hundreds, ...): integers and decimals exactly and keeping their
  type, floats as ``trunc(x * 10^p) / 10^p`` (p >= 0) or ``trunc(x / 10^-p) *
  10^-p`` (p < 0) in double precision, NaN and infinities unchanged;
- dates and timestamps are cut to ``frequency`` exactly like date-truncation.

Each family needs its own argument, checked when the policy is planned
against the relation (a text column needs ``length``). Arguments for other
families are allowed, so one named transformation can serve several columns.
"""
from __future__ import annotations

from cape_udfs import types as t
from cape_udfs.errors import PolicyError
from cape_udfs.kernels.frequencies import UNITS, normalize_unit
from cape_udfs.transforms.base import INT, STRING, Param, Transform

MAX_LENGTH = 1_000_000
TEXT, NUMBER, TEMPORAL = "text", "number", "temporal"
# The argument each mode needs, and what it means.
NEEDS = {
    TEXT: ("length", "the number of characters to keep"),
    NUMBER: ("precision", "the number of decimal places to keep"),
    TEMPORAL: ("frequency", "the unit to truncate to"),
}


def _mode(family: str) -> str | None:
    if family == t.TEXT:
        return TEXT
    if family in t.NUMERIC:
        return NUMBER
    if family in t.TEMPORAL:
        return TEMPORAL
    return None


class Truncation(Transform):
    name = "truncation"
    accepts = frozenset({t.TEXT}) | t.NUMERIC | t.TEMPORAL
    params = (
        Param("length", INT, f"a whole number of characters from 1 to {MAX_LENGTH}", None,
              check=lambda v: None if 1 <= v <= MAX_LENGTH else f"length must be from 1 to {MAX_LENGTH}"),
        Param("precision", INT, "an integer number of decimal places from -30 to 30 (may be negative)", None,
              check=lambda v: None if -30 <= v <= 30 else "precision must be from -30 to 30"),
        Param("frequency", STRING, f"one of {', '.join(UNITS)}", None, convert=normalize_unit),
    )

    def check_combination(self, args):
        if all(args[name] is None for name, _ in NEEDS.values()):
            raise PolicyError("give length (text), precision (numbers) or frequency (dates and "
                              "timestamps)", field="length")

    def plan_args(self, args, family, options):
        mode = _mode(family)
        if mode is None:  # the type is unknown (a column macro without data_type)
            given = [m for m, (name, _) in NEEDS.items() if args[name] is not None]
            if len(given) != 1:
                raise PolicyError("with more than one of length, precision and frequency, pass "
                                  "data_type so the column's type can choose", field="data_type")
            mode = given[0]
        name, meaning = NEEDS[mode]
        if args[name] is None:
            raise PolicyError(f"truncation of a {family} column needs '{name}' ({meaning})", field=name)
        return {**args, "mode": mode}

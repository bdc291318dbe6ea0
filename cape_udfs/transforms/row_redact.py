"""row-redact: remove the rows where ``condition`` is true.

The condition is a SQL boolean expression over the relation's input columns
(before any transform). Rows where it is NULL are kept, as pandas' query did
in cape-dataframes: write ``age > 50 or age is null`` to remove unknowns too.
"""
from __future__ import annotations

from cape_udfs.transforms.base import STRING, Param, Transform


def _condition(value):
    if not value.strip():
        return "condition must not be empty"
    if ";" in value or "--" in value or "/*" in value:
        return "condition must be a single SQL boolean expression (no ';' or comments)"
    return None


class RowRedact(Transform):
    name = "row-redact"
    scope = "table"
    params = (Param("condition", STRING, "a SQL boolean expression", check=_condition),)

"""row-redact: remove the rows where ``condition`` is true.

The condition is a SQL boolean expression over the relation's input columns
(before any transform), checked by the engine's parser when the policy is
planned (see cape_udfs/conditions.py). Rows where it is NULL are kept, as pandas' query did
in cape-dataframes: write ``age > 50 or age is null`` to remove unknowns too.
"""
from __future__ import annotations

from cape_udfs.conditions import checked_condition
from cape_udfs.transforms.base import STRING, Param, Transform


def _condition(value):
    # The structure is checked at plan time by the engine's own parser
    # (cape_udfs/conditions.py): only the planner knows which engine runs it.
    return None if value.strip() else "condition must not be empty"


class RowRedact(Transform):
    name = "row-redact"
    scope = "rows"
    params = (Param("condition", STRING, "a SQL boolean expression", check=_condition),)

    def row_filter(self, args, options):
        return checked_condition(args["condition"], options.get("engine"))

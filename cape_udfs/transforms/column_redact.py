"""column-redact: remove columns from the output. ``drop`` in a rule's actions is
shorthand for column-redact of the rule's own column."""
from __future__ import annotations

from cape_udfs.transforms.base import Param, Transform


def _names(value):
    if not value or not all(isinstance(v, str) and v for v in value):
        return "columns must be a non-empty list of column names"
    return None


class ColumnRedact(Transform):
    name = "column-redact"
    scope = "columns"
    params = (Param("columns", (list,), "a list of column names", check=_names),)

    def dropped_columns(self, args):
        return args["columns"]

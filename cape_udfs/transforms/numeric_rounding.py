"""numeric-rounding: round to ``precision`` decimal places (negative rounds to tens,
hundreds, ...), half to even as pandas/NumPy round, which cape-dataframes used.
NaN and infinities stay as they are; the column keeps its type."""
from __future__ import annotations

from cape_udfs import types as t
from cape_udfs.transforms.base import INT, Param, Transform


class NumericRounding(Transform):
    name = "numeric-rounding"
    accepts = t.NUMERIC
    ignored = frozenset({"dtype"})  # Cape's pandas dtype hint; the column's own type is used
    params = (
        Param("precision", INT, "an integer number of decimal places (may be negative)",
              check=lambda v: None if -30 <= v <= 30 else "precision must be from -30 to 30"),
    )

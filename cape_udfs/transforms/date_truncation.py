"""date-truncation: cut dates and timestamps down to a year, month, day, hour,
minute or second. DATE columns stay DATE (units below a day leave them as they are)."""
from __future__ import annotations

from cape_udfs import types as t
from cape_udfs.kernels.frequencies import UNITS, normalize_unit
from cape_udfs.transforms.base import STRING, Param, Transform


class DateTruncation(Transform):
    name = "date-truncation"
    accepts = t.TEMPORAL
    params = (
        Param("frequency", STRING, f"one of {', '.join(UNITS)}", convert=normalize_unit),
    )

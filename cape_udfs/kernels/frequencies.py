"""Date and time units shared by truncation and perturbation.

Cape's own files mix spellings (``DAY``, ``minutes``), so names are
case-insensitive and may be singular or plural.
"""
from __future__ import annotations

from cape_udfs.errors import PolicyError

UNITS = ("year", "month", "day", "hour", "minute", "second")
# Perturbation moves dates by whole units; cape-dataframes counts a year as
# 365 days and a month as 30 days.
SECONDS_PER_UNIT = {
    "year": 365 * 86400,
    "month": 30 * 86400,
    "day": 86400,
    "hour": 3600,
    "minute": 60,
    "second": 1,
}


def normalize_unit(value, field: str = "frequency") -> str:
    if not isinstance(value, str):
        raise PolicyError(f"expected one of {', '.join(UNITS)}", field=field)
    unit = value.strip().lower()
    if unit.endswith("s") and unit[:-1] in UNITS:
        unit = unit[:-1]
    if unit not in UNITS:
        raise PolicyError(f"expected one of {', '.join(UNITS)} (singular or plural, any case)", field=field)
    return unit

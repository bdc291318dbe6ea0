"""Find raw values in a report page: every value fewer than ``min_count`` rows
share, in the forms a person would recognise it.

A value is looked for as written, with thousands separators, rounded to an
integer, and (for dates and timestamps) as ISO text at day, month and year
precision. A form is looked for only when it is itself rare: '1990-03' is not a
leak when many rows fall in March 1990, however rare the day. Matches must not
touch another digit, so '1901' is not found inside '219013'.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from decimal import Decimal


def forms(value) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, dt.datetime):
        return {value.isoformat(sep=" "), value.strftime("%Y-%m-%d %H:%M"), value.strftime("%Y-%m-%d"),
                value.strftime("%Y-%m"), value.strftime("%Y")}
    if isinstance(value, dt.date):
        return {value.isoformat(), value.strftime("%Y-%m"), value.strftime("%Y")}
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
        whole = int(number.to_integral_value())
        out = {str(value), f"{number:,}", str(whole), f"{whole:,}"}
        if number != whole:
            out |= {f"{number:.2f}", f"{number:,.2f}", f"{float(number):.3g}"}
        return out
    return {str(value)}


def rare_forms(values, min_count: int) -> set[str]:
    """Every form that fewer than ``min_count`` of ``values`` take."""
    counts: Counter = Counter()
    for value in values:
        counts.update(forms(value))
    return {form for form, n in counts.items() if n < min_count}


def leaks(html: str, rare: set[str]) -> list[str]:
    return sorted(form for form in rare if re.search(rf"(?<!\d){re.escape(form)}(?!\d)", html))

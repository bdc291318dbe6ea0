"""Finding a policy's column names among a relation's, with suggestions."""
from __future__ import annotations

import difflib


def find_column(name: str, columns: list[str]) -> str | None:
    """The relation's column ``name`` names: exactly, else the one case-folded match."""
    if name in columns:
        return name
    folded = [c for c in columns if c.lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


def missing(name: str, columns: list[str], relation: str) -> str:
    """The message for a column the relation lacks, with the closest name."""
    close = difflib.get_close_matches(name, columns, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    shown = ", ".join(columns[:50]) + (" ..." if len(columns) > 50 else "")
    return f"column '{name}' is not in {relation}{hint} (columns: {shown})"

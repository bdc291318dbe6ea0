"""Column type families, the vocabulary transforms use to say what they accept.

Engines report types as text (DuckDB ``DECIMAL(12,2)``, Spark ``decimal(12,2)``);
a transform only needs the family.
"""
from __future__ import annotations

import re

TEXT = "text"
INTEGER = "integer"
FLOAT = "float"
DECIMAL = "decimal"
DATE = "date"
TIMESTAMP = "timestamp"
OTHER = "other"

NUMERIC = frozenset({INTEGER, FLOAT, DECIMAL})
TEMPORAL = frozenset({DATE, TIMESTAMP})
ANY = frozenset({TEXT, INTEGER, FLOAT, DECIMAL, DATE, TIMESTAMP, OTHER})

_INTEGER_NAMES = {
    "TINYINT", "SMALLINT", "INTEGER", "INT", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
    "UINTEGER", "UBIGINT", "UHUGEINT", "INT1", "INT2", "INT4", "INT8", "LONG", "SHORT", "BYTE",
}
_FLOAT_NAMES = {"DOUBLE", "FLOAT", "REAL", "FLOAT4", "FLOAT8"}
_TEXT_NAMES = {"VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR", "NVARCHAR", "CHARACTER"}


def family_of(data_type: str) -> str:
    """Map an engine's type name to a family."""
    name = (data_type or "").strip().upper()
    if name.endswith("]") or name.startswith(("STRUCT", "MAP", "UNION", "LIST", "ARRAY")):
        return OTHER  # nested types are never a scalar family
    base = re.split(r"[(\s]", name, maxsplit=1)[0]
    if base in _TEXT_NAMES:
        return TEXT
    if base in _INTEGER_NAMES:
        return INTEGER
    if base in _FLOAT_NAMES:
        return FLOAT
    if base in {"DECIMAL", "NUMERIC"}:
        return DECIMAL
    if base == "DATE":
        return DATE
    if base.startswith("TIMESTAMP") or base == "DATETIME":
        return TIMESTAMP
    return OTHER

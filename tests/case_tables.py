"""The case tables of tests/cases/*.yaml and what runs them: each row is one
value of one SQL type through one transform with its policy arguments, and the
text the transform must give. The same rows drive the Python reference
(tests/unit/test_cases.py), the DuckDB renderer (same module) and the Spark
renderer (tests/integration/test_cases_spark.py).

A row: ``value`` (a YAML scalar, cast from its text to ``type``; ``null`` is
NULL), ``type`` (DuckDB's spelling; Spark's is derived), ``args``,
``expected`` (the output cast to text, or ``null``), ``why``, and optionally
``expected_spark`` where Spark's text legitimately differs (say why),
``error`` (a regular expression the query's error must match; ``expected`` is
then null) and ``error_spark`` where Spark words the failure differently,
``round_trip: false`` where an ``inverse`` cannot give the value back, and
``spark_bug`` (what goes wrong) for a row the Spark renderer gets wrong today:
the Spark test then expects it to differ, so a fix shows up as a stale marker.

The macros are rendered without dbt, by a Jinja environment that loads every
.sql file under macros/ (the folder layout is not fixed, so nothing here names
a file) and dispatches by adapter type as dbt does: ``<type>__name``, then
``default__name``.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import yaml

from cape_udfs.keyring import Keyring
from cape_udfs.keys import encode_base64url, parse_key_ref
from cape_udfs.plan import make_step
from cape_udfs.transforms import get_transform
from tests.unit import macro_sql
from tests.unit.macro_sql import Macros

ROOT = Path(__file__).resolve().parents[1]
MACROS = ROOT / "macros"
CASES = Path(__file__).resolve().parent / "cases"

# A fixed test key, so tokens and ciphertexts are known answers. 32 bytes is
# both an AES-256 key (format-preserving) and an AES-SIV-128 key (reversible).
KEY = bytes(range(32))
ENV = {"CAPE_DEFAULT_KEY": encode_base64url(KEY)}
KEY_ID = "env:CAPE_DEFAULT_KEY"

ROW_FIELDS = {"value", "type", "args", "expected", "expected_spark", "round_trip", "spark_bug", "error", "error_spark",
              "why"}
# dbt-only block tags, which plain Jinja cannot parse; those files hold no renderer.


def keyring() -> Keyring:
    return Keyring(environ=ENV)


# --- the case files ----------------------------------------------------------------

def case_files() -> list[Path]:
    return sorted(CASES.glob("*.yaml"))


def load_cases(path: Path) -> dict:
    """A case file, checked: ``transform``, optional ``inverse`` (a transform
    that must give each value back) and ``rows``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    get_transform(data["transform"])  # an unknown name fails here, not per row
    for i, row in enumerate(data["rows"]):
        unknown = set(row) - ROW_FIELDS
        missing = {"value", "type", "args", "expected", "why"} - set(row)
        if unknown or missing:
            raise ValueError(f"{path.name} row {i}: unknown fields {sorted(unknown)}, missing {sorted(missing)}")
        if not isinstance(row["why"], str) or not row["why"]:
            raise ValueError(f"{path.name} row {i}: 'why' must be a comment (quote it if YAML reads it as null)")
        if row.get("error") and row["expected"] is not None:
            raise ValueError(f"{path.name} row {i}: a row that fails has expected: null")
    return data


def row_id(path: Path, i: int, row: dict) -> str:
    return f"{path.stem}[{i}] {row['why']}"


def all_rows() -> list[tuple[Path, int, dict, dict]]:
    """(file, index, row, file data) for every row of every case file."""
    out = []
    for path in case_files():
        data = load_cases(path)
        out += [(path, i, row, data) for i, row in enumerate(data["rows"])]
    return out


# --- values --------------------------------------------------------------------------

_SPARK_TYPES = {"VARCHAR": "string", "TEXT": "string", "INTEGER": "int", "INT": "int", "BIGINT": "bigint",
                "SMALLINT": "smallint", "TINYINT": "tinyint", "DOUBLE": "double", "FLOAT": "float",
                "REAL": "float", "DATE": "date", "TIMESTAMP": "timestamp", "BOOLEAN": "boolean"}


def engine_type(data_type: str, engine: str) -> str:
    """The column type as the engine's plan would report it."""
    if engine != "spark":
        return data_type
    upper = data_type.strip().upper()
    if upper.startswith(("DECIMAL", "NUMERIC")):
        return re.sub(r"\s+", "", data_type.lower())
    return _SPARK_TYPES[upper]


def value_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def string_literal(text: str, engine: str) -> str:
    """A literal in the engine's spelling (Spark reads backslash escapes)."""
    if engine == "spark":
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + text.replace("'", "''") + "'"


def value_sql(value, data_type: str, engine: str) -> str:
    """The row's value as a typed SQL expression."""
    t = engine_type(data_type, engine)
    if value is None:
        return f"cast(null as {t})"
    return f"cast({string_literal(value_text(value), engine)} as {t})"


def python_value(value, data_type: str):
    """The row's value as the Python reference sees it."""
    if value is None:
        return None
    upper = data_type.strip().upper()
    if upper.startswith(("DECIMAL", "NUMERIC")):
        return Decimal(value_text(value))
    if upper in ("INTEGER", "INT", "BIGINT", "SMALLINT", "TINYINT"):
        return int(value)
    if upper in ("DOUBLE", "FLOAT", "REAL"):
        return float(value)
    return value


# --- steps and macros ----------------------------------------------------------------

def step_for(transform: str, args: dict, data_type: str, column: str = "v", ring: Keyring | None = None) -> dict:
    """A planned step as cape_plan gives it, keyed by the test key when the transform uses one."""
    tr = get_transform(transform)
    valid = tr.validate(dict(args))
    key = parse_key_ref(None, origin="case") if getattr(tr, "uses_key", False) or tr.needs_key(valid) else None
    return make_step(tr, valid, key, column, data_type, f"{column}:0", ring or keyring(), {})


def load_macros(adapter_type: str) -> Macros:
    """Every macro under macros/, dispatching for ``adapter_type`` (tests/unit/macro_sql.py)."""
    return macro_sql.load(adapter_type)


def render(cape: Macros, step: dict, expr: str) -> str:
    """The step's SQL over ``expr``, through the macro the step names."""
    return getattr(cape, step["macro"])(expr, step, expr).strip()

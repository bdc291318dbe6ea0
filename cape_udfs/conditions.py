"""Row-redact conditions: one boolean expression, checked by the engine's own parser.

A condition is pasted into the model's WHERE clause, so a string such as
``false) is not true union all select ... where (false`` would otherwise append
raw rows. Before a condition reaches SQL it is parsed as the single expression of
``SELECT <condition>`` by the parser of the engine that will run it (DuckDB's
``json_serialize_sql`` in a private in-memory database; Spark's own expression
parser on the driver) and refused unless it is exactly one expression with no
subquery, no set operation, no FROM, WHERE, GROUP BY, ORDER BY, LIMIT or alias,
and no second statement. What is rendered is the text that was parsed, wrapped
as ``(<condition>\\n)``: the newline ends a trailing ``--`` comment, and since the
same parser accepted the text as one complete expression, no quote, bracket or
block comment is left open.

A condition is still SQL run with the model's privileges: it may call any scalar
function (``error()``, ``getenv()`` where the engine allows it). Policy files are
code; review them as such.
"""
from __future__ import annotations

import json
import threading

from cape_udfs.errors import PolicyError

FIELD = "condition"
_REFUSED = ("it must be one SQL boolean expression over the relation's columns, "
            "with no subquery, set operation, clause, alias or second statement")


def checked_condition(text: str, engine: str | None) -> str:
    """The condition as it may be rendered into SQL, or a PolicyError."""
    if not isinstance(text, str) or not text.strip():
        raise PolicyError("condition must not be empty", field=FIELD)
    if "\x00" in text:
        raise PolicyError("condition must not contain a NUL character", field=FIELD)
    if engine == "spark":
        _check_spark(text)
    else:  # DuckDB, and the portable default
        _check_duckdb(text)
    return "(" + text + "\n)"


# -- DuckDB ---------------------------------------------------------------

_lock = threading.Lock()
_connection = None


def _duckdb():
    global _connection
    if _connection is None:
        import duckdb

        _connection = duckdb.connect(":memory:")
    return _connection


# Fields of a SELECT node that must be empty for "SELECT <expression>".
_EMPTY_FIELDS = ("where_clause", "having", "sample", "qualify")
_EMPTY_LISTS = ("modifiers", "group_expressions", "group_sets")


def _check_duckdb(text: str) -> None:
    with _lock:
        try:
            raw = _duckdb().execute("select json_serialize_sql(?)", ["SELECT " + text + "\n"]).fetchone()[0]
        except Exception:
            raise PolicyError(f"condition could not be checked: {_REFUSED}", field=FIELD) from None
    tree = json.loads(raw)
    if tree.get("error"):
        raise PolicyError(f"condition does not parse as SQL: {_REFUSED}", field=FIELD)
    statements = tree.get("statements") or []
    node = statements[0].get("node", {}) if len(statements) == 1 else {}
    select = node.get("select_list") or []
    ok = (
        node.get("type") == "SELECT_NODE"
        and len(select) == 1
        and not select[0].get("alias")
        and (node.get("from_table") or {}).get("type") == "EMPTY"
        and not (node.get("cte_map") or {}).get("map")
        and all(node.get(f) is None for f in _EMPTY_FIELDS)
        and all(not node.get(f) for f in _EMPTY_LISTS)
        and not _has_subquery(select[0])
    )
    if not ok:
        raise PolicyError(f"condition refused: {_REFUSED}", field=FIELD)


def _has_subquery(node) -> bool:
    """Any SUBQUERY expression (scalar, EXISTS, IN/ANY) or any nested query node."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("class") == "SUBQUERY" or item.get("type") in ("SELECT_NODE", "SET_OPERATION_NODE"):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


# -- Spark ----------------------------------------------------------------

_SPARK_EXPRESSIONS = "org.apache.spark.sql.catalyst.expressions."
_SPARK_ANALYSIS = "org.apache.spark.sql.catalyst.analysis."
# Expression classes a condition may not contain: subqueries (their plan is not
# a child, so any SubqueryExpression is refused outright), aliases and stars.
_SPARK_REFUSED = (_SPARK_EXPRESSIONS + "SubqueryExpression", _SPARK_EXPRESSIONS + "Alias",
                  _SPARK_ANALYSIS + "UnresolvedAlias", _SPARK_ANALYSIS + "Star")


def _check_spark(text: str) -> None:
    """Parse with the active session's SQL parser (plans are answered on the
    driver, see cape_udfs/spark/session.py) and walk the expression tree."""
    from pyspark.sql import SparkSession

    # The active session is per thread, and dbt plans models on its own threads;
    # getOrCreate returns the session the runner started.
    spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    jvm = spark.sparkContext._jvm
    try:
        expression = spark._jsparkSession.sessionState().sqlParser().parseExpression(text)
    except Exception:
        raise PolicyError(f"condition does not parse as Spark SQL: {_REFUSED}", field=FIELD) from None
    refused = [jvm.java.lang.Class.forName(name) for name in _SPARK_REFUSED]
    stack = [expression]
    while stack:
        item = stack.pop()
        if any(cls.isInstance(item) for cls in refused):
            raise PolicyError(f"condition refused: {_REFUSED}", field=FIELD)
        children = item.children()
        stack.extend(children.apply(i) for i in range(children.size()))

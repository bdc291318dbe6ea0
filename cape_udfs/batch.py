"""Batch functions: what a transform computed outside SQL declares, and how one batch is run.

A transform that is not native SQL names one ``BatchFunction``: the SQL name the
engines register, its arguments in SQL order, its return type and the pure
function over Arrow arrays that computes it. Engines never hold hand-written
wrappers: ``cape_udfs.function_table`` collects the declarations from the
registry, DuckDB (``cape_udfs.duckdb_functions``) and Spark
(``cape_udfs.spark.functions``) register every entry, and ``run_batch`` turns
one engine call into one call of ``compute``. The generic renderer
``render_batch_function`` (macros/transforms/render_batch_function.sql) writes
the SQL call from the step the planner builds with ``call_spec``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pyarrow as pa
import pyarrow.compute as pc

from cape_udfs.errors import CapeError

VALUE = "value"  # the column's value (as text, or a list of texts)
KEY = "key"  # a key id, resolved to key bytes by the engine's keyring
ARG = "arg"  # a constant: one of the step's arguments
COLUMN = "column"  # a constant: the column's name, so errors can name it
LENGTH = "length"  # no value: compute receives the batch's length
KINDS = (VALUE, KEY, ARG, COLUMN, LENGTH)

# SQL types of arguments and results, as each engine spells them.
SQL_TYPES = {
    "text": {"duckdb": "VARCHAR", "spark": "string"},
    "text[]": {"duckdb": "VARCHAR[]", "spark": "array<string>"},
    "integer": {"duckdb": "INTEGER", "spark": "int"},
    "double": {"duckdb": "DOUBLE", "spark": "double"},
}
_ARROW = {"text": pa.string(), "double": pa.float64()}


@dataclass(frozen=True)
class Arg:
    kind: str
    name: str = ""  # the step argument of an ARG
    sql_type: str = "text"

    def __post_init__(self):
        if self.kind not in KINDS or self.sql_type not in SQL_TYPES or (self.kind == ARG) != bool(self.name):
            raise ValueError(f"bad batch function argument {self!r}")


@dataclass(frozen=True)
class BatchFunction:
    sql_name: str
    args: tuple[Arg, ...]
    returns: str  # "text" | "double"
    compute: Callable  # (value or length, then key and constants in SQL order) -> pa.Array
    deterministic: bool = True  # False: a fresh value at every call (never folded, cached or merged)

    def __post_init__(self):
        if self.returns not in _ARROW or not self.args or sum(a.kind in (VALUE, LENGTH) for a in self.args) != 1:
            raise ValueError(f"bad batch function {self.sql_name}")

    def sql_types(self, engine: str) -> list[str]:
        return [SQL_TYPES[a.sql_type][engine] for a in self.args]

    def sql_return_type(self, engine: str) -> str:
        return SQL_TYPES[self.returns][engine]


def flat(values) -> pa.Array:
    """One Array from an engine's argument (a ChunkedArray, usually of one chunk,
    which is taken as is: combine_chunks would copy it)."""
    if isinstance(values, pa.ChunkedArray):
        return values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()
    return values


def constant(values, what: str):
    """The single value of a constant argument column. Every row is checked (a
    column of differing key ids must fail, not use the first) by one comparison
    against the first value, which is cheaper than pc.unique."""
    values = flat(values)
    first = values[0]
    if values.null_count or not (len(values) == 1 or pc.all(pc.equal(values, first)).as_py()):
        raise CapeError(f"{what} must be one non-NULL constant per call")
    return first.as_py()


def run_batch(fn: BatchFunction, columns, resolve_key: Callable[[str], bytes]) -> pa.Array:
    """One engine call of ``fn``: ``columns`` are its arguments in SQL order."""
    length = len(columns[0])
    if length == 0:
        return pa.array([], _ARROW[fn.returns])
    values = []
    for arg, column in zip(fn.args, columns):
        if arg.kind == VALUE:
            values.append(flat(column))
        elif arg.kind == LENGTH:
            values.append(length)
        elif arg.kind == KEY:
            values.append(resolve_key(constant(column, f"{fn.sql_name} key id")))
        else:
            values.append(constant(column, f"{fn.sql_name} {arg.name or arg.kind}"))
    return fn.compute(*values)


def call_spec(fn: BatchFunction, step: dict) -> dict:
    """The SQL call a step renders: the function and, per argument, the value
    (``{"value": true}``) or a constant text; never key bytes, only the key id."""
    args = []
    for arg in fn.args:
        if arg.kind in (VALUE, LENGTH):
            args.append({"value": True})
        else:
            text = (step["key_id"] if arg.kind == KEY
                    else step["column"] if arg.kind == COLUMN
                    else step["args"][arg.name])
            args.append({"value": False, "text": str(text)})
    return {"function": fn.sql_name, "args": args, "left": None}

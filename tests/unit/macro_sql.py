"""Render cape's render_* macros to SQL without dbt, so unit tests can run the
exact SQL a model gets on DuckDB against a Python reference.

Only what the render macros use is provided: ``cape.<macro>`` for the macros
in the given files (dbt's ``return`` included), ``cape._sql_string`` and
``cape._cast`` as in macros/internal, and ``adapter.dispatch`` picking the
``duckdb__`` implementation. The integration tests render them through dbt.
"""
from __future__ import annotations

from pathlib import Path

import jinja2

from cape_udfs.plan import make_step
from cape_udfs.keyring import Keyring
from cape_udfs.transforms import get_transform

MACROS = Path(__file__).resolve().parents[2] / "macros"


class _Return(Exception):
    def __init__(self, value):
        self.value = value


def _return(value):
    raise _Return(value)


class _Namespace:
    pass


class _Adapter:
    def __init__(self, cape):
        self._cape = cape

    def dispatch(self, name, package=None):
        return getattr(self._cape, "duckdb__" + name, None) or getattr(self._cape, "default__" + name)


def _wrap(macro):
    def call(*args, **kwargs):
        try:
            return str(macro(*args, **kwargs))
        except _Return as ret:
            return ret.value
    return call


def _sql_string(text) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _cast(sql, data_type):
    return f"cast({sql} as {data_type})" if data_type else sql


def _raise(message):
    raise RuntimeError(message)


def load(*files: str) -> _Namespace:
    """The ``cape`` namespace with the macros of ``files`` (relative to macros/)."""
    cape = _Namespace()
    env = jinja2.Environment(extensions=["jinja2.ext.do"], undefined=jinja2.StrictUndefined)
    env.globals.update({"cape": cape, "return": _return, "adapter": _Adapter(cape),
                        "exceptions": type("E", (), {"raise_compiler_error": staticmethod(_raise)})})
    for name in ("engine/quote_identifier.sql", *files):
        template = env.from_string((MACROS / name).read_text(encoding="utf-8"))
        context = template.new_context()
        for _ in template.root_render_func(context):  # defines the macros, private ones too
            pass
        for attr, macro in context.vars.items():
            if isinstance(macro, jinja2.runtime.Macro):
                setattr(cape, attr, _wrap(macro))
    cape._sql_string = _sql_string
    cape._cast = _cast
    cape._unsupported = _raise
    return cape


def step_for(transform: str, args: dict, data_type: str | None, column: str = "v") -> dict:
    """A planned step, as cape_plan would give it (no key)."""
    tr = get_transform(transform)
    return make_step(tr, tr.validate(args), None, column, data_type, f"{column}:0", Keyring(environ={}), {})


def render(cape: _Namespace, transform: str, args: dict, data_type: str | None, expr: str = "v",
           column: str = "v") -> str:
    step = step_for(transform, args, data_type, column)
    return getattr(cape, step["macro"])(expr, step, expr).strip()

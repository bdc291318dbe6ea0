"""Render cape's render_* macros to SQL without dbt, so unit tests can run the
exact SQL a model gets on DuckDB against a Python reference.

Every macro file under macros/ is loaded (but materializations and generic
tests, which are dbt's own block tags), so moving a macro between files never
breaks a test. Only what the render macros use is provided: ``cape.<macro>``
(dbt's ``return`` included), ``modules.re``, and ``adapter.dispatch`` picking
the engine's implementation (``duckdb__`` or ``spark__``) else ``default__``,
as dbt does. The integration tests render them through dbt.
"""
from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import jinja2

from cape_udfs.keyring import Keyring
from cape_udfs.plan import make_step
from cape_udfs.transforms import get_transform

MACROS = Path(__file__).resolve().parents[2] / "macros"
# dbt block tags (materializations, generic tests) plain Jinja cannot parse.
_DBT_BLOCKS = re.compile(r"{%-?\s*(materialization|test|snapshot|docs)\s")


class _Return(Exception):
    def __init__(self, value):
        self.value = value


def _return(value):
    raise _Return(value)


class Macros:
    """cape's macros, as ``cape.<name>`` and ``cape[name]``, for one adapter type."""

    def __getitem__(self, name):
        return getattr(self, name)


class _Adapter:
    def __init__(self, macros: Macros, engine: str):
        self._macros = macros
        self._engine = engine

    def type(self) -> str:
        return self._engine

    def dispatch(self, name, package=None):
        found = (getattr(self._macros, f"{self._engine}__{name}", None)
                 or getattr(self._macros, f"default__{name}", None))
        if found is None:
            raise RuntimeError(f"no {self._engine}__{name} nor default__{name} under macros/")
        return found


def _wrap(macro):
    def call(*args, **kwargs):
        try:
            return str(macro(*args, **kwargs))
        except _Return as ret:
            return ret.value
    return call


def _raise(message):
    raise RuntimeError(message)


def macro_files() -> list[Path]:
    """Every macro file plain Jinja can load (all but dbt's block tags)."""
    return sorted(p for p in MACROS.rglob("*.sql") if not _DBT_BLOCKS.search(p.read_text(encoding="utf-8")))


def load(engine: str = "duckdb") -> Macros:
    """Every macro of every file under macros/, dispatching as on ``engine``, so
    moving a macro between files never breaks a test."""
    cape = Macros()
    env = jinja2.Environment(extensions=["jinja2.ext.do"], undefined=jinja2.StrictUndefined)
    env.globals.update({
        "cape": cape, "return": _return, "adapter": _Adapter(cape, engine),
        "exceptions": type("E", (), {"raise_compiler_error": staticmethod(_raise)}),
        "modules": type("M", (), {"re": re, "datetime": datetime}),
        "tojson": json.dumps, "fromjson": json.loads, "log": lambda *a, **k: "",
    })
    for path in macro_files():
        template = env.from_string(path.read_text(encoding="utf-8"))
        context = template.new_context()
        for _ in template.root_render_func(context):  # defines the macros, private ones too
            pass
        for name, macro in context.vars.items():
            if isinstance(macro, jinja2.runtime.Macro):
                if hasattr(cape, name):
                    raise RuntimeError(f"macro {name} is defined twice under macros/ ({path.name})")
                setattr(cape, name, _wrap(macro))
    return cape


def step_for(transform: str, args: dict, data_type: str | None, column: str = "v") -> dict:
    """A planned step, as cape_plan would give it (no key)."""
    tr = get_transform(transform)
    return make_step(tr, tr.validate(args), None, column, data_type, f"{column}:0", Keyring(environ={}), {})


def render(cape: Macros, transform: str, args: dict, data_type: str | None, expr: str = "v",
           column: str = "v") -> str:
    step = step_for(transform, args, data_type, column)
    return getattr(cape, step["macro"])(expr, step, expr).strip()

"""What every transform declares: its name, its arguments and the column types it takes.

A transform validates its arguments once, when the policy is loaded, and turns
them into a *step*: a plain dict of non-secret values that the SQL layer
renders (dbt macros) and, for transforms computed in Python, the arguments of
a vectorized function over Arrow arrays.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from cape_udfs import types as t
from cape_udfs.batch import BatchFunction
from cape_udfs.errors import PolicyError

_MISSING = object()


@dataclass(frozen=True)
class Param:
    """One argument of a transform."""

    name: str
    kinds: tuple  # accepted Python types after YAML parsing
    expected: str  # human description, used in errors
    default: Any = _MISSING
    check: Callable[[Any], str | None] | None = None  # returns a problem or None
    convert: Callable[[Any], Any] | None = None  # normalizes; may raise PolicyError

    @property
    def required(self) -> bool:
        return self.default is _MISSING

    def coerce(self, value):
        # YAML booleans are ints to Python; never accept them as numbers.
        if isinstance(value, bool) and bool not in self.kinds:
            raise PolicyError(f"expected {self.expected}, got a boolean", field=self.name)
        if not isinstance(value, self.kinds):
            raise PolicyError(f"expected {self.expected}, got {_describe(value)}", field=self.name)
        if isinstance(value, float) and not math.isfinite(value):
            raise PolicyError(f"expected {self.expected}, got a non-finite number", field=self.name)
        if self.check is not None:
            problem = self.check(value)
            if problem:
                raise PolicyError(problem, field=self.name)
        if self.convert is not None:
            try:
                return self.convert(value)
            except PolicyError as exc:
                raise exc.located(field=self.name) from None
        return value


def _describe(value) -> str:
    if value is None:
        return "nothing (null)"
    return {
        str: "a string", int: "an integer", float: "a number", list: "a list",
        dict: "a mapping", bytes: "bytes",
    }.get(type(value), type(value).__name__)


INT = (int,)
NUMBER = (int, float)
STRING = (str,)


class Transform:
    """Base class. Subclasses set the class attributes and may override hooks."""

    name: str = ""
    params: tuple[Param, ...] = ()
    accepts: frozenset = t.ANY  # input type families
    uses_key: bool = False
    # Arguments Cape accepted that carry no meaning here (pandas dtype hints).
    ignored: frozenset = frozenset()
    # "column" transforms rewrite a column; "rows" ones (row-redact) filter the
    # relation's rows (row_filter); "columns" ones (column-redact) drop columns
    # (dropped_columns).
    scope: str = "column"
    # The batch function the transform's SQL calls (its module declares it), or
    # None for a transform rendered as native SQL by render_<name>.
    function: BatchFunction | None = None
    # Further functions its native SQL calls (perturbation's uniforms).
    extra_functions: tuple[BatchFunction, ...] = ()

    @property
    def functions(self) -> tuple[BatchFunction, ...]:
        """Every SQL function this transform's SQL calls, for the function table."""
        return ((self.function,) if self.function is not None else ()) + tuple(self.extra_functions)

    @property
    def renderer(self) -> str:
        """The macro that renders a step: one generic renderer for batch
        functions, render_<name> for native SQL."""
        return "render_batch_function" if self.function is not None else "render_" + self.name.replace("-", "_")

    def validate(self, args: dict) -> dict:
        """Check raw policy arguments; return normalized non-secret arguments."""
        known = {p.name for p in self.params} | set(self.ignored) | ({"key"} if self.uses_key else set())
        for extra in sorted(set(args) - known, key=str):
            allowed = ", ".join(sorted(known)) or "none"
            raise PolicyError(f"unknown argument for {self.name} (allowed: {allowed})", field=str(extra))
        out = {}
        for p in self.params:
            if p.name in args and args[p.name] is not None:
                out[p.name] = p.coerce(args[p.name])
            elif p.required:
                raise PolicyError(f"missing required argument ({p.expected})", field=p.name)
            else:
                out[p.name] = p.default
        self.check_combination(out)
        return out

    def check_combination(self, args: dict) -> None:
        """Cross-argument checks; raise PolicyError."""

    def needs_key(self, args: dict) -> bool:
        """Whether these (validated) arguments call for a key."""
        return self.uses_key

    def plan_args(self, args: dict, family: str, options: dict) -> dict:
        """Arguments as the SQL layer needs them for a column of ``family``;
        ``options`` are the project's settings (e.g. tokenizer_algorithm)."""
        return args

    def check_effect(self, args: dict, family: str, input_type: str | None) -> None:
        """Raise PolicyError when ``args`` (as plan_args returned them) can never
        change a value of a column of ``family`` / ``input_type`` (None when
        unknown): such a step would publish raw values as transformed ones."""

    def output_type(self, input_type: str, args: dict) -> str:
        """SQL type of the result for an input of ``input_type`` (engine spelling)."""
        return input_type

    def call_options(self, args: dict) -> dict:
        """Extra keys of a batch function's call spec (the tokenizer's ``left``)."""
        return {}

    def finish_step(self, step: dict) -> None:
        """Add what the renderer needs beyond the arguments (seeded noise's salt)."""

    def bind_relation(self, step: dict, names: list[str], types: dict, relation: str) -> None:
        """Add what the step reads from the relation besides its own column
        (consistent_by columns, the relation for relative_scale)."""

    def row_filter(self, args: dict, options: dict) -> str:
        """A "rows" transform's condition, checked, as it may be rendered."""
        raise NotImplementedError

    def dropped_columns(self, args: dict) -> list[str]:
        """The column names a "columns" transform removes."""
        raise NotImplementedError

"""Plan: which expression each output column gets and which rows are removed.

The plan is plain JSON-ready data with no key bytes in it (keys appear as key
ids), so the dbt macros can render it into SQL for any engine.
"""
from __future__ import annotations

import re

from cape_udfs import types as t
from cape_udfs.batch import call_spec
from cape_udfs.columns import find_column, missing
from cape_udfs.errors import KeyResolutionError, PolicyError
from cape_udfs.keyring import Keyring
from cape_udfs.keys import MIN_KEY_BYTES, WEAK_KEY_WARNING, KeyRef
from cape_udfs.policy import Policy

# The family of an expression whose type the SQL layer was not told.
UNKNOWN = "unknown"


# Control characters (NUL, newline, escape, ...) in a column name: no engine
# needs them, and some tools cut or reinterpret a name at one.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_column_names(names: list[str], relation: str) -> None:
    """Refuse a relation whose column names hold control characters, naming the
    column by its position (the name itself may be what an attacker wrote)."""
    for position, name in enumerate(names, start=1):
        if not name or _CONTROL.search(name):
            what = "an empty name" if not name else "a control character (NUL, newline, ...) in its name"
            raise PolicyError(f"column {position} of {relation} has {what}; rename it upstream "
                              "(cape renders every column name into SQL)", field="columns")


def make_step(tr, args: dict, key: KeyRef | None, column: str, in_type: str | None,
              salt: str, keyring: Keyring, options: dict) -> dict:
    """One column step: the validated, non-secret arguments of ``tr`` for a
    column of ``in_type`` (None when the caller cannot know it, as for the
    column-level macros), with the key resolved to its id."""
    family = t.family_of(in_type) if in_type else UNKNOWN
    if family != UNKNOWN and family not in tr.accepts:
        raise PolicyError(
            f"{tr.name} cannot be applied to column '{column}' of type {in_type} "
            f"(accepts {', '.join(sorted(tr.accepts))} columns)", field="match")
    planned = tr.plan_args(args, family, options)
    tr.check_effect(planned, family, in_type)
    step = {
        "transform": tr.name,
        "macro": tr.renderer,
        "column": column,
        "args": planned,
        "input_type": in_type,
        "family": family,
        "output_type": tr.output_type(in_type, args) if in_type else None,
        "salt": salt,
    }
    # A transform that is keyed only for some arguments (perturbation with
    # seed or consistent_by) says so through needs_key; otherwise the key stays unloaded.
    if key is not None and tr.needs_key(args):
        step["key_id"] = keyring.resolve(key)
        check = getattr(tr, "key_check", None)
        problem = check(keyring.get(step["key_id"])) if check is not None else None
        if problem:
            raise PolicyError(problem, field="key")
    if tr.function is not None:
        step["call"] = {**call_spec(tr.function, step), **tr.call_options(planned)}
    tr.finish_step(step)
    return step


def build_plan(policy: Policy, columns: list[tuple[str, str]], keyring: Keyring,
               relation: str = "the relation", options: dict | None = None) -> dict:
    """Resolve the policy against a relation's columns (name, engine type).

    Raises PolicyError (with path and rule) for a column that does not exist,
    a transform on a type it cannot take, or a key that cannot be loaded.
    """
    options = options or {}
    names = [c for c, _ in columns]
    try:
        check_column_names(names, relation)
    except PolicyError as exc:
        raise exc.located(path=policy.path) from None
    types = dict(columns)
    steps: dict[str, list] = {c: [] for c in names}
    current = dict(types)
    dropped: dict[str, str] = {}
    row_filters: list[str] = []
    applied: list[list[str]] = []
    warnings = key_warnings(policy)

    for rule in policy.rules:
        for action in rule.actions:
            tr = action.transform
            try:
                if tr.scope == "rows":  # row-redact: a filter on the relation's rows
                    row_filters.append(tr.row_filter(action.args, options))
                    applied.append([rule.column, tr.name])
                    continue
                if tr.scope == "columns":  # column-redact: columns leave the output
                    for wanted in tr.dropped_columns(action.args):
                        col = find_column(wanted, names)
                        if col is None:
                            raise PolicyError(missing(wanted, names, relation), field="columns")
                        dropped.setdefault(col, action.where)
                        applied.append([col, tr.name])
                    continue
                col = find_column(rule.column, names)
                if col is None:
                    raise PolicyError(missing(rule.column, names, relation), field="match")
                if col in dropped:
                    raise PolicyError(f"column '{col}' was already dropped by {dropped[col]}", field="match")
                step = make_step(tr, action.args, action.key, col, current[col],
                                 f"{col}:{len(steps[col])}", keyring, options)
                tr.bind_relation(step, names, types, relation)
                steps[col].append(step)
                current[col] = step["output_type"]
                applied.append([col, tr.name])
            except KeyResolutionError as exc:
                raise PolicyError(str(exc), path=policy.path, rule=action.where, field="key") from None
            except PolicyError as exc:
                raise exc.located(path=policy.path, rule=action.where) from None

    return {
        "label": policy.label,
        "path": policy.path,
        "digest": policy.digest,
        "input_columns": names,
        "columns": [{"name": c, "type": current[c], "steps": steps[c]} for c in names if c not in dropped],
        "row_filters": row_filters,
        "applied": applied,
        "warnings": warnings,
    }


def key_warnings(policy: Policy) -> list[str]:
    """One warning per action whose inline key is shorter than MIN_KEY_BYTES
    (only Cape's plain-string keys can be: every other form is refused)."""
    return [f"policy {policy.path}, {action.where}: {WEAK_KEY_WARNING}"
            for rule in policy.rules for action in rule.actions
            if action.key is not None and action.key.inline is not None
            and action.transform.needs_key(action.args) and len(action.key.inline) < MIN_KEY_BYTES]

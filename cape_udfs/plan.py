"""Plan: which expression each output column gets and which rows are removed.

The plan is plain JSON-ready data with no key bytes in it (keys appear as key
ids), so the dbt macros can render it into SQL for any engine.
"""
from __future__ import annotations

import difflib
import re

from cape_udfs import types as t
from cape_udfs.conditions import checked_condition
from cape_udfs.errors import KeyResolutionError, PolicyError
from cape_udfs.keys import MIN_KEY_BYTES, WEAK_KEY_WARNING, KeyRef, Keyring
from cape_udfs.policy import Policy


# The family of an expression whose type the SQL layer was not told.
UNKNOWN = "unknown"


def _find_column(name: str, columns: list[str]) -> str | None:
    if name in columns:
        return name
    folded = [c for c in columns if c.lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


def _missing(name: str, columns: list[str], relation: str) -> str:
    close = difflib.get_close_matches(name, columns, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    shown = ", ".join(columns[:50]) + (" ..." if len(columns) > 50 else "")
    return f"column '{name}' is not in {relation}{hint} (columns: {shown})"


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
        "macro": "render_" + tr.name.replace("-", "_"),
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
    if args.get("seed") is not None and args.get("consistent_by") is None:
        # Seeded noise is keyed by the row under a salt of the seed and this
        # step's place, so equal seeds on two columns or steps stay independent.
        from cape_udfs.transforms.keyed_noise import seeded_salt
        step["seed_salt"] = seeded_salt(args["seed"], salt)
    return step


def _bind_relation(step: dict, names: list[str], types: dict, relation: str) -> None:
    """What a step reads from the relation besides its own column: the
    ``consistent_by`` columns, or every input column for seeded noise (raw
    input values, each with the family that fixes its canonical text;
    ``row_head`` lets the macro find the row's alias) and, for
    ``relative_scale``, the relation itself."""
    args = step["args"]
    wanted = args.get("consistent_by")
    if step.get("seed_salt") is not None:
        # Seeded noise: the whole input row, each column as its canonical text
        # where its family has one (the macro casts the others to text).
        step["entity"] = [{"column": c, "family": t.family_of(types[c])} for c in names]
        step["row_head"] = names[0]
    if wanted:
        from cape_udfs.transforms.keyed_noise import ENTITY_FAMILIES
        entity = []
        for name in wanted:
            col = _find_column(name, names)
            if col is None:
                raise PolicyError(_missing(name, names, relation), field="consistent_by")
            family = t.family_of(types[col])
            if family not in ENTITY_FAMILIES:
                raise PolicyError(
                    f"consistent_by column '{col}' has type {types[col]}; it must be text, integer, decimal, "
                    "date or timestamp (floats have no engine-independent text form)", field="consistent_by")
            entity.append({"column": col, "family": family})
        step["entity"] = entity
        step["row_head"] = names[0]
        if args.get("salt") is None:
            step["args"] = {**args, "salt": step["column"]}
    if args.get("relative_scale") is not None:
        step["relation"] = relation


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
                if tr.name == "row-redact":
                    row_filters.append(checked_condition(action.args["condition"], options.get("engine")))
                    applied.append([rule.column, tr.name])
                    continue
                if tr.name == "column-redact":
                    for wanted in action.args["columns"]:
                        col = _find_column(wanted, names)
                        if col is None:
                            raise PolicyError(_missing(wanted, names, relation), field="columns")
                        dropped.setdefault(col, action.where)
                        applied.append([col, tr.name])
                    continue
                col = _find_column(rule.column, names)
                if col is None:
                    raise PolicyError(_missing(rule.column, names, relation), field="match")
                if col in dropped:
                    raise PolicyError(f"column '{col}' was already dropped by {dropped[col]}", field="match")
                step = make_step(tr, action.args, action.key, col, current[col],
                                 f"{col}:{len(steps[col])}", keyring, options)
                _bind_relation(step, names, types, relation)
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

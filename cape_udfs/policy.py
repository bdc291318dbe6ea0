"""Load a Cape policy file (version 1) into typed objects, validating everything once.

The format is exactly what cape-dataframes 0.3.1 reads: ``label``, ``version``,
named ``transformations``, and ``rules`` whose ``match: {name: column}`` picks a
column and whose ``actions`` are ``transform: {type: ..., args}``,
``transform: {name: <named>}`` or the ``drop`` shorthand. Every error is a
PolicyError naming the file, the rule and the field.
"""
from __future__ import annotations

import copy
import difflib
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

import yaml

from cape_udfs.errors import KeyResolutionError, PolicyError
from cape_udfs.keys import KeyRef, parse_key_ref
from cape_udfs.transforms import get_transform
from cape_udfs.transforms.base import Transform

TOP_LEVEL = ("id", "label", "version", "rules", "transformations")
MAX_POLICY_BYTES = 1_000_000


@dataclass(frozen=True)
class Action:
    transform: Transform
    args: dict  # validated, non-secret
    key: KeyRef | None
    where: str  # "rule 2 (column 'email'), action 1 (tokenizer)"


@dataclass(frozen=True)
class Rule:
    index: int
    column: str
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class Policy:
    path: str
    label: str
    version: int
    rules: tuple[Rule, ...]
    digest: str  # sha256 of the policy with key values removed
    named: dict = field(default_factory=dict, repr=False, compare=False)


MAX_ALIASES = 100


class _StrictLoader(yaml.SafeLoader):
    """safe_load that refuses duplicate keys (a silently shadowed rule is a leak)
    and more than MAX_ALIASES aliases (an alias bomb expands exponentially)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.events.AliasEvent):
            self._aliases = getattr(self, "_aliases", 0) + 1
            if self._aliases > MAX_ALIASES:
                raise yaml.composer.ComposerError(
                    None, None, f"more than {MAX_ALIASES} aliases", self.peek_event().start_mark)
        return super().compose_node(parent, index)


def _construct_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "mapping keys must be plain values", key_node.start_mark) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {str(key)[:60]!r}", key_node.start_mark)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_policy_file(path: str | Path, display: str | None = None) -> Policy:
    """Read and validate a policy file. ``display`` is the path shown in errors."""
    shown = display or str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise PolicyError("file not found", path=shown) from None
    except OSError as exc:
        raise PolicyError(f"cannot read file ({exc.strerror})", path=shown) from None
    if len(raw) > MAX_POLICY_BYTES:
        raise PolicyError(f"file is larger than {MAX_POLICY_BYTES} bytes", path=shown)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError("file is not valid UTF-8", path=shown) from None
    return parse_policy(text, path=shown)


def parse_policy(text: str, path: str = "<policy>") -> Policy:
    try:
        doc = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise PolicyError(f"invalid YAML{where}: {problem}", path=path) from None
    except RecursionError:
        raise PolicyError("invalid YAML: nested too deeply", path=path) from None
    except (TypeError, ValueError, OverflowError) as exc:  # a constructor refusing a tagged value
        raise PolicyError(f"invalid YAML: {type(exc).__name__} while reading a value", path=path) from None
    try:
        return _build(doc, path)
    except PolicyError as exc:
        raise exc.located(path=path) from None


NOT_A_POLICY = "not a cape policy (expected a mapping with 'label', 'version' and 'rules')"


def _build(doc, path: str) -> Policy:
    # A file that is not a policy is refused without naming anything in it: a
    # function that plans any path must not echo another file's first key.
    if not isinstance(doc, dict) or "rules" not in doc:
        raise PolicyError(NOT_A_POLICY)
    for key in doc:
        if key not in TOP_LEVEL:
            close = difflib.get_close_matches(str(key), TOP_LEVEL, n=1, cutoff=0.75) if isinstance(key, str) else []
            if not close:
                raise PolicyError(NOT_A_POLICY + f"; unknown top-level field (allowed: {', '.join(TOP_LEVEL)})")
            raise PolicyError(f"unknown top-level field; did you mean '{close[0]}'? "
                              f"(allowed: {', '.join(TOP_LEVEL)})", field=str(key)[:60])
    version = doc.get("version", 1)
    if isinstance(version, bool) or version not in (1, "1"):
        raise PolicyError("expected version 1", field="version")
    label = doc.get("label", "")
    if label is None:
        label = ""
    if not isinstance(label, str):
        raise PolicyError("expected a string", field="label")
    named = _named_transformations(doc.get("transformations"))
    # Named transformations are validated even when no rule uses them.
    for name, (where, _) in named.items():
        _action({"transform": {"name": name}}, "", named, where, inline_key_id(path, ""))
    rules_doc = doc.get("rules")
    if not isinstance(rules_doc, list) or not rules_doc:
        raise PolicyError("expected a non-empty list of rules", field="rules")
    rules = tuple(_rule(i, r, named, path) for i, r in enumerate(rules_doc, start=1))
    return Policy(path=path, label=label, version=1, rules=rules, digest=_digest(doc), named=named)


def _named_transformations(items) -> dict:
    if items is None:
        return {}
    if not isinstance(items, list):
        raise PolicyError("expected a list of named transformations", field="transformations")
    named = {}
    for i, item in enumerate(items, start=1):
        where = f"transformation {i}"
        if not isinstance(item, dict):
            raise PolicyError("expected a mapping with 'name' and 'type'", rule=where)
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise PolicyError("expected a non-empty string", rule=where, field="name")
        where = f"transformation {i} ('{name[:60]}')"
        if name in named:
            raise PolicyError("a named transformation with this name is already defined", rule=where, field="name")
        if "type" not in item:
            raise PolicyError("missing required field", rule=where, field="type")
        named[name] = (where, {k: v for k, v in item.items() if k != "name"})
    return named


def _rule(index: int, doc, named: dict, path: str) -> Rule:
    where = f"rule {index}"
    if not isinstance(doc, dict):
        raise PolicyError("expected a mapping with 'match' and 'actions'", rule=where)
    for key in doc:
        if key not in ("match", "actions"):
            raise PolicyError("unknown field (allowed: match, actions)", rule=where, field=str(key)[:60])
    match = doc.get("match")
    if not isinstance(match, dict) or not isinstance(match.get("name"), str) or not match.get("name"):
        raise PolicyError("expected match: {name: <column>}", rule=where, field="match")
    if set(match) - {"name"}:
        raise PolicyError("only 'name' is supported in match", rule=where, field="match")
    column = match["name"]
    where = f"rule {index} (column '{column[:80]}')"
    actions_doc = doc.get("actions")
    if not isinstance(actions_doc, list) or not actions_doc:
        raise PolicyError("expected a non-empty list of actions", rule=where, field="actions")
    actions = tuple(_action(a, column, named, f"{where}, action {j}", inline_key_id(path, f"r{index}.a{j}"))
                    for j, a in enumerate(actions_doc, start=1))
    return Rule(index=index, column=column, actions=actions)


def _action(doc, column: str, named: dict, where: str, origin: str) -> Action:
    """``origin`` names the place a key is written; it becomes the key id of inline keys."""
    if doc == "drop":
        transform = get_transform("column-redact")
        return Action(transform, {"columns": [column]}, None, f"{where} (drop)")
    if not isinstance(doc, dict) or set(doc) != {"transform"}:
        raise PolicyError("expected 'drop' or a mapping with 'transform'", rule=where, field="actions")
    spec = doc["transform"]
    if not isinstance(spec, dict):
        raise PolicyError("expected a mapping with 'type' or 'name'", rule=where, field="transform")
    if "name" in spec and "type" in spec:
        raise PolicyError("give either 'type' or 'name', not both", rule=where, field="transform")
    if "name" in spec:
        if set(spec) != {"name"}:
            raise PolicyError("a named transform takes no other fields", rule=where, field="transform")
        ref = spec["name"]
        if not isinstance(ref, str) or ref not in named:
            known = ", ".join(named) or "none defined"
            shown = f"'{ref[:60]}'" if isinstance(ref, str) else "this value"
            raise PolicyError(f"unknown named transformation {shown} (known: {known})", rule=where, field="name")
        named_where, spec = named[ref]
        where = f"{where} ({named_where})" if where != named_where else where
        origin = f"{origin.partition('#')[0]}#t.{quote(ref, safe='')}"
    elif "type" not in spec:
        raise PolicyError("expected 'type' or 'name'", rule=where, field="transform")
    try:
        transform = get_transform(spec["type"])
        args = {k: v for k, v in spec.items() if k != "type"}
        validated = transform.validate(args)
        key = None
        if transform.needs_key(validated):
            key = parse_key_ref(args.get("key"), origin=origin)
            check = getattr(transform, "key_check", None)
            if check is not None and key.inline is not None:
                problem = check(key.inline)
                if problem:
                    raise PolicyError(problem, field="key")
    except KeyResolutionError as exc:
        raise PolicyError(str(exc), rule=f"{where} ({spec.get('type')})", field="key") from None  # type is valid here
    except PolicyError as exc:
        kind = spec.get("type")
        shown = kind if isinstance(kind, str) and len(kind) <= 60 else None
        raise exc.located(rule=f"{where} ({shown})" if shown else where) from None
    return Action(transform, validated, key, f"{where} ({transform.name})")


def _digest(doc) -> str:
    """sha256 of the policy's canonical JSON with every key value removed."""
    def scrub(node):
        if isinstance(node, dict):
            return {str(k): ("<key>" if k == "key" else scrub(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [scrub(v) for v in node]
        return node
    canonical = json.dumps(scrub(copy.deepcopy(doc)), sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def resolve_policy_path(policy: str, project_dir: str | None) -> Path:
    """A policy path as written in a model: relative to the dbt project's
    directory (the working directory when that is not known)."""
    path = Path(policy)
    if not path.is_absolute():
        path = Path(project_dir or os.getcwd()) / path
    return path


def inline_key_id(path: str, origin: str) -> str:
    """Key id of a key written in a policy: ``policy:<path>#r<rule>.a<action>``
    or ``policy:<path>#t.<named transformation>``, quoted so no two places share one."""
    return f"policy:{quote(path, safe='/')}#{origin}"


def policy_path_of_key_id(key_id: str, project_dir: str | None) -> Path | None:
    """The policy file a ``policy:`` key id names, or None for another id."""
    if not key_id.startswith("policy:") or "#" not in key_id:
        return None
    return resolve_policy_path(unquote(key_id[len("policy:"):].rpartition("#")[0]), project_dir)


def find_inline_key(key_id: str, project_dir: str | None) -> bytes | None:
    """The inline key a ``policy:`` key id points at, read again from its policy
    (relative paths are taken from ``project_dir``); None if there is none."""
    path = unquote(key_id[len("policy:"):].rpartition("#")[0])
    try:
        policy = read_policy_file(resolve_policy_path(path, project_dir), display=path)
    except PolicyError:
        return None
    for rule in policy.rules:
        for action in rule.actions:
            if action.key is not None and action.key.key_id == key_id:
                return action.key.inline
    return None

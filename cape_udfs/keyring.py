"""The keyring: the one object that holds key bytes, by key id.

It resolves every key reference of cape_udfs.keys once (inline, env, named,
default), keeps the bytes in this process's memory and hands out key ids, the
only thing SQL ever sees. It reads policy files again for the ``policy:`` ids of
views built by an earlier process, so it sits above cape_udfs.policy (which
itself only needs key references from cape_udfs.keys).
"""
from __future__ import annotations

import os
import re
import threading

from cape_udfs.errors import KeyResolutionError
from cape_udfs.keys import (
    DEFAULT_KEY_ENV,
    DEFAULT_SECRET_KEY_ENV,
    SECRET_ENV_PREFIX,
    KeyRef,
    check_key_strength,
    decode_base64url,
    is_default_key_id,
)
from cape_udfs.policy import find_inline_key, policy_path_of_key_id, read_policy_file, resolve_policy_path


def _named_key_variable(name: str, spec) -> str:
    """The environment variable of a named key: ``{env: VAR}``, or
    ``{secret_env: X}`` for ``DBT_ENV_SECRET_X``. dbt's profile renderer turns
    every profile string that contains ``DBT_ENV_SECRET_`` into None, so that
    prefix cannot be written in a profile; ``secret_env`` adds it."""
    form = next(iter(spec)) if isinstance(spec, dict) and len(spec) == 1 else None
    var = spec.get(form) if form in ("env", "secret_env") else None
    if form == "env" and var is None:
        raise KeyResolutionError(
            f"plugin config key '{name}': env is empty; dbt renders a profile value that contains "
            f"DBT_ENV_SECRET_ as nothing, so write {{secret_env: X}} for the variable DBT_ENV_SECRET_X")
    if not isinstance(var, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
        raise KeyResolutionError(
            f"plugin config key '{name}' must be {{env: VAR}} or {{secret_env: X}} (the variable "
            "DBT_ENV_SECRET_X), with an environment variable name")
    return SECRET_ENV_PREFIX + var if form == "secret_env" and not var.startswith(SECRET_ENV_PREFIX) else var


class Keyring:
    """Resolves key references once and keeps the bytes in memory, by key id.

    ``named`` keys are declared in the dbt profile's plugin config as
    ``keys: {NAME: {env: VAR}}`` or ``{NAME: {secret_env: X}}`` (the variable
    ``DBT_ENV_SECRET_X``, which dbt refuses to render anywhere else). The key bytes themselves never sit
    in a profile: ``dbt debug`` prints the plugin config.

    Only key ids this keyring has handed out (a plan or a column macro in this
    process resolved them), declared named keys and the default key resolve:
    SQL cannot name ``env:ANY_VARIABLE`` or a path to any file and get an HMAC
    keyed by it. A ``policy:`` id of a view built earlier resolves again only
    when the id's file lies inside ``project_dir`` and is a cape policy that
    defines that very id.
    """

    def __init__(self, named: dict | None = None, environ=None, project_dir: str | None = None):
        self._lock = threading.Lock()
        # Where relative policy paths in ``policy:`` key ids are found.
        self.project_dir = project_dir
        self._keys: dict[str, bytes] = {}
        self._named: dict[str, str] = {}  # name -> environment variable
        self._environ = environ if environ is not None else os.environ
        if named:
            self.declare(named)

    def __repr__(self) -> str:
        return f"Keyring(key_ids={sorted(self._keys)!r}, named={sorted(self._named)!r})"

    def declare(self, named: dict) -> None:
        if not isinstance(named, dict):
            raise KeyResolutionError("plugin config 'keys' must be a mapping of name to {env: VAR} or {secret_env: X}")
        for name, spec in named.items():
            if isinstance(spec, dict) and "value" in spec:
                raise KeyResolutionError(
                    f"plugin config key '{name}': {{value: ...}} is not accepted, since `dbt debug` and dbt's "
                    "logs print the plugin config; put the key in the environment variable "
                    f"DBT_ENV_SECRET_{str(name).upper()} and write {{secret_env: {str(name).upper()}}} (dbt refuses "
                    "to render DBT_ENV_SECRET_* variables into models and scrubs them from its logs)")
            self._named[str(name)] = _named_key_variable(str(name), spec)

    @property
    def declared_names(self) -> list[str]:
        return sorted(self._named)

    def resolve(self, ref: KeyRef) -> str:
        """Load the key behind ``ref`` (once) and return its id."""
        raw = self._load(ref)
        with self._lock:
            self._keys[ref.key_id] = raw
        return ref.key_id

    def load_policy_keys(self, path: str) -> list[str]:
        """Resolve every key a policy file names, as planning it would: for a
        process outside dbt that reads views built with those keys."""
        policy = read_policy_file(resolve_policy_path(path, self.project_dir), display=str(path))
        return [self.resolve(action.key) for rule in policy.rules for action in rule.actions
                if action.key is not None and action.transform.needs_key(action.args)]

    def get(self, key_id: str) -> bytes:
        """Key bytes for an id handed out by ``resolve``, a declared named key or
        the default key (these two resolve on first use, so SQL compiled in one
        process still runs in another that has the plugin)."""
        if not isinstance(key_id, str):
            raise KeyResolutionError("a key id must be a string")
        raw = self._keys.get(key_id)
        if raw is not None:
            return raw
        if is_default_key_id(key_id):
            ref = KeyRef("env", key_id, env_var=DEFAULT_KEY_ENV)
        elif key_id.startswith("named:"):
            ref = KeyRef("named", key_id, name=key_id[6:])
        elif key_id.startswith("policy:"):
            return self._keys.setdefault(key_id, self._load_from_policy(key_id))
        else:
            raise KeyResolutionError(
                f"key id '{key_id[:80]}' was not handed out in this process: only keys of a policy or "
                "column macro planned here, named keys declared in the plugin config and the default key resolve")
        return self._keys.setdefault(key_id, self._load(ref))

    def _load_from_policy(self, key_id: str) -> bytes:
        """Reload the policy a ``policy:PATH#ORIGIN`` id points into (a view built
        by dbt, queried later from another process), if it is a cape policy
        inside the project directory that defines this id."""
        refused = KeyResolutionError(
            f"key id '{key_id[:80]}' is not loaded, and is not a key of a cape policy inside the project "
            "directory (set the keyring's project_dir to the dbt project directory)")
        if not self.project_dir:
            raise refused
        path = policy_path_of_key_id(key_id, self.project_dir)
        root = os.path.realpath(self.project_dir)
        if path is None or os.path.commonpath([root, os.path.realpath(path)]) != root:
            raise refused
        raw = find_inline_key(key_id, self.project_dir)
        if raw is None:
            raise refused
        return raw

    def _load(self, ref: KeyRef) -> bytes:
        if ref.kind == "inline":
            return ref.inline
        if ref.kind == "env":
            return self._from_env(ref.env_var)
        if ref.kind == "named":
            var = self._named.get(ref.name)
            if var is None:
                declared = ", ".join(self.declared_names) or "none"
                raise KeyResolutionError(
                    f"key name '{ref.name}' is not declared in the plugin config (declared: {declared})"
                )
            return self._from_env(var, f"environment variable {var} (plugin config key '{ref.name}')")
        raise KeyResolutionError(f"unknown key kind {ref.kind}")

    def _from_env(self, var: str, what: str | None = None) -> bytes:
        what = what or f"environment variable {var}"
        text = self._environ.get(var)
        if var == DEFAULT_KEY_ENV:
            # dbt refuses to render DBT_ENV_SECRET_* variables into models and
            # scrubs them from its logs: the default key may live in one.
            secret = self._environ.get(DEFAULT_SECRET_KEY_ENV)
            if secret and secret.strip() and text and text.strip() and secret.strip() != text.strip():
                raise KeyResolutionError(
                    f"{DEFAULT_KEY_ENV} and {DEFAULT_SECRET_KEY_ENV} are both set and differ; set one")
            if not (text and text.strip()):
                text, what = secret, f"environment variable {DEFAULT_SECRET_KEY_ENV}"
        if text is None or not text.strip():
            raise KeyResolutionError(
                f"environment variable {var} is not set"
                + (f" (nor {DEFAULT_SECRET_KEY_ENV}; run `cape-udfs keygen` to make a key)"
                   if var == DEFAULT_KEY_ENV else "")
            )
        return check_key_strength(decode_base64url(text, what), what)


# The process-wide keyring the DuckDB functions read from.
KEYRING = Keyring()

"""Key references and the keyring that alone holds key bytes.

A policy names a key in one of Cape's forms (a plain string, ``{type: secret,
value: <base64url>}``) or ours (``{type: env, name: VAR}``, ``{type: named,
name: N}``); a transform that names none uses the default key from
``CAPE_DEFAULT_KEY``. The keyring resolves each reference once, keeps the bytes
in this process's memory and hands out a *key id*: a non-secret string that
describes where the key came from and is the only thing SQL ever sees.
"""
from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import threading
from dataclasses import dataclass, field

from cape_udfs.errors import KeyResolutionError

DEFAULT_KEY_ENV = "CAPE_DEFAULT_KEY"


def decode_base64url(text: str, what: str) -> bytes:
    """Decode base64url with or without padding (Cape strips it)."""
    if not isinstance(text, str) or not text.strip():
        raise KeyResolutionError(f"{what} must be a non-empty base64url string")
    cleaned = text.strip().rstrip("=")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", cleaned):
        raise KeyResolutionError(f"{what} is not valid base64url (expected A-Z a-z 0-9 - _)")
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        raise KeyResolutionError(f"{what} is not valid base64url") from None


def encode_base64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def generate_key(nbytes: int = 32) -> str:
    """A fresh random key, base64url-encoded, for CAPE_DEFAULT_KEY or a policy."""
    return encode_base64url(secrets.token_bytes(nbytes))


@dataclass(frozen=True)
class KeyRef:
    """Where a key comes from. Holds no key bytes except for inline policy keys,
    whose value is redacted from repr."""

    kind: str  # "inline" | "env" | "named"
    key_id: str
    env_var: str | None = None
    name: str | None = None
    inline: bytes | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:  # never show inline bytes
        return f"KeyRef(kind={self.kind!r}, key_id={self.key_id!r})"


def parse_key_ref(value, *, origin: str) -> KeyRef:
    """Turn a policy's ``key`` value into a KeyRef.

    ``origin`` is the key id an inline key gets: a non-secret, unambiguous name
    for the place it is written (see cape_udfs.policy.inline_key_id).
    Raises KeyResolutionError with a message that never contains the value.
    """
    if value is None:
        return KeyRef(kind="env", key_id=f"env:{DEFAULT_KEY_ENV}", env_var=DEFAULT_KEY_ENV)
    if isinstance(value, str):
        if not value:
            raise KeyResolutionError("key must not be empty")
        return KeyRef(kind="inline", key_id=origin, inline=value.encode("utf-8"))
    if isinstance(value, bytes):
        if not value:
            raise KeyResolutionError("key must not be empty")
        return KeyRef(kind="inline", key_id=origin, inline=value)
    if not isinstance(value, dict):
        raise KeyResolutionError(
            "key must be a string, {type: secret, value: <base64url>}, "
            "{type: env, name: VAR} or {type: named, name: NAME}"
        )
    kind = value.get("type")
    if kind == "secret":
        raw = decode_base64url(value.get("value"), "key value of type secret")
        if not raw:
            raise KeyResolutionError("key of type secret decodes to zero bytes")
        return KeyRef(kind="inline", key_id=origin, inline=raw)
    if kind == "env":
        var = value.get("name")
        if not isinstance(var, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
            raise KeyResolutionError("key of type env needs 'name': an environment variable name")
        return KeyRef(kind="env", key_id=f"env:{var}", env_var=var)
    if kind == "named":
        name = value.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
            raise KeyResolutionError("key of type named needs 'name': a key declared in the plugin config")
        return KeyRef(kind="named", key_id=f"named:{name}", name=name)
    raise KeyResolutionError(
        "key 'type' must be one of secret, env, named (got "
        + (repr(kind) if isinstance(kind, str) and len(kind) < 40 else "something else")
        + ")"
    )


class Keyring:
    """Resolves key references once and keeps the bytes in memory, by key id.

    ``named`` keys are declared in the dbt profile's plugin config as
    ``keys: {NAME: {env: VAR}}`` or ``keys: {NAME: {value: <base64url>}}``.
    """

    def __init__(self, named: dict | None = None, environ=None, project_dir: str | None = None):
        self._lock = threading.Lock()
        # Where relative policy paths in ``policy:`` key ids are found.
        self.project_dir = project_dir
        self._keys: dict[str, bytes] = {}
        self._named: dict[str, dict] = {}
        self._environ = environ if environ is not None else os.environ
        if named:
            self.declare(named)

    def __repr__(self) -> str:
        return f"Keyring(key_ids={sorted(self._keys)!r}, named={sorted(self._named)!r})"

    def declare(self, named: dict) -> None:
        if not isinstance(named, dict):
            raise KeyResolutionError("plugin config 'keys' must be a mapping of name to {env: VAR} or {value: ...}")
        for name, spec in named.items():
            if not isinstance(spec, dict) or set(spec) - {"env", "value"} or len(spec) != 1:
                raise KeyResolutionError(
                    f"plugin config key '{name}' must be {{env: VAR}} or {{value: <base64url>}}"
                )
            self._named[str(name)] = dict(spec)

    @property
    def declared_names(self) -> list[str]:
        return sorted(self._named)

    def resolve(self, ref: KeyRef) -> str:
        """Load the key behind ``ref`` (once) and return its id."""
        raw = self._load(ref)
        with self._lock:
            self._keys[ref.key_id] = raw
        return ref.key_id

    def get(self, key_id: str) -> bytes:
        """Key bytes for an id handed out by ``resolve``.

        Ids of environment and named keys can be resolved on first use, so SQL
        compiled in one process still runs in another that has the plugin.
        """
        raw = self._keys.get(key_id)
        if raw is not None:
            return raw
        if key_id.startswith("env:"):
            var = key_id[4:]
            return self._keys.setdefault(key_id, self._load(KeyRef("env", key_id, env_var=var)))
        if key_id.startswith("named:"):
            name = key_id[6:]
            return self._keys.setdefault(key_id, self._load(KeyRef("named", key_id, name=name)))
        if key_id.startswith("policy:"):
            return self._keys.setdefault(key_id, self._load_from_policy(key_id))
        raise KeyResolutionError(f"key id '{key_id}' is not one cape hands out")

    def _load_from_policy(self, key_id: str) -> bytes:
        """Reload the policy a ``policy:PATH#ORIGIN`` id points into (a view built
        by dbt, queried later from another process)."""
        from cape_udfs.policy import find_inline_key  # policy imports this module

        raw = find_inline_key(key_id, self.project_dir)
        if raw is None:
            raise KeyResolutionError(
                f"key id '{key_id}' is not loaded and its policy does not define it "
                "(set the keyring's project_dir to the dbt project directory)")
        return raw

    def _load(self, ref: KeyRef) -> bytes:
        if ref.kind == "inline":
            return ref.inline
        if ref.kind == "env":
            text = self._environ.get(ref.env_var)
            if text is None or not text.strip():
                raise KeyResolutionError(
                    f"environment variable {ref.env_var} is not set"
                    + (" (run `cape-udfs keygen` to make a key)" if ref.env_var == DEFAULT_KEY_ENV else "")
                )
            return decode_base64url(text, f"environment variable {ref.env_var}")
        if ref.kind == "named":
            spec = self._named.get(ref.name)
            if spec is None:
                declared = ", ".join(self.declared_names) or "none"
                raise KeyResolutionError(
                    f"key name '{ref.name}' is not declared in the plugin config (declared: {declared})"
                )
            if "env" in spec:
                return self._load(KeyRef("env", f"env:{spec['env']}", env_var=str(spec["env"])))
            return decode_base64url(spec["value"], f"plugin config key '{ref.name}'")
        raise KeyResolutionError(f"unknown key kind {ref.kind}")


# The process-wide keyring the DuckDB functions read from.
KEYRING = Keyring()

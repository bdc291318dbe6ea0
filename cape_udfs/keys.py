"""Key references: where a key comes from, never the key bytes of a keyring.

A policy names a key in one of Cape's forms (a plain string, ``{type: secret,
value: <base64url>}``) or ours (``{type: env, name: VAR}``, ``{type: named,
name: N}``); a transform that names none uses the default key from
``CAPE_DEFAULT_KEY``. The keyring (cape_udfs.keyring) resolves each reference once, keeps the bytes
in this process's memory and hands out a *key id*: a non-secret string that
describes where the key came from and is the only thing SQL ever sees.
"""
from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass, field

from cape_udfs.errors import KeyResolutionError

DEFAULT_KEY_ENV = "CAPE_DEFAULT_KEY"
# dbt's prefix for variables it refuses to render into models and scrubs from logs.
SECRET_ENV_PREFIX = "DBT_ENV_SECRET_"
DEFAULT_SECRET_KEY_ENV = SECRET_ENV_PREFIX + DEFAULT_KEY_ENV


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
        check_key_strength(raw, "key of type secret")
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


# Keys cape loads from the environment, the plugin config or a ``{type: secret}``
# value must have at least this many bytes (128 bits). Cape's plain-string
# inline keys are accepted shorter, for compatibility, with a warning.
MIN_KEY_BYTES = 16
WEAK_KEY_WARNING = (f"the key is shorter than {MIN_KEY_BYTES} bytes: tokens and noise under it can be "
                    "brute-forced; use {type: secret, value: ...} from `cape-udfs keygen` or a named key")


def check_key_strength(raw: bytes, what: str) -> bytes:
    if len(raw) < MIN_KEY_BYTES:
        raise KeyResolutionError(
            f"{what} holds a key shorter than {MIN_KEY_BYTES} bytes; "
            "make one with `cape-udfs keygen` (32 random bytes, base64url)")
    return raw


def is_default_key_id(key_id: str) -> bool:
    return key_id == f"env:{DEFAULT_KEY_ENV}"

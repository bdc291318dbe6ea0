"""Seals on audit markers: an audit row only for what apply_policy planned in this process.

apply_policy leaves a comment ``/* cape-audit {...} */`` in the model's compiled
code and the on-run-end hook turns each one into an audit row. A comment can be
copied into any model, so the planner seals the facts of the marker (the dbt
invocation, the model, the source relation and the plan summary) with
HMAC-SHA256 under a random key made when this process starts and never stored;
the hook writes a row only for a marker whose seal verifies in the same process.
A marker copied from an earlier run, another model or another project does not.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets

FIELDS = ("invocation_id", "model", "relation", "label", "path", "digest", "applied")


class _SealKey:
    """The per-process sealing key; its repr says nothing about it."""

    __slots__ = ("_raw",)

    def __init__(self) -> None:
        self._raw = secrets.token_bytes(32)

    def __repr__(self) -> str:
        return "_SealKey(<redacted>)"

    def mac(self, message: bytes) -> str:
        return hmac.new(self._raw, message, hashlib.sha256).hexdigest()


_KEY = _SealKey()


def _message(facts: dict) -> bytes:
    return json.dumps([facts.get(name) for name in FIELDS], sort_keys=True, separators=(",", ":"),
                      default=str).encode("utf-8")


def seal(facts: dict) -> str:
    return _KEY.mac(b"cape-audit/v1\x00" + _message(facts))


def verify(facts: dict, mac) -> bool:
    return isinstance(mac, str) and hmac.compare_digest(seal(facts), mac)


def verify_request(request_json: str) -> bool:
    """``{"facts": {...}, "seal": "..."}`` in; never raises."""
    try:
        request = json.loads(request_json)
        return verify(request["facts"], request.get("seal"))
    except (ValueError, KeyError, TypeError):
        return False

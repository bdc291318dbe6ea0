"""reversible-tokenizer: AES-SIV, token = hex(tag || ciphertext).

Deterministic authenticated encryption (RFC 5297): equal values give equal
tokens, so tokens still join, and only the key holder can reverse them. The
byte layout is cape-dataframes' (pycryptodome's SIV tag, then ciphertext), which
is also what ``cryptography``'s AESSIV returns.
"""
from __future__ import annotations

import pyarrow as pa
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from cape_udfs.transforms.base import Transform
from cape_udfs import types as t

SIV_KEY_SIZES = (32, 48, 64)


def check_siv_key(raw: bytes) -> str | None:
    if len(raw) not in SIV_KEY_SIZES:
        return f"key must be 32, 48 or 64 bytes for AES-SIV (got {len(raw)} bytes)"
    return None


class ReversibleTokenizer(Transform):
    name = "reversible-tokenizer"
    uses_key = True
    accepts = frozenset({t.TEXT})
    ignored = frozenset({"encoding"})  # Cape allowed an encoding; we always use UTF-8
    key_check = staticmethod(check_siv_key)

    def output_type(self, input_type, args):
        return "VARCHAR"


def siv_tokens(values: pa.Array, key: bytes) -> pa.Array:
    """Encrypt each UTF-8 value with AES-SIV (no associated data); NULL stays NULL."""
    encrypt = AESSIV(key).encrypt
    return pa.array(
        [None if v is None else encrypt(v.encode("utf-8"), None).hex() for v in values.to_pylist()],
        type=pa.string(),
    )

"""Keyed uniforms for consistent perturbation: one entity, one draw, every run and engine.

A perturbation with ``consistent_by`` draws its noise from a uniform number that
is a keyed function of the entity (the values of the consistent_by columns), so
every row of the same entity gets the same noise. The uniform is

    u = (first 8 bytes of HMAC-SHA256(key, message), big-endian, >> 11) / 2**53

which lies in [0, 1) with 53 bits of precision, and the message is

    0xFF || "cape-noise/v1" || field(salt) || field(stream) || field(v1) || ... || field(vn)

where ``field(x)`` is the 4-byte big-endian length of the UTF-8 bytes of ``x``
followed by those bytes, and ``field(NULL)`` is the four bytes FF FF FF FF
(so NULL and the empty string differ). Every field carries its length, so
no two different (salt, stream, values) give the same message. The leading
0xFF byte never occurs in UTF-8 text, so no tokenizer input (HMAC of a UTF-8
value under the same key) can ever equal a noise message.

``salt`` separates independent noise sources (by default the column; dates
share one salt so an entity's dates move together), ``stream`` separates the
uniforms one transform needs (one per date unit, two for gaussian and
laplace). The values are the *canonical text* of each consistent_by column,
identical on every engine (see ENTITY_FAMILIES).
"""
from __future__ import annotations

import hmac

import pyarrow as pa

from cape_udfs import types as t

PREFIX = b"\xffcape-noise/v1"
_NULL_FIELD = b"\xff\xff\xff\xff"
_SCALE = 1.0 / 9007199254740992.0  # 2**-53

# Column families a consistent_by column may have, with the canonical text each
# engine renders: text as is; integers in decimal digits with a leading '-';
# decimals in plain notation with exactly the column's scale ('10.50'); dates
# as 'YYYY-MM-DD'; timestamps in UTC as 'YYYY-MM-DD HH:MM:SS.ffffff' (six
# fraction digits; a timestamp without time zone is taken as UTC). Floats are
# refused: their text form differs between engines.
ENTITY_FAMILIES = frozenset({t.TEXT, t.INTEGER, t.DECIMAL, t.DATE, t.TIMESTAMP})


def _field(text: str | None) -> bytes:
    if text is None:
        return _NULL_FIELD
    raw = text.encode("utf-8")
    return len(raw).to_bytes(4, "big") + raw


def entity_message(salt: str, stream: str, values) -> bytes:
    """The HMAC message for one entity (a sequence of canonical texts or None)."""
    return PREFIX + _field(salt) + _field(stream) + b"".join(_field(v) for v in values)


def keyed_uniform(key: bytes, salt: str, stream: str, values) -> float:
    """The uniform in [0, 1) of one entity (the reference implementation)."""
    digest = hmac.digest(key, entity_message(salt, stream, values), "sha256")
    return (int.from_bytes(digest[:8], "big") >> 11) * _SCALE


def keyed_uniforms(entities: pa.Array, key: bytes, salt: str, stream: str) -> pa.Array:
    """Vectorized ``keyed_uniform`` over an Arrow list<string> array of entities.

    A NULL entity (the list itself, which cape's SQL never produces) gives NULL.
    The fixed part of the message is hashed once per batch and copied per row.
    """
    if not isinstance(key, (bytes, bytearray)) or not key:
        raise ValueError("key must be non-empty bytes")
    base = hmac.new(key, PREFIX + _field(salt) + _field(stream), "sha256")
    field = _field
    out = []
    append = out.append
    for values in entities.to_pylist():
        if values is None:
            append(None)
            continue
        h = base.copy()
        h.update(b"".join([field(v) for v in values]))
        append((int.from_bytes(h.digest()[:8], "big") >> 11) * _SCALE)
    return pa.array(out, type=pa.float64())

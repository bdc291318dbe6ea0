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

Seeded noise (``seed: n``, no consistent_by) is the same keyed uniform, under
the transform's key (default CAPE_DEFAULT_KEY), with

    salt   = "seed/" || n || "/" || step        (seeded_salt)
    stream = "seed/" || k                       (seeded_stream)
    values = every input column of the row, in the relation's order

where ``step`` names the column and the step's place among its steps
(``amount:0``; for a column macro, the macro and its expression), so two
columns or steps with the same seed draw independent noise, and ``k`` numbers
the uniforms of the step (date unit i uses i, and n_units + i for its second
uniform). A column's text is its canonical text where its family has one and
the engine's cast to text otherwise (floats, nested types: the same on every
run of one engine, not across engines); NULL is the NULL field. The
consistent_by streams are the fixed names ``number``, ``<unit>`` and their
``#2``, none starting ``seed/``, so a seeded draw never repeats a
consistent_by draw. Without the key, a published table and its policy no
longer let anyone enumerate the rows that explain the noise; with it, the
noise of a row is fixed, so two identical rows get identical noise.
"""
from __future__ import annotations

import hmac

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cape_udfs import types as t
from cape_udfs.kernels.arrow_text import binary_parts, utf8_values
from cape_udfs.kernels.distinct import OnDistinct
from cape_udfs.kernels.hmac_sha256 import (
    DIGEST_SIZE,
    check_compiled,
    compiled_keyed_uniforms,
    compiled_route,
    hmac_digests,
)

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


def seeded_salt(seed: int, step: str) -> str:
    """The salt of a seeded step (``step`` as the planner names it: ``column:index``)."""
    return f"seed/{int(seed)}/{step}"


def seeded_stream(index: int) -> str:
    """The stream of the step's uniform number ``index``."""
    return f"seed/{int(index)}"


def keyed_uniform(key: bytes, salt: str, stream: str, values) -> float:
    """The uniform in [0, 1) of one entity (the reference implementation)."""
    return _uniform_of(key, entity_message(salt, stream, values))


def _uniform_of(key: bytes, message: bytes) -> float:
    digest = hmac.digest(key, message, "sha256")
    return (int.from_bytes(digest[:8], "big") >> 11) * _SCALE


def keyed_uniforms(entities: pa.Array, key: bytes, salt: str, stream: str) -> pa.Array:
    """Vectorized ``keyed_uniform`` over an Arrow list<string> array of entities.

    A NULL entity (the list itself, which cape's SQL never produces) gives NULL.
    The fixed part of the message is hashed once per batch. Compiled
    (hmac_sha256.compiled_keyed_uniforms), C lays out each entity's value fields
    and hashes them with the lock released; entities of one value each are
    first reduced to their distinct values (see _compiled). In Python, the
    value fields of every entity are laid out with NumPy and each distinct
    entity of a batch is hashed once (an entity's rows share it by design).
    """
    if not isinstance(key, (bytes, bytearray)) or not key:
        raise ValueError("key must be non-empty bytes")
    key, prefix = bytes(key), PREFIX + _field(salt) + _field(stream)
    if compiled_route():
        return _compiled(entities, key, prefix)
    present = entities.drop_null() if entities.null_count else entities
    uniforms = _uniforms_per_distinct(_entity_fields(present), key, prefix)
    if not entities.null_count:
        return uniforms
    valid = entities.is_valid().to_numpy(zero_copy_only=False)
    values = np.zeros(len(entities), np.float64)
    values[valid] = uniforms.to_numpy(zero_copy_only=False)
    return pa.array(values, pa.float64(), mask=~valid)


def _entity_fields(entities: pa.Array) -> pa.Array:
    """Per entity (a NULL-free list<string> array), ``field(v1) || ... || field(vn)``
    as one binary value, built without a Python object per value."""
    list_offsets = entities.offsets.to_numpy().astype(np.int64)
    values = entities.values.slice(list_offsets[0], list_offsets[-1] - list_offsets[0])
    list_offsets -= list_offsets[0]
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    data, starts = binary_parts(utf8_values(values))
    text_lengths = np.diff(starts)
    lengths = np.zeros(len(values), np.int64)
    lengths[valid] = text_lengths
    field_starts = np.zeros(len(values) + 1, np.int64)
    np.cumsum(4 + lengths, out=field_starts[1:])
    out = np.empty(int(field_starts[-1]), np.uint8)
    headers = np.where(valid, lengths, 0xFFFFFFFF).astype(">u4").view(np.uint8)
    out[(field_starts[:-1, None] + np.arange(4)).ravel()] = headers
    if len(data):  # each text's bytes, after its 4-byte length
        shift = np.repeat(field_starts[:-1][valid] + 4 - starts[:-1], text_lengths)
        out[shift + np.arange(len(data))] = data
    bounds = field_starts[list_offsets]
    return pa.Array.from_buffers(pa.large_binary(), len(entities),
                                 [None, pa.py_buffer(bounds), pa.py_buffer(out)])


def _uniforms_each(messages: pa.Array, key: bytes, prefix: bytes) -> pa.Array:
    digests = np.frombuffer(hmac_digests(messages, key, prefix), np.uint8)
    first8 = digests.reshape(-1, DIGEST_SIZE)[:, :8].copy().view(">u8").ravel()
    return pa.array((first8 >> np.uint64(11)).astype(np.float64) * _SCALE, pa.float64())


_uniforms_per_distinct = OnDistinct(_uniforms_each)


def _compiled(entities: pa.Array, key: bytes, prefix: bytes) -> pa.Array:
    """The compiled route, checked on its first non-NULL entity against the
    Python reference (a disagreement fails the batch, as hmac_sha256.py does)."""
    single = _single_values(entities)
    if single is not None:
        uniforms = _compiled_per_distinct(single, key, prefix)
    else:
        values = compiled_keyed_uniforms(entities, key, prefix)
        mask = ~entities.is_valid().to_numpy(zero_copy_only=False) if entities.null_count else None
        uniforms = pa.array(values, pa.float64(), mask=mask)
    if entities.null_count < len(entities):
        first = 0 if not entities.null_count else pc.index(entities.is_valid(), True).as_py()
        raw = entities[first].values.cast(pa.large_binary()).to_pylist()
        expected = _uniform_of(key, prefix + b"".join(_raw_field(v) for v in raw))
        check_compiled(uniforms[first].as_py() == expected)
    return uniforms


def _raw_field(raw: bytes | None) -> bytes:
    return _NULL_FIELD if raw is None else len(raw).to_bytes(4, "big") + raw


def _single_values(entities: pa.Array) -> pa.Array | None:
    """The values, when every entity is a non-NULL list of exactly one (what a
    one-column consistent_by gives), else None."""
    if entities.null_count or not len(entities):
        return None
    offsets = entities.offsets.to_numpy()
    if offsets[-1] - offsets[0] != len(entities) or not (np.diff(offsets) == 1).all():
        return None
    values = entities.values.slice(offsets[0], len(entities))
    return values if values.type in (pa.string(), pa.large_string()) else None


def _compiled_singles(values: pa.Array, key: bytes, prefix: bytes) -> pa.Array:
    """The uniforms of the one-value entities [v] for each v of ``values``."""
    lists = pa.ListArray.from_arrays(pa.array(np.arange(len(values) + 1, dtype=np.int32)), values)
    return pa.array(compiled_keyed_uniforms(lists, key, prefix), pa.float64())


# One value per entity: a repeated entity (an entity per 20 rows) is hashed
# once; NULL is a value here ([NULL] has its own uniform), so it is encoded.
_compiled_per_distinct = OnDistinct(_compiled_singles, encode_nulls=True)

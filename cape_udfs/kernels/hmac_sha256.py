"""Keyed SHA-256 over a batch: HMAC-SHA256 (tokenizer, keyed uniforms) and
cape-legacy's ``sha256(value || key)``, compiled when it can be.

Two routes give the same bytes:

- compiled, ``cape_udfs._hmac_native`` (cape_udfs/_native/, built by ``pip
  install`` when a C compiler is there): it reads the Arrow offsets, data and
  validity buffers directly and hashes the whole batch with the interpreter
  lock released, so DuckDB's (or Spark's) other threads hash at the same time.
  SHA-256 is OpenSSL's libcrypto when its headers were there at build time,
  else a portable C one (``backend()`` says which). For keyed uniforms
  (keyed_noise.py) it also builds each entity's message from the list<string>
  buffers, so no NumPy pass holds the lock first (``compiled_keyed_uniforms``).
- Python, ``hashlib``: RFC 2104's inner state (after the ipad block and the
  shared ``prefix``) and outer state (after the opad block) are made once per
  batch and copied per message, where ``hmac.digest`` derives them again for
  every message (about 3x the cost). About 0.75 µs a value with the lock held.

``CAPE_PURE_PYTHON=1`` forces the Python route (tests, and users who must avoid
native code). Like the batched AES-SIV, every compiled batch checks its first
non-NULL value against Python's ``hmac``/``hashlib`` on the real key and fails
the model when they differ. Keyed states exist only during one call, in either
route; the compiled one wipes them before it returns.
"""
from __future__ import annotations

import binascii
import hashlib
import hmac
import os
from typing import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cape_udfs.errors import CapeError

try:
    from cape_udfs import _hmac_native
except ImportError:  # not built (no compiler at install time): the Python route
    _hmac_native = None

_BLOCK = 64
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))
DIGEST_SIZE = 32
PURE_PYTHON_ENV = "CAPE_PURE_PYTHON"

# The Arrow types whose buffers the compiled route reads: (binary view, 64-bit offsets).
_LAYOUTS = {
    pa.string(): (pa.binary(), False), pa.binary(): (pa.binary(), False),
    pa.large_string(): (pa.large_binary(), True), pa.large_binary(): (pa.large_binary(), True),
}


def compiled_available() -> bool:
    """Whether the C extension was built and imports."""
    return _hmac_native is not None


_warned = False


def native_missing_warning() -> str | None:
    """The one line the dbt plugin logs at start when the extension is missing
    (once per process; nothing when CAPE_PURE_PYTHON=1 asked for Python)."""
    global _warned
    if _hmac_native is not None or _warned or os.environ.get(PURE_PYTHON_ENV, "").strip() == "1":
        return None
    _warned = True
    return ("cape_udfs: the compiled HMAC (cape_udfs._hmac_native) is not installed; tokenizer and keyed "
            "noise use pure Python (same output, 3-4x slower; reinstall with a C compiler to build it)")


def _native():
    """The extension, unless it is missing or CAPE_PURE_PYTHON=1 (read per batch,
    so a test or a long-lived process can switch)."""
    if _hmac_native is None or os.environ.get(PURE_PYTHON_ENV, "").strip() == "1":
        return None
    return _hmac_native


def backend() -> tuple[str, str]:
    """("compiled", "openssl" | "portable") or ("python", "hashlib"): what the next batch uses."""
    native = _native()
    return ("compiled", native.SHA256_BACKEND) if native else ("python", "hashlib")


def hmac_sha256_digests(messages: Iterable[bytes], key: bytes, prefix: bytes = b"") -> bytes:
    """The 32-byte digests of HMAC-SHA256(key, prefix || m) for each m, concatenated
    (the Python route; byte for byte ``hmac.digest(key, prefix + m, "sha256")``)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    new_inner = hashlib.sha256(key.translate(_IPAD) + prefix).copy
    new_outer = hashlib.sha256(key.translate(_OPAD)).copy
    digests = []
    append = digests.append
    for message in messages:
        inner = new_inner()
        inner.update(message)
        outer = new_outer()
        outer.update(inner.digest())
        append(outer.digest())
    return b"".join(digests)


def hmac_hex(values: pa.Array, key: bytes, prefix: bytes = b"") -> bytes:
    """HMAC-SHA256(key, prefix || value) in lowercase hex, 64 characters per
    non-NULL value, in order (text as its UTF-8 bytes)."""
    return _hmac(values, key, prefix, hex_out=True)


def hmac_digests(values: pa.Array, key: bytes, prefix: bytes = b"") -> bytes:
    """The 32-byte HMAC-SHA256(key, prefix || value) of each non-NULL value, concatenated."""
    return _hmac(values, key, prefix, hex_out=False)


def sha256_suffix_hex(values: pa.Array, suffix: bytes) -> bytes:
    """SHA-256(value || suffix) in lowercase hex per non-NULL value (cape-legacy's token)."""
    native = _native()
    if native is None:
        sha256 = hashlib.sha256
        return binascii.hexlify(b"".join(sha256(v + suffix).digest() for v in _python_values(values)))
    values = _readable(values)
    out = native.sha256_suffix(suffix, *_buffers(values), True, None)
    first = _first_value(values)
    if first is not None:
        _check(out[:2 * DIGEST_SIZE], hashlib.sha256(first + suffix).hexdigest().encode())
    return out


def _hmac(values: pa.Array, key: bytes, prefix: bytes, hex_out: bool) -> bytes:
    native = _native()
    if native is None:
        digests = hmac_sha256_digests(_python_values(values), key, prefix)
        return binascii.hexlify(digests) if hex_out else digests
    values = _readable(values)
    out = native.hmac_sha256(key, prefix, *_buffers(values), hex_out, None)
    first = _first_value(values)
    if first is not None:
        expected = hmac.digest(key, prefix + first, "sha256")
        _check(out[:len(expected) * (2 if hex_out else 1)], binascii.hexlify(expected) if hex_out else expected)
    return out


def compiled_keyed_uniforms(entities: pa.Array, key: bytes, prefix: bytes) -> np.ndarray | None:
    """One float64 per entity of a list<string> array (0.0 for a NULL list): the
    keyed uniform of HMAC-SHA256(key, prefix || its value fields), message built
    and hashed in C with the lock released; None on the Python route. The caller
    (keyed_noise.py) checks the first entity against its Python reference."""
    native = _native()
    if native is None:
        return None
    if len(entities) == 0:
        return np.zeros(0, np.float64)
    entities = _readable_lists(entities)
    child = entities.values  # the whole child: the list offsets index into it
    validity, offsets = entities.buffers()[:2]
    child_validity, child_offsets, data = child.buffers()[:3]
    out = native.keyed_uniforms(
        key, prefix, offsets, validity if entities.null_count else None, entities.offset, len(entities),
        pa.types.is_large_list(entities.type),
        child_offsets if child_offsets is not None else bytes(8), b"" if data is None else data,
        child_validity if child.null_count else None, child.offset, len(child), _LAYOUTS[child.type][1], None)
    return np.frombuffer(out, np.float64)


def _readable_lists(entities: pa.Array) -> pa.Array:
    """``entities`` as a (large) list of string or large_string (anything else,
    such as list<null> or string_view children, cast to list<string>)."""
    typ = entities.type
    if (pa.types.is_list(typ) or pa.types.is_large_list(typ)) and typ.value_type in (pa.string(), pa.large_string()):
        return entities
    return entities.cast(pa.list_(pa.string()))


def compiled_route() -> bool:
    """Whether the next batch takes the compiled route."""
    return _native() is not None


def check_compiled(agrees: bool) -> None:
    """Fail the batch when the compiled output disagrees with Python's reference."""
    if not agrees:
        _check(b"0", b"1")


def _check(got: bytes, expected: bytes) -> None:
    if got != expected:
        raise CapeError("the compiled HMAC-SHA256 (cape_udfs._hmac_native) disagrees with Python's hmac on "
                        "this batch; refusing to write its output (CAPE_PURE_PYTHON=1 uses the Python route; "
                        "please report this)")


def _readable(values: pa.Array) -> pa.Array:
    """``values`` in a layout the extension reads (string_view and all-NULL
    arrays are cast to string)."""
    return values if values.type in _LAYOUTS else values.cast(pa.string())


def _buffers(values: pa.Array) -> tuple:
    """(offsets, data, validity or None, offset, length, wide): the extension's view of ``values``."""
    validity, offsets, data = values.buffers()[:3]
    return (offsets, b"" if data is None else data, validity if values.null_count else None,
            values.offset, len(values), _LAYOUTS[values.type][1])


def _first_value(values: pa.Array) -> bytes | None:
    """The bytes of the first non-NULL value, or None when there is none."""
    if values.null_count == len(values):
        return None
    first = 0 if values.null_count == 0 else pc.index(values.is_valid(), True).as_py()
    buffer = values[first].as_buffer()
    return b"" if buffer is None else buffer.to_pybytes()


def _python_values(values: pa.Array) -> list[bytes]:
    """The non-NULL values' bytes, in order, for the Python route."""
    values = _readable(values)
    binary = values.view(_LAYOUTS[values.type][0])
    return (binary.drop_null() if binary.null_count else binary).to_pylist()

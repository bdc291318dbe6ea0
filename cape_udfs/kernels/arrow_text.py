"""Text columns in and out of Arrow without a Python object per row.

The keyed transforms (tokenizer, reversible-tokenizer, token-reverser) work on
UTF-8 bytes and return text. Reading the input as ``bytes`` (a zero-copy view
of the string column) skips a decode and an encode per value, and building the
result from one data buffer and an offsets array skips ``pa.array(list)``,
which costs as much per value as a hash does.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from cape_udfs.errors import CapeError

_BINARY_VIEW_OF = {
    pa.string(): pa.binary(),
    pa.large_string(): pa.large_binary(),
}


class NotUtf8Error(CapeError, ValueError):
    """Input bytes that are not UTF-8 text. Carries no value."""


_TEXT_VIEW_OF = {
    pa.binary(): pa.string(),
    pa.large_binary(): pa.large_string(),
}


def require_utf8(values: pa.Array, what: str) -> None:
    """Raise NotUtf8Error unless every non-NULL value is valid UTF-8.

    DuckDB checks UTF-8 when it stores a string or reads Parquet, but a string
    column of an Arrow scan reaches a UDF with whatever bytes it holds, and a
    binary array may come from another engine. Arrow's full validation checks
    each value on its own (a character split over two values fails, although
    the buffer is valid), skips NULL slots, and allocates nothing: about 5 ms
    per million short strings (0.3% of tokenizing them)."""
    if values.type in _TEXT_VIEW_OF:
        values = values.view(_TEXT_VIEW_OF[values.type])
    elif not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)
              or pa.types.is_string_view(values.type) or pa.types.is_null(values.type)):
        raise NotUtf8Error(f"{what}: input must be text, got {values.type}")
    try:
        values.validate(full=True)
    except pa.ArrowInvalid:
        raise NotUtf8Error(f"{what}: input is not valid UTF-8 text (bytes such as a BLOB's "
                           "reached it as a string); only text is tokenized") from None


def utf8_values(values: pa.Array) -> pa.Array:
    """The non-NULL values as a binary array of their UTF-8 bytes, in order."""
    if values.type in _BINARY_VIEW_OF:
        binary = values.view(_BINARY_VIEW_OF[values.type])
    else:  # string_view, or an all-NULL (null-typed) array
        binary = values.cast(pa.string()).view(pa.binary())
    return binary.drop_null() if binary.null_count else binary


def binary_parts(binary: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(data, starts) of a NULL-free binary array: the value bytes as uint8 and
    each value's start in them (``len(binary) + 1`` entries, from 0)."""
    if len(binary) == 0:
        return np.zeros(0, np.uint8), np.zeros(1, np.int64)
    _, offsets_buf, data_buf = binary.buffers()
    width = np.int64 if pa.types.is_large_binary(binary.type) else np.int32
    offsets = np.frombuffer(offsets_buf, width, len(binary) + 1, binary.offset * np.dtype(width).itemsize)
    offsets = offsets.astype(np.int64)
    data = np.frombuffer(data_buf, np.uint8)[offsets[0]:offsets[-1]]
    return data, offsets - offsets[0]


def string_array(like: pa.Array, data: bytes, lengths) -> pa.Array:
    """A string array shaped like ``like``: NULL where ``like`` is NULL, and the
    non-NULL rows taking consecutive slices of ``data`` of the given lengths
    (one length per non-NULL row, or one int for all of them)."""
    n = len(like)
    nulls = like.null_count
    if isinstance(lengths, int):
        row_lengths = np.full(n - nulls, lengths, np.int64)
    else:
        row_lengths = np.asarray(lengths, np.int64)
    if nulls:
        mask = like.is_valid().to_numpy(zero_copy_only=False)
        full = np.zeros(n, np.int64)
        full[mask] = row_lengths
        row_lengths = full
        validity = pa.array(mask, pa.bool_()).buffers()[1]
    else:
        validity = None
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(row_lengths, out=offsets[1:])
    assert offsets[-1] == len(data), "string_array: lengths do not add up to the data"
    if offsets[-1] < 2**31:
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data),
                                           validity, nulls)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data), validity, nulls)

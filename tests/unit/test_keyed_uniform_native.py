"""The fused compiled keyed uniform (cape_udfs._hmac_native.keyed_uniforms) and
keyed_uniforms' two routes against the Python reference ``keyed_uniform``.

"compiled" builds each entity's message and hashes it in C (one-value entities
through the per-distinct pass first); "python" (CAPE_PURE_PYTHON=1) lays the
messages out with NumPy. Both must give the reference's float, bit for bit.
"""
from __future__ import annotations

import struct

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cape_udfs.errors import CapeError
from cape_udfs.kernels import hmac_sha256 as h
from cape_udfs.kernels import keyed_noise as kn
from cape_udfs.kernels.keyed_noise import keyed_uniform, keyed_uniforms
from tests.unit.test_hmac_native import in_threads

needs_native = pytest.mark.skipif(not h.compiled_available(),
                                  reason="cape_udfs._hmac_native was not built (no C compiler at install)")
KEY_SIZES = [1, 32, 64, 65, 200]  # keyed_uniforms refuses an empty key; 0 is checked on the extension
ROUTED = [HealthCheck.function_scoped_fixture]
LIST_TYPES = [pa.list_(pa.string()), pa.list_(pa.large_string()), pa.large_list(pa.string()),
              pa.large_list(pa.large_string())]


@pytest.fixture(params=["compiled", "python"])
def route(request, monkeypatch):
    if request.param == "compiled":
        if not h.compiled_available():
            pytest.skip("cape_udfs._hmac_native was not built (no C compiler at install)")
        monkeypatch.delenv(h.PURE_PYTHON_ENV, raising=False)
    else:
        monkeypatch.setenv(h.PURE_PYTHON_ENV, "1")
    assert h.backend()[0] == request.param
    return request.param


value_st = st.one_of(
    st.none(),
    st.text(max_size=40),  # non-ASCII included
    st.sampled_from(["", "a", "user_1@example.com"]),  # repeats, the empty string
    st.integers(0, 300).map(lambda n: "é" * n),  # long values, messages over several blocks
)
entity_st = st.one_of(st.none(), st.lists(value_st, max_size=4))
# One value per entity (a one-column consistent_by): the compiled per-distinct pass.
single_st = st.one_of(value_st.map(lambda v: [v]))
key_st = st.sampled_from(KEY_SIZES).flatmap(lambda n: st.binary(min_size=n, max_size=n))


@st.composite
def batches(draw):
    """(entities, arrow array of them): a random list type and slice."""
    entities = draw(st.lists(st.one_of(entity_st, single_st) if draw(st.booleans()) else single_st, max_size=40))
    array = pa.array(entities, draw(st.sampled_from(LIST_TYPES)))
    start = draw(st.integers(0, len(entities)))
    stop = draw(st.integers(start, len(entities)))
    return entities[start:stop], array.slice(start, stop - start)


def _reference(entities, key, salt, stream):
    return [None if e is None else keyed_uniform(key, salt, stream, e) for e in entities]


@settings(max_examples=200, deadline=None, suppress_health_check=ROUTED)
@given(case=batches(), key=key_st, salt=st.text(max_size=10), stream=st.sampled_from(["number", "day#2", "seed/3"]))
def test_keyed_uniforms_are_the_reference_bit_for_bit(route, case, key, salt, stream):
    entities, array = case
    got = keyed_uniforms(array, key, salt, stream).to_pylist()
    expected = _reference(entities, key, salt, stream)
    assert [None if u is None else struct.pack("<d", u) for u in got] == \
        [None if u is None else struct.pack("<d", u) for u in expected]


@pytest.mark.parametrize("typ", LIST_TYPES, ids=str)
def test_repeated_one_value_entities_over_many_batches(route, typ):
    """Enough batches for the per-distinct pass to look, skip and look again."""
    key = b"k" * 32
    repeated = [[f"c{i // 20}"] for i in range(2048)] + [[None], [""], [None]]
    distinct = [[f"user_{i}"] for i in range(2048)]
    for entities in [repeated, distinct] * 10 + [repeated]:
        got = keyed_uniforms(pa.array(entities, typ), key, "age", "number").to_pylist()
        assert got == _reference(entities, key, "age", "number")


@pytest.mark.parametrize("entities", [[], [None], [None, None], [[]], [[], None, [None]]], ids=repr)
def test_batches_without_a_value(route, entities):
    got = keyed_uniforms(pa.array(entities, pa.list_(pa.string())), b"key", "s", "t").to_pylist()
    assert got == _reference(entities, b"key", "s", "t")


def test_list_of_null_children(route):
    entities = [[None], [None, None], None, []]
    got = keyed_uniforms(pa.array(entities, pa.list_(pa.null())), b"key", "s", "t").to_pylist()
    assert got == _reference(entities, b"key", "s", "t")


def _native_args(array: pa.Array):
    child = array.values
    validity, offsets = array.buffers()[:2]
    child_validity, child_offsets, data = child.buffers()[:3]
    return (offsets, validity if array.null_count else None, array.offset, len(array),
            pa.types.is_large_list(array.type), child_offsets, b"" if data is None else data,
            child_validity if child.null_count else None, child.offset, len(child),
            pa.types.is_large_string(child.type))


@needs_native
@pytest.mark.parametrize("backend", [None, "portable"])
@pytest.mark.parametrize("key_size", [0, *KEY_SIZES])
def test_extension_keys_and_backends(backend, key_size):
    """Keys of every size, an empty one included, and the portable SHA-256."""
    key = bytes(range(256))[:key_size] if key_size <= 256 else None
    entities = [["a", None], None, [], ["x" * 55], ["x" * 56, "é" * 500], [""]]
    array = pa.array(entities, pa.list_(pa.string())).slice(1)
    prefix = kn.PREFIX + kn._field("salt") + kn._field("stream")
    out = np.frombuffer(h._hmac_native.keyed_uniforms(key, prefix, *_native_args(array), backend), np.float64)
    expected = [0.0 if e is None else kn._uniform_of(key, kn.entity_message("salt", "stream", e))
                for e in entities[1:]]
    assert out.tolist() == expected


@needs_native
@pytest.mark.parametrize("change, message", [
    (lambda a: (pa.py_buffer(struct.pack("<3i", 0, 1, 9)), *a[1:]), "outside the data"),  # list past its child
    (lambda a: (pa.py_buffer(struct.pack("<3i", 0, 1, 0)), *a[1:]), "outside the data"),  # list end before start
    (lambda a: (*a[:6], b"", *a[7:]), "outside the data"),  # a string past the data
    (lambda a: (pa.py_buffer(b"\0\0\0\0"), *a[1:]), "offsets buffer is shorter"),
])
def test_malformed_buffers_are_refused_not_read(change, message):
    args = change(_native_args(pa.array([["ab"], ["cd"]], pa.list_(pa.string()))))
    with pytest.raises(ValueError, match=message):
        h._hmac_native.keyed_uniforms(b"key", b"", *args, None)


@needs_native
@pytest.mark.parametrize("entities", [[["alice@example.com"], ["bob"]], [None, ["alice", "x"]]],
                         ids=["one value each", "a NULL list, two values"])
def test_a_compiled_uniform_that_disagrees_with_the_reference_fails(monkeypatch, entities):
    """The run-time check on the first non-NULL entity (a faulty extension flips a bit)."""
    real = h._hmac_native

    class Faulty:
        SHA256_BACKEND = real.SHA256_BACKEND

        @staticmethod
        def keyed_uniforms(*args):
            out = bytearray(real.keyed_uniforms(*args))
            for at in range(0, len(out), 8):  # every float's lowest mantissa bit
                out[at] ^= 1
            return bytes(out)

    monkeypatch.delenv(h.PURE_PYTHON_ENV, raising=False)
    monkeypatch.setattr(h, "_hmac_native", Faulty)
    key = b"secret-key-bytes" * 2
    with pytest.raises(CapeError, match="disagrees with Python's hmac") as info:
        keyed_uniforms(pa.array(entities, pa.list_(pa.string())), key, "age", "number")
    text = str(info.value)
    assert "alice" not in text and "secret" not in text and key.hex() not in text


@needs_native
def test_threads_draw_at_the_same_time_without_mixing_keys(monkeypatch):
    """The lock is released while hashing: four threads, four keys, each its own uniforms."""
    monkeypatch.delenv(h.PURE_PYTHON_ENV, raising=False)
    entities = [[f"user_{i}@example.com", None] for i in range(20000)]
    array = pa.array(entities, pa.list_(pa.string()))
    results = in_threads(lambda n: keyed_uniforms(array, bytes([n + 1]) * 32, "age", "number"), 4)
    for n in range(4):
        assert results[n][-1].as_py() == keyed_uniform(bytes([n + 1]) * 32, "age", "number", entities[-1])

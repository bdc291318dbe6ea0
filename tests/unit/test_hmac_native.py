"""The compiled batch HMAC-SHA256 (cape_udfs._hmac_native) against Python's hmac and hashlib.

Every check runs on each route: "compiled" (the extension with its build's
SHA-256, OpenSSL here when libssl-dev was installed) and "python"
(CAPE_PURE_PYTHON=1). The portable C SHA-256 is compiled into every build and
checked through the extension's own entry points.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
import threading

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cape_udfs import cli
from cape_udfs.errors import CapeError
from cape_udfs.kernels import hmac_sha256 as h
from cape_udfs.kernels.keyed_noise import keyed_uniform, keyed_uniforms
from cape_udfs.transforms.tokenizer import hmac_tokens, legacy_tokens, tokens

needs_native = pytest.mark.skipif(not h.compiled_available(),
                                  reason="cape_udfs._hmac_native was not built (no C compiler at install)")
KEY_SIZES = [0, 1, 32, 64, 65, 200]  # empty, short, typical, one block, over a block (hashed first), long
BOUNDARY_LENGTHS = [0, 1, 55, 56, 63, 64, 119, 120, 128]  # SHA-256 padding: 55/56 and 119/120 split blocks
ROUTES = ["compiled", "python"]
# The route fixture only sets an environment variable, the same for every input.
ROUTED = [HealthCheck.function_scoped_fixture]
TYPES = [pa.string(), pa.large_string(), pa.binary(), pa.large_binary()]


@pytest.fixture(params=ROUTES)
def route(request, monkeypatch):
    if request.param == "compiled":
        if not h.compiled_available():
            pytest.skip("cape_udfs._hmac_native was not built (no C compiler at install)")
        monkeypatch.delenv(h.PURE_PYTHON_ENV, raising=False)
    else:
        monkeypatch.setenv(h.PURE_PYTHON_ENV, "1")
    assert h.backend()[0] == request.param
    return request.param


def _bytes(value) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def _array(values, typ) -> pa.Array:
    if pa.types.is_binary(typ) or pa.types.is_large_binary(typ):
        values = [None if v is None else _bytes(v) for v in values]
    return pa.array(values, typ)


def _expected_hmac(values, key, prefix=b"") -> bytes:
    return b"".join(hmac.new(key, prefix + _bytes(v), hashlib.sha256).digest() for v in values if v is not None)


values_st = st.lists(st.one_of(
    st.none(),
    st.text(max_size=150),  # non-ASCII included
    st.sampled_from(BOUNDARY_LENGTHS).map(lambda n: "é" * (n // 2) + "x" * (n % 2)),  # UTF-8 boundary lengths
    st.sampled_from(["", "a", "user_1@example.com"]),  # repeats
), max_size=40)
key_st = st.sampled_from(KEY_SIZES).flatmap(lambda n: st.binary(min_size=n, max_size=n))


@st.composite
def sliced(draw):
    """(values, arrow array of them): a random type and slice (offset into the buffers)."""
    values = draw(values_st)
    typ = draw(st.sampled_from(TYPES))
    start = draw(st.integers(0, len(values)))
    stop = draw(st.integers(start, len(values)))
    return values[start:stop], _array(values, typ).slice(start, stop - start)


@settings(max_examples=150, deadline=None, suppress_health_check=ROUTED)
@given(case=sliced(), key=key_st, prefix=st.binary(max_size=80))
def test_hmac_matches_python_hmac(route, case, key, prefix):
    values, array = case
    expected = _expected_hmac(values, key, prefix)
    assert h.hmac_digests(array, key, prefix) == expected
    assert h.hmac_hex(array, key, prefix) == expected.hex().encode()


@settings(max_examples=100, deadline=None, suppress_health_check=ROUTED)
@given(case=sliced(), key=key_st)
def test_legacy_sha256_matches_hashlib(route, case, key):
    values, array = case
    expected = "".join(hashlib.sha256(_bytes(v) + key).hexdigest() for v in values if v is not None)
    assert h.sha256_suffix_hex(array, key) == expected.encode()


@pytest.mark.parametrize("key_size", KEY_SIZES)
@pytest.mark.parametrize("typ", [pa.string(), pa.large_string()])
def test_padding_boundaries_nulls_and_a_megabyte(route, key_size, typ):
    key = bytes(range(256))[:key_size] if key_size <= 256 else os.urandom(key_size)
    values = ["x" * n for n in BOUNDARY_LENGTHS] + [None, "é" * 524288, None, "x" * 64, "日本語"]
    expected = [None if v is None else hmac.new(key, v.encode(), hashlib.sha256).hexdigest() for v in values]
    assert hmac_tokens(pa.array(values, typ), key).to_pylist() == expected
    legacy = [None if v is None else hashlib.sha256(v.encode() + key).hexdigest() for v in values]
    assert legacy_tokens(pa.array(values, typ), key).to_pylist() == legacy


def test_per_distinct_tokens_of_repeats_and_nulls(route):
    key = b"k" * 32
    values = (["a", None, "b", "a", ""] * 500)[:2048]
    expected = [None if v is None else hmac.new(key, v.encode(), hashlib.sha256).hexdigest() for v in values]
    assert tokens(pa.array(values), key).to_pylist() == expected


@pytest.mark.parametrize("values", [[], [None], [None, None, None]], ids=["empty", "one NULL", "all NULL"])
def test_batches_without_a_value(route, values):
    assert hmac_tokens(pa.array(values, pa.string()), b"k" * 32).to_pylist() == values
    assert hmac_tokens(pa.array(values), b"k" * 32).to_pylist() == values  # null-typed when all NULL


def test_string_view_input(route):
    values = ["a", None, "ü" * 40]
    expected = [None if v is None else hmac.new(b"key", v.encode(), hashlib.sha256).hexdigest() for v in values]
    assert hmac_tokens(pa.array(values, pa.string_view()), b"key").to_pylist() == expected


@settings(max_examples=60, deadline=None, suppress_health_check=ROUTED)
@given(entities=st.lists(st.lists(st.one_of(st.none(), st.text(max_size=70)), min_size=1, max_size=3),
                         max_size=30),
       key=st.binary(min_size=1, max_size=100), salt=st.text(max_size=10))
def test_keyed_uniforms_match_the_reference(route, entities, key, salt):
    array = pa.array(entities, pa.list_(pa.string()))
    assert keyed_uniforms(array, key, salt, "number").to_pylist() == [
        keyed_uniform(key, salt, "number", e) for e in entities]


# The portable SHA-256 (the build's fallback without OpenSSL headers) through the extension itself.
@needs_native
@settings(max_examples=150, deadline=None)
@given(case=sliced(), key=key_st, prefix=st.binary(max_size=80))
def test_portable_sha256_backend_matches_python(case, key, prefix):
    values, array = case
    args = h._buffers(h._readable(array))
    native = h._hmac_native
    assert native.hmac_sha256(key, prefix, *args, False, "portable") == _expected_hmac(values, key, prefix)
    expected = b"".join(hashlib.sha256(_bytes(v) + key).digest() for v in values if v is not None)
    assert native.sha256_suffix(key, *args, False, "portable") == expected


@needs_native
@pytest.mark.parametrize("length", [*BOUNDARY_LENGTHS, 1 << 20])
def test_portable_sha256_at_padding_boundaries(length):
    value = bytes(i % 251 for i in range(length))
    array = pa.array([value], pa.binary())
    args = h._buffers(array)
    assert h._hmac_native.sha256_suffix(b"", *args, False, "portable") == hashlib.sha256(value).digest()
    for key in (b"", b"k" * 65):
        assert h._hmac_native.hmac_sha256(key, b"", *args, False, "portable") == hmac.digest(key, value, "sha256")


def in_threads(work, count: int) -> list:
    """work(0) .. work(count - 1), each on its own thread at the same time; the
    results in order, or the first exception a thread raised."""
    results, errors = [None] * count, []

    def run(n):
        try:
            results[n] = work(n)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


@needs_native
def test_threads_hash_at_the_same_time_without_mixing_keys(monkeypatch):
    monkeypatch.delenv(h.PURE_PYTHON_ENV, raising=False)
    array = pa.array([f"user_{i}@example.com" for i in range(20000)])
    results = in_threads(lambda n: h.hmac_hex(array, bytes([n]) * 32), 4)
    for n in range(4):
        assert results[n][-64:] == hmac.new(bytes([n]) * 32, b"user_19999@example.com", "sha256").hexdigest().encode()


@needs_native
@pytest.mark.parametrize("offsets, data, message", [
    (pa.py_buffer(b"\0\0\0\0\x10\0\0\0"), b"short", "outside the data"),  # value end past the data
    (pa.py_buffer(b"\x05\0\0\0\0\0\0\0"), b"short", "outside the data"),  # end before start
    (pa.py_buffer(b"\0\0\0\0"), b"short", "offsets buffer is shorter"),  # one row needs two offsets
])
def test_malformed_buffers_are_refused_not_read(offsets, data, message):
    with pytest.raises(ValueError, match=message):
        h._hmac_native.hmac_sha256(b"key", b"", offsets, data, None, 0, 1, False, True, None)


@needs_native
def test_a_compiled_batch_that_disagrees_with_hmac_fails_without_naming_value_or_key(monkeypatch):
    """The run-time check: a compiled result that differs from Python's hmac on
    the batch's first value is refused (here a faulty extension flips a bit)."""
    real = h._hmac_native

    class Faulty:
        SHA256_BACKEND = real.SHA256_BACKEND

        @staticmethod
        def hmac_sha256(*args):
            out = real.hmac_sha256(*args)
            return bytes([out[0] ^ 1]) + out[1:]

        @staticmethod
        def sha256_suffix(*args):
            out = real.sha256_suffix(*args)
            return bytes([out[0] ^ 1]) + out[1:]

    monkeypatch.delenv(h.PURE_PYTHON_ENV, raising=False)
    monkeypatch.setattr(h, "_hmac_native", Faulty)
    key = b"secret-key-bytes" * 2
    for call in (lambda a: hmac_tokens(a, key), lambda a: legacy_tokens(a, key)):
        with pytest.raises(CapeError, match="disagrees with Python's hmac") as info:
            call(pa.array([None, "alice@example.com", "bob"]))
        text = str(info.value)
        assert "alice" not in text and "secret" not in text and key.hex() not in text


def test_pure_python_env_forces_python(monkeypatch):
    monkeypatch.setenv(h.PURE_PYTHON_ENV, "1")
    assert h.backend() == ("python", "hashlib")
    monkeypatch.setenv(h.PURE_PYTHON_ENV, "0")
    assert h.backend()[0] == ("compiled" if h.compiled_available() else "python")


def test_info_prints_the_route_and_sha256(capsys, monkeypatch):
    monkeypatch.setenv(h.PURE_PYTHON_ENV, "1")
    assert cli.main(["info"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["hmac: python", "sha256: hashlib"]
    if h.compiled_available():
        monkeypatch.delenv(h.PURE_PYTHON_ENV)
        assert cli.main(["info"]) == 0
        assert capsys.readouterr().out.splitlines()[1:] == ["hmac: compiled",
                                                           f"sha256: {h._hmac_native.SHA256_BACKEND}"]


# An install where the extension did not build: the module cannot be imported.
MISSING = ("import sys; sys.modules['cape_udfs._hmac_native'] = None\n"
           "from cape_udfs.kernels import hmac_sha256 as h\n")


def _run_without_extension(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != h.PURE_PYTHON_ENV}
    proc = subprocess.run([sys.executable, "-c", MISSING + code], env=env, capture_output=True, text=True,
                          check=True)
    return proc.stdout


def test_without_the_extension_info_says_python_and_one_warning_is_given():
    out = _run_without_extension(
        "from cape_udfs import cli\n"
        "cli.main(['info'])\n"
        "print(h.native_missing_warning()); print(h.native_missing_warning())\n"
        "import pyarrow as pa\n"
        "from cape_udfs.transforms.tokenizer import hmac_tokens\n"
        "print(hmac_tokens(pa.array(['a', None]), b'k').to_pylist())\n")
    lines = out.splitlines()[1:]  # after the version line
    assert lines[:2] == ["hmac: python", "sha256: hashlib"]
    assert "not installed" in lines[2] and lines[3] == "None"  # once per process
    assert lines[4] == repr([hmac.new(b"k", b"a", "sha256").hexdigest(), None])

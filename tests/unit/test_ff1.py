"""FF1 (NIST SP 800-38G): the nine NIST samples, both round paths, and a
spec-literal reference for everything the samples do not reach (long tweaks,
Q of several blocks, d > 16, odd radixes)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from cape_udfs.kernels.ff1 import FF1, MIN_DOMAIN, check_aes_key, domain_ok

VECTORS = json.loads((Path(__file__).parent / "vectors" / "nist_ff1_samples.json").read_text())
ALPHABET = VECTORS["alphabet"]
SAMPLES = [pytest.param(v, id=v["name"].replace(" ", "-").lower()) for v in VECTORS["vectors"]]


def _numerals(text):
    return [ALPHABET.index(c) for c in text]


def _text(numerals):
    return "".join(ALPHABET[d] for d in numerals)


def _num(numerals, radix):
    x = 0
    for d in numerals:
        x = x * radix + d
    return x


def test_there_are_nine_samples():
    assert len(VECTORS["vectors"]) == 9
    assert {v["cipher"] for v in VECTORS["vectors"]} == {"AES-128", "AES-192", "AES-256"}


@pytest.mark.parametrize("sample", SAMPLES)
def test_nist_sample_encrypts(sample):
    ff1 = FF1(bytes.fromhex(sample["key"]), sample["radix"])
    out = ff1.encrypt(_numerals(sample["plaintext"]), bytes.fromhex(sample["tweak"]))
    assert _text(out) == sample["ciphertext"]


@pytest.mark.parametrize("sample", SAMPLES)
def test_nist_sample_decrypts(sample):
    ff1 = FF1(bytes.fromhex(sample["key"]), sample["radix"])
    out = ff1.decrypt(_numerals(sample["ciphertext"]), bytes.fromhex(sample["tweak"]))
    assert _text(out) == sample["plaintext"]


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("vectorized", [True, False], ids=["numpy-rounds", "integer-rounds"])
def test_nist_sample_on_both_round_paths(sample, vectorized):
    """Radix 10 samples take the NumPy rounds by default; force each path."""
    radix = sample["radix"]
    ff1 = FF1(bytes.fromhex(sample["key"]), radix)
    n = len(sample["plaintext"])
    x = _num(_numerals(sample["plaintext"]), radix)
    want = _num(_numerals(sample["ciphertext"]), radix)
    tweak = bytes.fromhex(sample["tweak"])
    # The same value three times: a batch gives each row the same answer.
    assert ff1.crypt_ints(n, [x] * 3, tweak, vectorized=vectorized) == [want] * 3
    assert ff1.crypt_ints(n, [want], tweak, decrypt=True, vectorized=vectorized) == [x]


# --- a spec-literal FF1, one value and one AES call at a time ---------------

def _spec_ff1(key: bytes, radix: int, tweak: bytes, x: list[int], decrypt: bool) -> list[int]:
    ciph = Cipher(algorithms.AES(key), modes.ECB()).encryptor().update
    n, t = len(x), len(tweak)
    u = n // 2
    v = n - u
    a, b_ = x[:u], x[u:]
    # b = ceil(ceil(v * log2(radix)) / 8), with the inner ceiling computed exactly.
    b = math.ceil(((radix ** v) - 1).bit_length() / 8)
    d = 4 * math.ceil(b / 4) + 4
    p = bytes([1, 2, 1]) + radix.to_bytes(3, "big") + bytes([10, u % 256]) + n.to_bytes(4, "big") + t.to_bytes(4, "big")

    def prf(data):
        y = bytes(16)
        for j in range(0, len(data), 16):
            y = ciph(bytes(p ^ q for p, q in zip(y, data[j:j + 16])))
        return y

    def strm(c, m):
        out = []
        for _ in range(m):
            c, r = divmod(c, radix)
            out.append(r)
        return out[::-1]

    order = reversed(range(10)) if decrypt else range(10)
    for i in order:
        half = a if decrypt else b_
        q = tweak + bytes((-t - b - 1) % 16) + bytes([i]) + _num(half, radix).to_bytes(b, "big")
        r = prf(p + q)
        s = r
        j = 1
        while len(s) < d:
            s += ciph(bytes(rb ^ jb for rb, jb in zip(r, j.to_bytes(16, "big"))))
            j += 1
        y = int.from_bytes(s[:d], "big")
        m = u if i % 2 == 0 else v
        if decrypt:
            c = (_num(b_, radix) - y) % radix ** m
            b_, a = a, strm(c, m)
        else:
            c = (_num(a, radix) + y) % radix ** m
            a, b_ = b_, strm(c, m)
    return a + b_


def test_spec_reference_reproduces_the_samples():
    """The reference below is itself checked against NIST before it checks FF1."""
    for sample in VECTORS["vectors"]:
        got = _spec_ff1(bytes.fromhex(sample["key"]), sample["radix"], bytes.fromhex(sample["tweak"]),
                        _numerals(sample["plaintext"]), decrypt=False)
        assert _text(got) == sample["ciphertext"], sample["name"]


@st.composite
def _cases(draw):
    key = draw(st.binary(min_size=16, max_size=16) | st.binary(min_size=24, max_size=24)
               | st.binary(min_size=32, max_size=32))
    radix = draw(st.sampled_from([2, 3, 7, 10, 16, 26, 36, 62, 255, 256, 1000, 65535, 65536])
                 | st.integers(2, 65536))
    shortest = next(n for n in range(2, 64) if radix ** n >= MIN_DOMAIN)
    # Up to 70 numerals: radix 10 at 70 digits has b = 15 and d = 20 (S from two blocks);
    # big radixes reach Q tails of several blocks.
    n = draw(st.integers(shortest, max(shortest, 70 if radix <= 16 else 24)))
    tweak = draw(st.binary(max_size=40))
    values = draw(st.lists(st.lists(st.integers(0, radix - 1), min_size=n, max_size=n), min_size=1, max_size=4))
    return key, radix, tweak, values


@settings(max_examples=60, deadline=None)
@given(_cases())
def test_matches_the_spec_literal_reference(case):
    key, radix, tweak, values = case
    ff1 = FF1(key, radix)
    n = len(values[0])
    xs = [_num(v, radix) for v in values]
    want = [_num(_spec_ff1(key, radix, tweak, v, decrypt=False), radix) for v in values]
    got = ff1.crypt_ints(n, xs, tweak)
    assert got == want
    assert ff1.crypt_ints(n, got, tweak, decrypt=True) == xs
    assert [_num(_spec_ff1(key, radix, tweak, ff1.encrypt(v, tweak), decrypt=True), radix)
            for v in values] == xs


@settings(max_examples=80, deadline=None)
@given(key=st.binary(min_size=32, max_size=32),
       radix=st.integers(2, 1 << 16),
       tweak=st.binary(max_size=24),
       data=st.data())
def test_numpy_rounds_equal_integer_rounds(key, radix, tweak, data):
    shortest = next(n for n in range(2, 64) if radix ** n >= MIN_DOMAIN)
    longest = max(n for n in range(2, 70) if radix ** (n - n // 2) <= 1 << 32)  # the NumPy path's reach
    if longest < shortest:
        return
    n = data.draw(st.integers(shortest, longest))
    xs = data.draw(st.lists(st.integers(0, radix ** n - 1), min_size=1, max_size=50))
    ff1 = FF1(key, radix)
    for decrypt in (False, True):
        fast = ff1.crypt_ints(n, xs, tweak, decrypt=decrypt, vectorized=True)
        slow = ff1.crypt_ints(n, xs, tweak, decrypt=decrypt, vectorized=False)
        assert fast == slow


@settings(max_examples=50, deadline=None)
@given(key=st.binary(min_size=16, max_size=16), tweak=st.binary(max_size=300), data=st.data())
def test_round_trip_and_range(key, tweak, data):
    radix = data.draw(st.integers(2, 300))
    shortest = next(n for n in range(2, 64) if radix ** n >= MIN_DOMAIN)
    n = data.draw(st.integers(shortest, shortest + 30))
    xs = data.draw(st.lists(st.integers(0, radix ** n - 1), min_size=1, max_size=20))
    ff1 = FF1(key, radix)
    ys = ff1.crypt_ints(n, xs, tweak)
    assert all(0 <= y < radix ** n for y in ys)
    assert ff1.crypt_ints(n, ys, tweak, decrypt=True) == xs


def test_batch_equals_one_at_a_time():
    ff1 = FF1(bytes(range(16)), 10)
    xs = list(range(10 ** 6, 10 ** 6 + 500, 7))
    assert ff1.crypt_ints(7, xs) == [ff1.crypt_ints(7, [x])[0] for x in xs]


def test_a_permutation_of_the_smallest_domain():
    """Radix 10, 6 digits: all 10^6 values map to distinct values (a bijection)."""
    ff1 = FF1(bytes(range(32)), 10)
    xs = list(range(10 ** 6))
    assert len(set(ff1.crypt_ints(6, xs))) == 10 ** 6


def test_tweak_and_key_change_the_result():
    x = [4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    base = FF1(bytes(16), 10).encrypt(x)
    assert FF1(bytes(16), 10).encrypt(x, b"t") != base
    assert FF1(bytes(15) + b"\x01", 10).encrypt(x) != base


def test_empty_batch():
    assert FF1(bytes(16), 10).crypt_ints(6, []) == []


@pytest.mark.parametrize(
    "key, radix, error, match",
    [
        (bytes(15), 10, ValueError, "16, 24 or 32 bytes"),  # AES-120 does not exist
        (bytes(33), 10, ValueError, "16, 24 or 32 bytes"),
        (bytes(64), 10, ValueError, "16, 24 or 32 bytes"),  # an AES-SIV key size
        ("0" * 16, 10, TypeError, "bytes"),  # text is not a key
        (bytes(16), 1, ValueError, "radix"),
        (bytes(16), 65537, ValueError, "radix"),
        (bytes(16), True, TypeError, "radix"),  # a boolean is not a radix
        (bytes(16), 10.0, TypeError, "radix"),
    ],
)
def test_constructor_rejects(key, radix, error, match):
    with pytest.raises(error, match=match):
        FF1(key, radix)


@pytest.mark.parametrize(
    "radix, n, ok",
    [
        (10, 5, False),  # 10^5 < 10^6
        (10, 6, True),  # exactly the minimum domain
        (2, 19, False),  # 2^19 = 524288
        (2, 20, True),
        (1000, 2, True),
        (65536, 1, False),  # minlen is 2 whatever the radix
        (65536, 2, True),
        (10, 0, False),
    ],
)
def test_domain(radix, n, ok):
    assert domain_ok(radix, n) is ok
    ff1 = FF1(bytes(16), radix)
    if ok:
        assert ff1.crypt_ints(n, [0]) != []
    else:
        with pytest.raises(ValueError, match="radix"):
            ff1.crypt_ints(n, [0])


def test_numeral_out_of_range():
    with pytest.raises(ValueError, match="numeral"):
        FF1(bytes(16), 10).encrypt([1, 2, 3, 4, 5, 10])


def test_key_check_message_never_shows_the_key():
    key = b"k" * 20
    problem = check_aes_key(key)
    assert "20 bytes" in problem and "kkkk" not in problem
    assert check_aes_key(bytes(24)) is None

"""format-preserving-encryption / format-preserving-decryption: FF1 (NIST SP
800-38G) with AES over the characters of an ``alphabet``.

The characters of a value that are in the alphabet form one numeral string,
which FF1 encrypts; every other character keeps its place, so
``4111-1111-1111-1111`` stays shaped like a card number. Equal values give
equal ciphertexts (with the same key and tweak), so encrypted columns still
join; the key holder decrypts with the same key, alphabet and tweak.

FF1 needs at least a million possible numeral strings (radix ** n >=
1,000,000: six decimal digits). A shorter value is an error naming the column,
unless the policy says ``on_short: mask`` (its alphabet characters become
``*``) or ``on_short: null``. It is never passed through unencrypted.

A value with more than ``MAX_NUMERALS`` (4,096) alphabet characters is always an
error naming the column: FF1's cost grows faster than the length, and one
runaway row must not stall the model. The check runs before any encryption.

FF1 has no authentication: a tampered ciphertext, or one decrypted with the
wrong key, alphabet or tweak, decrypts to some other value of the same shape.
Tampering cannot be detected.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import pyarrow as pa

from cape_udfs import types as t
from cape_udfs.batch import ARG, COLUMN, KEY, VALUE, Arg, BatchFunction
from cape_udfs.errors import CapeError, PolicyError
from cape_udfs.kernels.ff1 import FF1, MAX_NUMERALS, MAX_RADIX, MIN_DOMAIN, check_aes_key
from cape_udfs.transforms.base import STRING, Param, Transform

DIGITS = "0123456789"
ON_SHORT = ("error", "mask", "null")
MASK = "*"
MAX_TWEAK_BYTES = 256
_CANONICAL = "0123456789abcdefghijklmnopqrstuvwxyz"
# Python's int(str) and str(int) refuse more digits than this by default.
_INT_STR_DIGITS = 4000
# Batches whose longest value has at most this many characters go through NumPy.
_MATRIX_MAX_CHARS = 64


class FormatPreservingError(CapeError, ValueError):
    """A value cannot be encrypted or decrypted (too short). Carries the column, never the value."""


def _check_alphabet(alphabet: str) -> str | None:
    if len(alphabet) < 2:
        return "alphabet must have at least 2 characters"
    if len(alphabet) > MAX_RADIX:
        return f"alphabet must have at most {MAX_RADIX} characters"
    if len(set(alphabet)) != len(alphabet):
        return "alphabet characters must be distinct"
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in alphabet):
        return "alphabet must not contain control characters"
    return None


def _check_tweak(tweak: str) -> str | None:
    if len(tweak.encode("utf-8")) > MAX_TWEAK_BYTES:
        return f"tweak must be at most {MAX_TWEAK_BYTES} bytes in UTF-8"
    if "\x00" in tweak:
        return "tweak must not contain NUL characters"
    return None


class _FormatPreserving(Transform):
    uses_key = True
    accepts = frozenset({t.TEXT})
    key_check = staticmethod(check_aes_key)
    params = (
        Param("alphabet", STRING, "a string of 2 to 65536 distinct characters", DIGITS, check=_check_alphabet),
        Param("tweak", STRING, f"a string of at most {MAX_TWEAK_BYTES} UTF-8 bytes", "", check=_check_tweak),
        Param("on_short", STRING, f"one of {', '.join(ON_SHORT)}", "error",
              check=lambda v: None if v in ON_SHORT else f"on_short must be one of {', '.join(ON_SHORT)}"),
    )

    def check_combination(self, args):
        if args["on_short"] == "mask" and MASK in args["alphabet"]:
            raise PolicyError(f"on_short: mask writes '{MASK}', which must not be in the alphabet",
                              field="on_short")

    def output_type(self, input_type, args):
        return "VARCHAR"


class FormatPreservingEncryption(_FormatPreserving):
    name = "format-preserving-encryption"


class FormatPreservingDecryption(_FormatPreserving):
    name = "format-preserving-decryption"


def min_length(radix: int) -> int:
    """The fewest numerals FF1 takes in this radix."""
    n = 2
    while radix ** n < MIN_DOMAIN:
        n += 1
    return n


class _Codec:
    """Numeral strings <-> integers for one alphabet."""

    def __init__(self, alphabet: str):
        self.alphabet = alphabet
        self.radix = radix = len(alphabet)
        self.index = {ch: i for i, ch in enumerate(alphabet)}
        self.outside = re.compile("([^" + "".join(_class_escape(ch) for ch in alphabet) + "]+)")
        # Fast paths through int()/str(): alphabet -> canonical digits and back.
        self.canonical = radix <= 36
        if self.canonical and alphabet != _CANONICAL[:radix]:
            self.to_canonical = str.maketrans(alphabet, _CANONICAL[:radix])
            self.from_canonical = str.maketrans(_CANONICAL[:radix], alphabet)
        else:
            self.to_canonical = self.from_canonical = None

    def to_int(self, numerals: str) -> int:
        if self.canonical and len(numerals) <= _INT_STR_DIGITS:
            if self.to_canonical is not None:
                numerals = numerals.translate(self.to_canonical)
            return int(numerals, self.radix)
        x, radix, index = 0, self.radix, self.index
        for ch in numerals:
            x = x * radix + index[ch]
        return x

    def to_str(self, x: int, n: int) -> str:
        radix = self.radix
        if radix == 10 and n <= _INT_STR_DIGITS:
            text = str(x).zfill(n)
            return text.translate(self.from_canonical) if self.from_canonical is not None else text
        digits = []
        alphabet = self.alphabet
        for _ in range(n):
            x, r = divmod(x, radix)
            digits.append(alphabet[r])
        return "".join(reversed(digits))


def _class_escape(ch: str) -> str:
    return "\\" + ch if ch in "\\]^-[" else ch


def format_preserving(values: pa.Array, key: bytes, alphabet: str = DIGITS, tweak: str = "",
                      on_short: str = "error", column: str = "?", *, decrypt: bool = False,
                      vectorized: bool = True) -> pa.Array:
    """FF1-encrypt (or decrypt) the alphabet characters of each value; other
    characters keep their place; NULL stays NULL. One AES context per call.

    Batches of short strings (cards, SSNs, phone numbers) go through NumPy as
    code-point matrices; others value by value. ``vectorized=False`` forces
    the second way (the tests check both give the same)."""
    codec = _Codec(alphabet)
    items = values.to_pylist()
    strings = [v for v in items if v is not None]
    if vectorized and strings and max(map(len, strings)) <= _MATRIX_MAX_CHARS and "\x00" not in "".join(strings):
        done = _by_matrix(strings, codec, key, tweak.encode("utf-8"), on_short, column, decrypt)
    else:
        done = _by_value(strings, codec, key, tweak.encode("utf-8"), on_short, column, decrypt)
    if len(strings) != len(items):
        it = iter(done)
        done = [None if v is None else next(it) for v in items]
    return pa.array(done, type=pa.string())


def _by_value(strings, codec, key, tweak, on_short, column, decrypt) -> list:
    shortest = min_length(codec.radix)
    out: list = [None] * len(strings)
    groups: dict[int, list] = {}  # numeral count -> [(row, parts or None, numerals)]
    split = codec.outside.split
    for row, value in enumerate(strings):
        parts = split(value)  # alphabet runs at even places, other characters at odd ones
        numerals = "".join(parts[0::2]) if len(parts) > 1 else value
        n = len(numerals)
        if n > MAX_NUMERALS:
            raise _long_error(decrypt, column, n)
        if n < shortest:
            if on_short == "error":
                raise _short_error(decrypt, column, n, shortest, codec.radix)
            if on_short == "mask":
                out[row] = _rebuild(parts, MASK * n)
            continue  # null
        groups.setdefault(n, []).append((row, parts if len(parts) > 1 else None, numerals))
    if groups:
        ff1 = FF1(key, codec.radix)
        for n, members in groups.items():
            xs = [codec.to_int(numerals) for _, _, numerals in members]
            ys = ff1.crypt_ints(n, xs, tweak, decrypt=decrypt)
            for (row, parts, _), y in zip(members, ys):
                text = codec.to_str(y, n)
                out[row] = text if parts is None else _rebuild(parts, text)
    return out


def _by_matrix(strings, codec, key, tweak, on_short, column, decrypt) -> list:
    """The same as _by_value, with the batch as a (rows, characters) matrix of
    code points: a row's alphabet characters, in order, are its numerals."""
    radix = codec.radix
    shortest = min_length(radix)
    width = max(1, max(map(len, strings)))
    # NumPy's fixed-width UTF-32 strings pad with NUL (never in an alphabet, and
    # the caller sent no value containing one), and drop the padding on the way back.
    points = np.array(strings, dtype=f"<U{width}").view(np.uint32).reshape(len(strings), width).copy()
    symbols = np.array([ord(ch) for ch in codec.alphabet], dtype=np.uint32)
    top = int(symbols.max()) + 1
    if top <= 1 << 17:  # a lookup table: code point -> numeral, -1 outside the alphabet
        table = np.full(top + 1, -1, dtype=np.int64)
        table[symbols] = np.arange(radix)
        digits = table[np.minimum(points, top)]
        inside = digits >= 0
    else:
        order = np.argsort(symbols)
        place = np.minimum(np.searchsorted(symbols[order], points), radix - 1)
        inside = symbols[order][place] == points
        digits = order[place]
    counts = inside.sum(axis=1)
    keep = np.ones(len(strings), dtype=bool)
    ff1 = None
    for n in np.unique(counts).tolist():
        rows = np.nonzero(counts == n)[0]
        mask = inside[rows]
        if n < shortest:
            if on_short == "error":
                raise _short_error(decrypt, column, n, shortest, radix)
            if on_short == "mask":
                block = points[rows]
                block[mask] = ord(MASK)
                points[rows] = block
            else:
                keep[rows] = False
            continue
        ff1 = ff1 or FF1(key, radix)
        numerals = digits[rows][mask].reshape(len(rows), n)
        if ff1.vectorizable(n):
            x = np.zeros(len(rows), dtype=np.uint64)
            for j in range(n):  # Horner; radix ** n <= 2 ** 64 here
                x = x * np.uint64(radix) + numerals[:, j].astype(np.uint64)
            y = ff1.crypt_array(n, x, tweak, decrypt=decrypt)
            out = np.empty((len(rows), n), dtype=np.int64)
            for j in range(n - 1, -1, -1):
                out[:, j] = (y % np.uint64(radix)).astype(np.int64)
                y = y // np.uint64(radix)
        else:
            xs = []
            for row in numerals.tolist():
                x = 0
                for d in row:
                    x = x * radix + d
                xs.append(x)
            out = np.empty((len(rows), n), dtype=np.int64)
            for i, y in enumerate(ff1.crypt_ints(n, xs, tweak, decrypt=decrypt)):
                for j in range(n - 1, -1, -1):
                    y, out[i, j] = divmod(y, radix)
        block = points[rows]
        block[mask] = symbols[out].ravel()
        points[rows] = block
    texts = points.view(f"<U{width}").reshape(len(strings)).tolist()
    if not keep.all():
        texts = [t if k else None for t, k in zip(texts, keep.tolist())]
    return texts


def _short_error(decrypt: bool, column: str, n: int, shortest: int, radix: int) -> FormatPreservingError:
    name = FormatPreservingDecryption.name if decrypt else FormatPreservingEncryption.name
    return FormatPreservingError(
        f"{name}: a value in column '{column}' has {n} alphabet character(s), too few for FF1 "
        f"(at least {shortest} with a {radix}-character alphabet); "
        "set on_short: mask or null to allow short values"
    )


def _long_error(decrypt: bool, column: str, n: int) -> FormatPreservingError:
    name = FormatPreservingDecryption.name if decrypt else FormatPreservingEncryption.name
    return FormatPreservingError(
        f"{name}: a value in column '{column}' has {n} alphabet characters, more than FF1 takes here "
        f"(at most {MAX_NUMERALS})"
    )


def _rebuild(parts: list[str], numerals: str) -> str:
    """``parts`` with its alphabet runs (even places) refilled from ``numerals``."""
    out = list(parts)
    pos = 0
    for i in range(0, len(out), 2):
        size = len(out[i])
        out[i] = numerals[pos:pos + size]
        pos += size
    return "".join(out)


def fpe_encrypt(values: pa.Array, key: bytes, alphabet: str = DIGITS, tweak: str = "",
                on_short: str = "error", column: str = "?") -> pa.Array:
    return format_preserving(values, key, alphabet, tweak, on_short, column, decrypt=False)


def fpe_decrypt(values: pa.Array, key: bytes, alphabet: str = DIGITS, tweak: str = "",
                on_short: str = "error", column: str = "?") -> pa.Array:
    return format_preserving(values, key, alphabet, tweak, on_short, column, decrypt=True)


# FF1 over one batch; alphabet, tweak and on_short are not secret, and the column
# travels with the call so a short value's error can name it.
_FF1_ARGS = (Arg(VALUE), Arg(KEY), Arg(ARG, "alphabet"), Arg(ARG, "tweak"), Arg(ARG, "on_short"), Arg(COLUMN))
FormatPreservingEncryption.function = BatchFunction("cape_fpe_encrypt", _FF1_ARGS, "text", fpe_encrypt)
FormatPreservingDecryption.function = BatchFunction("cape_fpe_decrypt", _FF1_ARGS, "text", fpe_decrypt)

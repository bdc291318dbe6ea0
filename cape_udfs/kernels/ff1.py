"""FF1 format-preserving encryption (NIST SP 800-38G, section 5.1) over AES.

A numeral string of length ``n`` in base ``radix`` is held as the pair
``(n, NUM_radix(X))``: the Feistel rounds only ever need the two halves as
integers (``NUM_radix(STR^m_radix(c)) = c``), so numerals are turned into
integers once on the way in and back once on the way out.

One ``FF1`` object holds one AES-ECB context. ECB is used only as the block
cipher CIPH of the spec: the PRF (a CBC-MAC) and the extension of R to d bytes
are computed here, one ECB call per round for a whole group of values of the
same length, so the AES work for a batch is a handful of large calls.

FF1 has no authentication: a changed ciphertext decrypts to some other value
of the same shape, and decrypting with a wrong key does not fail.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

AES_KEY_SIZES = (16, 24, 32)
MIN_RADIX = 2
MAX_RADIX = 1 << 16
MIN_DOMAIN = 1_000_000  # radix ** minlen >= 1,000,000 (SP 800-38G Rev. 1)
MAX_LEN = 1 << 32
# The spec allows 2**32 numerals, but the rounds work on integers of n digits,
# so a value costs more than linear time in its length (a million digits took
# 15 minutes). No real identifier comes near this cap; refusing longer values
# keeps one row from stalling a model.
MAX_NUMERALS = 4096
MAX_TWEAK_BYTES = 1 << 32
ROUNDS = 10
_MASK64 = (1 << 64) - 1


def check_aes_key(raw: bytes) -> str | None:
    if len(raw) not in AES_KEY_SIZES:
        return f"key must be 16, 24 or 32 bytes for AES (got {len(raw)} bytes)"
    return None


def domain_ok(radix: int, n: int) -> bool:
    """Whether FF1 may encrypt numeral strings of length ``n`` in base ``radix``."""
    return 2 <= n <= MAX_LEN and radix ** n >= MIN_DOMAIN


class FF1:
    """FF1 with a fixed key and radix; the tweak is given per call."""

    def __init__(self, key: bytes, radix: int):
        if not isinstance(key, (bytes, bytearray)):
            raise TypeError("key must be bytes")
        problem = check_aes_key(key)
        if problem:
            raise ValueError(problem)
        if isinstance(radix, bool) or not isinstance(radix, int):
            raise TypeError("radix must be an integer")
        if not MIN_RADIX <= radix <= MAX_RADIX:
            raise ValueError(f"radix must be from {MIN_RADIX} to {MAX_RADIX}")
        self.radix = radix
        self._ecb = Cipher(algorithms.AES(bytes(key)), modes.ECB()).encryptor().update

    # -- single values, as the spec writes them (used by the NIST vectors) --

    def encrypt(self, numerals: Sequence[int], tweak: bytes = b"") -> list[int]:
        return self._one(numerals, tweak, decrypt=False)

    def decrypt(self, numerals: Sequence[int], tweak: bytes = b"") -> list[int]:
        return self._one(numerals, tweak, decrypt=True)

    def _one(self, numerals, tweak, decrypt):
        n = len(numerals)
        x = 0
        for digit in numerals:
            if not 0 <= digit < self.radix:
                raise ValueError("numeral out of range for the radix")
            x = x * self.radix + digit
        (y,) = self.crypt_ints(n, [x], tweak, decrypt=decrypt)
        out = []
        for _ in range(n):
            y, digit = divmod(y, self.radix)
            out.append(digit)
        return out[::-1]

    # -- batches ----------------------------------------------------------

    def crypt_ints(self, n: int, xs: Sequence[int], tweak: bytes = b"", *,
                   decrypt: bool = False, vectorized: bool = True) -> list[int]:
        """Encrypt (or decrypt) numeral strings of one length ``n``, each given
        as NUM_radix(X) (0 <= x < radix**n); returns the results the same way.
        ``vectorized=False`` forces the plain-integer rounds (for tests)."""
        if not xs:
            self._setup(n, tweak)  # still validate n and the tweak
            return []
        rounds, mod_u, mod_v = self._setup(n, tweak)
        if vectorized and self.vectorizable(n):
            return _numpy_rounds(rounds, np.array(xs, dtype=np.uint64), mod_u, mod_v, decrypt).tolist()
        return _int_rounds(rounds, xs, mod_u, mod_v, decrypt)

    def vectorizable(self, n: int) -> bool:
        """Whether ``crypt_array`` takes length ``n``: both halves below 2**32
        (radix 10: up to 18 numerals), so every sum fits an unsigned 64-bit integer."""
        return self.radix ** (n - n // 2) <= 1 << 32

    def crypt_array(self, n: int, xs: np.ndarray, tweak: bytes = b"", *, decrypt: bool = False) -> np.ndarray:
        """``crypt_ints`` over a uint64 NumPy array, for lengths that are ``vectorizable``."""
        if not self.vectorizable(n):
            raise ValueError("numeral strings this long need crypt_ints")
        rounds, mod_u, mod_v = self._setup(n, tweak)
        if len(xs) == 0:
            return np.zeros(0, dtype=np.uint64)
        return _numpy_rounds(rounds, xs.astype(np.uint64, copy=False), mod_u, mod_v, decrypt)

    def _setup(self, n: int, tweak: bytes):
        radix = self.radix
        if not domain_ok(radix, n):
            raise ValueError(f"FF1 needs radix**n >= {MIN_DOMAIN} and 2 <= n <= 2**32")
        if n > MAX_NUMERALS:
            raise ValueError(f"FF1 here takes at most {MAX_NUMERALS} numerals per value")
        t = len(tweak)
        if t > MAX_TWEAK_BYTES:
            raise ValueError("tweak is too long")
        u = n // 2
        v = n - u
        mod_u, mod_v = radix ** u, radix ** v
        b = ((mod_v - 1).bit_length() + 7) // 8
        d = 4 * ((b + 3) // 4) + 4
        p = (bytes([1, 2, 1]) + radix.to_bytes(3, "big") + bytes([10, u % 256])
             + n.to_bytes(4, "big") + t.to_bytes(4, "big"))
        # Q = T || 0^pad || [i]^1 || [NUM(B)]^b. The leading whole blocks of T || 0^pad
        # are the same for every value and round: fold them into the CBC-MAC state once.
        prefix = tweak + bytes((-t - b - 1) % 16)
        fixed = len(prefix) // 16 * 16
        state = self._ecb(p)
        for j in range(0, fixed, 16):
            state = self._ecb(_xor16(state, prefix[j:j + 16]))
        return _Rounds(self._ecb, int.from_bytes(state, "big"), prefix[fixed:], b, d), mod_u, mod_v


class _Rounds:
    """y = NUM(S) for one round, for many values of the same length at once."""

    def __init__(self, ecb, state: int, tail_prefix: bytes, b: int, d: int):
        self.ecb = ecb
        self.state = state
        self.tail_prefix = tail_prefix  # the part of T || 0^pad in the varying blocks
        self.b = b
        self.d = d
        self.tail_len = len(tail_prefix) + 1 + b  # a multiple of 16
        self.blocks = self.tail_len // 16

    def head(self, i: int) -> int:
        """The varying blocks of Q with NUM(B) = 0, as an integer."""
        return int.from_bytes(self.tail_prefix + bytes([i]), "big") << (8 * self.b)

    def prf(self, i: int, halves: Sequence[int]) -> list[int]:
        ecb, d = self.ecb, self.d
        head = self.head(i)
        if self.blocks == 1:
            base = self.state ^ head
            r = ecb(b"".join((base ^ h).to_bytes(16, "big") for h in halves))
        else:
            tails = [(head | h).to_bytes(self.tail_len, "big") for h in halves]
            chain = [self.state] * len(tails)
            for j in range(0, self.tail_len, 16):
                r = ecb(b"".join((c ^ int.from_bytes(q[j:j + 16], "big")).to_bytes(16, "big")
                                 for c, q in zip(chain, tails)))
                chain = [int.from_bytes(r[k:k + 16], "big") for k in range(0, len(r), 16)]
        if d <= 16:
            return [int.from_bytes(r[k:k + d], "big") for k in range(0, len(r), 16)]
        # S = R || CIPH(R xor [1]^16) || CIPH(R xor [2]^16) || ..., first d bytes.
        rs = [int.from_bytes(r[k:k + 16], "big") for k in range(0, len(r), 16)]
        parts = [r]
        for j in range(1, (d + 15) // 16):
            parts.append(ecb(b"".join((x ^ j).to_bytes(16, "big") for x in rs)))
        return [int.from_bytes(b"".join(part[k:k + 16] for part in parts)[:d], "big")
                for k in range(0, len(r), 16)]


def _numpy_rounds(rounds: _Rounds, x: np.ndarray, mod_u: int, mod_v: int, decrypt: bool) -> np.ndarray:
    """The rounds for halves below 2**32 (radix 10: up to 18 numerals) in NumPy.

    Here b <= 4, so Q is one block whose high 8 bytes do not depend on the
    value, d = 8, and y = the first 8 bytes of R. Sums stay below 2**64 because
    y is reduced first; results are identical to the integer path (tested)."""
    ecb = rounds.ecb
    mv = np.uint64(mod_v)  # x < mod_u * mod_v <= 2**64
    a, bb = x // mv, x % mv
    count = len(x)
    block = np.empty((count, 2), dtype=">u8")

    def prf(i, half):
        base = rounds.state ^ rounds.head(i)
        block[:, 0] = base >> 64
        block[:, 1] = np.uint64(base & _MASK64) ^ half
        r = np.frombuffer(ecb(block.tobytes()), dtype=">u8")
        return r[0::2].astype(np.uint64)

    if not decrypt:
        for i in range(ROUNDS):
            modulus = np.uint64(mod_u if i % 2 == 0 else mod_v)
            y = prf(i, bb) % modulus
            a, bb = bb, (a + y) % modulus
    else:
        for i in reversed(range(ROUNDS)):
            modulus = np.uint64(mod_u if i % 2 == 0 else mod_v)
            y = prf(i, a) % modulus
            a, bb = (bb + modulus - y) % modulus, a
    return a * mv + bb


def _int_rounds(rounds: _Rounds, xs: Sequence[int], mod_u: int, mod_v: int, decrypt: bool) -> list[int]:
    a = [x // mod_v for x in xs]
    bb = [x % mod_v for x in xs]
    if not decrypt:
        for i in range(ROUNDS):
            modulus = mod_u if i % 2 == 0 else mod_v
            ys = rounds.prf(i, bb)
            a, bb = bb, [(ai + y) % modulus for ai, y in zip(a, ys)]
    else:
        for i in reversed(range(ROUNDS)):
            modulus = mod_u if i % 2 == 0 else mod_v
            ys = rounds.prf(i, a)
            a, bb = [(bi - y) % modulus for bi, y in zip(bb, ys)], a
    return [ai * mod_v + bi for ai, bi in zip(a, bb)]


def _xor16(x: bytes, y: bytes) -> bytes:
    return (int.from_bytes(x, "big") ^ int.from_bytes(y, "big")).to_bytes(16, "big")

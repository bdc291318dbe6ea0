"""Fresh uniforms from a cryptographically secure generator, for unseeded noise.

Perturbation without ``seed`` or ``consistent_by`` must be unpredictable:
DuckDB's ``random()`` is a PCG and Spark's ``rand()`` an XORShift, whose
outputs reveal their state, so a few published noisy values next to known
inputs would predict the rest. ``secure_uniforms(n)`` takes 32 bytes from the
operating system's CSPRNG (``os.urandom``) for every call and expands them with
AES-256 in counter mode into 8 bytes per value (the construction of NIST's
CTR_DRBG: a fresh key per call, so a counter block never repeats under one
key). Asking the OS for all 8n bytes would be as secure and about five times
slower (the kernel's generator runs at a few hundred MB/s; AES-NI at GB/s).

Each value is ``(8 bytes, big-endian, >> 11) / 2**53``: 53 random bits, in
[0, 1), the same spacing as the keyed uniforms (keyed_noise.py).

``secure_standard(n, distribution)`` shapes two of them into a unit gaussian
(Box-Muller) or laplace draw (the difference of two exponentials), the same
formulas as the SQL of keyed and seeded noise (macros/transforms/noise.sql):
one call of the engine's UDF instead of two, whose per-batch overhead is most
of the cost of fresh noise.

The uniforms are made ``POOL_SIZE`` at a time and handed out in slices, each
value once: a DuckDB batch is 2048 rows, and one AES context and one NumPy
pass per 16 batches cost far less than one per batch (the interpreter lock is
held for less time, so DuckDB's threads wait less). The pool belongs to one
process: a forked child (Spark's Python workers are forks) starts a new one
and never hands out its parent's values.
"""
from __future__ import annotations

import os
import threading

import numpy as np
import pyarrow as pa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_SCALE = 1.0 / 9007199254740992.0  # 2**-53
_ZERO_COUNTER = bytes(16)


def random_bytes(nbytes: int) -> bytes:
    """``nbytes`` of AES-256-CTR keystream under a fresh OS-random key."""
    encryptor = Cipher(algorithms.AES(os.urandom(32)), modes.CTR(_ZERO_COUNTER)).encryptor()
    return encryptor.update(bytes(nbytes)) + encryptor.finalize()


POOL_SIZE = 1 << 15


def fresh_uniforms(n: int) -> pa.Array:
    """``n`` new uniforms in [0, 1) with 53 random bits each, from one AES key."""
    bits = np.frombuffer(random_bytes(8 * n), ">u8") >> np.uint64(11)
    values = bits.astype(np.float64)
    values *= _SCALE
    return pa.Array.from_buffers(pa.float64(), n, [None, pa.py_buffer(values)])


class _Pool:
    def __init__(self):
        self._lock = threading.Lock()
        self._pid = None
        self._values = None
        self._used = 0

    def take(self, n: int) -> pa.Array:
        if n > POOL_SIZE:
            return fresh_uniforms(n)
        with self._lock:
            if self._pid != os.getpid() or self._used + n > len(self._values):
                self._values, self._used, self._pid = fresh_uniforms(POOL_SIZE), 0, os.getpid()
            out = self._values.slice(self._used, n)
            self._used += n
            return out


_POOL = _Pool()


def secure_uniforms(n: int) -> pa.Array:
    """``n`` independent uniforms in [0, 1) with 53 random bits each, never
    handed out before (in this process or its parent)."""
    if n <= 0:
        return pa.array([], pa.float64())
    return _POOL.take(n)


def secure_standard(n: int, distribution: str) -> pa.Array:
    """``n`` unit draws of ``distribution`` ('gaussian' or 'laplace') from fresh uniforms."""
    if distribution not in ("gaussian", "laplace"):
        raise ValueError("distribution must be 'gaussian' or 'laplace'")
    if n <= 0:
        return pa.array([], pa.float64())
    u = secure_uniforms(2 * n).to_numpy()  # one pool slice: u1, then u2
    u1, u2 = u[:n], u[n:]
    if distribution == "gaussian":  # sqrt(-2 ln(1 - u1)) * cos(2 pi u2), in place
        z = np.log1p(-u1)
        z *= -2
        np.sqrt(z, out=z)
        z *= np.cos(2 * np.pi * u2)
    else:  # ln(1 - u2) - ln(1 - u1)
        z = np.log1p(-u2)
        z -= np.log1p(-u1)
    return pa.Array.from_buffers(pa.float64(), n, [None, pa.py_buffer(z)])

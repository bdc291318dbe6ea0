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
"""
from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_SCALE = 1.0 / 9007199254740992.0  # 2**-53
_ZERO_COUNTER = bytes(16)


def random_bytes(nbytes: int) -> bytes:
    """``nbytes`` of AES-256-CTR keystream under a fresh OS-random key."""
    encryptor = Cipher(algorithms.AES(os.urandom(32)), modes.CTR(_ZERO_COUNTER)).encryptor()
    return encryptor.update(bytes(nbytes)) + encryptor.finalize()


def secure_uniforms(n: int) -> pa.Array:
    """``n`` independent uniforms in [0, 1) with 53 random bits each."""
    if n <= 0:
        return pa.array([], pa.float64())
    bits = np.frombuffer(random_bytes(8 * n), ">u8") >> np.uint64(11)
    values = bits.astype(np.float64)
    values *= _SCALE
    return pa.Array.from_buffers(pa.float64(), n, [None, pa.py_buffer(values)])

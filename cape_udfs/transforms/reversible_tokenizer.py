"""reversible-tokenizer: AES-SIV, token = hex(tag || ciphertext).

Deterministic authenticated encryption (RFC 5297): equal values give equal
tokens, so tokens still join, and only the key holder can reverse them. The
byte layout is cape-dataframes' (pycryptodome's SIV tag, then ciphertext), which
is also what ``cryptography``'s AESSIV returns.

Encryption runs a whole batch at once: RFC 5297's S2V (AES-CMAC) and AES-CTR
are spelled out over NumPy arrays, with every AES block of a step encrypted in
one call to the AES block function, instead of one ``AESSIV.encrypt`` (and its
cipher set-up) per value, which costs about ten times more. The output is
byte-identical to ``AESSIV(key).encrypt(value, None)`` (unit tests compare the
two on random text, and every batch checks its first value against AESSIV at
run time); long values, whose CMAC chains would need many rounds, still go
through ``AESSIV``. Decryption (token-reverser) always uses AESSIV, so tag
verification stays in the library.
"""
from __future__ import annotations

import binascii

import numpy as np
import pyarrow as pa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from cape_udfs import types as t
from cape_udfs.batch import KEY, VALUE, Arg, BatchFunction
from cape_udfs.errors import CapeError
from cape_udfs.kernels.arrow_text import binary_parts, string_array, utf8_values
from cape_udfs.transforms.base import Transform

SIV_KEY_SIZES = (32, 48, 64)
_BLOCK = 16
# Values longer than this take AESSIV one by one: a batch costs one AES call
# per CMAC block of its longest value.
_BATCH_MAX_BYTES = 256


def check_siv_key(raw: bytes) -> str | None:
    if len(raw) not in SIV_KEY_SIZES:
        return f"key must be 32, 48 or 64 bytes for AES-SIV (got {len(raw)} bytes)"
    return None


class ReversibleTokenizer(Transform):
    name = "reversible-tokenizer"
    uses_key = True
    accepts = frozenset({t.TEXT})
    ignored = frozenset({"encoding"})  # Cape allowed an encoding; we always use UTF-8
    key_check = staticmethod(check_siv_key)

    def output_type(self, input_type, args):
        return "VARCHAR"


def siv_tokens(values: pa.Array, key: bytes) -> pa.Array:
    """Encrypt each UTF-8 value with AES-SIV (no associated data); NULL stays NULL."""
    problem = check_siv_key(key)
    if problem:
        raise ValueError(problem)
    data, starts = binary_parts(utf8_values(values))
    lengths = np.diff(starts)
    out = siv_encrypt_batch(data, starts, key)
    return string_array(values, binascii.hexlify(out), 2 * (_BLOCK + lengths))


def siv_encrypt_batch(data: np.ndarray, starts: np.ndarray, key: bytes) -> np.ndarray:
    """AES-SIV(key, no AD) of every value ``data[starts[i]:starts[i+1]]``; the
    results ``tag || ciphertext`` concatenated in order, as uint8.

    Every batch is also spot-checked: its first value is encrypted by
    ``AESSIV`` itself and must give the same bytes (about 1 µs a batch), so
    the batched construction is checked against the library at run time, on
    the real key, and not only in the tests.
    """
    out = _siv_encrypt_batch(data, starts, key)
    if len(starts) > 1:
        first = AESSIV(key).encrypt(data[starts[0]:starts[1]].tobytes(), None)
        if out[:len(first)].tobytes() != first:
            raise CapeError("reversible-tokenizer: the batched AES-SIV disagrees with cryptography's "
                            "AESSIV; refusing to write tokens (please report this)")
    return out


def _siv_encrypt_batch(data: np.ndarray, starts: np.ndarray, key: bytes) -> np.ndarray:
    lengths = np.diff(starts)
    long = lengths > _BATCH_MAX_BYTES
    if not long.any():
        return _siv_batch(data, lengths, key)
    # Long values are left out of the batch (as if empty) and done one by one.
    batched = _siv_batch(data[np.repeat(~long, lengths)], np.where(long, 0, lengths), key, skip=long)
    out_lengths = lengths + _BLOCK
    out = np.empty(int(out_lengths.sum()), np.uint8)
    out[np.repeat(~long, out_lengths)] = batched
    out_starts = np.zeros(len(lengths) + 1, np.int64)
    np.cumsum(out_lengths, out=out_starts[1:])
    encrypt = AESSIV(key).encrypt
    for i in np.flatnonzero(long):
        out[out_starts[i]:out_starts[i + 1]] = np.frombuffer(
            encrypt(data[starts[i]:starts[i + 1]].tobytes(), None), np.uint8)
    return out


def _dbl(block: bytes) -> bytes:
    """Doubling in GF(2^128) (RFC 5297 section 2.3)."""
    x = int.from_bytes(block, "big") << 1
    if x >> 128:
        x ^= (1 << 128) | 0x87
    return x.to_bytes(_BLOCK, "big")


def _u8(block: bytes) -> np.ndarray:
    return np.frombuffer(block, np.uint8)


def _siv_batch(data, lengths, key, skip=None):
    """``tag || ciphertext`` of each value, concatenated, where value i is the
    next ``lengths[i]`` bytes of ``data``: RFC 5297 S2V with the plaintext as
    its only string, then AES-CTR. Rows in ``skip`` give no output.

    Values are laid out as rows of a zero-padded (n, width) matrix, so every
    step is a few whole-array operations and one AES call per block column.
    """
    n = len(lengths)
    if n == 0:
        return np.zeros(0, np.uint8)
    half = len(key) // 2
    # ECB here is the raw AES block function E(K, block) applied to many
    # independent blocks at once; CMAC (RFC 4493) and CTR are built on it below.
    cmac_aes = Cipher(algorithms.AES(key[:half]), modes.ECB()).encryptor().update
    ctr_aes = Cipher(algorithms.AES(key[half:]), modes.ECB()).encryptor().update
    sub1 = _dbl(cmac_aes(bytes(_BLOCK)))  # CMAC subkeys (RFC 4493 2.3)
    sub2 = _dbl(sub1)
    d = cmac_aes(sub1)  # D = CMAC(K1, <zero>): one full block, 0 xor subkey 1

    width = _BLOCK * max(1, -(-int(lengths.max(initial=0)) // _BLOCK))
    columns = np.arange(width)
    plain = np.zeros((n, width), np.uint8)
    plain[columns < lengths[:, None]] = data

    # S2V's last step: T = P xorend D when |P| >= 16, else dbl(D) xor pad(P);
    # V = CMAC(K1, T), whose last block is xored with subkey 1 when it is full,
    # or padded (10*) and xored with subkey 2 when it is not. T xor P depends
    # only on |P|, so it is made once per length and added by table lookup.
    sizes = np.arange(width + 1)
    table = np.zeros((width + 1, width), np.uint8)
    short = sizes < _BLOCK
    partial = ~short & (sizes % _BLOCK != 0)
    table[short, :_BLOCK] = _u8(_dbl(d))
    long_sizes = sizes[~short]
    table[long_sizes[:, None], (long_sizes - _BLOCK)[:, None] + columns[:_BLOCK]] = _u8(d)
    table[sizes[short | partial], sizes[short | partial]] ^= 0x80
    last_block = np.maximum(-(-sizes // _BLOCK), 1) - 1
    last_cols = (_BLOCK * last_block)[:, None] + columns[:_BLOCK]
    table[sizes[:, None], last_cols] ^= np.where(partial[:, None], _u8(sub2), _u8(sub1))
    blocks = (plain ^ table[lengths]).reshape(n, -1, _BLOCK)

    # CMAC's CBC chain, one AES call per block column; each row's tag is the
    # state after its own last block.
    row_last = last_block[lengths]
    state = np.zeros((n, _BLOCK), np.uint8)
    tags = np.empty((n, _BLOCK), np.uint8)
    for position in range(width // _BLOCK):
        state = _u8(cmac_aes((state ^ blocks[:, position]).tobytes())).reshape(n, _BLOCK)
        np.copyto(tags, state, where=(row_last == position)[:, None])

    # CTR: counter Q = V with bits 63 and 31 cleared, +1 per block in its low
    # 32 bits (which cannot carry: bit 31 is clear and values are short).
    words = tags.view(">u4").astype(np.uint32)
    words[:, 2:] &= 0x7FFFFFFF
    counters = np.repeat(words[:, None, :], width // _BLOCK, axis=1)
    counters[:, :, 3] += np.arange(width // _BLOCK, dtype=np.uint32)
    keystream = ctr_aes(counters.astype(">u4").tobytes())
    cipher = plain ^ _u8(keystream).reshape(n, width)

    out = np.concatenate([tags, cipher], axis=1)
    out_lengths = lengths + _BLOCK
    if skip is not None:
        out_lengths = np.where(skip, 0, out_lengths)
    return out[np.arange(_BLOCK + width) < out_lengths[:, None]]


ReversibleTokenizer.function = BatchFunction("cape_reversible_tokenize", (Arg(VALUE), Arg(KEY)), "text", siv_tokens)

"""Fresh uniforms for unseeded noise: a CSPRNG, 53 bits, [0, 1), never repeated."""
from __future__ import annotations

import duckdb
import pyarrow as pa

from cape_udfs.duckdb_functions import register
from cape_udfs.function_table import FUNCTIONS
from cape_udfs.kernels.secure_noise import random_bytes, secure_uniforms
from cape_udfs.keyring import Keyring


def test_uniforms_are_53_bit_values_in_range():
    values = secure_uniforms(200_000).to_numpy()
    assert values.min() >= 0 and values.max() < 1
    assert abs(values.mean() - 0.5) < 0.005 and abs(values.var() - 1 / 12) < 0.002
    assert all(float(v * 2 ** 53).is_integer() for v in values[:1000])  # multiples of 2**-53
    assert len(set(values.tolist())) == len(values)  # no repeats (a 53-bit collision is ~2e-6 likely)


def test_every_call_draws_afresh():
    assert random_bytes(64) != random_bytes(64)
    assert secure_uniforms(8).to_pylist() != secure_uniforms(8).to_pylist()
    assert secure_uniforms(0).type == pa.float64() and len(secure_uniforms(0)) == 0


def test_duckdb_calls_are_never_merged_or_folded():
    assert not FUNCTIONS["cape_secure_uniform"].deterministic  # registered with side effects
    con = duckdb.connect()
    register(con, Keyring(environ={}))
    # Two textually equal calls in one row, a constant argument, several vectors.
    rows = con.execute("select cape_secure_uniform(0), cape_secure_uniform(0) from range(5000)").fetchall()
    assert sum(a == b for a, b in rows) == 0
    assert len({a for a, _ in rows}) == 5000
    assert all(0 <= a < 1 for a, _ in rows)
    con.close()


def test_pool_slices_are_never_handed_out_twice():
    from cape_udfs.kernels import secure_noise
    batches = [secure_uniforms(2048).to_pylist() for _ in range(3 * secure_noise.POOL_SIZE // 2048)]
    seen = [v for batch in batches for v in batch]
    assert len(set(seen)) == len(seen)  # across pool refills too
    assert len(secure_uniforms(secure_noise.POOL_SIZE + 1)) == secure_noise.POOL_SIZE + 1


def test_a_forked_child_does_not_reuse_the_parents_pool():
    import os
    secure_uniforms(16)  # the parent's pool exists
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: what its next draw would be
        os.write(write, secure_uniforms(4).to_numpy().tobytes())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 64)
    assert child != secure_uniforms(4).to_numpy().tobytes()  # the parent's next values


def test_standard_draws_have_unit_spread_and_the_documented_bounds():
    import math

    import pytest

    from cape_udfs.kernels.secure_noise import secure_standard
    from cape_udfs.transforms.perturbation import GAUSSIAN_MAX, LAPLACE_MAX
    g = secure_standard(200_000, "gaussian").to_numpy()
    lap = secure_standard(200_000, "laplace").to_numpy()
    assert abs(g.mean()) < 0.02 and abs(g.std() - 1) < 0.01 and abs(g).max() <= GAUSSIAN_MAX
    assert abs(lap.mean()) < 0.03 and abs(abs(lap).mean() - 1) < 0.01 and abs(lap).max() <= LAPLACE_MAX
    assert abs(lap.std() - math.sqrt(2)) < 0.02
    with pytest.raises(ValueError, match="gaussian"):
        secure_standard(3, "uniform")

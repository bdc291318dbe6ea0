"""Keyed uniforms: the v1 message and derivation, in Python and through DuckDB."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cape_udfs.duckdb_functions import register
from cape_udfs.kernels.keyed_noise import entity_message, keyed_uniform, keyed_uniforms, seeded_salt, seeded_stream
from cape_udfs.keyring import Keyring
from cape_udfs.keys import encode_base64url

VECTORS = json.loads((Path(__file__).parent / "vectors" / "keyed_noise_v1.json").read_text("utf-8"))["vectors"]


@pytest.mark.parametrize("v", VECTORS, ids=[v["comment"][:40] for v in VECTORS])
def test_known_answer_vectors(v):
    assert entity_message(v["salt"], v["stream"], v["values"]).hex() == v["message"]
    key = bytes.fromhex(v["key"])
    assert keyed_uniform(key, v["salt"], v["stream"], v["values"]) == v["uniform"] == v["k53"] / 2 ** 53
    got = keyed_uniforms(pa.array([v["values"]], pa.list_(pa.string())), key, v["salt"], v["stream"])
    assert got.to_pylist() == [v["uniform"]]


def test_vectors_differ_where_the_encoding_must_separate():
    by_comment = {v["comment"]: v["uniform"] for v in VECTORS}
    values = list(by_comment.values())
    assert len(set(values)) == len(values)  # NULL vs '', ["ab","c"] vs ["a","bc"], streams, salts


@pytest.mark.parametrize(
    "a, b",
    [
        ([None], [""]),  # NULL is not the empty string
        (["ab", "c"], ["a", "bc"]),  # no ambiguity when joining
        (["a"], ["a", None]),  # a trailing NULL is a value
        (["1"], ["01"]),  # text, not numbers
    ],
)
def test_distinct_entities_get_distinct_messages(a, b):
    assert entity_message("s", "t", a) != entity_message("s", "t", b)


def test_message_cannot_be_a_tokenizer_input():
    # The tokenizer HMACs UTF-8 text; the noise message starts with 0xFF, never valid UTF-8.
    with pytest.raises(UnicodeDecodeError):
        entity_message("s", "t", ["x"]).decode("utf-8")


def test_uniforms_are_in_range_and_keyed():
    key_a, key_b = b"a" * 32, b"b" * 32
    entities = pa.array([[str(i)] for i in range(20000)], pa.list_(pa.string()))
    ua = keyed_uniforms(entities, key_a, "s", "number").to_pylist()
    ub = keyed_uniforms(entities, key_b, "s", "number").to_pylist()
    assert all(0.0 <= u < 1.0 for u in ua)
    assert abs(sum(ua) / len(ua) - 0.5) < 0.01
    assert sum(x == y for x, y in zip(ua, ub)) == 0  # another key, other draws
    other_salt = keyed_uniforms(entities, key_a, "t", "number").to_pylist()
    assert sum(x == y for x, y in zip(ua, other_salt)) == 0


ENTITY_TEXT = st.one_of(st.none(), st.just(""), st.text(max_size=12),
                       st.sampled_from(["é", "山田", "\U0001F600", "a\x00b", "cust-7"]))
ENTITIES = st.lists(st.one_of(st.none(), st.lists(ENTITY_TEXT, max_size=4)), max_size=60)


@settings(max_examples=200, deadline=None)
@given(entities=ENTITIES, key=st.binary(min_size=1, max_size=100), cut=st.integers(0, 3),
       repeat=st.integers(1, 3))
def test_vectorized_uniforms_equal_the_reference(entities, key, cut, repeat):
    # Repeated entities (hashed once per batch), NULL lists and values, non-ASCII,
    # empty lists, keys around the SHA-256 block, and a sliced (offset) array.
    rows = entities * repeat
    array = pa.array(rows, pa.list_(pa.string())).slice(cut)
    expected = [None if e is None else keyed_uniform(key, "salt", "stream", e) for e in rows[cut:]]
    assert keyed_uniforms(array, key, "salt", "stream").to_pylist() == expected


def test_null_entity_list_gives_null_and_empty_key_is_refused():
    assert keyed_uniforms(pa.array([None, ["1"]], pa.list_(pa.string())), b"k", "s", "t").to_pylist()[0] is None
    with pytest.raises(ValueError, match="key must be non-empty bytes"):
        keyed_uniforms(pa.array([["1"]], pa.list_(pa.string())), b"", "s", "t")


@pytest.fixture(scope="module")
def con():
    raw = bytes(range(32))
    c = duckdb.connect()
    register(c, Keyring({"k": {"env": "K_KEY"}}, environ={"K_KEY": encode_base64url(raw)}))
    yield c, raw
    c.close()


def test_duckdb_function_matches_the_reference(con):
    c, raw = con
    rows = c.execute("""
        select i, cape_keyed_uniform([cast(i as varchar), case when i % 3 = 0 then null else 'x' end],
                                     'named:k', 'cost', 'number')
        from range(5000) t(i) order by i""").fetchall()  # several DuckDB vectors
    for i, u in rows:
        assert u == keyed_uniform(raw, "cost", "number", [str(i), None if i % 3 == 0 else "x"])


def test_duckdb_canonical_texts_match_the_vectors(con):
    c, raw = con
    v = next(x for x in VECTORS if x["comment"].startswith("several columns"))
    (u,) = c.execute("""
        select cape_keyed_uniform([cast(n as varchar), cast(p as varchar), cast(d as varchar),
                                   strftime(make_timestamp(epoch_us(ts)), '%Y-%m-%d %H:%M:%S.%f')],
                                  'named:k', ?, ?)
        from (select '山田 太郎' as n, cast(-10.5 as decimal(12, 2)) as p, date '2020-02-29' as d,
                     timestamptz '2021-05-06 09:08:09.5+02' as ts)""", [v["salt"], v["stream"]]).fetchone()
    assert u == keyed_uniform(raw, v["salt"], v["stream"], v["values"])


def test_duckdb_function_refuses_a_varying_key_id(con):
    c, _ = con
    with pytest.raises(duckdb.Error, match="key id must be one non-NULL constant"):
        c.execute("select cape_keyed_uniform(['1'], case when i = 0 then 'named:k' else 'env:X' end, 's', 't') "
                  "from range(2) t(i)").fetchall()


# --- seeded noise: the same keyed uniform, salted by the seed and the step ---------------

def test_seeded_salt_and_streams_are_the_documented_strings():
    assert seeded_salt(5, "age:0") == "seed/5/age:0"
    assert seeded_salt(-7, "cape.perturb_number:b.v:0") == "seed/-7/cape.perturb_number:b.v:0"
    assert [seeded_stream(k) for k in range(3)] == ["seed/0", "seed/1", "seed/2"]


def test_seeded_vectors_use_the_seeded_salt_and_streams():
    seeded = [v for v in VECTORS if v["comment"].startswith("seeded")]
    assert len(seeded) == 2
    for k, v in enumerate(seeded):
        assert (v["salt"], v["stream"]) == (seeded_salt(5, "age:0"), seeded_stream(k))
    assert seeded[0]["uniform"] != seeded[1]["uniform"]  # one stream per uniform


def test_seeded_draws_never_share_a_message_with_consistent_by_draws():
    # consistent_by streams are fixed names; every seeded stream starts 'seed/'.
    consistent_streams = {"number", "number#2"} | {u + s for u in
                                                   ("year", "month", "day", "hour", "minute", "second")
                                                   for s in ("", "#2")}
    assert not any(s.startswith("seed/") for s in consistent_streams)
    assert entity_message("x", seeded_stream(0), ["1"]) != entity_message("x", "number", ["1"])


def test_seed_and_step_separate_the_draws():
    key = bytes(range(32))
    row = ["1", "Alice", None, "34"]
    draws = {keyed_uniform(key, seeded_salt(seed, step), seeded_stream(k), row)
             for seed in (5, 6) for step in ("age:0", "age:1", "income:0") for k in (0, 1)}
    assert len(draws) == 12

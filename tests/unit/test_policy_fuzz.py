"""Property-based fuzzing of the policy loader, the planner and `cape-udfs validate`.

Valid policies are mutated (wrong types, missing and extra fields, unknown
transforms, bad keys and base64, huge numbers, empty lists, YAML anchors and
tags, non-UTF-8 bytes, duplicate keys). Every case either loads (and plans) or
raises PolicyError naming the file; nothing else escapes, and the CLI exits 1
with the message and no traceback.
"""
from __future__ import annotations

import contextlib
import copy
import io

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cape_udfs import cli
from cape_udfs.errors import PolicyError
from cape_udfs.keyring import Keyring
from cape_udfs.plan import build_plan
from cape_udfs.policy import read_policy_file

BASES = [
    {
        "label": "customers", "version": 1,
        "transformations": [
            {"name": "tok", "type": "tokenizer", "max_token_len": 16, "key": "plain key"},
            {"name": "rev", "type": "reversible-tokenizer",
             "key": {"type": "secret", "value": "m5YNKBP-a3GMyy52457ok-4zQHqLuiB3aFD7mPTBpoc"}},
        ],
        "rules": [
            {"match": {"name": "email"}, "actions": [{"transform": {"name": "tok"}}]},
            {"match": {"name": "name"}, "actions": [{"transform": {"name": "rev"}}]},
            {"match": {"name": "ssn"}, "actions": ["drop"]},
            {"match": {"name": "age"}, "actions": [
                {"transform": {"type": "numeric-perturbation", "dtype": "Integer", "min": -2, "max": 3, "seed": 1}},
                {"transform": {"type": "numeric-rounding", "precision": -1}},
                {"transform": {"type": "row-redact", "condition": "age > 90"}}]},
        ],
    },
    {
        "version": 1,
        "rules": [
            {"match": {"name": "born"}, "actions": [
                {"transform": {"type": "date-perturbation", "frequency": ["DAY", "minutes"],
                               "min": [-1, -5], "max": [1, 5]}},
                {"transform": {"type": "date-truncation", "frequency": "Month"}}]},
            {"match": {"name": "email"}, "actions": [
                {"transform": {"type": "tokenizer", "key": {"type": "env", "name": "FUZZ_KEY"}}}]},
            {"match": {"name": "name"}, "actions": [
                {"transform": {"type": "column-redact", "columns": ["name", "ssn"]}}]},
        ],
    },
    {  # the transforms beyond cape-dataframes
        "version": 1,
        "rules": [
            {"match": {"name": "ssn"}, "actions": [
                {"transform": {"type": "format-preserving-encryption", "key": {"type": "env", "name": "FUZZ_KEY"},
                               "alphabet": "0123456789", "tweak": "t", "on_short": "mask"}},
                {"transform": {"type": "character-mask", "keep_last": 4, "ignore": "-", "mask_char": "#"}}]},
            {"match": {"name": "age"}, "actions": [
                {"transform": {"type": "numeric-bucketing", "size": 10, "lower": 0, "upper": 90}}]},
            {"match": {"name": "income"}, "actions": [
                {"transform": {"type": "numeric-perturbation", "distribution": "gaussian", "relative_scale": 0.1,
                               "consistent_by": ["email"], "key": {"type": "env", "name": "FUZZ_KEY"}}},
                {"transform": {"type": "truncation", "precision": -2}}]},
            {"match": {"name": "born"}, "actions": [
                {"transform": {"type": "date-perturbation", "frequency": "day", "distribution": "laplace",
                               "scale": 3, "min": -10, "max": 10}}]},
        ],
    },
]

FUZZ_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"  # 32 bytes: fits every keyed transform
COLUMNS = [("email", "VARCHAR"), ("name", "VARCHAR"), ("ssn", "VARCHAR"), ("age", "INTEGER"),
           ("born", "DATE"), ("income", "DOUBLE")]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**18, max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from(["tokenizer", "tokeniser", "drop", "named", "secret", "env", "!!!", "", "YEAR",
                     "numeric-rounding", "row-redact", "date-perturbation", "=", "m5YNKBP-a3G==x"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=12)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


@st.composite
def mutated_docs(draw):
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        op = draw(st.sampled_from(["replace", "delete", "extra", "empty"]))
        last = path[-1]
        if op == "replace":
            parent[last] = draw(values)
        elif op == "delete":
            del parent[last]
        elif op == "extra" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(values)
        elif op == "empty":
            parent[last] = draw(st.sampled_from([[], {}, "", 0]))
    return doc


def _write(tmp_path, data: bytes):
    path = tmp_path / "fuzz.yml"
    path.write_bytes(data)
    return path


def _check(path):
    """Loads and plans, or raises PolicyError naming the file; CLI agrees."""
    try:
        policy = read_policy_file(path)
    except PolicyError as exc:
        assert str(path) in str(exc)
        loaded = False
    else:
        loaded = True
        try:
            build_plan(policy, COLUMNS, Keyring(environ={"FUZZ_KEY": FUZZ_KEY, "CAPE_DEFAULT_KEY": FUZZ_KEY}))
        except PolicyError as exc:
            assert str(path) in str(exc) and "rule" in str(exc)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = cli.main(["validate", str(path)])
    assert rc == (0 if loaded else 1)
    assert "Traceback" not in err.getvalue()
    if not loaded:
        assert err.getvalue().startswith("error: policy ")


FUZZ = settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(doc=mutated_docs())
def test_mutated_documents_load_or_fail_cleanly(tmp_path_factory, doc):
    path = _write(tmp_path_factory.mktemp("f"), yaml.safe_dump(doc, allow_unicode=True).encode())
    _check(path)


@FUZZ
@given(base=st.sampled_from(BASES), data=st.data())
def test_mutated_bytes_load_or_fail_cleanly(tmp_path_factory, base, data):
    text = yaml.safe_dump(base).encode()
    pos = data.draw(st.integers(0, len(text)))
    junk = data.draw(st.one_of(
        st.binary(max_size=8),  # includes non-UTF-8 bytes
        st.sampled_from([b"&a ", b"*a", b"!!python/object:os.system ", b"!!binary ", b"\n- ", b": ",
                         b"{", b"]", b"\t", b"\n  key: dup\n  key: dup\n", b"\xff\xfe", b"\x00",
                         b"!!python/name:os.system", b"!!set ", b"<<: *a\n", b"---\n", b"%YAML 1.1\n"])))
    cut = data.draw(st.integers(0, 20))
    _check(_write(tmp_path_factory.mktemp("f"), text[:pos] + junk + text[pos + cut:]))


@pytest.mark.parametrize("text", [
    "rules: !!python/object/apply:os.system ['echo pwned']",  # code execution tag
    "rules: [{match: {name: a}, actions: [{transform: {type: tokenizer, key: !!python/name:os.environ }}]}]",
    "a: &a [1]\nrules: *a",  # alias to a wrong type
    "rules: [{match: {name: a}, actions: [drop]}]\nrules: []",  # duplicate top-level key
    "rules: [{match: {name: a}, actions: [{transform: {type: tokenizer, max_token_len: 1e400}}]}]",
    "rules: [{match: {name: a}, actions: [{transform: {type: numeric-rounding, precision: 99999999999999999999999}}]}]",
    "rules: [{match: {name: a}, actions: [{transform: {type: tokenizer, key: {type: secret, value: '***'}}}]}]",
])
def test_hostile_policies_are_refused(tmp_path, text):
    path = _write(tmp_path, text.encode())
    with pytest.raises(PolicyError, match="fuzz.yml"):
        read_policy_file(path)

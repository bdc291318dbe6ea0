"""build_plan: the policy resolved against a relation's columns, with keys only as ids."""
from __future__ import annotations

import base64
import json
import textwrap

import pytest

from cape_udfs.errors import PolicyError
from cape_udfs.keyring import Keyring
from cape_udfs.keys import encode_base64url
from cape_udfs.plan import build_plan
from cape_udfs.policy import parse_policy

PATH = "policies/p.yml"
DEFAULT_RAW = bytes(range(200, 232))


def _policy(text: str):
    return parse_policy(textwrap.dedent(text).lstrip("\n"), path=PATH)


def _ring(environ=None, named=None):
    env = {"CAPE_DEFAULT_KEY": encode_base64url(DEFAULT_RAW)}
    env.update(environ or {})
    return Keyring(named, environ=env)


def _one(column: str, transform: str) -> str:
    return f"rules:\n  - match: {{name: {column}}}\n    actions:\n      - transform: {transform}\n"


def _plan(text, columns, ring=None, **kw):
    return build_plan(_policy(text), columns, ring or _ring(), **kw)


def _steps(plan, column):
    return next(c for c in plan["columns"] if c["name"] == column)["steps"]


COLUMNS = [("id", "INTEGER"), ("email", "VARCHAR"), ("ssn", "VARCHAR"), ("income", "DECIMAL(12,2)"),
           ("weight", "DOUBLE"), ("born", "DATE"), ("seen_at", "TIMESTAMP WITH TIME ZONE")]


# --- columns ------------------------------------------------------------------------

def test_column_order_is_the_relations_not_the_policys():
    plan = _plan("""
        rules:
          - match: {name: seen_at}
            actions: [{transform: {type: date-truncation, frequency: day}}]
          - match: {name: email}
            actions: [{transform: {type: tokenizer}}]
          - match: {name: id}
            actions: [{transform: {type: numeric-rounding, precision: -1}}]
    """, COLUMNS)
    assert [c["name"] for c in plan["columns"]] == [c for c, _ in COLUMNS]
    assert plan["input_columns"] == [c for c, _ in COLUMNS]


def test_untouched_columns_pass_through():
    plan = _plan(_one("email", "{type: tokenizer}"), COLUMNS)
    assert {c["name"]: (c["type"], c["steps"]) for c in plan["columns"] if c["name"] != "email"} == {
        name: (ty, []) for name, ty in COLUMNS if name != "email"}


def test_dropped_columns_are_removed():
    plan = _plan("""
        rules:
          - match: {name: ssn}
            actions: [drop]
          - match: {name: weight}
            actions: [{transform: {type: column-redact, columns: [born, seen_at]}}]
    """, COLUMNS)
    # column-redact drops the listed columns, not the rule's own (weight)
    assert [c["name"] for c in plan["columns"]] == ["id", "email", "income", "weight"]
    assert plan["input_columns"] == [c for c, _ in COLUMNS]
    assert ["ssn", "column-redact"] in plan["applied"]
    assert ["born", "column-redact"] in plan["applied"] and ["seen_at", "column-redact"] in plan["applied"]


def test_transforming_a_dropped_column_is_an_error():
    with pytest.raises(PolicyError, match="column 'ssn' was already dropped by rule 1") as info:
        _plan("""
            rules:
              - match: {name: ssn}
                actions: [drop]
              - match: {name: ssn}
                actions: [{transform: {type: tokenizer}}]
        """, COLUMNS)
    assert "rule 2" in str(info.value)


@pytest.mark.parametrize(
    "text, missing, suggestion, field",
    [
        (_one("emial", "{type: tokenizer}"), "emial", "email", "match"),  # typo in a rule's column
        (_one("incme", "{type: numeric-rounding, precision: 0}"), "incme", "income", "match"),  # dropped letter
        ("rules:\n  - match: {name: sssn}\n    actions: [drop]\n", "sssn", "ssn", "columns"),  # drop of a typo
        (_one("x", "{type: column-redact, columns: [emali]}"), "emali", "email", "columns"),  # column-redact list
    ],
)
def test_unknown_column_suggests(text, missing, suggestion, field):
    with pytest.raises(PolicyError) as info:
        _plan(text, COLUMNS, relation="main.customers")
    message = str(info.value)
    assert f"column '{missing}' is not in main.customers; did you mean '{suggestion}'?" in message
    assert message.startswith(f"policy {PATH}, rule 1")
    assert f"field '{field}'" in message
    assert "(columns: id, email, ssn" in message


def test_unknown_column_without_close_match():
    with pytest.raises(PolicyError, match=r"column 'zzz' is not in the relation \(columns: id") as info:
        _plan(_one("zzz", "{type: tokenizer}"), COLUMNS)
    assert "did you mean" not in str(info.value)


def test_unknown_column_list_is_capped():
    columns = [(f"c{i}", "VARCHAR") for i in range(80)]
    with pytest.raises(PolicyError, match=r"c49 \.\.\.\)") as info:
        _plan(_one("zzz", "{type: tokenizer}"), columns)
    assert "c50" not in str(info.value)


@pytest.mark.parametrize(
    "rule_column, relation_column",
    [
        ("EMAIL", "email"),  # policy upper, relation lower
        ("email", "Email"),  # policy lower, relation mixed
        ("eMaIl", "EMAIL"),  # both odd
    ],
)
def test_case_insensitive_match(rule_column, relation_column):
    plan = _plan(_one(rule_column, "{type: tokenizer}"), [(relation_column, "VARCHAR")])
    (step,) = _steps(plan, relation_column)
    assert step["column"] == relation_column


def test_exact_match_wins_over_case_folding():
    plan = _plan(_one("email", "{type: tokenizer}"), [("Email", "VARCHAR"), ("email", "VARCHAR")])
    assert _steps(plan, "email") and not _steps(plan, "Email")


def test_ambiguous_case_folding_is_an_error():
    with pytest.raises(PolicyError, match="column 'EMAIL' is not in"):
        _plan(_one("EMAIL", "{type: tokenizer}"), [("Email", "VARCHAR"), ("email", "VARCHAR")])


# --- types ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "transform, column_type",
    [
        ("{type: tokenizer}", "DOUBLE"),  # floats have no portable text form
        ("{type: tokenizer}", "REAL"),  # float alias
        ("{type: tokenizer}", "BOOLEAN"),  # other
        ("{type: tokenizer}", "INTEGER[]"),  # list
        ("{type: tokenizer}", "BLOB"),  # bytes are not text: refused before they reach the UDF
        ("{type: tokenizer}", "VARBINARY"),  # a BLOB alias
        ("{type: numeric-rounding, precision: 1}", "VARCHAR"),  # rounding text
        ("{type: numeric-perturbation, min: 0, max: 1}", "DATE"),  # numeric noise on a date
        ("{type: date-truncation, frequency: day}", "INTEGER"),  # truncating a number
        ("{type: date-perturbation, frequency: day, min: 0, max: 1}", "VARCHAR"),  # date noise on text
        ("{type: reversible-tokenizer, key: " + "k" * 32 + "}", "INTEGER"),  # SIV takes text only
        ("{type: token-reverser, key: " + "k" * 32 + "}", "BLOB"),  # blob
    ],
)
def test_transform_on_wrong_type_is_rejected(transform, column_type):
    name = transform.split(",")[0].split(": ")[1].rstrip("}")
    with pytest.raises(PolicyError) as info:
        _plan(_one("c", transform), [("c", column_type)])
    message = str(info.value)
    assert f"{name} cannot be applied to column 'c' of type {column_type} (accepts" in message
    assert message.startswith(f"policy {PATH}, rule 1 (column 'c')")
    assert "field 'match'" in message


@pytest.mark.parametrize(
    "transform, column_type, output_type",
    [
        ("{type: tokenizer}", "VARCHAR", "VARCHAR"),  # text
        ("{type: tokenizer}", "BIGINT", "VARCHAR"),  # integer, tokenized as text
        ("{type: tokenizer}", "DECIMAL(12,2)", "VARCHAR"),  # decimal
        ("{type: tokenizer}", "DATE", "VARCHAR"),  # date
        ("{type: numeric-rounding, precision: 1}", "DOUBLE", "DOUBLE"),  # keeps type
        ("{type: numeric-rounding, precision: -2}", "DECIMAL(12,2)", "DECIMAL(12,2)"),  # keeps precision
        ("{type: numeric-perturbation, min: -1, max: 1}", "HUGEINT", "HUGEINT"),  # integer keeps type
        ("{type: date-truncation, frequency: hour}", "DATE", "DATE"),  # DATE stays DATE
        ("{type: date-perturbation, frequency: day, min: -1, max: 1}", "DATE", "DATE"),  # DATE stays DATE
        ("{type: date-perturbation, frequency: day, min: -1, max: 1}", "TIMESTAMPTZ", "TIMESTAMPTZ"),
    ],
)
def test_output_types(transform, column_type, output_type):
    plan = _plan(_one("c", transform), [("c", column_type)])
    (step,) = _steps(plan, "c")
    assert step["input_type"] == column_type
    assert step["output_type"] == output_type
    assert plan["columns"][0]["type"] == output_type


def test_actions_chain_in_order_with_types_tracked():
    plan = _plan("""
        rules:
          - match: {name: income}
            actions:
              - transform: {type: numeric-perturbation, min: -100, max: 100}
              - transform: {type: numeric-rounding, precision: -3}
              - transform: {type: tokenizer}
    """, COLUMNS)
    steps = _steps(plan, "income")
    assert [s["transform"] for s in steps] == ["numeric-perturbation", "numeric-rounding", "tokenizer"]
    assert [s["macro"] for s in steps] == ["render_numeric_perturbation", "render_numeric_rounding",
                                           "render_batch_function"]
    assert [(s["input_type"], s["output_type"]) for s in steps] == [
        ("DECIMAL(12,2)", "DECIMAL(12,2)"), ("DECIMAL(12,2)", "DECIMAL(12,2)"), ("DECIMAL(12,2)", "VARCHAR")]
    assert [s["salt"] for s in steps] == ["income:0", "income:1", "income:2"]
    assert next(c for c in plan["columns"] if c["name"] == "income")["type"] == "VARCHAR"


def test_rules_on_the_same_column_chain_across_rules():
    plan = _plan("""
        rules:
          - match: {name: email}
            actions: [{transform: {type: reversible-tokenizer, key: kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk}}]
          - match: {name: email}
            actions: [{transform: {type: token-reverser, key: kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk}}]
    """, COLUMNS)
    assert [s["transform"] for s in _steps(plan, "email")] == ["reversible-tokenizer", "token-reverser"]


def test_output_type_feeds_the_next_action():
    """After the tokenizer the column is VARCHAR, so rounding it is rejected."""
    with pytest.raises(PolicyError,
                       match="numeric-rounding cannot be applied to column 'income' of type VARCHAR") as info:
        _plan("""
            rules:
              - match: {name: income}
                actions:
                  - transform: {type: tokenizer}
                  - transform: {type: numeric-rounding, precision: 0}
        """, COLUMNS)
    assert "action 2" in str(info.value)


def test_row_redact_conditions_are_collected():
    plan = _plan("""
        rules:
          - match: {name: id}
            actions:
              - transform: {type: row-redact, condition: "id < 0"}
          - match: {name: email}
            actions:
              - transform: {type: tokenizer}
              - transform: {type: row-redact, condition: "email is null"}
    """, COLUMNS)
    assert plan["row_filters"] == ["(id < 0\n)", "(email is null\n)"]
    assert _steps(plan, "id") == []  # row-redact is not a column step
    assert [s["transform"] for s in _steps(plan, "email")] == ["tokenizer"]
    assert ["id", "row-redact"] in plan["applied"]


def test_no_row_filters():
    assert _plan(_one("email", "{type: tokenizer}"), COLUMNS)["row_filters"] == []


def test_plan_metadata():
    policy = _policy("label: customers\n" + _one("email", "{type: tokenizer}"))
    plan = build_plan(policy, COLUMNS, _ring())
    assert plan["label"] == "customers"
    assert plan["path"] == PATH
    assert plan["digest"] == policy.digest
    assert plan["applied"] == [["email", "tokenizer"]]


def test_tokenizer_algorithm_defaults_to_hmac():
    (step,) = _steps(_plan(_one("email", "{type: tokenizer}"), COLUMNS), "email")
    assert step["args"]["algorithm"] == "hmac-sha256"
    assert step["args"]["max_token_len"] == 64


def test_explicit_tokenizer_algorithm_is_kept():
    (step,) = _steps(_plan(_one("email", "{type: tokenizer, algorithm: cape-legacy}"), COLUMNS), "email")
    assert step["args"]["algorithm"] == "cape-legacy"


# --- integer perturbation ---------------------------------------------------------------

@pytest.mark.parametrize(
    "low, high, int_min, int_max",
    [
        (-3, 3, -3, 3),  # integers stay as they are
        (-2.5, 2.5, -2, 3),  # ceil of both: -2..2
        (0.5, 1.5, 1, 2),  # only 1
        (-1.5, -0.5, -1, 0),  # only -1 (only 0 is refused: test_perturbation_effect.py)
        (-1.0, 1.0, -1, 1),  # whole floats: max stays exclusive
        (-10.9, -9.1, -10, -9),  # negative range
        (1e14, 1e14 + 2, 10 ** 14, 10 ** 14 + 2),  # large
    ],
)
def test_integer_perturbation_bounds(low, high, int_min, int_max):
    (step,) = _steps(_plan(_one("id", f"{{type: numeric-perturbation, min: {low!r}, max: {high!r}}}"), COLUMNS), "id")
    assert (step["args"]["int_min"], step["args"]["int_max"]) == (int_min, int_max)
    assert isinstance(step["args"]["int_min"], int) and isinstance(step["args"]["int_max"], int)
    assert step["family"] == "integer"


@pytest.mark.parametrize(
    "low, high",
    [
        (0.2, 0.8),  # between 0 and 1
        (1.1, 1.9),  # between 1 and 2
        (-0.9, -0.1),  # between -1 and 0
        (0.5, 1.0),  # 1 is excluded by max
    ],
)
def test_integer_perturbation_impossible_range(low, high):
    with pytest.raises(PolicyError, match=r"no whole number lies in \[min, max\) for an integer column") as info:
        _plan(_one("id", f"{{type: numeric-perturbation, min: {low}, max: {high}}}"), COLUMNS)
    assert "field 'min'" in str(info.value) and "rule 1 (column 'id')" in str(info.value)


@pytest.mark.parametrize("column", ["weight", "income"])
def test_non_integer_perturbation_keeps_float_bounds(column):
    (step,) = _steps(_plan(_one(column, "{type: numeric-perturbation, min: 0.2, max: 0.8}"), COLUMNS), column)
    assert (step["args"]["min"], step["args"]["max"]) == (0.2, 0.8)
    assert "int_min" not in step["args"]


# --- keys -----------------------------------------------------------------------------

def _leaks(raw: bytes) -> list[str]:
    forms = [raw.hex(), raw.hex().upper(), base64.urlsafe_b64encode(raw).decode(),
             base64.urlsafe_b64encode(raw).decode().rstrip("="), base64.b64encode(raw).decode().rstrip("="),
             json.dumps(raw.decode("latin-1"))[1:-1]]
    try:
        forms += [raw.decode("utf-8"), json.dumps(raw.decode("utf-8"))[1:-1]]
    except UnicodeDecodeError:
        pass
    return [f for f in forms if len(f) >= 8]


INLINE_RAW = b"plain-policy-key-0123456789abcdef"  # a Cape plain string key (33 bytes)
SECRET_RAW = b"\xfb\xff\xbf" + bytes(range(29))  # 32 bytes, base64url has - and _
ENV_RAW = bytes(range(100, 148))  # 48 bytes
NAMED_RAW = bytes(range(1, 65))  # 64 bytes

KEYED_POLICY = f"""
    transformations:
      - name: namedTok
        type: tokenizer
        key: {{type: named, name: team}}
    rules:
      - match: {{name: email}}
        actions:
          - transform: {{type: tokenizer, key: "{INLINE_RAW.decode()}"}}
      - match: {{name: ssn}}
        actions:
          - transform: {{type: reversible-tokenizer, key: {{type: secret, value: {encode_base64url(SECRET_RAW)}}}}}
      - match: {{name: id}}
        actions:
          - transform: {{type: tokenizer, key: {{type: env, name: ID_KEY}}}}
      - match: {{name: born}}
        actions:
          - transform: {{name: namedTok}}
      - match: {{name: income}}
        actions:
          - transform: {{type: tokenizer}}
"""


def test_plan_json_never_contains_key_bytes():
    ring = _ring({"ID_KEY": encode_base64url(ENV_RAW), "TEAM_KEY": encode_base64url(NAMED_RAW)},
                 named={"team": {"env": "TEAM_KEY"}})
    plan = build_plan(_policy(KEYED_POLICY), COLUMNS, ring)
    text = json.dumps(plan)
    for raw in (INLINE_RAW, SECRET_RAW, ENV_RAW, NAMED_RAW, DEFAULT_RAW):
        for form in _leaks(raw):
            assert form not in text, f"key leaked as {form!r}"
    # Each keyed step carries an id the keyring can turn back into the right key.
    expected = {"email": INLINE_RAW, "ssn": SECRET_RAW, "id": ENV_RAW, "born": NAMED_RAW, "income": DEFAULT_RAW}
    for column, raw in expected.items():
        (step,) = _steps(plan, column)
        assert ring.get(step["key_id"]) == raw
    assert _steps(plan, "id")[0]["key_id"] == "env:ID_KEY"
    assert _steps(plan, "born")[0]["key_id"] == "named:team"
    assert _steps(plan, "income")[0]["key_id"] == "env:CAPE_DEFAULT_KEY"
    assert _steps(plan, "email")[0]["key_id"] == f"policy:{PATH}#r1.a1"


def test_plan_json_never_contains_env_key_text_either():
    env_text = encode_base64url(ENV_RAW)
    ring = _ring({"ID_KEY": env_text}, named={"team": {"env": "ID_KEY"}})
    text = json.dumps(build_plan(_policy(KEYED_POLICY), COLUMNS, ring))
    assert env_text not in text


def test_keyless_steps_have_no_key_id():
    plan = _plan(_one("income", "{type: numeric-rounding, precision: 0}"), COLUMNS)
    assert "key_id" not in _steps(plan, "income")[0]


@pytest.mark.parametrize(
    "transform, environ, fragments",
    [
        ("{type: tokenizer, key: {type: env, name: NOPE}}", {}, ["environment variable NOPE is not set"]),
        ("{type: tokenizer}", {"CAPE_DEFAULT_KEY": ""}, ["CAPE_DEFAULT_KEY is not set", "keygen"]),
        ("{type: tokenizer, key: {type: env, name: BAD}}", {"BAD": "not+base64/url"},
         ["environment variable BAD is not valid base64url"]),
        ("{type: tokenizer, key: {type: named, name: nobody}}", {}, ["key name 'nobody' is not declared"]),
        ("{type: reversible-tokenizer, key: {type: env, name: SHORT}}", {"SHORT": encode_base64url(b"x" * 16)},
         ["key must be 32, 48 or 64 bytes for AES-SIV (got 16 bytes)"]),
    ],
)
def test_key_errors_at_plan_time(transform, environ, fragments):
    ring = _ring(environ)
    with pytest.raises(PolicyError) as info:
        build_plan(_policy(_one("email", transform)), COLUMNS, ring)
    message = str(info.value)
    assert message.startswith(f"policy {PATH}, rule 1 (column 'email')")
    assert "field 'key'" in message
    for fragment in fragments:
        assert fragment in message
    for value in environ.values():
        if value:
            assert value not in message


# --- bugs -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "policy",
    [
        pytest.param("""
            transformations:
              - {name: tok a, type: tokenizer, key: AAAAAAAAAAAAAAAA}
              - {name: tok_a, type: tokenizer, key: BBBBBBBBBBBBBBBB}
            rules:
              - match: {name: email}
                actions: [{transform: {name: tok a}}]
              - match: {name: ssn}
                actions: [{transform: {name: tok_a}}]
        """, id="named-transformations-differing-by-unsafe-char"),
        pytest.param("""
            transformations:
              - {name: r1.a1, type: tokenizer, key: BBBBBBBBBBBBBBBB}
            rules:
              - match: {name: email}
                actions: [{transform: {type: tokenizer, key: AAAAAAAAAAAAAAAA}}]
              - match: {name: ssn}
                actions: [{transform: {name: r1.a1}}]
        """, id="named-transformation-called-like-a-rule-origin"),
    ],
)
def test_distinct_inline_keys_get_distinct_key_ids(policy):
    ring = _ring()
    plan = _plan(policy, COLUMNS, ring)
    (email,), (ssn,) = _steps(plan, "email"), _steps(plan, "ssn")
    assert ring.get(email["key_id"]) == b"AAAAAAAAAAAAAAAA"
    assert ring.get(ssn["key_id"]) == b"BBBBBBBBBBBBBBBB"

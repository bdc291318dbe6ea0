"""Policy loading: Cape's format loads as-is; every mistake is a located PolicyError."""
from __future__ import annotations

import base64
import re
import textwrap

import pytest

from cape_udfs.errors import CapeError, PolicyError
from cape_udfs.policy import MAX_POLICY_BYTES, parse_policy, read_policy_file

PATH = "policies/p.yml"
SIV_RAW = bytes(range(32))
SIV_B64 = base64.urlsafe_b64encode(SIV_RAW).decode().rstrip("=")
TOKEN_RAW = b"\xfb\xff\xbfsecret-token-key\x00\x01"
TOKEN_B64 = base64.urlsafe_b64encode(TOKEN_RAW).decode().rstrip("=")
PLAIN_KEY = "my-very-plain-secret"


def _p(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# A policy as cape-dataframes 0.3.1 users write them.
CAPE_STYLE = _p(f"""
    label: customers
    version: 1
    transformations:
      - name: emailTok
        type: tokenizer
        max_token_len: 32
        key:
          type: secret
          value: {TOKEN_B64}
      - name: plusMinusThree
        type: numeric-perturbation
        dtype: Integer
        min: -3
        max: 3
      - name: siv
        type: reversible-tokenizer
        key: {{type: secret, value: {SIV_B64}}}
    rules:
      - match:
          name: email
        actions:
          - transform:
              name: emailTok
      - match:
          name: name
        actions:
          - transform:
              type: tokenizer
              algorithm: cape-legacy
              key: "{PLAIN_KEY}"
      - match:
          name: ssn
        actions:
          - drop
      - match:
          name: age
        actions:
          - transform:
              name: plusMinusThree
          - transform:
              type: row-redact
              condition: "age > 70"
      - match:
          name: income
        actions:
          - transform:
              type: numeric-rounding
              dtype: Double
              precision: -3
      - match:
          name: weight
        actions:
          - transform:
              type: numeric-perturbation
              dtype: Double
              min: -0.5
              max: 0.5
              seed: 7
      - match:
          name: birth_date
        actions:
          - transform:
              type: date-perturbation
              frequency: [DAY, minutes]
              min: [-5, -30]
              max: [5, 30]
      - match:
          name: signup_at
        actions:
          - transform:
              type: date-truncation
              frequency: Months
      - match:
          name: account
        actions:
          - transform:
              name: siv
""")


@pytest.fixture(scope="module")
def policy():
    return parse_policy(CAPE_STYLE, path=PATH)


def test_cape_style_policy_loads(policy):
    assert policy.path == PATH
    assert policy.label == "customers"
    assert policy.version == 1
    assert [r.column for r in policy.rules] == [
        "email", "name", "ssn", "age", "income", "weight", "birth_date", "signup_at", "account"]
    assert [r.index for r in policy.rules] == list(range(1, 10))
    assert re.fullmatch(r"[0-9a-f]{64}", policy.digest)


def test_named_transformation_with_secret_key(policy):
    (action,) = policy.rules[0].actions
    assert action.transform.name == "tokenizer"
    assert action.args["max_token_len"] == 32
    assert action.key.kind == "inline" and action.key.inline == TOKEN_RAW
    assert action.key.key_id == f"policy:{PATH}#t.emailTok"
    assert "emailTok" in action.where


def test_plain_string_key(policy):
    (action,) = policy.rules[1].actions
    assert action.args["algorithm"] == "cape-legacy"
    assert action.key.inline == PLAIN_KEY.encode()
    assert action.key.key_id == f"policy:{PATH}#r2.a1"


def test_drop_shorthand(policy):
    (action,) = policy.rules[2].actions
    assert action.transform.name == "column-redact"
    assert action.args == {"columns": ["ssn"]}
    assert action.key is None
    assert action.where.endswith("(drop)")


def test_several_actions_in_order(policy):
    first, second = policy.rules[3].actions
    assert first.transform.name == "numeric-perturbation"
    assert (first.args["min"], first.args["max"], first.args["seed"]) == (-3, 3, None)
    assert second.transform.name == "row-redact"
    assert second.args == {"condition": "age > 70"}


@pytest.mark.parametrize("rule_index, transform", [(3, "numeric-perturbation"), (4, "numeric-rounding"),
                                                   (5, "numeric-perturbation")])
def test_cape_dtype_argument_is_accepted_and_dropped(policy, rule_index, transform):
    action = policy.rules[rule_index].actions[0]
    assert action.transform.name == transform
    assert "dtype" not in action.args


def test_numeric_rounding_negative_precision(policy):
    assert policy.rules[4].actions[0].args == {"precision": -3}


def test_date_perturbation_mixed_case_plural_frequencies(policy):
    args = policy.rules[6].actions[0].args
    assert args["shifts"] == [
        {"unit": "day", "min": -5, "max": 5, "seconds": 86400},
        {"unit": "minute", "min": -30, "max": 30, "seconds": 60},
    ]


def test_date_truncation_frequency_normalized(policy):
    assert policy.rules[7].actions[0].args == {"frequency": "month"}


def test_reversible_tokenizer_with_32_byte_secret(policy):
    action = policy.rules[8].actions[0]
    assert action.transform.name == "reversible-tokenizer"
    assert action.key.inline == SIV_RAW


def test_policy_repr_has_no_keys(policy):
    text = repr(policy) + str(policy)
    for secret in (TOKEN_B64, SIV_B64, PLAIN_KEY, TOKEN_RAW.hex(), SIV_RAW.hex(), repr(TOKEN_RAW), repr(SIV_RAW)):
        assert secret not in text


@pytest.mark.parametrize(
    "text",
    [
        'version: "1"\nrules: [{match: {name: c}, actions: [drop]}]\n',  # version as a string
        "rules: [{match: {name: c}, actions: [drop]}]\n",  # no version: 1 is the default
        "label:\nrules: [{match: {name: c}, actions: [drop]}]\n",  # empty label
        "id: 7\nrules: [{match: {name: c}, actions: [drop]}]\n",  # Cape's id field
    ],
)
def test_minimal_policies_load(text):
    p = parse_policy(text, path=PATH)
    assert p.version == 1 and p.label == "" and len(p.rules) == 1


@pytest.mark.parametrize("frequency", ["DAY", "days", "Day", " day ", "DAYS"])
def test_frequency_spellings(frequency):
    p = parse_policy(_p(f"""
        rules:
          - match: {{name: d}}
            actions:
              - transform: {{type: date-perturbation, frequency: "{frequency}", min: -1, max: 1}}
    """), path=PATH)
    assert p.rules[0].actions[0].args["shifts"][0]["unit"] == "day"


def test_digest_ignores_key_values():
    a = parse_policy(CAPE_STYLE, path=PATH)
    b = parse_policy(CAPE_STYLE.replace(PLAIN_KEY, "another-secret"), path=PATH)
    c = parse_policy(CAPE_STYLE.replace("precision: -3", "precision: -2"), path=PATH)
    assert a.digest == b.digest
    assert a.digest != c.digest


# --- invalid policies -----------------------------------------------------------------

def _rule(action: str, column: str = "c") -> str:
    return f"label: t\nversion: 1\nrules:\n  - match: {{name: {column}}}\n    actions:\n      - {action}\n"


INVALID = [
    pytest.param(_rule("transform: {type: tokenize}"),
                 ["rule 1", "field 'type'", "unknown transform type 'tokenize'", "did you mean 'tokenizer'"],
                 id="unknown-type-with-suggestion"),
    pytest.param(_rule("transform: {type: numeric-roundng, precision: 1}"),
                 ["rule 1", "field 'type'", "did you mean 'numeric-rounding'"], id="misspelled-type"),
    pytest.param(_rule("transform: {type: Tokenizer}"),
                 ["rule 1", "field 'type'", "did you mean 'tokenizer'"], id="type-wrong-case"),
    pytest.param(_rule("transform: {type: zzz}"),
                 ["rule 1", "field 'type'", "unknown transform type 'zzz' (known: tokenizer"],
                 id="unknown-type-no-hint"),
    pytest.param(_rule("transform: {type: 42}"),
                 ["rule 1", "field 'type'", "unknown transform type"], id="type-not-a-string"),
    pytest.param(_rule("transform: {type: numeric-rounding}"),
                 ["rule 1", "field 'precision'", "missing required argument"], id="missing-argument"),
    pytest.param(_rule("transform: {type: date-perturbation, frequency: day, min: 1}"),
                 ["rule 1", "field 'max'", "missing required argument"], id="missing-argument-date-perturbation"),
    pytest.param(_rule("transform: {type: numeric-rounding, precision: two}"),
                 ["rule 1", "field 'precision'", "got a string"], id="wrong-typed-argument"),
    pytest.param(_rule("transform: {type: numeric-rounding, precision: 1.5}"),
                 ["rule 1", "field 'precision'", "got a number"], id="float-where-integer-expected"),
    pytest.param(_rule("transform: {type: numeric-perturbation, min: true, max: 2}"),
                 ["rule 1", "field 'min'", "got a boolean"], id="boolean-where-number-expected"),
    pytest.param(_rule("transform: {type: numeric-rounding, precision: yes}"),
                 ["rule 1", "field 'precision'", "got a boolean"], id="yaml-yes-is-boolean"),
    pytest.param(_rule("transform: {type: numeric-perturbation, min: .nan, max: 2}"),
                 ["rule 1", "field 'min'", "non-finite"], id="nan"),
    pytest.param(_rule("transform: {type: numeric-perturbation, min: -.inf, max: 2}"),
                 ["rule 1", "field 'min'", "non-finite"], id="infinity"),
    pytest.param(_rule("transform: {type: numeric-perturbation, min: -1.0e+300, max: 2}"),
                 ["rule 1", "field 'min'", "must be between"], id="overflow"),
    pytest.param(_rule("transform: {type: numeric-rounding, precision: 31}"),
                 ["rule 1", "field 'precision'", "from -30 to 30"], id="precision-out-of-range"),
    pytest.param(_rule("transform: {type: tokenizer, max_len: 8}"),
                 ["rule 1", "field 'max_len'",
                  "unknown argument for tokenizer (allowed: algorithm, key, max_token_len)"],
                 id="unknown-argument"),
    pytest.param(_rule("transform: {type: numeric-rounding, precision: 1, key: abc}"),
                 ["rule 1", "field 'key'", "unknown argument for numeric-rounding"], id="key-on-keyless-transform"),
    pytest.param(_rule("transform: {name: nope}"),
                 ["rule 1", "field 'name'", "unknown named transformation 'nope' (known: none defined)"],
                 id="unknown-named-transformation"),
    pytest.param("transformations:\n  - {name: tok, type: tokenizer}\n"
                 "rules:\n  - match: {name: c}\n    actions:\n      - transform: {name: tokk}\n",
                 ["rule 1", "field 'name'", "unknown named transformation 'tokk' (known: tok)"],
                 id="unknown-named-lists-known"),
    pytest.param(_rule("transform: {name: t, type: tokenizer}"),
                 ["rule 1", "field 'transform'", "either 'type' or 'name'"], id="both-name-and-type"),
    pytest.param(_rule("transform: {max_token_len: 3}"),
                 ["rule 1", "field 'transform'", "expected 'type' or 'name'"], id="neither-name-nor-type"),
    pytest.param(_rule("42"),
                 ["rule 1", "field 'actions'", "expected 'drop' or a mapping with 'transform'"],
                 id="action-not-mapping"),
    pytest.param(_rule("Drop"),
                 ["rule 1", "field 'actions'", "expected 'drop'"], id="drop-is-case-sensitive"),
    pytest.param(_rule("transform: {type: numeric-perturbation, min: 3, max: 3}"),
                 ["rule 1", "field 'max'", "min must be less than max"], id="min-equals-max"),
    pytest.param(_rule("transform: {type: numeric-perturbation, min: 5, max: -5}"),
                 ["rule 1", "field 'max'", "min must be less than max"], id="min-above-max"),
    pytest.param(_rule("transform: {type: date-perturbation, frequency: [day, hour], min: [0, 2], max: [1, 1]}"),
                 ["rule 1", "field 'max'", "min must be less than max for frequency hour"], id="date-min-above-max"),
    pytest.param(_rule("transform: {type: date-perturbation, frequency: [day, hour], min: [0], max: [1, 1]}"),
                 ["rule 1", "field 'min'", "expected 2 integer(s), one per frequency, got 1"],
                 id="date-length-mismatch"),
    pytest.param(_rule("transform: {type: date-perturbation, frequency: day, min: 0.5, max: 1}"),
                 ["rule 1", "field 'min'", "expected whole numbers of units"], id="date-fractional-units"),
    pytest.param(_rule("transform: {type: date-truncation, frequency: fortnight}"),
                 ["rule 1", "field 'frequency'", "expected one of year, month, day"], id="unknown-frequency"),
    pytest.param(_rule("transform: {type: reversible-tokenizer, key: short-key}"),
                 ["rule 1", "field 'key'", "key must be 32, 48 or 64 bytes for AES-SIV (got 9 bytes)"],
                 id="reversible-tokenizer-key-wrong-length"),
    pytest.param(_rule("transform: {type: token-reverser, key: {type: secret, value: AAAA}}"),
                 ["rule 1", "field 'key'", "shorter than 16 bytes"], id="token-reverser-key-too-short"),
    pytest.param(_rule("transform: {type: token-reverser, key: {type: secret, value: %s}}" % ("A" * 24)),
                 ["rule 1", "field 'key'", "got 18 bytes"], id="token-reverser-key-wrong-length"),
    pytest.param(_rule("transform: {type: tokenizer, key: {type: vault, value: x}}"),
                 ["rule 1", "field 'key'", "must be one of secret, env, named"], id="unknown-key-type"),
    pytest.param(_rule("transform: {type: row-redact, condition: '  '}"),
                 ["rule 1", "field 'condition'", "must not be empty"], id="row-redact-empty"),
    pytest.param(_rule("transform: {type: column-redact, columns: []}"),
                 ["rule 1", "field 'columns'", "non-empty list"], id="column-redact-empty"),
    pytest.param("rules:\n  - match: {name: c}\n",
                 ["rule 1", "field 'actions'", "expected a non-empty list of actions"], id="rule-without-actions"),
    pytest.param("rules:\n  - match: {name: c}\n    actions: []\n",
                 ["rule 1", "field 'actions'", "expected a non-empty list of actions"], id="rule-with-empty-actions"),
    pytest.param("rules:\n  - actions: [drop]\n",
                 ["rule 1", "field 'match'", "expected match: {name: <column>}"], id="rule-without-match"),
    pytest.param("rules:\n  - match: {name: c, type: string}\n    actions: [drop]\n",
                 ["rule 1", "field 'match'", "only 'name' is supported"], id="match-on-type"),
    pytest.param("rules:\n  - match: {name: c}\n    actions: [drop]\n    where: x\n",
                 ["rule 1", "field 'where'", "unknown field"], id="unknown-rule-field"),
    pytest.param("rules:\n  - match: {name: a}\n    actions: [drop]\n  - match: {name: b}\n    actions: []\n",
                 ["rule 2 (column 'b')", "field 'actions'"], id="error-in-second-rule"),
    pytest.param("transformations:\n  - {name: t, type: numeric-rounding, precision: x}\n"
                 "rules:\n  - match: {name: c}\n    actions:\n      - transform: {name: t}\n",
                 # named transformations are checked where they are defined
                 ["transformation 1 ('t')", "field 'precision'", "got a string"],
                 id="error-inside-named-transformation"),
    pytest.param("transformations:\n  - {name: t, type: tokenizer}\n  - {name: t, type: tokenizer}\n"
                 "rules:\n  - match: {name: c}\n    actions: [drop]\n",
                 ["transformation 2 ('t')", "field 'name'", "already defined"], id="duplicate-named-transformation"),
    pytest.param("transformations:\n  - {name: t}\nrules:\n  - match: {name: c}\n    actions: [drop]\n",
                 ["transformation 1 ('t')", "field 'type'", "missing required field"], id="named-without-type"),
]

# Errors about the whole document, which belongs to no rule.
INVALID_DOCUMENT = [
    pytest.param("version: 2\nrules:\n  - match: {name: c}\n    actions: [drop]\n",
                 ["field 'version'", "expected version 1"], id="version-2"),
    pytest.param("version: true\nrules:\n  - match: {name: c}\n    actions: [drop]\n",
                 ["field 'version'", "expected version 1"], id="version-boolean"),
    pytest.param("version: 1\nrules: []\n", ["field 'rules'", "expected a non-empty list of rules"], id="empty-rules"),
    pytest.param("label: x\n", ["not a cape policy"], id="no-rules"),
    # Another YAML file (a secrets file, a dbt profile): nothing in it is named.
    pytest.param("aws_secret_access_key: wJalrXUtnFEMIK7MDENG\n", ["not a cape policy"], id="not-a-policy"),
    pytest.param("rules: [{match: {name: c}, actions: [drop]}]\nlabl: x\n",
                 ["field 'labl'", "did you mean 'label'"], id="top-level-typo"),
    pytest.param("rules: {match: {name: c}}\n", ["field 'rules'", "non-empty list"], id="rules-not-a-list"),
    pytest.param("label: [1]\nrules: [{match: {name: c}, actions: [drop]}]\n",
                 ["field 'label'", "expected a string"], id="label-not-string"),
    pytest.param("rules: [{match: {name: c}, actions: [drop]}]\npolicy: x\n",
                 ["not a cape policy", "unknown top-level field"], id="unknown-top-level-field"),
    pytest.param("- a\n- b\n", ["not a cape policy"], id="non-mapping-list"),
    pytest.param("just a string\n", ["not a cape policy"], id="non-mapping-scalar"),
    pytest.param("", ["not a cape policy"], id="empty-document"),
    pytest.param("rules: [\n", ["invalid YAML at line 2, column 1"], id="invalid-yaml"),
    pytest.param("rules:\n\t- x\n", ["invalid YAML at line"], id="invalid-yaml-tab"),
    pytest.param(_rule("transform: {type: tokenizer, type: numeric-rounding}"),
                 ["invalid YAML at line 6", "duplicate key 'type'"], id="duplicate-yaml-key"),
    pytest.param("rules: []\nrules: [{match: {name: c}, actions: [drop]}]\n",
                 ["invalid YAML at line 2", "duplicate key 'rules'"], id="duplicate-top-level-key"),
    pytest.param("rules:\n  - match: {name: c}\n    actions: [drop]\n  - match: {name: c}\n    match: {name: d}\n"
                 "    actions: [drop]\n", ["duplicate key 'match'"], id="duplicate-match-shadows-rule"),
]


@pytest.mark.parametrize("text, fragments", INVALID)
def test_invalid_policy_names_path_rule_and_field(text, fragments):
    with pytest.raises(PolicyError) as info:
        parse_policy(text, path=PATH)
    err = info.value
    message = str(err)
    assert message.startswith(f"policy {PATH}, ")
    assert re.search(r"(rule|transformation) \d+", message)
    assert err.field and f"field '{err.field}'" in message
    for fragment in fragments:
        assert fragment in message
    assert isinstance(err, ValueError) and isinstance(err, CapeError)


@pytest.mark.parametrize("text, fragments", INVALID_DOCUMENT)
def test_invalid_document_names_path(text, fragments):
    with pytest.raises(PolicyError) as info:
        parse_policy(text, path=PATH)
    message = str(info.value)
    assert message.startswith(f"policy {PATH}")
    for fragment in fragments:
        assert fragment in message
    assert "wJalrXUtnFEMIK7MDENG" not in message and "aws_secret" not in message
    if "not a cape policy" in message:
        assert "policy: x" not in message and "'policy'" not in message


def test_error_location_attributes():
    with pytest.raises(PolicyError) as info:
        parse_policy(_rule("transform: {type: numeric-rounding, precision: two}", column="income"), path=PATH)
    err = info.value
    assert err.path == PATH
    assert err.rule == "rule 1 (column 'income'), action 1 (numeric-rounding)"
    assert err.field == "precision"
    assert err.message == "expected an integer number of decimal places (may be negative), got a string"


def test_long_values_are_not_echoed_in_full():
    long_type = "t" * 500
    with pytest.raises(PolicyError) as info:
        parse_policy(_rule(f"transform: {{type: {long_type}}}"), path=PATH)
    assert long_type not in str(info.value)


# --- inline keys never reach error text ----------------------------------------------

LEAKY = [
    pytest.param(_rule(f"transform: {{type: tokenizer, key: {PLAIN_KEY}, max_token_len: 0}}"),
                 PLAIN_KEY, id="plain-key-other-field-wrong"),
    pytest.param(_rule(f"transform: {{type: tokenizer, key: {PLAIN_KEY}, bogus: 1}}"),
                 PLAIN_KEY, id="plain-key-unknown-argument"),
    pytest.param(_rule(f"transform: {{type: reversible-tokenizer, key: {PLAIN_KEY}}}"),
                 PLAIN_KEY, id="plain-key-wrong-length"),
    pytest.param(_rule(f"transform: {{type: reversible-tokenizer, key: {{type: secret, value: {TOKEN_B64}}}}}"),
                 TOKEN_B64, id="secret-wrong-length"),
    pytest.param(_rule("transform: {type: tokenizer, key: {type: secret, value: 'S3cr3t+Value/xyz'}}"),
                 "S3cr3t+Value/xyz", id="secret-not-base64url"),
    pytest.param(_rule(f"transform: {{type: tokenizer, key: {{type: sekret, value: {TOKEN_B64}}}}}"),
                 TOKEN_B64, id="secret-misspelled-type"),
    pytest.param(_rule(f"transform: {{type: tokenizer, key: {{value: {TOKEN_B64}}}}}"),
                 TOKEN_B64, id="secret-missing-type"),
    pytest.param(_rule(f"transform: {{type: numeric-rounding, precision: 1, key: {PLAIN_KEY}}}"),
                 PLAIN_KEY, id="key-on-keyless-transform"),
    pytest.param(_rule(f"transform: {{type: tokenizer, key: {PLAIN_KEY}, key: {PLAIN_KEY}x}}"),
                 PLAIN_KEY, id="duplicate-key-field"),
    pytest.param(f"transformations:\n  - {{name: t, type: tokenizer, key: {PLAIN_KEY}, algorithm: md5}}\n"
                 "rules:\n  - match: {name: c}\n    actions:\n      - transform: {name: t}\n",
                 PLAIN_KEY, id="named-transformation-with-key"),
    pytest.param(_rule(f"transform: {{type: tokenizer, key: [{PLAIN_KEY}]}}"),
                 PLAIN_KEY, id="key-as-list"),
    pytest.param(_rule(f"transform: {{type: tokenizer, key: \"{PLAIN_KEY}"),
                 PLAIN_KEY, id="unterminated-quoted-key"),
]


@pytest.mark.parametrize("text, secret", LEAKY)
def test_inline_key_never_in_error_text(text, secret):
    with pytest.raises(PolicyError) as info:
        parse_policy(text, path=PATH)
    err = info.value
    for shown in (str(err), repr(err), err.message, str(err.rule), str(err.field)):
        assert secret not in shown
    assert err.__cause__ is None


# --- files ------------------------------------------------------------------------

def test_read_policy_file(tmp_path):
    f = tmp_path / "p.yml"
    f.write_text(CAPE_STYLE, encoding="utf-8")
    p = read_policy_file(f, display="policies/p.yml")
    assert p.path == "policies/p.yml"
    assert p == parse_policy(CAPE_STYLE, path="policies/p.yml")


def test_read_policy_file_missing(tmp_path):
    with pytest.raises(PolicyError, match=r"^policy policies/missing.yml: file not found$"):
        read_policy_file(tmp_path / "missing.yml", display="policies/missing.yml")


def test_read_policy_file_not_utf8(tmp_path):
    f = tmp_path / "p.yml"
    f.write_bytes(b"label: \xff\xfe\n")
    with pytest.raises(PolicyError, match="not valid UTF-8"):
        read_policy_file(f)


def test_read_policy_file_too_large(tmp_path):
    f = tmp_path / "p.yml"
    f.write_bytes(b"#" * (MAX_POLICY_BYTES + 1))
    with pytest.raises(PolicyError, match="larger than"):
        read_policy_file(f)


def test_read_policy_file_is_a_directory(tmp_path):
    with pytest.raises(PolicyError, match="cannot read file"):
        read_policy_file(tmp_path)


# --- bugs -------------------------------------------------------------------------

def test_unused_named_transformation_is_validated():
    with pytest.raises(PolicyError, match="did you mean 'tokenizer'"):
        parse_policy("transformations:\n  - {name: unused, type: tokenize}\n"
                     "rules:\n  - match: {name: c}\n    actions: [drop]\n", path=PATH)

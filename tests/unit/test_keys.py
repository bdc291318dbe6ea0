"""Key references and the keyring: every form, every error, and no key bytes in any message or repr."""
from __future__ import annotations

import base64
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cape_udfs.errors import CapeError, KeyResolutionError
from cape_udfs.keyring import Keyring
from cape_udfs.keys import DEFAULT_KEY_ENV, KeyRef, decode_base64url, encode_base64url, generate_key, parse_key_ref

# 0xfb 0xff 0xbf encode to "-_-_" in base64url: both alphabet differences are exercised.
RAW = b"\xfb\xff\xbf" * 10 + b"\x01\x02"  # 32 bytes
B64_PADDED = base64.urlsafe_b64encode(RAW).decode()
B64_BARE = B64_PADDED.rstrip("=")
ORIGIN = "policy:policies/p.yml#r1.a1"  # the key id policy.inline_key_id gives


def _encodings(raw: bytes) -> list[str]:
    """Every way the key could leak into text."""
    out = [raw.hex(), raw.hex().upper(), base64.urlsafe_b64encode(raw).decode().rstrip("="),
           base64.b64encode(raw).decode().rstrip("="), repr(raw)]
    try:
        out.append(raw.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    return [e for e in out if len(e) >= 4]


def assert_no_key(text: str, *secrets):
    for secret in secrets:
        if isinstance(secret, bytes):
            for enc in _encodings(secret):
                assert enc not in text, f"key leaked as {enc!r}"
        else:
            assert secret not in text, "key leaked"


def test_fixture_key_uses_url_safe_alphabet():
    assert "-" in B64_BARE and "_" in B64_BARE and B64_PADDED.endswith("=")


# --- parse_key_ref: the accepted forms ------------------------------------------

@pytest.mark.parametrize(
    "value, kind, key_id, inline",
    [
        ("my secret", "inline", ORIGIN, b"my secret"),  # Cape's plain string
        ("Zoë-ключ", "inline", ORIGIN, "Zoë-ключ".encode()),  # unicode string, UTF-8 bytes
        (b"\x00raw", "inline", ORIGIN, b"\x00raw"),  # bytes (YAML !!binary)
        ({"type": "secret", "value": B64_PADDED}, "inline", ORIGIN, RAW),  # base64url, padded
        ({"type": "secret", "value": B64_BARE}, "inline", ORIGIN, RAW),  # base64url, Cape strips padding
        ({"type": "secret", "value": f"  {B64_BARE}\n"}, "inline", ORIGIN, RAW),  # surrounding whitespace
        ({"type": "env", "name": "MY_KEY"}, "env", "env:MY_KEY", None),  # ours: environment variable
        ({"type": "env", "name": "_k1"}, "env", "env:_k1", None),  # leading underscore, lowercase
        ({"type": "named", "name": "pii"}, "named", "named:pii", None),  # ours: declared in plugin config
        ({"type": "named", "name": "team-a.v2"}, "named", "named:team-a.v2", None),  # dots and dashes
        (None, "env", f"env:{DEFAULT_KEY_ENV}", None),  # no key: the default key
    ],
)
def test_parse_key_ref_forms(value, kind, key_id, inline):
    ref = parse_key_ref(value, origin=ORIGIN)
    assert ref.kind == kind
    assert ref.key_id == key_id
    assert ref.inline == inline


def test_default_key_reads_cape_default_key():
    ref = parse_key_ref(None, origin=ORIGIN)
    assert ref.env_var == "CAPE_DEFAULT_KEY"


def test_env_and_named_fields():
    assert parse_key_ref({"type": "env", "name": "K"}, origin=ORIGIN).env_var == "K"
    assert parse_key_ref({"type": "named", "name": "n"}, origin=ORIGIN).name == "n"


@pytest.mark.parametrize(
    "path,origin,key_id",
    [
        ("p.yml", "r1.a1", "policy:p.yml#r1.a1"),  # rule 1, action 1
        ("models/my policy.yml", "r2.a3", "policy:models/my%20policy.yml#r2.a3"),  # space quoted
        ("p.yml", "t.na%C3%AFve", "policy:p.yml#t.na%C3%AFve"),  # named transformation, quoted by policy.py
        ("it's;.yml", "r1.a1", "policy:it%27s%3B.yml#r1.a1"),  # quotes and ';' cannot reach SQL
    ],
)
def test_inline_key_id_is_quoted_and_unambiguous(path, origin, key_id):
    from cape_udfs.policy import inline_key_id
    assert inline_key_id(path, origin) == key_id
    assert parse_key_ref("k", origin=key_id).key_id == key_id


# --- parse_key_ref: errors --------------------------------------------------------

SECRETISH = "S3cr3t+Value/xyz!"  # used as a value that must never be echoed

BAD_REFS = [
    pytest.param("", "key must not be empty", id="empty-string"),
    pytest.param(b"", "key must not be empty", id="empty-bytes"),
    pytest.param(12345678, "key must be a string", id="integer"),
    pytest.param(1.5, "key must be a string", id="float"),
    pytest.param(True, "key must be a string", id="boolean"),
    pytest.param([SECRETISH], "key must be a string", id="list"),
    pytest.param({"type": "secret", "value": SECRETISH}, "not valid base64url", id="secret-standard-base64-chars"),
    pytest.param({"type": "secret", "value": "abc$def"}, "not valid base64url", id="secret-bad-char"),
    pytest.param({"type": "secret", "value": "A"}, "not valid base64url", id="secret-impossible-length"),
    pytest.param({"type": "secret", "value": "A===="[0:1] + "bcde"}, "not valid base64url", id="secret-5-chars"),
    pytest.param({"type": "secret", "value": "===="}, "not valid base64url", id="secret-only-padding"),
    pytest.param({"type": "secret", "value": ""}, "non-empty base64url string", id="secret-empty"),
    pytest.param({"type": "secret", "value": "   "}, "non-empty base64url string", id="secret-whitespace"),
    pytest.param({"type": "secret"}, "non-empty base64url string", id="secret-missing-value"),
    pytest.param({"type": "secret", "value": 1234}, "non-empty base64url string", id="secret-integer-value"),
    pytest.param({"type": "sekret", "value": SECRETISH}, "must be one of secret, env, named (got 'sekret')",
                 id="unknown-type"),
    pytest.param({"value": SECRETISH}, "must be one of secret, env, named (got something else)", id="missing-type"),
    pytest.param({}, "must be one of secret, env, named", id="empty-mapping"),
    pytest.param({"type": "x" * 50}, "(got something else)", id="long-type-not-echoed"),
    pytest.param({"type": "env", "name": "1BAD"}, "environment variable name", id="env-leading-digit"),
    pytest.param({"type": "env", "name": "MY-KEY"}, "environment variable name", id="env-dash"),
    pytest.param({"type": "env", "name": "A B"}, "environment variable name", id="env-space"),
    pytest.param({"type": "env", "name": ""}, "environment variable name", id="env-empty"),
    pytest.param({"type": "env"}, "environment variable name", id="env-missing-name"),
    pytest.param({"type": "env", "name": 5}, "environment variable name", id="env-integer-name"),
    pytest.param({"type": "named", "name": "has space"}, "a key declared in the plugin config", id="named-space"),
    pytest.param({"type": "named", "name": "a'b"}, "a key declared in the plugin config", id="named-quote"),
    pytest.param({"type": "named"}, "a key declared in the plugin config", id="named-missing-name"),
]


@pytest.mark.parametrize("value, fragment", BAD_REFS)
def test_parse_key_ref_errors(value, fragment):
    with pytest.raises(KeyResolutionError, match=re.escape(fragment)) as info:
        parse_key_ref(value, origin=ORIGIN)
    text = f"{info.value!s} {info.value!r}"
    assert SECRETISH not in text
    if isinstance(value, dict) and isinstance(value.get("value"), str) and value["value"].strip():
        assert value["value"] not in text


def test_secret_of_only_padding_is_rejected():
    # Stripping the padding leaves nothing: no base64url text decodes to zero bytes.
    with pytest.raises(KeyResolutionError, match="not valid base64url"):
        parse_key_ref({"type": "secret", "value": "="}, origin=ORIGIN)


# --- base64url helpers ----------------------------------------------------------

@given(raw=st.binary(min_size=1, max_size=100))
@settings(max_examples=200, deadline=None)
def test_base64url_round_trip(raw):
    text = encode_base64url(raw)
    assert "=" not in text and "+" not in text and "/" not in text
    assert decode_base64url(text, "k") == raw
    assert decode_base64url(text + "=" * (-len(text) % 4), "k") == raw  # padded form too


def test_generate_key():
    key = generate_key()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", key)
    assert len(decode_base64url(key, "k")) == 32
    assert generate_key() != key
    assert len(decode_base64url(generate_key(64), "k")) == 64


# --- repr never shows bytes -------------------------------------------------------

@pytest.mark.parametrize(
    "value, secret",
    [
        ("my plain secret", b"my plain secret"),  # plain string
        ({"type": "secret", "value": B64_BARE}, RAW),  # base64url secret
    ],
)
def test_keyref_repr_hides_inline_bytes(value, secret):
    ref = parse_key_ref(value, origin=ORIGIN)
    for text in (repr(ref), str(ref), f"{ref}", repr([ref]), repr({"k": ref})):
        assert_no_key(text, secret)
        if isinstance(value, dict):
            assert_no_key(text, value["value"])
    assert repr(ref) == f"KeyRef(kind='inline', key_id='{ORIGIN}')"


def test_keyring_repr_hides_bytes():
    env_raw = b"\x10\x20\x30\x40" * 8
    named_raw = b"\x55\x66\x77\x88" * 8
    environ = {"K_ENV": encode_base64url(env_raw)}
    environ["N_VAL"] = encode_base64url(named_raw)
    ring = Keyring({"n_val": {"env": "N_VAL"}, "n_env": {"env": "K_ENV"}}, environ=environ)
    inline = parse_key_ref({"type": "secret", "value": B64_BARE}, origin=ORIGIN)
    for ref in (inline, parse_key_ref({"type": "env", "name": "K_ENV"}, origin=ORIGIN),
                parse_key_ref({"type": "named", "name": "n_val"}, origin=ORIGIN),
                parse_key_ref({"type": "named", "name": "n_env"}, origin=ORIGIN)):
        ring.resolve(ref)
    text = repr(ring) + str(ring)
    assert_no_key(text, RAW, env_raw, named_raw, B64_BARE, environ["K_ENV"], environ["N_VAL"])
    assert "named:n_val" in text and "env:K_ENV" in text  # ids are fine to show


# --- Keyring ----------------------------------------------------------------------

def test_env_key_resolves_from_given_environ():
    ring = Keyring(environ={"MY_KEY": B64_BARE})
    key_id = ring.resolve(parse_key_ref({"type": "env", "name": "MY_KEY"}, origin=ORIGIN))
    assert key_id == "env:MY_KEY"
    assert ring.get(key_id) == RAW


def test_default_key():
    ring = Keyring(environ={DEFAULT_KEY_ENV: B64_PADDED})
    assert ring.get(ring.resolve(parse_key_ref(None, origin=ORIGIN))) == RAW


def test_inline_key_resolves_to_its_bytes():
    ring = Keyring(environ={})
    key_id = ring.resolve(parse_key_ref("plain", origin=ORIGIN))
    assert ring.get(key_id) == b"plain"


@pytest.mark.parametrize(
    "environ",
    [
        {},  # unset
        {"MY_KEY": ""},  # set but empty
        {"MY_KEY": "   "},  # whitespace only
        {"OTHER": B64_BARE},  # only other variables
    ],
)
def test_missing_env_var_names_the_variable(environ):
    ring = Keyring(environ=environ)
    with pytest.raises(KeyResolutionError, match="environment variable MY_KEY is not set") as info:
        ring.resolve(parse_key_ref({"type": "env", "name": "MY_KEY"}, origin=ORIGIN))
    assert "keygen" not in str(info.value)  # the hint is for the default key only


def test_missing_default_key_suggests_keygen():
    ring = Keyring(environ={})
    with pytest.raises(KeyResolutionError,
                       match=r"CAPE_DEFAULT_KEY is not set \(nor DBT_ENV_SECRET_CAPE_DEFAULT_KEY; "
                             r"run `cape-udfs keygen`"):
        ring.resolve(parse_key_ref(None, origin=ORIGIN))


@pytest.mark.parametrize(
    "text",
    [
        "S3cr3t+Value/xyz",  # standard base64 alphabet
        "not base64 at all!",  # garbage
        "A",  # impossible length
    ],
)
def test_bad_env_value_names_variable_not_value(text):
    ring = Keyring(environ={"MY_KEY": text})
    with pytest.raises(KeyResolutionError, match="environment variable MY_KEY is not valid base64url") as info:
        ring.resolve(parse_key_ref({"type": "env", "name": "MY_KEY"}, origin=ORIGIN))
    assert text not in str(info.value) and text not in repr(info.value)


def test_keyring_does_not_read_os_environ_when_given_one(monkeypatch):
    monkeypatch.setenv("MY_KEY", B64_BARE)
    ring = Keyring(environ={})
    with pytest.raises(KeyResolutionError, match="MY_KEY"):
        ring.resolve(parse_key_ref({"type": "env", "name": "MY_KEY"}, origin=ORIGIN))


def test_named_key_with_value_is_refused_without_echoing_it():
    """dbt debug prints the plugin config: key bytes must not be written there."""
    with pytest.raises(KeyResolutionError, match=r"DBT_ENV_SECRET_PII and write \{secret_env: PII\}") as info:
        Keyring({"pii": {"value": B64_BARE}}, environ={})
    assert B64_BARE not in str(info.value) and B64_BARE not in repr(info.value)


def test_named_key_with_env():
    ring = Keyring({"pii": {"env": "PII_KEY"}}, environ={"PII_KEY": B64_PADDED})
    assert ring.get(ring.resolve(parse_key_ref({"type": "named", "name": "pii"}, origin=ORIGIN))) == RAW


def test_named_key_with_secret_env():
    ring = Keyring({"pii": {"secret_env": "PII"}}, environ={"DBT_ENV_SECRET_PII": B64_PADDED})
    assert ring.get("named:pii") == RAW
    ring = Keyring({"pii": {"secret_env": "DBT_ENV_SECRET_PII"}}, environ={"DBT_ENV_SECRET_PII": B64_PADDED})
    assert ring.get("named:pii") == RAW  # the prefix is not doubled


def test_named_key_with_env_unset_names_the_variable():
    ring = Keyring({"pii": {"env": "PII_KEY"}}, environ={})
    with pytest.raises(KeyResolutionError, match="environment variable PII_KEY is not set"):
        ring.resolve(parse_key_ref({"type": "named", "name": "pii"}, origin=ORIGIN))


def test_named_key_with_bad_value_does_not_echo_it():
    ring = Keyring({"pii": {"env": "PII_KEY"}}, environ={"PII_KEY": "S3cr3t+Value/xyz"})
    with pytest.raises(KeyResolutionError, match="PII_KEY .plugin config key 'pii'. is not valid base64url") as info:
        ring.resolve(parse_key_ref({"type": "named", "name": "pii"}, origin=ORIGIN))
    assert "S3cr3t" not in str(info.value)


@pytest.mark.parametrize(
    "declared, listed",
    [
        ({}, "declared: none"),  # nothing declared
        ({"beta": {"env": "B"}, "alpha": {"env": "A"}}, "declared: alpha, beta"),  # sorted list
    ],
)
def test_undeclared_named_key_lists_declared_names(declared, listed):
    ring = Keyring(declared, environ={})
    with pytest.raises(KeyResolutionError, match=f"key name 'gamma' is not declared.*{listed}") as info:
        ring.resolve(parse_key_ref({"type": "named", "name": "gamma"}, origin=ORIGIN))
    assert B64_BARE not in str(info.value)


def test_declared_names():
    ring = Keyring({"b": {"env": "B"}}, environ={})
    ring.declare({"a": {"env": "A"}})
    assert ring.declared_names == ["a", "b"]


@pytest.mark.parametrize(
    "named, fragment",
    [
        (["pii"], "must be a mapping"),  # a list, not a mapping
        ({"pii": B64_BARE}, "plugin config key 'pii' must be"),  # bare value instead of {value: ...}
        ({"pii": {}}, "plugin config key 'pii' must be"),  # empty spec
        ({"pii": {"env": "A", "value": B64_BARE}}, "plugin config key 'pii': {value: ...} is not accepted"),
        ({"pii": {"value": B64_BARE}}, "plugin config key 'pii': {value: ...} is not accepted"),  # key bytes
        ({"pii": {"env": "1BAD"}}, "plugin config key 'pii' must be"),  # not a variable name
        ({"pii": {"env": None}}, "write {secret_env: X}"),  # what dbt makes of env: DBT_ENV_SECRET_...
        ({"pii": {"vault": "x"}}, "plugin config key 'pii' must be"),  # unknown form
    ],
)
def test_declare_errors(named, fragment):
    with pytest.raises(KeyResolutionError, match=re.escape(fragment)) as info:
        Keyring(named, environ={})
    assert B64_BARE not in str(info.value)


def test_get_resolves_the_default_key_lazily():
    """SQL compiled in one process runs in another: the default key resolves on first use."""
    ring = Keyring(environ={DEFAULT_KEY_ENV: B64_BARE})
    assert ring.get(f"env:{DEFAULT_KEY_ENV}") == RAW


def test_get_resolves_named_ids_lazily():
    ring = Keyring({"pii": {"env": "PII_KEY"}}, environ={"PII_KEY": B64_BARE})
    assert ring.get("named:pii") == RAW


@pytest.mark.parametrize("key_id", [
    "env:LATE",  # any environment variable: an HMAC oracle keyed by it
    "env:HOME",
    "bogus:x",  # no such kind
    "named:undeclared",  # not declared: resolves as an error naming the declared ones
])
def test_get_refuses_ids_it_did_not_hand_out(key_id):
    ring = Keyring(environ={"LATE": B64_BARE, "HOME": B64_BARE})
    with pytest.raises(KeyResolutionError) as info:
        ring.get(key_id)
    assert B64_BARE not in str(info.value)


def test_get_env_id_after_a_plan_resolved_it():
    ring = Keyring(environ={"LATE": B64_BARE})
    ring.resolve(parse_key_ref({"type": "env", "name": "LATE"}, origin=ORIGIN))
    assert ring.get("env:LATE") == RAW


def test_default_key_from_dbt_secret_variable():
    ring = Keyring(environ={"DBT_ENV_SECRET_CAPE_DEFAULT_KEY": B64_BARE})
    assert ring.get(f"env:{DEFAULT_KEY_ENV}") == RAW
    both = Keyring(environ={"DBT_ENV_SECRET_CAPE_DEFAULT_KEY": B64_BARE, DEFAULT_KEY_ENV: generate_key()})
    with pytest.raises(KeyResolutionError, match="both set and differ") as info:
        both.get(f"env:{DEFAULT_KEY_ENV}")
    assert B64_BARE not in str(info.value)


@pytest.mark.parametrize("nbytes", [1, 8, 15])
def test_short_keys_are_refused_from_env_named_secret_and_default(nbytes):
    short = encode_base64url(bytes(range(nbytes)))
    env = {"SHORT": short, DEFAULT_KEY_ENV: short}
    for ref in (parse_key_ref({"type": "env", "name": "SHORT"}, origin=ORIGIN),
                parse_key_ref({"type": "named", "name": "n"}, origin=ORIGIN),
                parse_key_ref(None, origin=ORIGIN)):
        with pytest.raises(KeyResolutionError, match="shorter than 16 bytes") as info:
            Keyring({"n": {"env": "SHORT"}}, environ=env).resolve(ref)
        assert short not in str(info.value)
    with pytest.raises(KeyResolutionError, match="shorter than 16 bytes"):
        parse_key_ref({"type": "secret", "value": short}, origin=ORIGIN)


def test_sixteen_byte_keys_are_enough_and_short_plain_strings_stay_accepted():
    ring = Keyring(environ={"OK": encode_base64url(bytes(16))})
    assert ring.get(ring.resolve(parse_key_ref({"type": "env", "name": "OK"}, origin=ORIGIN))) == bytes(16)
    assert parse_key_ref("short", origin=ORIGIN).inline == b"short"  # Cape's form: a warning at plan time


def test_get_policy_id_reloads_the_policy_file(tmp_path):
    """A view built by dbt stores a policy: id; another process re-reads the policy for it."""
    (tmp_path / "p.yml").write_text(
        "rules:\n  - match: {name: c}\n    actions:\n"
        "      - transform: {type: tokenizer, key: {type: secret, value: %s}}\n" % B64_BARE)
    ring = Keyring(environ={}, project_dir=str(tmp_path))
    assert ring.get("policy:p.yml#r1.a1") == RAW


def test_get_policy_id_the_policy_does_not_define(tmp_path):
    (tmp_path / "p.yml").write_text("rules:\n  - match: {name: c}\n    actions: [drop]\n")
    ring = Keyring(environ={}, project_dir=str(tmp_path))
    with pytest.raises(KeyResolutionError,
                       match="key id 'policy:p.yml#r1.a1' is not loaded, and is not a key of a cape policy"):
        ring.get("policy:p.yml#r1.a1")


def test_get_policy_id_whose_file_is_missing(tmp_path):
    ring = Keyring(environ={}, project_dir=str(tmp_path))
    with pytest.raises(CapeError, match="p.yml"):
        ring.get("policy:p.yml#r1.a1")


@pytest.mark.parametrize("write, key_id", [
    # A YAML file that is not a policy: its first key must not come back.
    ("outside/secrets.yml", "policy:{outside}/secrets.yml#r1.a1"),
    ("proj/secrets.yml", "policy:secrets.yml#r1.a1"),
    # A real policy, but outside the project directory.
    ("outside/p.yml", "policy:{outside}/p.yml#r1.a1"),
    ("outside/p.yml", "policy:../outside/p.yml#r1.a1"),
])
def test_get_policy_id_is_no_file_oracle(tmp_path, write, key_id):
    (tmp_path / "proj").mkdir()
    (tmp_path / "outside").mkdir()
    secret_yaml = "aws_secret_access_key: wJalrXUtnFEMI-K7MDENG\n"
    policy = ("rules:\n  - match: {name: c}\n    actions:\n"
              "      - transform: {type: tokenizer, key: {type: secret, value: %s}}\n" % B64_BARE)
    (tmp_path / write).write_text(policy if write.endswith("p.yml") else secret_yaml)
    ring = Keyring(environ={}, project_dir=str(tmp_path / "proj"))
    with pytest.raises(KeyResolutionError) as info:
        ring.get(key_id.format(outside=tmp_path / "outside"))
    assert "wJalrXUtnFEMI" not in str(info.value) and "aws_secret" not in str(info.value)


def test_get_lazy_default_missing():
    with pytest.raises(KeyResolutionError, match="environment variable CAPE_DEFAULT_KEY is not set"):
        Keyring(environ={}).get(f"env:{DEFAULT_KEY_ENV}")


def test_keyref_equality_ignores_inline_bytes_but_repr_is_stable():
    a = parse_key_ref("one", origin=ORIGIN)
    b = parse_key_ref("two", origin=ORIGIN)
    assert repr(a) == repr(b)
    assert isinstance(a, KeyRef)


def test_load_policy_keys_lets_a_reader_resolve_env_ids(tmp_path):
    (tmp_path / "p.yml").write_text("rules:\n  - match: {name: c}\n    actions:\n"
                                    "      - transform: {type: tokenizer, key: {type: env, name: LATE}}\n")
    ring = Keyring(environ={"LATE": B64_BARE}, project_dir=str(tmp_path))
    with pytest.raises(KeyResolutionError):
        ring.get("env:LATE")
    assert ring.load_policy_keys("p.yml") == ["env:LATE"]
    assert ring.get("env:LATE") == RAW

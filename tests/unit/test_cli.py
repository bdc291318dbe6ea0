"""The cape-udfs command: keygen and validate (exit codes, messages, no tracebacks, no keys)."""
from __future__ import annotations

import pytest

from cape_udfs import cli
from cape_udfs.keyring import KEYRING
from cape_udfs.keys import decode_base64url

POLICY = """
version: 1
rules:
  - match: {name: name}
    actions: [{transform: {type: reversible-tokenizer, key: {type: named, name: support}}}]
  - match: {name: email}
    actions: [{transform: {type: tokenizer}}]
"""
SUPPORT_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"  # 32 bytes


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text(POLICY)
    return str(path)


@pytest.fixture(autouse=True)
def _fresh_named_keys():
    saved = dict(KEYRING._named)
    yield
    KEYRING._named.clear()
    KEYRING._named.update(saved)


@pytest.mark.parametrize("nbytes", [16, 32, 64])
def test_keygen_prints_a_base64url_key_of_the_asked_length(capsys, nbytes):
    assert cli.main(["keygen", "--bytes", str(nbytes)]) == 0
    assert len(decode_base64url(capsys.readouterr().out.strip(), "key")) == nbytes


def test_validate_ok(capsys, policy):
    assert cli.main(["validate", policy]) == 0
    assert capsys.readouterr().out.startswith(f"ok: {policy}")


def test_check_keys_names_the_missing_key_and_rule(capsys, policy, monkeypatch):
    monkeypatch.delenv("CAPE_DEFAULT_KEY", raising=False)
    monkeypatch.setenv("SUPPORT_KEY", SUPPORT_KEY)
    assert cli.main(["validate", "--check-keys", "--key", "support=SUPPORT_KEY", policy]) == 1
    err = capsys.readouterr().err
    assert "rule 2 (column 'email')" in err and "CAPE_DEFAULT_KEY is not set" in err
    assert "Traceback" not in err and SUPPORT_KEY not in err


def test_check_keys_with_named_and_default_keys(capsys, policy, monkeypatch):
    monkeypatch.setenv("CAPE_DEFAULT_KEY", SUPPORT_KEY)
    monkeypatch.setenv("SUPPORT_KEY", SUPPORT_KEY)
    assert cli.main(["validate", "--check-keys", policy]) == 1  # 'support' is not declared
    assert "key name 'support' is not declared" in capsys.readouterr().err
    assert cli.main(["validate", "--check-keys", "--key", "support=SUPPORT_KEY", policy]) == 0


def test_bad_key_argument_is_a_usage_error(capsys, policy):
    with pytest.raises(SystemExit) as exc:
        cli.main(["validate", "--key", "no-equals-sign", policy])
    assert exc.value.code == 2

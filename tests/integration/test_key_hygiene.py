"""No key material in anything dbt writes or prints, for every key form."""
from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest

from cape_udfs.keys import decode_base64url, encode_base64url

pytestmark = pytest.mark.integration

PLAIN_KEY = "plain-Key-0f-the-Legacy-Team"  # a Cape plain-string key
SECRET_KEY = bytes(range(100, 132))  # 32 bytes, given as {type: secret}
ENV_KEY = bytes(range(7, 39))  # 32 bytes from an env var named in the policy
DEFAULT_KEY_B64 = "q7OXn0Q3l1m2w8oWc4bK5r1Sx9YtVh2JpE6aZfD0LgM"
NAMED_KEY = b"named-key-material-for-customers"


def encodings(raw: bytes) -> set[bytes]:
    forms = {raw, raw.hex().encode(), raw.hex().upper().encode(),
             base64.b64encode(raw), base64.urlsafe_b64encode(raw),
             encode_base64url(raw).encode()}
    return {f for f in forms if len(f) >= 8}


def scan(blobs: dict[str, bytes], secrets: dict[str, bytes]) -> list[str]:
    found = []
    for where, blob in blobs.items():
        for name, raw in secrets.items():
            for form in encodings(raw):
                if form in blob:
                    found.append(f"{name} key found in {where}")
    return found


def test_no_key_material_anywhere(make_project):
    # The named key lives in a DBT_ENV_SECRET_ variable, as the docs advise.
    proj = make_project(env={"PARTNER_KEY": encode_base64url(ENV_KEY),
                             "DBT_ENV_SECRET_CUSTOMERS_KEY": encode_base64url(NAMED_KEY),
                             "CAPE_DEFAULT_KEY": DEFAULT_KEY_B64},
                        plugin_config={"keys": {"customers": {"secret_env": "CUSTOMERS_KEY"}}})
    proj.write("seeds/raw.csv", "id,a,b,c,d,e\n1,x,y,z,w,v\n2,,q,r,s,t\n")
    proj.write("seeds/raw.yml", """
        version: 2
        seeds:
          - name: raw
            config:
              column_types: {id: integer, a: varchar, b: varchar, c: varchar, d: varchar, e: varchar}
    """)
    proj.write("policies/p.yml", f"""
        label: every-key-form
        version: 1
        transformations:
          - name: secret_tok
            type: reversible-tokenizer
            key: {{type: secret, value: {encode_base64url(SECRET_KEY)}}}
        rules:
          - match: {{name: a}}
            actions: [{{transform: {{type: tokenizer, key: "{PLAIN_KEY}"}}}}]
          - match: {{name: b}}
            actions: [{{transform: {{name: secret_tok}}}}]
          - match: {{name: c}}
            actions: [{{transform: {{type: reversible-tokenizer, key: {{type: env, name: PARTNER_KEY}}}}}}]
          - match: {{name: d}}
            actions: [{{transform: {{type: tokenizer}}}}]
          - match: {{name: e}}
            actions: [{{transform: {{type: tokenizer, key: {{type: named, name: customers}}}}}}]
    """)
    proj.write("models/clean.sql",
               "{{ config(materialized='table') }}\n{{ cape.apply_policy(ref('raw'), 'policies/p.yml') }}")
    proj.write("models/clean_view.sql",
               "{{ config(materialized='view') }}\n{{ cape.apply_policy(ref('raw'), 'policies/p.yml') }}")
    proj.write("models/bad.sql",
               "{{ config(materialized='table') }}\n{{ cape.apply_policy(ref('raw'), 'policies/bad.yml') }}")
    proj.write("policies/bad.yml", f"""
        version: 1
        rules:
          - match: {{name: a}}
            actions: [{{transform: {{type: reversible-tokenizer, key: "{PLAIN_KEY}"}}}}]
    """)
    outputs = {}
    outputs["debug"] = proj.dbt("debug").output
    outputs["build"] = proj.dbt("build", "--exclude", "bad").output
    outputs["run --debug"] = proj.dbt("--debug", "run", "--exclude", "bad").output
    outputs["compile"] = proj.dbt("compile", "--exclude", "bad").output
    outputs["show"] = proj.dbt("show", "--select", "clean").output
    outputs["docs generate"] = proj.dbt("docs", "generate", "--exclude", "bad").output
    outputs["failed run"] = proj.dbt("run", "--select", "bad", expect_ok=False).output
    assert "32, 48 or 64 bytes" in outputs["failed run"]

    validate = subprocess.run([str(Path(sys.executable).with_name("cape-udfs")), "validate", "--check-keys",
                               "policies/p.yml", "policies/bad.yml"], cwd=proj.root, env=proj.env,
                              capture_output=True, text=True)
    assert validate.returncode == 1 and "32, 48 or 64 bytes" in validate.stderr
    outputs["cape-udfs validate"] = validate.stdout + validate.stderr
    blobs = {f"dbt {k} output": v.encode() for k, v in outputs.items()}
    for folder in ("target", "logs"):
        for path in (proj.root / folder).rglob("*"):
            if path.is_file():
                blobs[str(path.relative_to(proj.root))] = path.read_bytes()
    blobs["warehouse.duckdb"] = proj.db_path.read_bytes()
    assert any("compiled" in k for k in blobs), "nothing compiled was scanned"
    secrets = {"plain": PLAIN_KEY.encode(), "secret": SECRET_KEY, "env": ENV_KEY,
               "default": decode_base64url(DEFAULT_KEY_B64, "k"), "named": NAMED_KEY}
    assert scan(blobs, secrets) == []
    # The scan itself can find keys: the policy file holds two of them.
    assert scan({"policy": (proj.root / "policies" / "p.yml").read_bytes()}, secrets)
    # And the outputs are real: tokens were written.
    assert proj.sql("select count(*) from clean where a is not null and length(a) = 64")[0][0] == 1

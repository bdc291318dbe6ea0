"""Through dbt: the compiled HMAC, the pure-Python one (CAPE_PURE_PYTHON=1) and an
install without the extension build the same tables, byte for byte."""
from __future__ import annotations

import hashlib
import hmac
import subprocess
import sys

import pytest

from cape_udfs.kernels import hmac_sha256
from cape_udfs.keys import decode_base64url
from tests.integration.conftest import DEFAULT_KEY_B64

pytestmark = pytest.mark.integration
KEY = decode_base64url(DEFAULT_KEY_B64, "k")

# 6,001 rows (several Arrow batches): repeats, NULLs, empty and non-ASCII values, one of 1 MB.
SOURCE = """
{{ config(materialized='table') }}
select i as id,
       case when i % 97 = 0 then null when i % 101 = 0 then ''
            when i = 6000 then repeat('é', 524288)
            else 'user_' || (i % 3000)::varchar || '@exämple.com' end as email,
       (i % 1000) / 10.0 as amount
from range(6001) t(i)
"""
POLICY = """
version: 1
rules:
  - match: {name: email}
    actions: [{transform: {type: tokenizer}}]
  - match: {name: legacy}
    actions: [{transform: {type: tokenizer, algorithm: cape-legacy}}]
  - match: {name: amount}
    actions: [{transform: {type: numeric-perturbation, min: -5, max: 5, consistent_by: [email]}}]
"""
CLEAN = """
{{ config(materialized='table') }}
{{ cape.apply_policy(ref('people_raw'), 'policies/people.yml') }}
"""
RAW = "{{ config(materialized='table') }}\nselect id, email, email as legacy, amount from {{ ref('src') }}\n"
QUERY = "select c.id, s.email, c.email, c.legacy, c.amount from people_clean c join src s using (id) order by c.id"

# dbt in this process, with the extension made unimportable: an install whose C build failed.
WITHOUT_EXTENSION = """
import sys
sys.modules["cape_udfs._hmac_native"] = None
from dbt.cli.main import dbtRunner
sys.exit(0 if dbtRunner().invoke(sys.argv[1:]).success else 1)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from tests.integration.dbt_project_harness import DbtProject
    proj = DbtProject(tmp_path_factory.mktemp("routes") / "analytics", env={"CAPE_DEFAULT_KEY": DEFAULT_KEY_B64})
    proj.write("models/src.sql", SOURCE)
    proj.write("models/people_raw.sql", RAW)
    proj.write("models/people_clean.sql", CLEAN)
    proj.write("policies/people.yml", POLICY)
    return proj


def _run(proj, env: dict) -> tuple[str, list]:
    out = proj.dbt("run", env=env).output
    return out, proj.sql(QUERY)


def test_compiled_python_and_missing_extension_give_the_same_tables(project):
    compiled_out, compiled = _run(project, {hmac_sha256.PURE_PYTHON_ENV: "0"})
    _, python = _run(project, {hmac_sha256.PURE_PYTHON_ENV: "1"})
    assert compiled == python

    for _, email, token, legacy, _ in compiled:
        if email is None:
            assert token is None and legacy is None
        else:
            assert token == hmac.new(KEY, email.encode(), hashlib.sha256).hexdigest()
            assert legacy == hashlib.sha256(email.encode() + KEY).hexdigest()
    assert len({row[4] for row in compiled if row[1] == "user_1@exämple.com"}) == 1  # consistent_by

    env = {**project.env, hmac_sha256.PURE_PYTHON_ENV: ""}
    missing = subprocess.run([sys.executable, "-c", WITHOUT_EXTENSION, "run", "--project-dir", str(project.root),
                              "--profiles-dir", str(project.root)], cwd=project.root, env=env,
                             capture_output=True, text=True, timeout=600)
    assert missing.returncode == 0, missing.stdout[-4000:] + missing.stderr[-4000:]
    assert project.sql(QUERY) == compiled
    warning = "the compiled HMAC (cape_udfs._hmac_native) is not installed"
    assert (missing.stdout + missing.stderr).count(warning) == 1
    if hmac_sha256.compiled_available():
        assert warning not in compiled_out

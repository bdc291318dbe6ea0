"""Installing cape adds macros, generic tests and UDFs only: none of the demo's
models, seeds or tests reach a consumer project, even one whose models share the
demo's names."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration


def test_demo_models_and_their_tests_stay_out_of_a_consumer_project(make_project):
    proj = make_project()
    proj.write("models/customers_sanitized.sql", "select 1 as id")
    proj.write("models/visits_sanitized.sql", "select 1 as id")
    proj.dbt("build")
    manifest = json.loads((proj.root / "target" / "manifest.json").read_text())
    built = {n["package_name"] for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed", "test")}
    assert built == {"analytics"}

import pytest

from tests.integration.dbt_project_harness import DbtProject

# Fixed test keys (base64url). Tests search every output for these bytes.
DEFAULT_KEY_B64 = "q7OXn0Q3l1m2w8oWc4bK5r1Sx9YtVh2JpE6aZfD0LgM"
NAMED_KEY_B64 = "Zm9yLXRoZS1jdXN0b21lcnMtdGVhbS0wMTIzNDU2Nzg"


@pytest.fixture
def make_project(tmp_path):
    def make(name="analytics", **kw):
        env = {"CAPE_DEFAULT_KEY": DEFAULT_KEY_B64, **kw.pop("env", {})}
        return DbtProject(tmp_path / name, name=name, env=env, **kw)
    return make

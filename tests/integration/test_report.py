"""`cape-udfs report` on the demo project, built by real dbt, and the page
rendered by headless Chromium.

Chromium is a system package; without /usr/bin/chromium the rendering tests
skip (install: apt-get install -y chromium). The demo builds into a temporary
directory (its own DuckDB file, target and log paths), never the checkout's.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import duckdb
import pytest

from tests.integration.conftest import DEFAULT_KEY_B64, NAMED_KEY_B64
from tests.report_leaks import leaks, rare_forms

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo project (this repository) built with dbt build; its DuckDB path."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copy(REPO / "profiles.example.yml", root / "profiles.yml")
    env = {**os.environ, "CAPE_DEMO_DB": str(root / "demo.duckdb"), "CAPE_EXPORT_DIR": str(root / "exports"),
           "CAPE_DEFAULT_KEY": DEFAULT_KEY_B64, "CAPE_SUPPORT_KEY": NAMED_KEY_B64,
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "DO_NOT_TRACK": "1"}
    (root / "exports").mkdir()
    proc = subprocess.run(
        [str(BIN / "dbt"), "build", "--project-dir", str(REPO), "--profiles-dir", str(root),
         "--target-path", str(root / "target"), "--log-path", str(root / "logs")],
        cwd=str(root), env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    return root / "demo.duckdb", proc.stdout


@pytest.fixture(scope="module")
def cape_models(demo):
    """The demo's models that call cape.apply_policy, from dbt's manifest."""
    db, _ = demo
    manifest = json.loads((db.parent / "target" / "manifest.json").read_text())
    return sorted(n["name"] for n in manifest["nodes"].values()
                  if n["resource_type"] == "model" and "cape.apply_policy(" in n["raw_code"])


@pytest.fixture(scope="module")
def report(demo):
    db, _ = demo
    out = db.parent / "report.html"
    proc = subprocess.run([str(BIN / "cape-udfs"), "report", str(db), "--quasi-identifiers", "country,age",
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out, out.read_text(encoding="utf-8")


def query(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_demo_build_writes_audit_rows_without_setup(demo, cape_models):
    db, _stdout = demo
    rows = query(db, "select model_unique_id, policy_label, rows_in, rows_out from cape_audit order by 1")
    assert {"customers_sanitized", "visits_sanitized"} <= set(cape_models)
    assert [r[0] for r in rows] == [f"model.cape.{m}" for m in cape_models]
    by_model = {r[0]: r for r in rows}
    assert by_model["model.cape.customers_sanitized"][1:] == ("customers-analytics", 3000,
                                                            query(db, "select count(*) from customers_sanitized")[0][0])


def test_demo_shows_its_privacy_tests(demo):
    _, stdout = demo
    assert re.search(r"PASS cape_k_anonymity_customers_sanitized_10__date_of_birth", stdout)
    assert re.search(r"WARN \d+ cape_k_anonymity_customers_sanitized_5__country__age", stdout)
    assert re.search(r"PASS cape_l_diversity_visits_sanitized", stdout)
    assert len(re.findall(r"PASS cape_no_raw_values_", stdout)) == 4
    assert "deprecat" not in stdout.lower()


def test_report_covers_every_audited_model(report, cape_models):
    _, html = report
    for model in cape_models:
        assert f'<h2 id="{model}">' in html
    assert "<h2>Audit trail</h2>" in html and "customers-analytics" in html


def test_report_risk_matches_sql(demo, report):
    db, _ = demo
    _, html = report
    groups, rows, k = query(db, "select count(*), sum(n), min(n) from "
                                "(select count(*) as n from customers_sanitized group by country, age)")[0]
    section = html.split('<h2 id="customers_sanitized">')[1].split("<h2")[0]
    assert "<td>average prosecutor risk (groups/rows)</td>" in section
    assert f"{groups / rows * 100:.1f}%" in section
    assert f"{100 / k:.1f}%" in section


def test_report_quotes_no_rare_raw_value(demo, report):
    db, _ = demo
    _, html = report
    rare = query(db, """
        select v from (
          select email as v from raw_customers union all select ssn from raw_customers
          union all select phone from raw_customers union all select credit_card from raw_customers
          union all select street_address from raw_customers)
        where v is not null group by v having count(*) < 5""")
    assert len(rare) > 10000
    leaked = [v for (v,) in rare if v in html]
    assert leaked == []


# Rare outliers next to a body where every value occurs 12 times: incomes, dates and
# timestamps a century away, and a few values inside the body that occur 1 to 4 times.
OUTLIERS = """
{{ config(materialized='table') }}
with body as (
  select i * 12 + j as id,
         cast(21000.37 + 3700 * i as decimal(12, 2)) as income,
         date '1970-01-01' + cast(301 * (i % 30) as integer) as born,
         timestamp '2016-04-01 09:15:00' + to_minutes(cast(44641 * (i % 25) as bigint)) as seen_at
  from range(40) a(i), range(12) b(j)
)
select * from body
union all select 1001, 9846543.21, date '1901-02-03', timestamp '2031-08-09 10:11:12'
union all select 1002, -1234567.89, date '2087-06-05', timestamp '1911-11-11 11:11:11'
union all select 1003, 777777.77, date '1950-07-14', null
union all select 1004, 777777.77, date '1950-07-14', null
union all select 1005, 54321.77, date '1977-07-07', timestamp '2017-03-04 05:06:07'
union all select 1006, 54321.77, null, null
"""

OUTLIER_POLICY = """
label: outliers
version: 1
rules:
  - match: {name: income}
    actions:
      - transform: {type: numeric-rounding, precision: -5}
  - match: {name: born}
    actions:
      - transform: {type: date-truncation, frequency: year}
  - match: {name: seen_at}
    actions:
      - transform: {type: date-truncation, frequency: month}
"""


def test_report_shows_no_rare_raw_number_or_date(make_project):
    proj = make_project()
    proj.write("models/raw_outliers.sql", OUTLIERS)
    proj.write("policies/outliers.yml", OUTLIER_POLICY)
    proj.write("models/outliers_clean.sql",
               "{{ config(materialized='table') }}\n"
               "{{ cape.apply_policy(ref('raw_outliers'), 'policies/outliers.yml') }}")
    proj.dbt("build")
    out = proj.root / "report.html"
    proc = subprocess.run([str(BIN / "cape-udfs"), "report", str(proj.db_path), "--min-count", "5",
                           "--out", str(out)], capture_output=True, text=True, timeout=300, env=proj.env)
    assert proc.returncode == 0, proc.stderr
    html = out.read_text(encoding="utf-8")
    section = html.split('<h2 id="outliers_clean">')[1]
    assert section.count("<svg") == 3  # income, born, seen_at: their labels and titles are scanned
    for table in ("raw_outliers", "outliers_clean"):
        for column in ("income", "born", "seen_at"):
            rare = rare_forms([v for (v,) in query(proj.db_path, f"select {column} from {table}")], 5)
            assert rare, (table, column)
            assert leaks(html, rare) == [], (table, column)


def test_report_has_no_key_material_and_nothing_external(report):
    _, html = report
    assert DEFAULT_KEY_B64 not in html and NAMED_KEY_B64 not in html
    markup = html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # a name, not a fetch
    for outside in ("<script", "src=", "url(", "@import", "http://", "https://"):
        assert outside not in markup


# --- rendering in headless Chromium ---------------------------------------------------

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not installed (apt-get install -y chromium)")


def screenshot(page: Path, png: Path, size=(1200, 1600)) -> str:
    """Render ``page`` to ``png``; return what Chromium logged (stderr)."""
    profile = png.parent / f"chromium-profile-{png.stem}"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--hide-scrollbars", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
           f"--window-size={size[0]},{size[1]}", f"--screenshot={png}", page.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and png.exists(), proc.stderr[-3000:]
    return proc.stderr


def console_messages(log: str) -> list[str]:
    """Chromium logs every console message (log, error, uncaught exception) as
    ``...:CONSOLE:<line>] "<message>", source: ...``; the report has no script,
    so any message at all is a problem."""
    return [line for line in log.splitlines() if re.search(r":CONSOLE[:(]", line)]


def png_pixels(path: Path):
    """Every pixel (an n x 3 RGB array) of an 8-bit RGB or RGBA PNG; NumPy does
    the filters that vectorize (None, Sub, Up), Python the others."""
    import numpy as np

    blob = path.read_bytes()
    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(blob):
        length, kind = struct.unpack(">I4s", blob[pos:pos + 8])
        chunk = blob[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = header[:4]
    assert depth == 8 and colour in (2, 6), header
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    data = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        kind, line = data[y, 0], data[y, 1:]
        if kind == 0:
            row = line.copy()
        elif kind == 1:
            row = (np.cumsum(line.reshape(width, bpp).astype(np.int64), axis=0) % 256).astype(np.uint8).ravel()
        elif kind == 2:
            row = line + prev  # uint8 arithmetic wraps, as PNG wants
        else:
            row, up = bytearray(line.tobytes()), prev.tobytes()
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b, c = up[i], (up[i - bpp] if i >= bpp else 0)
                if kind == 3:
                    row[i] = (row[i] + (a + b) // 2) & 255
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            row = np.frombuffer(bytes(row), dtype=np.uint8)
        out[y], prev = row, row
    return out.reshape(height * width, bpp)[:, :3]


def colour_spread(path: Path) -> tuple[int, float]:
    """Distinct colours and the share of the most common one."""
    import numpy as np

    pixels = png_pixels(path).astype(np.uint32)
    packed = (pixels[:, 0] << 16) | (pixels[:, 1] << 8) | pixels[:, 2]
    _, counts = np.unique(packed, return_counts=True)
    return len(counts), counts.max() / counts.sum()


@needs_chromium
def test_blank_and_noisy_pages_are_caught(tmp_path):
    # The checks below must be able to fail: a blank page and a page that logs.
    blank, noisy = tmp_path / "blank.html", tmp_path / "noisy.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    noisy.write_text("<!DOCTYPE html><html><body><p>x</p><script>console.error('boom'); nope();</script></body></html>")
    screenshot(blank, tmp_path / "blank.png", size=(400, 300))
    distinct, top = colour_spread(tmp_path / "blank.png")
    assert distinct == 1 and top == 1.0
    log = screenshot(noisy, tmp_path / "noisy.png", size=(400, 300))
    assert len(console_messages(log)) == 2


@needs_chromium
def test_report_renders_in_chromium(report):
    page, _ = report
    png = page.with_name("report.png")
    log = screenshot(page, png)
    assert console_messages(log) == []
    distinct, top = colour_spread(png)
    assert distinct >= 20 and top < 0.95, (distinct, top)

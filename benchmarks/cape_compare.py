"""cape-dataframes 0.3.1 on the same Parquet file and policy, for comparison.

The interpreter is the differential tests' oracle venv, built (once, cached
under .cache/) by tests/differential/cape_oracle.py. pandas needs a Parquet
engine that the oracle venv does not hold, so pyarrow is installed beside it
into .cache/bench-cape-pyarrow (``--no-deps``: the venv's own NumPy stays) and
put on PYTHONPATH for the benchmark only; the oracle venv is not changed.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.peak_rss import run_measured

REPO = Path(__file__).resolve().parents[1]
DIFFERENTIAL = REPO / "tests" / "differential"
SCRIPT = Path(__file__).resolve().parent / "cape_dataframes_script.py"
# The pyarrow of pandas 1.5.3's time, with cp311 wheels built for NumPy 1.x.
PYARROW_PIN = "pyarrow==12.0.1"
EXTRAS = REPO / ".cache" / "bench-cape-pyarrow"


def cape_python() -> tuple[str | None, str]:
    """(interpreter with cape-dataframes 0.3.1, '') or (None, why not)."""
    if str(DIFFERENTIAL) not in sys.path:
        sys.path.insert(0, str(DIFFERENTIAL))
    import cape_oracle  # tests/differential/cape_oracle.py: builds or reuses the venv

    python = cape_oracle.oracle_python()
    if python is None:
        return None, cape_oracle.oracle_unavailable_reason()
    try:
        _ensure_pyarrow(python)
    except (subprocess.SubprocessError, OSError) as exc:
        return None, f"could not install {PYARROW_PIN} for the cape-dataframes venv: {exc}"
    return python, ""


def _ensure_pyarrow(python: str) -> None:
    ready = EXTRAS / ".ready"
    if ready.exists() and ready.read_text().strip() == PYARROW_PIN:
        return
    staging = EXTRAS.with_name(EXTRAS.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    subprocess.run([python, "-I", "-m", "pip", "install", "--no-input", "--disable-pip-version-check",
                    "--no-deps", "--only-binary=:all:", "--target", str(staging), PYARROW_PIN],
                   check=True, capture_output=True, timeout=600, stdin=subprocess.DEVNULL)
    (staging / ".ready").write_text(PYARROW_PIN + "\n")
    shutil.rmtree(EXTRAS, ignore_errors=True)
    os.replace(staging, EXTRAS)


def run_cape(python: str, source: Path, policy: Path, output: Path) -> dict:
    """One end-to-end run: stage timings from inside, plus the process's wall
    clock and peak RSS."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "VIRTUAL_ENV")}
    env["PYTHONPATH"] = str(EXTRAS)
    log = output.with_suffix(".log")
    with open(log, "w") as err:
        proc, wall, peak_rss = run_measured(
            [python, str(SCRIPT), str(source), str(policy), str(output), str(DIFFERENTIAL)],
            env=env, stdout=subprocess.PIPE, stderr=err)
    if proc.returncode != 0:
        raise RuntimeError(f"cape-dataframes run failed (exit {proc.returncode}):\n{log.read_text()[-4000:]}")
    stdout = proc.stdout
    result = json.loads(stdout)
    result.update(wall_s=wall, peak_rss_bytes=peak_rss)
    return result

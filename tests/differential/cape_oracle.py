"""Differential-test oracle: the real cape-dataframes 0.3.1, kept out of our env.

cape-dataframes is NEVER a dependency of this project.  This module builds (once,
cached, under ``<repo>/.cache/cape-oracle-venv``) a throwaway virtualenv holding
cape-dataframes 0.3.1 with pinned, period-appropriate dependencies, and runs
``cape_oracle_script.py`` in it as a subprocess, one request per call.

Public API::

    oracle_python() -> str | None       # interpreter of the oracle venv, or None
    oracle_unavailable_reason() -> str  # why oracle_python() returned None
    run_cape(policy_yaml, columns) -> dict[str, list]      # decoded columns
    run_cape_raw(policy_yaml, columns) -> dict             # full JSON response
    run_cape_batch([(policy_yaml, columns), ...]) -> list  # one process, many requests
    CapeOracleError                      # raised when cape (or the script) fails

Typical use in a test::

    py = oracle_python()
    if py is None:
        pytest.skip(oracle_unavailable_reason())
    out = run_cape(policy_yaml, {"name": {"dtype": "string", "values": ["a"]}})

Environment knobs:
    CAPE_ORACLE_VENV    directory of the venv (default <repo>/.cache/cape-oracle-venv)
    CAPE_ORACLE_PYTHON  use this interpreter as-is (must already have cape 0.3.1)
    CAPE_ORACLE_TIMEOUT seconds allowed per oracle call (default 120)

Only pip, with the machine's configured package index, is used to build the
venv; binary wheels only (``--only-binary=:all:``), so nothing is compiled.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = [
    "ORACLE_PINS",
    "CapeOracleError",
    "oracle_python",
    "oracle_unavailable_reason",
    "run_cape",
    "run_cape_batch",
    "run_cape_raw",
]

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
SCRIPT = HERE / "cape_oracle_script.py"

# cape-dataframes 0.3.1 (2023) declares unpinned deps: pandas, pycryptodome,
# pyyaml, requests, rfc3339 (+ validators, imported but undeclared).  Upstream's
# own lock (requirements/base.txt, Python 3.7) used pandas 1.3.5 / numpy 1.21.6,
# which have no CPython 3.11 wheels.  pandas 1.5.3 is the last 1.x and the
# oldest line with cp311 wheels; numpy 1.24.4 is the contemporary numpy that it
# supports.  The rest are pinned to upstream's lock where a wheel exists, so the
# oracle is reproducible.  pyspark is NOT installed: the script stubs it.
ORACLE_PINS = (
    "cape-dataframes==0.3.1",
    "pandas==1.5.3",
    "numpy==1.24.4",
    "pycryptodome==3.17",
    "PyYAML==6.0",
    "requests==2.28.2",
    "rfc3339==6.2",
    "validators==0.21.0",  # upstream had 0.20.0, which is sdist-only
    "python-dateutil==2.8.2",
    "pytz==2022.7.1",
    "six==1.16.0",
    "certifi==2022.12.7",
    "charset-normalizer==3.0.1",
    "idna==3.4",
    "urllib3==1.26.14",
)
ORACLE_PYTHON_VERSION = (3, 11)  # pandas 1.5.3 ships wheels for 3.8-3.11 only

_READY_MARKER = ".cape-oracle-ready"
_BUILD_TIMEOUT = 900

_cached_python: str | None = None
_cached_failure: str | None = None


class CapeOracleError(RuntimeError):
    """cape-dataframes (or the oracle script) failed on a request.

    Attributes: ``error_type`` (the exception class name inside the oracle, e.g.
    'AttributeError'), ``error`` (its message), ``stderr``, ``returncode``,
    ``traceback``.
    """

    def __init__(self, message, *, error_type=None, error=None, stderr="",
                 returncode=None, traceback=""):
        super().__init__(message)
        self.error_type = error_type
        self.error = error
        self.stderr = stderr
        self.returncode = returncode
        self.traceback = traceback


# --------------------------------------------------------------------------- #
# venv construction
# --------------------------------------------------------------------------- #
def _venv_dir() -> Path:
    env = os.environ.get("CAPE_ORACLE_VENV")
    return Path(env) if env else REPO_ROOT / ".cache" / "cape-oracle-venv"


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _spec_fingerprint() -> str:
    h = hashlib.sha256()
    h.update(repr((ORACLE_PINS, ORACLE_PYTHON_VERSION)).encode())
    return h.hexdigest()


def _base_interpreter() -> str | None:
    """A CPython 3.11 to create the venv from (ours, else python3.11 on PATH)."""
    if sys.version_info[:2] == ORACLE_PYTHON_VERSION:
        return sys.executable
    name = "python%d.%d" % ORACLE_PYTHON_VERSION
    return shutil.which(name)


def _is_ready(venv: Path) -> bool:
    marker = venv / _READY_MARKER
    try:
        return (marker.read_text().strip() == _spec_fingerprint()
                and _venv_python(venv).exists())
    except OSError:
        return False


def _run_logged(cmd: list[str], log, timeout: float) -> None:
    log.write(f"\n$ {' '.join(cmd)}\n")
    log.flush()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV",
                        "PIP_TARGET", "PIP_PREFIX", "PIP_USER")}
    subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=True,
                   timeout=timeout, env=env, stdin=subprocess.DEVNULL)


def _self_check(python: str) -> None:
    policy = ("label: selfcheck\nversion: 1\nrules:\n  - match: {name: s}\n"
              "    actions:\n      - transform: {type: tokenizer, key: k}\n")
    out = _invoke(python, {"policy": policy,
                           "columns": {"s": {"dtype": "string", "values": ["a"]}}})
    expected = hashlib.sha256(b"a" + b"k").hexdigest()
    got = out["columns"]["s"][0]
    if got != expected:
        raise RuntimeError(f"oracle self-check mismatch: {got!r} != {expected!r}")


def _build(venv: Path, log) -> None:
    base = _base_interpreter()
    if base is None:
        raise RuntimeError("no Python %d.%d interpreter found to build the oracle venv"
                           % ORACLE_PYTHON_VERSION)
    if venv.exists():
        shutil.rmtree(venv)
    _run_logged([base, "-I", "-m", "venv", str(venv)], log, 300)
    py = str(_venv_python(venv))
    _run_logged([py, "-I", "-m", "pip", "install", "--no-input",
                 "--disable-pip-version-check", "--only-binary=:all:",
                 *ORACLE_PINS], log, _BUILD_TIMEOUT)
    _self_check(py)
    tmp = venv / (_READY_MARKER + ".tmp")
    tmp.write_text(_spec_fingerprint() + "\n")
    os.replace(tmp, venv / _READY_MARKER)


def _ensure_venv() -> str:
    venv = _venv_dir()
    if _is_ready(venv):
        return str(_venv_python(venv))
    venv.parent.mkdir(parents=True, exist_ok=True)
    lock_path = venv.parent / (venv.name + ".lock")
    log_path = venv.parent / (venv.name + ".build.log")
    with open(lock_path, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # other pytest workers wait here
        try:
            if _is_ready(venv):  # built by someone else while we waited
                return str(_venv_python(venv))
            started = time.monotonic()
            with open(log_path, "w") as log:
                try:
                    _build(venv, log)
                except Exception as exc:
                    log.write(f"\nBUILD FAILED: {type(exc).__name__}: {exc}\n")
                    tail = ""
                    log.flush()
                    try:
                        tail = "".join(log_path.read_text().splitlines(True)[-15:])
                    except OSError:
                        pass
                    raise RuntimeError(
                        f"could not build the cape-dataframes oracle venv at {venv}: "
                        f"{type(exc).__name__}: {exc}\n(full log: {log_path})\n{tail}"
                    ) from exc
                log.write(f"\nbuilt in {time.monotonic() - started:.1f}s\n")
            return str(_venv_python(venv))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def oracle_python() -> str | None:
    """Path of the oracle venv's interpreter, building the venv on first use.

    Returns None (see :func:`oracle_unavailable_reason`) if it cannot be built.
    Cached per process; across processes the ready-marker and a file lock make
    it idempotent and safe under pytest-xdist.
    """
    global _cached_python, _cached_failure
    if _cached_python is not None:
        return _cached_python
    if _cached_failure is not None:
        return None
    override = os.environ.get("CAPE_ORACLE_PYTHON")
    try:
        if override:
            _self_check(override)
            _cached_python = override
        else:
            _cached_python = _ensure_venv()
    except Exception as exc:
        _cached_failure = str(exc)
        return None
    return _cached_python


def oracle_unavailable_reason() -> str:
    """Why :func:`oracle_python` returned None ('' if it did not)."""
    if _cached_failure is None:
        return ""
    return "cape-dataframes oracle unavailable: " + _cached_failure


# --------------------------------------------------------------------------- #
# Running requests
# --------------------------------------------------------------------------- #
def _encode_value(v: Any) -> Any:
    """Accept Python-native values too: date/datetime/NaN -> wire encoding."""
    if isinstance(v, datetime.datetime):
        return v.isoformat()
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
    return v


def _encode_columns(columns: dict) -> dict:
    out = {}
    for name, spec in columns.items():
        if not isinstance(spec, dict) or "dtype" not in spec or "values" not in spec:
            raise ValueError(f"column {name!r}: expected {{'dtype': ..., 'values': [...]}}")
        out[name] = {"dtype": spec["dtype"],
                     "values": [_encode_value(v) for v in spec["values"]]}
    return out


def _invoke(python: str, request: dict) -> dict:
    timeout = float(os.environ.get("CAPE_ORACLE_TIMEOUT", "120"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONIOENCODING"] = "utf-8"
    try:
        proc = subprocess.run(
            [python, "-I", str(SCRIPT)],
            input=json.dumps(request, ensure_ascii=False, allow_nan=False).encode("utf-8"),
            capture_output=True, timeout=timeout, env=env,
        )
    except subprocess.TimeoutExpired as exc:
        raise CapeOracleError(f"cape oracle timed out after {timeout}s",
                              stderr=(exc.stderr or b"").decode("utf-8", "replace")) from exc
    stdout = proc.stdout.decode("utf-8", "replace")
    stderr = proc.stderr.decode("utf-8", "replace")
    try:
        response = json.loads(stdout)
    except ValueError:
        raise CapeOracleError(
            f"cape oracle produced no JSON (exit {proc.returncode}).\n"
            f"stdout:\n{stdout[-2000:]}\nstderr:\n{stderr[-4000:]}",
            stderr=stderr, returncode=proc.returncode) from None
    if proc.returncode != 0 or "error" in response:
        raise CapeOracleError(
            f"cape-dataframes failed: {response.get('error', '?')}\n"
            f"{response.get('traceback', '')}\nstderr:\n{stderr[-4000:]}",
            error_type=response.get("error_type"), error=response.get("error"),
            stderr=stderr, returncode=proc.returncode,
            traceback=response.get("traceback", ""))
    return response


_FLOAT_WORDS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _decode_value(v: Any, kind: str) -> Any:
    if v is None:
        return None
    if kind == "date" and isinstance(v, str):
        return datetime.date.fromisoformat(v)
    if kind == "timestamp" and isinstance(v, str):
        return datetime.datetime.fromisoformat(v)
    if kind.startswith("float"):
        if isinstance(v, str):
            return _FLOAT_WORDS[v]
        return float(v)
    if kind == "object" and isinstance(v, str) and v in _FLOAT_WORDS:
        return _FLOAT_WORDS[v]  # mixed object column: the script only emits these for floats
    return v


def run_cape_raw(policy_yaml: str, columns: dict) -> dict:
    """Run cape-dataframes and return its full JSON response (wire encodings).

    Keys: 'columns' (name -> list, wire-encoded), 'dtypes' (name -> kind:
    string|int64|int32|float64|float32|date|timestamp|bool|object),
    'pandas_dtypes' (name -> str(pandas dtype)), 'log' (cape's warnings, e.g.
    'WARNING Unable to transform column x in policy p' when a rule's column is
    missing, which cape skips silently).
    """
    python = oracle_python()
    if python is None:
        raise CapeOracleError(oracle_unavailable_reason())
    return _invoke(python, {"policy": policy_yaml, "columns": _encode_columns(columns)})


def run_cape(policy_yaml: str, columns: dict) -> dict:
    """Apply ``policy_yaml`` with cape-dataframes 0.3.1 to ``columns``.

    ``columns``: ``{name: {"dtype": "string|int64|int32|float64|date|timestamp",
    "values": [...]}}``; values may be wire-encoded (ISO strings, "NaN", null)
    or Python-native (datetime.date, datetime.datetime, float('nan'), None).

    Returns ``{name: [values]}`` for every column of cape's output (dropped
    columns and redacted rows are absent), decoded by the output column's kind:
    dates -> datetime.date, timestamps -> datetime.datetime, floats -> float
    (NaN as float('nan')), NULL/NaT -> None.  Use :func:`run_cape_raw` for the
    output dtypes.  Raises :class:`CapeOracleError` if cape raises.
    """
    return _decode_response(run_cape_raw(policy_yaml, columns))


def _decode_response(response: dict) -> dict:
    kinds = response.get("dtypes", {})
    return {name: [_decode_value(v, kinds.get(name, "object")) for v in values]
            for name, values in response["columns"].items()}


def run_cape_batch(requests, *, raw: bool = False) -> list:
    """Run many ``(policy_yaml, columns)`` requests in ONE oracle process.

    Starting the oracle interpreter (pandas import) costs ~0.6 s, so property
    tests should batch.  Returns one entry per request, in order: the decoded
    columns (as :func:`run_cape`; the full response if ``raw``), or a
    :class:`CapeOracleError` instance (returned, not raised) where cape raised.
    """
    python = oracle_python()
    if python is None:
        raise CapeOracleError(oracle_unavailable_reason())
    batch = [{"policy": policy, "columns": _encode_columns(columns)}
             for policy, columns in requests]
    response = _invoke(python, {"batch": batch})
    out = []
    for item in response["results"]:
        if "error" in item:
            out.append(CapeOracleError(
                f"cape-dataframes failed: {item['error']}\n{item.get('traceback', '')}",
                error_type=item.get("error_type"), error=item.get("error"),
                traceback=item.get("traceback", "")))
        else:
            out.append(item if raw else _decode_response(item))
    return out

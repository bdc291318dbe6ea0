"""Run a command and measure its own peak RSS.

``os.wait4`` on a direct child is not enough: Linux carries the high-water
mark across fork and exec, so a child of this (large) benchmark process would
report at least this process's RSS. A small launcher interpreter in between
starts the command afresh and reports the command's ru_maxrss.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time

_LAUNCHER = """
import os, sys
out, argv = sys.argv[1], sys.argv[2:]
pid = os.posix_spawnp(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
with open(out, "w") as f:
    f.write(str(usage.ru_maxrss * 1024))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(cmd: list[str], *, cwd=None, env=None, stdout=None, stderr=None):
    """(CompletedProcess, wall seconds, peak RSS bytes of the command)."""
    with tempfile.NamedTemporaryFile("r", suffix=".maxrss") as report:
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-S", "-I", "-c", _LAUNCHER, report.name, *cmd],
                              cwd=cwd, env=env, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        text = report.read().strip()
    return proc, wall, int(text) if text else 0

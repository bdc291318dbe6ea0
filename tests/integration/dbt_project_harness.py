"""A throwaway analytics project that installs cape with ``local:`` and runs real dbt.

Each project lives in its own directory with its own DuckDB file; dbt runs in a
subprocess, as a user would run it, so no state leaks between invocations.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import yaml

from cape_udfs.duckdb_functions import register
from cape_udfs.errors import CapeError
from cape_udfs.keyring import Keyring

REPO = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))


class DbtProject:
    def __init__(self, root: Path, *, name: str = "analytics", env: dict | None = None,
                 plugin_config: dict | None = None, project_extra: dict | None = None):
        self.root = Path(root)
        self.name = name
        self.db_path = self.root / "warehouse.duckdb"
        self.env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
                    "DO_NOT_TRACK": "1", **(env or {})}
        self.root.mkdir(parents=True, exist_ok=True)
        project = {
            "name": name, "version": "1.0.0", "config-version": 2, "profile": name,
            "model-paths": ["models"], "seed-paths": ["seeds"], "test-paths": ["tests"],
            "macro-paths": ["macros"],
        }
        project.update(project_extra or {})
        self.write("dbt_project.yml", yaml.safe_dump(project, sort_keys=False))
        self.write("packages.yml", yaml.safe_dump({"packages": [{"local": str(REPO)}]}))
        plugin = {"module": "cape_udfs.plugin"}
        if plugin_config is not None:
            plugin["config"] = plugin_config
        profile = {name: {"target": "dev", "outputs": {"dev": {
            "type": "duckdb", "path": str(self.db_path), "threads": 4, "plugins": [plugin]}}}}
        self.write("profiles.yml", yaml.safe_dump(profile, sort_keys=False))
        self.named_keys = (plugin_config or {}).get("keys") or {}
        self._deps_done = False

    def write(self, relpath: str, text: str) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def dbt(self, *args: str, expect_ok: bool = True, cwd: Path | None = None,
            env: dict | None = None) -> subprocess.CompletedProcess:
        if not self._deps_done and args[0] != "deps":
            self.dbt("deps")
        cmd = [DBT, *args, "--project-dir", str(self.root), "--profiles-dir", str(self.root)]
        proc = subprocess.run(cmd, cwd=str(cwd or self.root), env={**self.env, **(env or {})},
                              capture_output=True, text=True, timeout=600)
        if args[0] == "deps" and proc.returncode == 0:
            self._deps_done = True
        ok = proc.returncode == 0
        if ok != expect_ok:
            raise AssertionError(
                f"dbt {' '.join(args)} exited {proc.returncode}, expected {'success' if expect_ok else 'failure'}\n"
                f"--- stdout ---\n{proc.stdout[-8000:]}\n--- stderr ---\n{proc.stderr[-4000:]}")
        proc.output = proc.stdout + proc.stderr
        return proc

    def sql(self, query: str, params=None) -> list[tuple]:
        """Query the warehouse read-only, with cape's functions registered so
        views built by dbt can be read (keys resolved as this project's)."""
        con = duckdb.connect(str(self.db_path), read_only=True)
        keyring = Keyring(named=self.named_keys, environ=self.env, project_dir=str(self.root))
        # A reader outside dbt names the policies whose views it reads (SQL may
        # only use keys a plan handed out); here, every policy of the project.
        for policy in sorted((self.root / "policies").glob("*.yml")):
            try:
                keyring.load_policy_keys(str(policy))
            except CapeError:  # a deliberately broken policy, or a key not set for this reader
                pass
        register(con, keyring)
        try:
            return con.execute(query, params or []).fetchall()
        finally:
            con.close()

    def table_exists(self, name: str) -> bool:
        if not self.db_path.exists():
            return False
        rows = self.sql("select count(*) from information_schema.tables where table_name = ?", [name])
        return rows[0][0] > 0

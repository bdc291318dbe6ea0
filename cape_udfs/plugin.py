"""dbt-duckdb plugin: ``plugins: [{module: cape_udfs.plugin, config: {...}}]``.

Config (all optional; values are never logged):
  keys: {NAME: {env: VAR} | {value: <base64url>}}   named keys for policies and macros
"""
from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from cape_udfs import duckdb_functions
from cape_udfs.keys import KEYRING

_KNOWN = {"keys"}


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        unknown = set(plugin_config or {}) - _KNOWN
        if unknown:
            raise ValueError(f"cape_udfs.plugin: unknown config field(s) {sorted(unknown)} (known: keys)")
        KEYRING.declare((plugin_config or {}).get("keys") or {})

    def configure_connection(self, conn) -> None:
        duckdb_functions.register(conn)

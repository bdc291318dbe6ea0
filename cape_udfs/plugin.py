"""dbt-duckdb plugin: ``plugins: [{module: cape_udfs.plugin, config: {...}}]``.

Config (all optional; values are never logged):
  keys: {NAME: {env: VAR} | {value: <base64url>}}   named keys for policies and macros
"""
from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.events.logging import AdapterLogger

from cape_udfs import duckdb_functions
from cape_udfs.kernels.hmac_sha256 import native_missing_warning
from cape_udfs.keyring import KEYRING

_KNOWN = {"keys"}
_logger = AdapterLogger("cape_udfs")


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        warning = native_missing_warning()
        if warning:
            _logger.warning(warning)
        config = plugin_config or {}
        # A plugin given no `config:` receives the profile's DuckDB `settings:`
        # (memory_limit, threads, ...) instead: those are not ours to check.
        settings = getattr(self.creds, "settings", None) or {}
        if config and config is not settings and config != settings:
            unknown = set(config) - _KNOWN
            if unknown:
                raise ValueError(f"cape_udfs.plugin: unknown config field(s) {sorted(unknown)} (known: keys)")
            KEYRING.declare(config.get("keys") or {})

    def configure_connection(self, conn) -> None:
        duckdb_functions.register(conn)

"""The package's own exceptions.

Every error a user can cause with a policy is a ``PolicyError`` raised once,
when the policy is loaded, with the file, the rule and the field it concerns.
Messages describe what was expected; they never quote key material.
"""
from __future__ import annotations


class CapeError(Exception):
    """Base class for every error raised by cape_udfs."""


class PolicyError(CapeError, ValueError):
    """A policy file is malformed or asks for something impossible."""

    def __init__(self, message: str, *, path: str | None = None,
                 rule: str | None = None, field: str | None = None):
        self.message = message
        self.path = path
        self.rule = rule
        self.field = field
        super().__init__(str(self))

    def located(self, *, path: str | None = None, rule: str | None = None,
                field: str | None = None) -> "PolicyError":
        """Return a copy that fills in whatever location is still unknown."""
        return PolicyError(self.message, path=self.path or path,
                           rule=self.rule or rule, field=self.field or field)

    def __str__(self) -> str:
        where = []
        if self.path:
            where.append(f"policy {self.path}")
        if self.rule:
            where.append(self.rule)
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class KeyResolutionError(CapeError, ValueError):
    """A key reference cannot be resolved (missing variable, bad encoding, wrong length)."""


class TokenError(CapeError, ValueError):
    """A token failed to verify or decode. Carries the column, never the token."""

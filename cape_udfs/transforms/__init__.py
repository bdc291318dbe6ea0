"""The transform registry, built from the modules of this package.

Every module here that defines a ``Transform`` subclass with a ``name``
contributes one instance of it: adding a transform is adding a module (and, for
native SQL, its renderer macro). Names are listed in the order of
``ORDER`` first (the order users know from the docs), then alphabetically.
"""
from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil

from cape_udfs.errors import PolicyError
from cape_udfs.transforms.base import Transform

# The first wave's order, which error messages list; later transforms follow by name.
ORDER = ("tokenizer", "reversible-tokenizer", "token-reverser", "numeric-rounding", "date-truncation",
         "numeric-perturbation", "date-perturbation", "column-redact", "row-redact",
         "format-preserving-encryption", "format-preserving-decryption", "character-mask", "numeric-bucketing",
         "truncation")


def _discover() -> tuple[Transform, ...]:
    found: dict[str, Transform] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Transform) and cls.__module__ == module.__name__ and cls.name:
                if cls.name in found:
                    raise RuntimeError(f"two transforms are named {cls.name}")
                found[cls.name] = cls()
    rank = {name: i for i, name in enumerate(ORDER)}
    return tuple(sorted(found.values(), key=lambda tr: (rank.get(tr.name, len(ORDER)), tr.name)))


TRANSFORMS: tuple[Transform, ...] = _discover()

REGISTRY: dict[str, Transform] = {tr.name: tr for tr in TRANSFORMS}


def get_transform(name) -> Transform:
    if not isinstance(name, str) or name not in REGISTRY:
        hint = ""
        if isinstance(name, str):
            close = difflib.get_close_matches(name.lower(), REGISTRY, n=1, cutoff=0.6)
            if close:
                hint = f"; did you mean '{close[0]}'?"
        shown = repr(name) if isinstance(name, str) and len(name) <= 60 else "this value"
        raise PolicyError(f"unknown transform type {shown}{hint} (known: {', '.join(REGISTRY)})",
                          field="type")
    return REGISTRY[name]

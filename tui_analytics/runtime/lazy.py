"""Package namespaces whose names load on first use.

A package `__init__` that imports its submodules eagerly makes every import of
any submodule pay for all of them: `tui-analytics --help` would load SQLAlchemy
and APScheduler just to list the commands. Packages instead declare which
submodule defines each public name and resolve it when it is first read.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[list[str], Callable[[str], object], Callable[[], list[str]]]:
    """`__all__`, `__getattr__` and `__dir__` for `package`, whose public names live in submodules.

    `exports` maps each public name to the submodule (relative to `package`) that defines it.
    """
    names = sorted(exports)

    def getattr_(name: str) -> object:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        # Cache on the package so the next read is an ordinary attribute lookup.
        setattr(importlib.import_module(package), name, value)
        return value

    def dir_() -> list[str]:
        return names

    return names, getattr_, dir_

"""The package's layers, as the README's architecture section draws them, enforced.

Every import in tui_analytics/ (function-level and TYPE_CHECKING ones too) is
read with `ast` and checked against the table below: a module may import its
own layer and the layers under it, never one above; services import each
other only along ALLOWED_SERVICE_EDGES; nothing under the faces imports
Textual or Rich.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "tui_analytics"

# Top to bottom. A module belongs to the first entry whose prefix it has.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("faces", ("tui_analytics.ui", "tui_analytics.cli", "tui_analytics.api", "tui_analytics.__main__")),
    ("composition", ("tui_analytics.wiring",)),
    (
        "services",
        (
            "tui_analytics.processor",
            "tui_analytics.export",
            "tui_analytics.reports",
            "tui_analytics.alerts",
            "tui_analytics.channel",
        ),
    ),
    ("data", ("tui_analytics.data",)),
    ("config", ("tui_analytics.config",)),
    ("runtime", ("tui_analytics.runtime",)),
]
RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}
# Which service may import which (the README: reports render through the export service).
ALLOWED_SERVICE_EDGES = {("tui_analytics.reports", "tui_analytics.export")}
# Which face may import which (the CLI opens the dashboard; the UI never runs the CLI).
ALLOWED_FACE_EDGES = {("tui_analytics.cli", "tui_analytics.ui"), ("tui_analytics.__main__", "tui_analytics.cli")}
UI_LIBRARIES = ("textual", "rich")


def layer_of(module: str) -> tuple[str, str] | None:
    """(layer, unit) for a module of the package; the root package's __init__ is a face."""
    if module == "tui_analytics":
        return "faces", "tui_analytics"
    for layer, prefixes in LAYERS:
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                return layer, prefix
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(name: str, is_package: bool, code: str) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in a module's code, relative ones resolved."""
    package = name if is_package else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(code, name)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from pkg import module` imports that module: count it as pkg.module.
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
    return found


Module = tuple[str, bool, str]  # dotted name, is a package's __init__, source code


def violations(modules: list[Module]) -> list[str]:
    out: list[str] = []
    for source, is_package, code in modules:
        here = layer_of(source)
        assert here is not None, f"{source} belongs to no layer: add it to LAYERS"
        layer, unit = here
        for line, target in imports_of(source, is_package, code):
            where = f"{source}:{line}"
            if layer != "faces" and target.split(".")[0] in UI_LIBRARIES:
                out.append(f"{where}: {layer} module imports {target}")
                continue
            there = layer_of(target)
            if there is None:
                continue  # the standard library or a third-party package
            target_layer, target_unit = there
            if target_unit == unit:
                continue
            if RANK[target_layer] < RANK[layer]:
                out.append(f"{where}: {layer} imports {target_layer} ({target})")
            elif target_layer == layer == "services" and (unit, target_unit) not in ALLOWED_SERVICE_EDGES:
                out.append(f"{where}: service {unit} imports service {target_unit}")
            elif target_layer == layer == "faces" and (unit, target_unit) not in ALLOWED_FACE_EDGES and unit != "tui_analytics":
                out.append(f"{where}: face {unit} imports face {target_unit}")
    return out


def package_modules() -> list[Module]:
    files = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
    return [(module_name(p), p.name == "__init__.py", p.read_text(encoding="utf-8")) for p in files]


def test_every_import_follows_the_layers() -> None:
    modules = package_modules()
    assert len(modules) > 80  # the walk found the package
    assert violations(modules) == []


@pytest.mark.parametrize(
    ("module", "code", "expected"),
    [
        ("data/extra.py", "import textual\n", "data module imports textual"),
        ("data/extra.py", "from ..processor import JOBS\n", "data imports services"),
        ("runtime/extra.py", "from ..data.config import Settings\n", "runtime imports data"),
        ("processor/extra.py", "from ..reports import DATASETS\n", "service tui_analytics.processor imports service"),
        ("processor/extra.py", "from ..alerts import AlertService\n", "service tui_analytics.processor imports service"),
        ("alerts/extra.py", "from ..processor import JOBS\n", "service tui_analytics.alerts imports service"),
        ("channel/extra.py", "from ..processor.cache import CacheEntry\n", "service tui_analytics.channel imports service"),
        ("channel/extra.py", "from ..wiring import Services\n", "services imports composition"),
        ("export/extra.py", "def f():\n    from ..ui import build_app\n", "services imports faces"),
        ("reports/extra.py", "from rich.text import Text\n", "services module imports rich.text"),
        ("ui/extra.py", "from ..cli import main\n", "face tui_analytics.ui imports face tui_analytics.cli"),
    ],
)
def test_a_forbidden_import_is_caught(module: str, code: str, expected: str) -> None:
    # The same check over one made-up module of the package holding a forbidden import.
    found = violations([(_name(module), False, code)])
    assert len(found) == 1 and expected in found[0], found


@pytest.mark.parametrize(
    ("module", "code"),
    [
        ("data/extra.py", "from ..runtime.clock import Clock\n"),
        ("reports/extra.py", "from ..export import ExportOptions\n"),
        ("cli/extra.py", "from ..ui import build_app\nfrom ..wiring import Services\n"),
        ("wiring/extra.py", "from ..processor import JOBS\n"),
        ("alerts/extra.py", "from ..data.schema import job_runs\nfrom ..runtime.events import JOB_FAILED\n"),
    ],
)
def test_an_allowed_import_passes(module: str, code: str) -> None:
    assert violations([(_name(module), False, code)]) == []


def test_adding_import_textual_to_a_real_data_module_fails() -> None:
    modules = [
        (name, pkg, code + "\nimport textual\n" if name == "tui_analytics.data.source.repository" else code)
        for name, pkg, code in package_modules()
    ]
    assert violations(modules) == [f"tui_analytics.data.source.repository:{_last_line(modules)}: data module imports textual"]


def _last_line(modules: list[Module]) -> int:
    code = next(code for name, _, code in modules if name == "tui_analytics.data.source.repository")
    return len(code.splitlines())


def _name(relative: str) -> str:
    return "tui_analytics." + relative.removesuffix(".py").replace("/", ".")

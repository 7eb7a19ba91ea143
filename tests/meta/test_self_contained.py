"""The repository documents itself: no file points outside it, and every documentation link resolves.

The product's contract lives in README.md and docs/; CONTRIBUTING.md and CHANGELOG.md go with
them. These tests fail when a file of the repository refers to a design document kept elsewhere,
when the README does not link a page of docs/, when a relative link in one of those files names a
file (or a heading) that does not exist, or when a path they name in code (`ui/app.py`,
`tests/support/`, `cli/common.services`) is not in the repository.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Spelled in pieces so that this file does not match itself.
FORBIDDEN = ("DESIGN" + ".md", ".." + "/shared", "/work" + "/shared")

# Pages the README has always linked; every other page of docs/ must be linked too (see below).
DOC_PAGES = ("api.md", "data.md", "dashboard.md", "cli.md")
# Besides README.md and docs/*.md.
ROOT_DOCUMENTS = ("CONTRIBUTING.md", "CHANGELOG.md")

_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _repository_files() -> list[Path]:
    """Tracked files, plus new files not ignored by git (so pages not yet committed are checked too)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the file list comes from git ls-files")
    names = sorted({name for name in out.decode("utf-8", "surrogateescape").split("\0") if name})
    return [ROOT / name for name in names if (ROOT / name).is_file()]


def _text(path: Path) -> str | None:
    """The file's text, or None for binary files and SVG images."""
    if path.suffix.lower() == ".svg":
        return None
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def test_no_file_refers_to_documents_outside_the_repository() -> None:
    offenders = []
    for path in _repository_files():
        text = _text(path)
        if text is None:
            continue
        lowered = text.lower()
        for needle in FORBIDDEN:
            if needle.lower() not in lowered:
                continue
            for number, line in enumerate(text.splitlines(), start=1):
                if needle.lower() in line.lower():
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not offenders, "references to documents outside the repository:\n" + "\n".join(offenders)


def _documentation() -> list[Path]:
    return [ROOT / "README.md", *(ROOT / name for name in ROOT_DOCUMENTS), *sorted((ROOT / "docs").glob("*.md"))]


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = _INLINE_CODE.sub(lambda m: m.group(0).strip("`"), heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link in a heading counts by its text
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for heading in _HEADING.findall(_FENCE.sub("", path.read_text(encoding="utf-8"))):
        slug = _slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _links(path: Path) -> list[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    text = _INLINE_CODE.sub("", text)
    return _LINK.findall(text)


def test_the_documentation_pages_exist_and_the_readme_links_them() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pages = sorted({*DOC_PAGES, *(path.name for path in (ROOT / "docs").glob("*.md"))})
    for page in pages:
        assert (ROOT / "docs" / page).is_file(), f"docs/{page} is missing"
        assert f"](docs/{page})" in readme, f"README.md does not link docs/{page}"
    for name in ROOT_DOCUMENTS:
        assert (ROOT / name).is_file(), f"{name} is missing"
        assert f"]({name})" in readme, f"README.md does not link {name}"


@pytest.mark.parametrize("doc", _documentation(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(doc: Path) -> None:
    broken = []
    for target in _links(doc):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # http:, https:, mailto: ...: not files of the repository
        location, _, anchor = target.partition("#")
        destination = (doc.parent / location).resolve() if location else doc
        if not destination.exists():
            broken.append(f"{target}: no such file")
            continue
        try:
            destination.relative_to(ROOT)
        except ValueError:
            broken.append(f"{target}: outside the repository")
            continue
        if anchor and destination.suffix == ".md" and anchor not in _anchors(destination):
            broken.append(f"{target}: no heading #{anchor} in {destination.relative_to(ROOT)}")
    assert not broken, f"broken links in {doc.relative_to(ROOT)}:\n" + "\n".join(broken)


# A path named in inline code is checked when its first part is a folder of the repository or of
# the package (docs write `ui/app.py` for tui_analytics/ui/app.py). `module.name` (a function or a
# class in a module, `cli/common.services`) is checked as that module's file.
_CODE_SPAN = re.compile(r"`([^`\s]+)`")
_NOT_A_PATH = re.compile(r"[:=<>{}()'\"$@,;]")
_FILE_SUFFIXES = {".py", ".md", ".toml", ".tcss", ".svg", ".png", ".json", ".cfg", ".txt", ".yaml", ".yml"}


def _path_roots() -> set[str]:
    roots = {p.name for p in ROOT.iterdir() if p.is_dir() and p.name not in {".git", ".venv"}}
    return roots | {p.name for p in (ROOT / "tui_analytics").iterdir() if p.is_dir() and p.name != "__pycache__"}


def _named_paths(path: Path) -> list[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    roots = _path_roots()
    return [
        token
        for token in _CODE_SPAN.findall(text)
        if "/" in token
        and not token.startswith(("/", "~", "."))
        and not _NOT_A_PATH.search(token)
        and token.split("/", 1)[0] in roots
    ]


def _exists(token: str) -> bool:
    for base in (ROOT, ROOT / "tui_analytics"):
        if "*" in token:
            if any(base.glob(token)):
                return True
            continue
        if (base / token).exists():
            return True
        head, _, last = token.rpartition("/")
        stem, dot, _attribute = last.partition(".")
        if dot and Path(last).suffix not in _FILE_SUFFIXES and (base / head / f"{stem}.py").is_file():
            return True
    return False


@pytest.mark.parametrize("doc", _documentation(), ids=lambda p: str(p.relative_to(ROOT)))
def test_paths_named_in_the_documentation_exist(doc: Path) -> None:
    missing = sorted({token for token in _named_paths(doc) if not _exists(token)})
    assert not missing, f"{doc.relative_to(ROOT)} names paths that do not exist: " + ", ".join(missing)

"""Where the stylesheets are: inside the installed package, or styles/ beside it in a checkout."""

from __future__ import annotations

from importlib import util
from pathlib import Path, PurePath

STYLESHEETS = ("dashboard.tcss", "dialogs.tcss")


def styles_dir() -> Path:
    """The folder holding the .tcss files.

    A wheel installs the repository's styles/ as the `tui_analytics.styles`
    package (see pyproject.toml); an editable install or a plain checkout has
    them in styles/ next to the package.
    """
    # styles/ has no __init__.py, so it installs as a namespace package: read its
    # search locations (resources.files() gives a MultiplexedPath there, not a folder).
    try:
        spec = util.find_spec("tui_analytics.styles")
    except ModuleNotFoundError:
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location)
        if (folder / STYLESHEETS[0]).is_file():
            return folder
    return Path(__file__).resolve().parents[2] / "styles"


def stylesheets() -> list[str | PurePath]:
    """The app's CSS_PATH, in cascade order (typed as App.CSS_PATH takes it)."""
    folder = styles_dir()
    return [folder / name for name in STYLESHEETS]

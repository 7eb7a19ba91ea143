"""Where the stylesheets are: inside the installed package, or styles/ beside it in a checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

STYLESHEETS = ("dashboard.tcss", "dialogs.tcss")


def styles_dir() -> Path:
    """The folder holding the .tcss files.

    A wheel installs the repository's styles/ as the `tui_analytics.styles`
    package (see pyproject.toml); an editable install or a plain checkout has
    them in styles/ next to the package.
    """
    try:
        folder = Path(str(resources.files("tui_analytics.styles")))
        if (folder / STYLESHEETS[0]).is_file():
            return folder
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parents[2] / "styles"


def stylesheets() -> list[str | Path]:
    """The app's CSS_PATH, in cascade order."""
    folder = styles_dir()
    return [folder / name for name in STYLESHEETS]

"""What the dashboard remembers between runs: the theme chosen in the palette.

A small JSON file in the data directory (`dashboard.json`), written atomically (a temporary file
beside it, then a rename), and only ever replaced when it is ours: a file of that name that does
not carry our mark (another program's, or edited into something else) is left as it is, and the
theme is then not remembered (the dashboard says so once). Reading and writing are blocking: the
CLI reads it before the app starts, the app writes it in a worker thread.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "dashboard.json"
MARK = "tui-analytics dashboard preferences"  # the `written_by` of our file


@dataclass
class Preferences:
    """The file's path and what it holds; `ours` is False for a file we must not replace."""

    path: Path
    theme: str | None = None
    ours: bool = True

    @classmethod
    def load(cls, data_dir: Path) -> Preferences:
        """The preferences in `data_dir` (none yet: defaults). A file that is not ours is not read."""
        path = data_dir / FILE_NAME
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path)
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("cannot read %s (%s): the theme is not remembered", path, exc)
            return cls(path, ours=False)
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("written_by") != MARK:
            log.warning("%s is not the dashboard's own file: it is left as it is, the theme is not remembered", path)
            return cls(path, ours=False)
        theme = data.get("theme")
        return cls(path, theme=theme if isinstance(theme, str) and theme else None)

    def save_theme(self, theme: str) -> str | None:
        """Remember `theme` (blocking). Returns why it could not be, or None when it was written."""
        if not self.ours:
            return f"{self.path} is not the dashboard's own file; it was left as it is"
        if self.path.is_symlink() or (self.path.exists() and not self.path.is_file()):
            self.ours = False
            return f"{self.path} is not a plain file; it was left as it is"
        payload = json.dumps({"written_by": MARK, "theme": theme}, indent=2) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{FILE_NAME}.", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(payload)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            return f"cannot write {self.path}: {exc.strerror or exc}"
        self.theme = theme
        return None

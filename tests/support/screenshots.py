"""The dashboard's screenshots: one list of scenes for the snapshot tests and the README.

`python -m tests.support.screenshots [DIR]` regenerates screenshots/*.svg (the
scenes marked for the README) over the fixed sample data (see sample.py), so the
files change only when the dashboard does.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.widgets import Input, Select

from tests.support.sample import generate_sample_reports, sample_app, sample_settings

Setup = Callable[[Any], Awaitable[None]]


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Wait until the app is quiet `rounds` checks in a row (workers done, panes redrawn)."""
    app = pilot.app
    quiet = 0
    for _ in range(200):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause(0.06)
        quiet = quiet + 1 if app.is_quiet else 0
        if quiet >= rounds:
            return
    raise RuntimeError("the dashboard never became quiet")


async def _bad_range(pilot: Any) -> None:
    dialog = pilot.app.screen
    dialog.query_one("#dataset", Select).value = "top-items"
    dialog.query_one("#start", Input).value = "2026-01-10"
    dialog.query_one("#end", Input).value = "2026-01-01"
    dialog.query_one("#end", Input).focus()


async def _bad_cron(pilot: Any) -> None:
    dialog = pilot.app.screen
    dialog.query_one("#schedule", Select).value = "custom"
    dialog.query_one("#cron", Input).value = "0 25 * * *"
    dialog.query_one("#cron", Input).focus()


async def _custom_cron(pilot: Any) -> None:
    dialog = pilot.app.screen
    dialog.query_one("#name", Input).value = "Weekday digest"
    dialog.query_one("#schedule", Select).value = "custom"
    dialog.query_one("#cron", Input).value = "30 7 * * 1-5"
    dialog.query_one("#timezone", Input).value = "Europe/Berlin"
    dialog.query_one("#recipients", Input).value = "ops@example.com"


async def _crowded(pilot: Any) -> None:
    """The editor at its tallest: a three-line preview and an error (the body scrolls, the buttons stay)."""
    dialog = pilot.app.screen
    dialog.query_one("#schedule", Select).value = "custom"
    dialog.query_one("#cron", Input).value = "*/5 0-23 * * 1-5"
    dialog.query_one("#timezone", Input).value = "America/Argentina/ComodRivadavia"
    dialog.query_one("#recipients", Input).value = "ops@example.com, not an address"
    dialog.query_one("#recipients", Input).focus()


@dataclass(frozen=True)
class Scene:
    """One screenshot: terminal size, keys pressed, optional setup; `readme` scenes go to screenshots/."""

    name: str
    size: tuple[int, int]
    press: tuple[str, ...] = ()
    failed_job: bool = False
    reports: bool = False  # make two reports first, so the history is not empty
    setup: Setup | None = None
    readme: bool = False
    about: str = ""


SCENES: tuple[Scene, ...] = (
    Scene("main-80x24", (80, 24), reports=True, readme=True, about="Jobs pane in an 80x24 terminal (tabs)"),
    Scene("main-120x40", (120, 40), reports=True, about="all four panes at 120x40"),
    Scene("main-160x50", (160, 50), reports=True, readme=True, about="all four panes at 160x50"),
    Scene("main-200x60", (200, 60), reports=True, about="all four panes at 200x60"),
    Scene("failed-job-80x24", (80, 24), ("down", "down"), failed_job=True, about="a failed job, selected"),
    Scene("failed-job-120x40", (120, 40), failed_job=True, readme=True, about="a failed job: status, error column, stale data"),
    Scene("metrics-80x24", (80, 24), ("2",), about="the Metrics pane"),
    Scene("analytics-80x24", (80, 24), ("3",), readme=True, about="the Analytics pane"),
    Scene("reports-80x24", (80, 24), ("4",), reports=True, readme=True, about="the Reports pane"),
    Scene("reports-empty-80x24", (80, 24), ("4",), about="no reports yet"),
    Scene("help-80x24", (80, 24), ("question_mark",), readme=True, about="? lists every key"),
    Scene("help-160x50", (160, 50), ("question_mark",), about="the help over the grid"),
    Scene("export-80x24", (80, 24), ("e",), readme=True, about="e: the export dialog"),
    Scene("export-bad-range-80x24", (80, 24), ("e",), setup=_bad_range, about="a reversed date range"),
    Scene("template-new-80x24", (80, 24), ("4", "n"), about="n: a new template"),
    Scene(
        "template-bad-cron-80x24",
        (80, 24),
        ("4", "down", "enter"),
        setup=_bad_cron,
        about="enter: editing a template, with a bad cron",
    ),
    Scene(
        "template-crowded-80x24",
        (80, 24),
        ("4", "n"),
        setup=_crowded,
        about="a long preview and an error: the form scrolls, the buttons stay",
    ),
    Scene(
        "template-preview-160x50",
        (160, 50),
        ("4", "n"),
        setup=_custom_cron,
        readme=True,
        about="a custom cron in words and its next five runs",
    ),
    Scene("invalidate-80x24", (80, 24), ("down", "i"), readme=True, about="i: keys matching a pattern"),
    Scene("confirm-clear-80x24", (80, 24), ("c",), readme=True, about="c asks first"),
    Scene("confirm-delete-80x24", (80, 24), ("4", "d"), about="d asks first"),
)


async def prepare(pilot: Any, scene: Scene) -> None:
    """Bring the app to the scene (run before the screenshot is taken)."""
    await settle(pilot)
    if scene.reports:
        await generate_sample_reports(pilot.app.services)
        await settle(pilot)
    if scene.press:
        await pilot.press(*scene.press)
        await settle(pilot, rounds=2)
    if scene.setup is not None:
        await scene.setup(pilot)
        await settle(pilot, rounds=2)


def scene_app(scene: Scene, data_dir: Path) -> Any:
    return sample_app(sample_settings(data_dir), failed_job=scene.failed_job)


async def _shoot(scene: Scene, data_dir: Path) -> str:
    app = scene_app(scene, data_dir)
    async with app.run_test(size=scene.size) as pilot:
        await prepare(pilot, scene)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        return app.export_screenshot(title=f"tui-analytics: {scene.about}" if scene.about else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.screenshots", description=__doc__)
    parser.add_argument("directory", nargs="?", default="screenshots", help="where the SVGs go (default: screenshots)")
    parser.add_argument("--all", action="store_true", help="every scene, not only the README ones")
    args = parser.parse_args(argv)
    out = Path(args.directory)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tui-analytics-screens-"))
    try:
        template = work / "template"
        from tests.support.sample import ensure_sample_source

        ensure_sample_source(template)
        for scene in SCENES:
            if not (scene.readme or args.all):
                continue
            data_dir = work / scene.name  # every scene starts from the same fresh data
            data_dir.mkdir()
            shutil.copy(template / "demo.sqlite3", data_dir / "demo.sqlite3")
            svg = asyncio.run(_shoot(scene, data_dir))
            (out / f"{scene.name}.svg").write_text(svg, encoding="utf-8")
            print(f"wrote {out / (scene.name + '.svg')}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

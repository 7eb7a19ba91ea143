"""Screenshots of the dashboard over fixed data, compared with the accepted SVGs.

The scenes are the ones `python -m tests.support.screenshots` writes for the README
(screenshots.SCENES): the seed-7 demo database, a frozen clock, fixed job history and
performance figures, no scheduler, no cursor blink and an explicit terminal size, so a
run draws the same screen every time. Update with
`pytest tests/ui/test_ui_snapshots.py --snapshot-update` only after looking at the report
(snapshot_report.html).
"""

from __future__ import annotations

import pytest

from tests.support.sample import sample_app
from tests.support.screenshots import SCENES, Scene, prepare

pytestmark = pytest.mark.slow  # 21 full-dashboard screenshots compared with SVGs


@pytest.mark.parametrize("scene", SCENES, ids=[scene.name for scene in SCENES])
def test_scene(snap_compare, settings, scene: Scene) -> None:
    app = sample_app(settings, failed_job=scene.failed_job)

    async def run_before(pilot) -> None:
        await prepare(pilot, scene)

    assert snap_compare(app, terminal_size=scene.size, run_before=run_before)


def test_every_dialog_and_the_help_have_a_scene() -> None:
    keys = {key for scene in SCENES for key in scene.press}
    assert {"e", "i", "c", "question_mark", "n", "enter", "d"} <= keys
    sizes = {scene.size for scene in SCENES if scene.name.startswith("main-")}
    assert {(80, 24), (160, 50)} <= sizes

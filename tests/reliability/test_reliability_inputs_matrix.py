"""The extended bad-input matrix: every CLI argument and every setting (TOML key and environment
variable) gets an out-of-range, a wrong-type, an empty, a huge and a non-ASCII value.

Each must give exit 1 (2 for a usage error), one line under 200 characters, no traceback and no
"unexpected", and leave the data directory (state database, demo source, exports, reports) byte
for byte as it was. The CLI runs in-process (`main(argv)`), so the whole matrix takes seconds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tui_analytics.cli import main
from tui_analytics.data.engines import dispose_all

pytestmark = pytest.mark.slow  # some 300 commands

KINDS = ("out-of-range", "wrong-type", "empty", "huge", "non-ascii")
HUGE = "x" * 5000
HUGE_NUMBER = "9" * 400


@dataclass(frozen=True)
class Arg:
    """One argument: the command line around its value, and a bad value of each kind.

    A kind missing from `values` is named in `not_applicable` with the reason.
    """

    name: str
    before: tuple[str, ...]
    values: dict[str, str]
    after: tuple[str, ...] = ()
    not_applicable: str = ""


def numbers(too_small: str = "0") -> dict[str, str]:
    return {
        "out-of-range": too_small,
        "wrong-type": "twelve",
        "empty": "",
        "huge": HUGE_NUMBER,
        "non-ascii": "١٢",
    }  # Arabic-Indic digits: int() reads them, the options must not


def texts(out_of_range: str, wrong_type: str = "42", non_ascii: str = "ünknown") -> dict[str, str]:
    return {"out-of-range": out_of_range, "wrong-type": wrong_type, "empty": "", "huge": HUGE, "non-ascii": non_ascii}


DATES = {
    "out-of-range": "9999-12-31",
    "wrong-type": "12",
    "empty": "",
    "huge": "2026-01-01" + "0" * 5000,
    "non-ascii": "２０２６-01-01",
}
PAIR = ("--from", "2026-01-01", "--to")
CREATE = ("report", "create", "--name", "Matrix", "--schedule", "daily")
ZONES = {"out-of-range": "Europe", "wrong-type": "5", "empty": "", "huge": "A" * 5000, "non-ascii": "Europe/Zürich"}
CRONS = {"out-of-range": "61 * * * *", "wrong-type": "every day", "empty": "", "huge": "* " * 3000, "non-ascii": "٣ * * * *"}
IDS = texts("bogus", "42", "ünknown-id")
FLAG = "only takes no value: passing one is its wrong type; no range, emptiness, size or alphabet"

ARGS = [
    Arg("config", ("--config",), texts("{tmp}/missing.toml", "{tmp}", "{tmp}/ü.toml"), ("jobs", "status")),
    Arg("verbose", ("--verbose=yes",), {"wrong-type": ""}, ("jobs", "status"), FLAG),
    # demo-data
    Arg(
        "demo-url",
        ("demo-data", "-q", "--url"),
        texts("nope://x", "5", "sqlite:///{tmp}/a-file/ü.db") | {"huge": "sqlite:///{tmp}/" + HUGE},
    ),
    *(
        Arg(
            f"demo-{n}",
            ("demo-data", "-q", "--url", "sqlite:///{tmp}/demo-new.db", f"--{n}"),
            numbers("-1" if n == "seed" else "0") | ({"huge": "1000000001"} if n == "activities" else {}),
        )
        for n in ("users", "items", "activities", "months", "seed")
    ),
    Arg("demo-end", ("demo-data", "-q", "--url", "sqlite:///{tmp}/demo-new.db", "--end"), DATES),
    Arg("demo-replace", ("demo-data", "--replace=yes"), {"wrong-type": ""}, (), FLAG),
    # export
    Arg("export-dataset", ("export",), texts("users", "42", "üser-growth"), ("-q",)),
    Arg("export-format", ("export", "top-items", "-q", "--format"), texts("ods", "1", "çsv")),
    Arg("export-by", ("export", "user-growth", "-q", "--by"), texts("fortnight", "1", "dây")),
    Arg("export-from", ("export", "top-items", "-q", "--from"), DATES, ("--to", "2026-02-01")),
    Arg("export-to", ("export", "top-items", "-q", *PAIR), DATES | {"out-of-range": "9999-12-31T23:59:59-01:00"}),
    Arg("export-limit", ("export", "activity-trends", "-q", "--limit"), numbers() | {"out-of-range": "3000000"}),
    Arg(
        "export-output",
        ("export", "top-items", "-q", "-o"),
        texts("{tmp}/a-file/out.csv", "{tmp}/a-file/", "{tmp}/a-file/ü.csv") | {"huge": "{tmp}/" + HUGE},
    ),
    *(
        Arg(f"export-{flag}", ("export", "top-items", f"--{flag}=yes"), {"wrong-type": ""}, (), FLAG)
        for flag in ("metadata", "gzip", "excel", "quiet")
    ),
    # report
    Arg("report-list-json", ("report", "list", "--json=yes"), {"wrong-type": ""}, (), FLAG),
    Arg("report-run-id", ("report", "run"), IDS),
    Arg("report-run-from", ("report", "run", "daily-activity-summary", "--from"), DATES, ("--to", "2026-02-01")),
    Arg("report-run-to", ("report", "run", "daily-activity-summary", *PAIR), DATES),
    Arg("report-history-template", ("report", "history", "--template"), IDS),
    Arg("report-history-limit", ("report", "history", "--limit"), numbers() | {"huge": "99999999999999999999"}),
    Arg(
        "report-create-name",
        ("report", "create", "--schedule", "daily", "--name"),
        {
            "out-of-range": "n" * 201,
            "wrong-type": "\u200b\u200c\u200d",
            "empty": "",
            "huge": HUGE,
            "non-ascii": "invoice\u202etxt.exe",
        },
    ),
    Arg(
        "report-create-description",
        (*CREATE, "--description"),
        {"out-of-range": "d" * 2001, "huge": HUGE},
        not_applicable="any text, empty or not, in any alphabet, is a description",
    ),
    Arg("report-create-schedule", ("report", "create", "--name", "Matrix", "--schedule"), texts("hourly", "1", "dailý")),
    Arg("report-create-cron", ("report", "create", "--name", "Matrix", "--cron"), CRONS),
    Arg("report-create-timezone", (*CREATE, "--timezone"), ZONES),
    Arg("report-create-format", (*CREATE, "--format"), texts("pdf", "1", "çsv")),
    Arg("report-create-dataset", (*CREATE, "--dataset"), texts("sales", "1", "tóp-items")),
    Arg(
        "report-create-recipient",
        (*CREATE, "--recipient"),
        texts("ops@example", "1", "ü@example.com") | {"huge": "a" * 5000 + "@example.com"},
    ),
    *(
        Arg(f"report-create-{flag}", (*CREATE, f"--{flag}=yes"), {"wrong-type": ""}, (), FLAG)
        for flag in ("no-metadata", "inactive", "json")
    ),
    Arg("report-delete-id", ("report", "delete"), IDS),
    Arg("report-cron-expression", ("report", "cron"), CRONS),
    Arg("report-cron-timezone", ("report", "cron", "0 9 * * *", "--timezone"), ZONES),
    Arg("report-cron-n", ("report", "cron", "0 9 * * *", "-n"), numbers() | {"out-of-range": "1001"}),
    # jobs
    Arg("jobs-status-json", ("jobs", "status", "--json=yes"), {"wrong-type": ""}, (), FLAG),
    Arg("jobs-run-id", ("jobs", "run"), IDS),
    Arg("jobs-run-json", ("jobs", "run", "top-items", "--json=yes"), {"wrong-type": ""}, (), FLAG),
    Arg("jobs-history-id", ("jobs", "history"), IDS),
    Arg("jobs-history-limit", ("jobs", "history", "--limit"), numbers() | {"huge": "99999999999999999999"}),
    # cache
    Arg("cache-clear-json", ("cache", "clear", "--json=yes"), {"wrong-type": ""}, (), FLAG),
    Arg("cache-invalidate-pattern", ("cache", "invalidate"), texts("zzz*", "42", "ü*") | {"huge": "*" * 5000}),
    Arg("cache-invalidate-dry-run", ("cache", "invalidate", "*", "--dry-run=yes"), {"wrong-type": ""}, (), FLAG),
    Arg("cache-keys-json", ("cache", "keys", "--json=yes"), {"wrong-type": ""}, (), FLAG),
]


@dataclass(frozen=True)
class Setting:
    """One setting: its TOML key, its environment variable, the command that uses it, and bad values.

    `toml` values are TOML source (so `5` is a number, `"5"` text); `env` values are text. An empty
    environment variable means "not set" (the shell convention), so `env` has no "empty" kind.
    """

    key: str
    var: str
    command: tuple[str, ...]
    toml: dict[str, str]
    env: dict[str, str]


def toml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def setting_values(out_of_range: str, non_ascii: str, huge: str = HUGE, wrong_type: str = "5") -> dict[str, str]:
    return {"out-of-range": out_of_range, "wrong-type": wrong_type, "huge": huge, "non-ascii": non_ascii}


def text_setting(key: str, var: str, command: tuple[str, ...], env: dict[str, str]) -> Setting:
    """A text setting: in TOML a number is its wrong type, and "" its empty value."""
    toml = {kind: toml_text(value) for kind, value in env.items()}
    return Setting(key, var, command, toml | {"wrong-type": "5", "empty": '""'}, env)


def number_setting(key: str, var: str, command: tuple[str, ...], out_of_range: str) -> Setting:
    env = {"out-of-range": out_of_range, "wrong-type": "soon", "huge": HUGE_NUMBER, "non-ascii": "١٢"}
    toml = {"out-of-range": out_of_range, "wrong-type": '"soon"', "empty": '""', "huge": "1e400", "non-ascii": '"١٢"'}
    return Setting(key, var, command, toml, env)


STATUS = ("jobs", "status")
EXPORT = ("export", "top-items", "-q")
DIRS = setting_values("{tmp}/a-file", "{tmp}/a-file/ü", "{tmp}/" + HUGE, wrong_type="{tmp}/a-file/sub")
URLS = setting_values("nope://x", "pöstgres://x", "sqlite:///{tmp}/" + HUGE, wrong_type="5")
SMTP_ENV = {"TUI_ANALYTICS_SMTP_URL": "smtp://127.0.0.1:1"}

SETTINGS = [
    text_setting("database_url", "TUI_ANALYTICS_DATABASE_URL", EXPORT, URLS),
    text_setting("state_url", "TUI_ANALYTICS_STATE_URL", STATUS, URLS),
    text_setting("data_dir", "TUI_ANALYTICS_DATA_DIR", STATUS, DIRS),
    text_setting("export_dir", "TUI_ANALYTICS_EXPORT_DIR", EXPORT, DIRS),
    text_setting("report_dir", "TUI_ANALYTICS_REPORT_DIR", ("report", "run", "daily-activity-summary"), DIRS),
    text_setting("timezone", "TUI_ANALYTICS_TIMEZONE", STATUS, setting_values("Europe", "Europe/Zürich", "A" * 5000)),
    text_setting(
        "smtp_url",
        "TUI_ANALYTICS_SMTP_URL",
        STATUS,
        setting_values("smtp://mail.example.com:99999", "smtpß://mail.example.com", "smtp://" + "h" * 5000, wrong_type="5"),
    ),
    text_setting(
        "smtp_from",
        "TUI_ANALYTICS_SMTP_FROM",
        STATUS,
        setting_values("not-an-address", "ü@example.com", "a" * 5000 + "@example.com", wrong_type="5"),
    ),
    number_setting("smtp_timeout", "TUI_ANALYTICS_SMTP_TIMEOUT", STATUS, "0"),
    number_setting("history_retention", "TUI_ANALYTICS_HISTORY_RETENTION", STATUS, "9"),
    number_setting("query_timeout", "TUI_ANALYTICS_QUERY_TIMEOUT", STATUS, "86401"),
    Setting(
        "disable_auto_sync",
        "DISABLE_AUTO_SYNC",
        STATUS,
        {"out-of-range": '"2"', "wrong-type": "5", "empty": '""', "huge": toml_text("y" * 5000), "non-ascii": '"ｔｒｕｅ"'},
        {"out-of-range": "2", "wrong-type": "5", "huge": "y" * 5000, "non-ascii": "ｔｒｕｅ"},
    ),
    *(
        Setting(
            f"jobs.{job}",
            "TUI_ANALYTICS_INTERVAL_" + job.upper().replace("-", "_"),
            STATUS,
            {"out-of-range": "1e12", "wrong-type": '"soon"', "empty": '""', "huge": "inf", "non-ascii": '"١٢"'},
            {"out-of-range": "2678401", "wrong-type": "soon", "huge": HUGE_NUMBER, "non-ascii": "١٢"},
        )
        for job in ("user-growth", "activity-trends", "top-items", "recent-activity", "performance-metrics", "cache-cleanup")
    ),
]


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    env: dict[str, str]
    toml: str | None = None
    unset: str | None = None  # the environment variable that would win over the TOML key


def cases() -> Iterator[Case]:
    for arg in ARGS:
        for kind, value in arg.values.items():
            yield Case(
                f"{arg.name}-{kind}",
                (*arg.before, value, *arg.after) if value or kind == "empty" else (*arg.before, *arg.after),
                {},
            )
    for setting in SETTINGS:
        extra = SMTP_ENV if setting.key in ("smtp_from", "smtp_timeout") else {}
        for kind, value in setting.toml.items():
            if setting.key.startswith("jobs."):
                source = f"[jobs]\n{setting.key.split('.', 1)[1]} = {value}\n"
            else:
                source = f"{setting.key} = {value}\n"
            yield Case(f"toml-{setting.key}-{kind}", setting.command, extra, source, unset=setting.var)
        for kind, value in setting.env.items():
            yield Case(f"env-{setting.var}-{kind}", setting.command, extra | {setting.var: value})


CASES = list(cases())


def test_every_argument_and_setting_gets_every_kind() -> None:
    for arg in ARGS:
        missing = set(KINDS) - set(arg.values)
        assert not missing or arg.not_applicable, (arg.name, missing)
    for setting in SETTINGS:
        assert set(setting.toml) == set(KINDS), setting.key
        assert set(setting.env) == set(KINDS) - {"empty"}, setting.var
    assert len({case.id for case in CASES}) == len(CASES) > 250


def digest(*roots: Path) -> dict[str, str]:
    """Every file under the roots with its content hash (the state database and its WAL included)."""
    dispose_all()  # engines closed: SQLite has folded its WAL back, nothing is held open
    found = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def scratch(settings, tmp_path, monkeypatch, capsys) -> Path:
    """A data directory whose state database exists (as after a first start), and a scratch
    directory holding a plain file where the cases want a directory."""
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_TIMEZONE", "UTC")
    assert main(["report", "list"]) == 0
    capsys.readouterr()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "a-file").write_text("not a directory\n")
    monkeypatch.chdir(scratch)
    return scratch


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_value_is_one_line_and_changes_nothing(case, scratch, settings, monkeypatch, capsys) -> None:
    argv = [arg.replace("{tmp}", str(scratch)) for arg in case.argv]
    if case.unset:
        monkeypatch.delenv(case.unset, raising=False)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value.replace("{tmp}", str(scratch)))
    if case.toml is not None:
        config = scratch.parent / "matrix.toml"
        config.write_text(case.toml.replace("{tmp}", str(scratch)), encoding="utf-8")
        argv = ["--config", str(config), *argv]
    before = digest(settings.data_dir, scratch)
    code: int | str | None
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse: usage errors
        code = exit_.code
    out = capsys.readouterr()
    lines = [line for line in (out.out + out.err).splitlines() if line.strip()]
    assert code in (1, 2, 78), (code, out.out[-300:], out.err[-300:])  # 78: a settings mistake (EX_CONFIG)
    assert len(lines) == 1, lines[:5]
    line = lines[0]
    assert len(line) < 200, line
    assert "Traceback" not in line and "unexpected" not in line, line
    assert digest(settings.data_dir, scratch) == before


def test_a_config_file_that_is_not_utf8_is_one_line_naming_it(scratch, settings, capsys) -> None:
    config = scratch.parent / "latin1.toml"
    config.write_bytes('timezone = "Europe/Zürich"\n'.encode("latin-1"))
    before = digest(settings.data_dir, scratch)
    assert main(["--config", str(config), "jobs", "status"]) == 78  # a settings mistake (EX_CONFIG)
    out = capsys.readouterr()
    assert out.out == "" and out.err == f"tui-analytics: error: config file {config} is not UTF-8 text\n"
    assert digest(settings.data_dir, scratch) == before

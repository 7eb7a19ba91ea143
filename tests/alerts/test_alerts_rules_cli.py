"""`[[alerts.rules]]` and `[[alerts.silence]]` in the TOML file (every mistake one line naming the
rule and the key, exit 78), and `alerts rules`, `alerts mute`, `alerts unmute` from a shell."""

from __future__ import annotations

import json

import pytest

from tui_analytics.cli import main
from tui_analytics.config.alert_rules import AlertRule, Silence
from tui_analytics.config.settings import load_settings
from tui_analytics.runtime.errors import ConfigError

TARGET = '[[alerts]]\nname = "ops"\nurl = "https://hooks.example.com/T0/B0"\non = ["data-alert", "recovered"]\n'
RULES = """
[[alerts.rules]]
name = "few-users"
figure = "summary.totalUsers"
below = 1000

[[alerts.rules]]
name = "purchases-down"
figure = "activity-trends.activities"
compare = "same-weekday"
weeks = 2
drop = 40

[[alerts.silence]]
cron = "0 2 * * *"
duration = "1h30m"
match = "job:*"
"""


def settings_from(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_settings(path, env={})


def test_rules_and_silences_read_after_the_targets_and_without_any(tmp_path):
    for text in (TARGET + RULES, RULES):
        s = settings_from(tmp_path, text)
        assert s.alert_policy is not None
        assert s.alert_policy.rules == (
            AlertRule("few-users", "summary.totalUsers", below=1000.0),
            AlertRule("purchases-down", "activity-trends.activities", compare="same-weekday", weeks=2, drop=40.0),
        )
        assert s.alert_policy.silences == (Silence("0 2 * * *", 5400.0, "job:*"),)
    assert [t.name for t in settings_from(tmp_path, TARGET + RULES).alerts] == ["ops"]
    assert settings_from(tmp_path, RULES).alerts == ()


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            'name = "r1"\nfigure = "summary.dau"\nbelow = 1',
            "alerts.rules[1] 'r1'.figure: unknown figure 'summary.dau' (use summary.totalUsers",
        ),
        ('name = "r1"\nfigure = "summary.activeUsers"\nbelow = "x"', "alerts.rules[1] 'r1'.below must be a number, got 'x'"),
        ('name = "r1"\nfigure = "summary.activeUsers"', "alerts.rules[1] 'r1' needs a condition: below = N, above = N"),
        (
            'name = "r1"\nfigure = "summary.activeUsers"\ncompare = "mean"\ndrop = 5',
            "alerts.rules[1] 'r1'.compare needs a daily figure",
        ),
        (
            'name = "r1"\nfigure = "activity-trends.activities"\ncompare = "median"\ndrop = 5',
            "'r1'.compare must be 'same-weekday' or 'mean'",
        ),
        (
            'name = "r1"\nfigure = "activity-trends.activities"\ncompare = "mean"\ndrop = 140',
            "'r1'.drop must be a percentage above 0 and at most 100",
        ),
        (
            'name = "r1"\nfigure = "summary.activeUsers"\nbelow = 1\nthreshold = 2',
            "alerts.rules[1] 'r1': unknown key(s) 'threshold'",
        ),
        ('name = "bad name!"\nfigure = "summary.activeUsers"\nbelow = 1', "alerts.rules[1].name must be 1-60 letters"),
    ],
)
def test_a_bad_rule_is_one_line_naming_the_rule_and_the_key(tmp_path, rule, message):
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, TARGET + "[[alerts.rules]]\n" + rule + "\n")
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("silence", "message"),
    [
        ('cron = "0 25 * * *"\nduration = "1h"', "alerts.silence[1].cron: '0 25 * * *' is not a cron line"),
        ('cron = "0 2 * * *"\nduration = "soon"', "alerts.silence[1].duration must be a duration such as '90s'"),
        ('cron = "0 2 * * *"', "alerts.silence[1] needs duration"),
    ],
)
def test_a_bad_silence_is_one_line(tmp_path, silence, message):
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, TARGET + "[[alerts.silence]]\n" + silence + "\n")
    assert message in str(caught.value)


def test_a_bad_rule_stops_the_cli_with_exit_78(tmp_path, data_dir, monkeypatch, capsys):
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    path = tmp_path / "config.toml"
    path.write_text(TARGET + '[[alerts.rules]]\nname = "r1"\nfigure = "summary.activeUsers"\nbelow = "x"\n')
    assert main(["--config", str(path), "alerts", "rules"]) == 78
    assert capsys.readouterr().err.strip() == "tui-analytics: error: alerts.rules[1] 'r1'.below must be a number, got 'x'"


def test_rules_mute_and_unmute_from_a_shell(tmp_path, data_dir, monkeypatch, capsys):
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    path = tmp_path / "config.toml"
    path.write_text(TARGET + RULES)
    config = ["--config", str(path)]
    assert main([*config, "alerts", "rules", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["condition"]) for r in rows] == [
        ("few-users", "below 1000"),
        ("purchases-down", "drop of 40% against the same weekday 2 weeks back"),
    ]
    assert rows[0]["value"] == 300 and rows[0]["state"] == "firing"  # the test demo data has 300 users
    assert rows[0]["quiet"] is None and rows[0]["openSince"] is None  # `rules` reads; it opens no incident

    assert main([*config, "alerts", "mute", "few-users", "--for", "2h"]) == 0
    assert capsys.readouterr().out.startswith("muted rule:few-users until ")
    assert main([*config, "alerts", "rules", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["quiet"].startswith("muted until ")
    assert main([*config, "alerts", "rules"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["RULE", "VALUE", "STATE", "CONDITION", "DETAIL"]
    assert table[1].startswith("few-users") and "firing" in table[1] and "[muted until" in table[1]

    assert main([*config, "alerts", "unmute", "few-users"]) == 0
    assert capsys.readouterr().out == "unmuted rule:few-users\n"
    assert main([*config, "alerts", "unmute", "few-users"]) == 0
    assert capsys.readouterr().out == "rule:few-users was not muted\n"
    assert main([*config, "alerts", "mute", "all", "--for", "30m"]) == 0
    assert capsys.readouterr().out.startswith("muted all until ")

    assert main([*config, "alerts", "mute", "nothing-such", "--for", "2h"]) == 1
    assert "'nothing-such' is no rule or job (use one of: few-users, purchases-down, user-growth" in capsys.readouterr().err
    assert main([*config, "alerts", "mute", "few-users", "--for", "soon"]) == 1
    assert "--for must be a duration" in capsys.readouterr().err


def test_status_lists_the_mutes_and_test_needs_a_target(tmp_path, data_dir, monkeypatch, capsys):
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    path = tmp_path / "config.toml"
    path.write_text(RULES)  # rules, no target
    config = ["--config", str(path)]
    assert main([*config, "alerts", "mute", "top-items", "--for", "1d"]) == 0
    capsys.readouterr()
    assert main([*config, "alerts", "status", "--json"]) == 0
    assert [m["subject"] for m in json.loads(capsys.readouterr().out)["mutes"]] == ["job:top-items"]
    assert main([*config, "alerts", "status"]) == 0
    assert any(line.startswith("muted: job:top-items until ") for line in capsys.readouterr().out.splitlines())
    assert main([*config, "alerts", "test"]) == 1
    assert "no [[alerts]] targets in the configuration" in capsys.readouterr().err


def test_a_cli_jobs_run_evaluates_the_rules_and_alerts_once(tmp_path, data_dir, monkeypatch, capsys):
    from tests.support.webhook import Hook

    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    with Hook() as hook:
        path = tmp_path / "config.toml"
        path.write_text(TARGET.replace("https://hooks.example.com/T0/B0", hook.url()) + RULES)
        config = ["--config", str(path)]
        assert main([*config, "jobs", "run", "activity-trends"]) == 0
        assert main([*config, "jobs", "run", "activity-trends"]) == 0
        assert [(b["event"], b["subjectId"]) for b in hook.bodies()] == [("data-alert", "few-users")]
        assert hook.bodies()[0]["text"] == "[tui-analytics] rule few-users: summary.totalUsers is 300, below 1,000 (on " + (
            hook.bodies()[0]["host"] + ")"
        )
    capsys.readouterr()
    assert main([*config, "alerts", "rules", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["openSince"] is not None

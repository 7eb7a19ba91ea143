"""What a person reads of a report without opening its file: the period, the headline figures and
the first rows of its main table, as plain text, chat markdown or a self-contained HTML mail part.

Every text here comes from the source database (item and user names) or the template (its name),
so none of it is trusted: the HTML is built with `html.escape` on every value, has no script, no
image and no remote reference; the markdown escapes the characters chat services act on; all
three drop control characters (no terminal sequences reach a client that prints text).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tui_analytics.export.render import Row, Sections

FIRST_ROWS = 20  # rows of the main table in a mail or a chat message
CHAT_ROWS = 10  # chat messages stay short: the file has the rest
# The figure drawn as bars, by preference: what the dataset counts.
_BAR_COLUMNS = ("activities", "newUsers", "interactions", "activeUsers", "uniqueUsers")
# The table a mail shows first, by preference.
_TABLE_SECTIONS = ("activityTrends", "userGrowth", "topItems", "recentActivity")
_HEADLINE_FIELDS = ("totalUsers", "activeUsers", "newUsers", "totalItems", "totalActivities")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# What chat markdown acts on: emphasis, code, links, Slack's <!channel> and <url|text>, tables.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


@dataclass(frozen=True)
class ReportDigest:
    """The readable part of one report. `rows` are cell texts; `bars` the bar column's numbers."""

    title: str
    description: str
    period: str
    headline: tuple[tuple[str, str], ...]
    section: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total_rows: int
    bar_column: int | None = None
    bars: tuple[float, ...] = ()


def clean(text: object) -> str:
    """One line of text with control, line-separator and bidi characters removed."""
    return _CONTROL.sub("", str(text)).replace("\n", " ").replace("\r", " ")


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Mapping):
        return ", ".join(f"{clean(k)}={cell(v)}" for k, v in value.items())
    return clean(value)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _main_table(sections: Sections) -> tuple[str, Sequence[Row]]:
    lists = {k: v for k, v in sections.items() if not isinstance(v, Mapping) and k != "performance"}
    for key in _TABLE_SECTIONS:
        if lists.get(key):
            return key, lists[key]
    for key, rows in lists.items():
        return key, rows
    return "", []


def build_digest(sections: Sections, *, title: str, description: str, period: str, first_rows: int = FIRST_ROWS) -> ReportDigest:
    """The digest of fetched sections (pure: the rows are already in memory)."""
    headline: list[tuple[str, str]] = []
    summary = sections.get("summary")
    if isinstance(summary, Mapping):
        headline += [(name, cell(summary[name])) for name in _HEADLINE_FIELDS if _number(summary.get(name)) is not None]
    section, rows = _main_table(sections)
    columns: list[str] = []
    for row in rows:
        columns += [str(key) for key in row if str(key) not in columns]
    bar = next((columns.index(name) for name in _BAR_COLUMNS if name in columns), None)
    if bar is not None and section:
        total = float(sum(_number(row.get(columns[bar])) or 0.0 for row in rows))
        headline.append(
            (
                f"{columns[bar]} ({section}, {len(rows):,} row{'' if len(rows) == 1 else 's'})",
                cell(int(total) if total.is_integer() else total),
            )
        )
    shown = list(rows)[:first_rows]
    return ReportDigest(
        title=clean(title),
        description=clean(description),
        period=clean(period),
        headline=tuple((clean(k), v) for k, v in headline),
        section=clean(section),
        columns=tuple(clean(c) for c in columns),
        rows=tuple(tuple(cell(row.get(c)) for c in columns) for row in shown),
        total_rows=len(rows),
        bar_column=bar,
        bars=tuple(_number(row.get(columns[bar])) or 0.0 for row in shown) if bar is not None else (),
    )


def _more(digest: ReportDigest, shown: int) -> str:
    return f"({shown} of {digest.total_rows:,} rows; the file has them all)" if digest.total_rows > shown else ""


def as_text(digest: ReportDigest, first_rows: int = FIRST_ROWS, file_line: str = "") -> str:
    """The plain-text version (the mail's text/plain part, chat services without markdown)."""
    lines = [digest.title]
    if digest.description:
        lines.append(digest.description)
    lines += ["", f"Period: {digest.period}"]
    lines += [f"{label}: {value}" for label, value in digest.headline]
    rows = digest.rows[:first_rows]
    if rows:
        widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(digest.columns)]
        lines += ["", f"{digest.section}:"]
        lines.append("  ".join(c.ljust(w) for c, w in zip(digest.columns, widths, strict=True)).rstrip())
        lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        more = _more(digest, len(rows))
        if more:
            lines.append(more)
    if file_line:
        lines += ["", file_line]
    return "\n".join(lines) + "\n"


def escape_markdown(text: str) -> str:
    """`text` shown literally in a chat's markdown (no emphasis, link, mention or code)."""
    return _md(clean(text))


def code_span(text: str) -> str:
    """`text` as inline code (shown literally; a backtick in it would end the span early)."""
    return "`" + clean(text).replace("`", "'") + "`"


def _md(text: str) -> str:
    # A zero-width space after "@" keeps "@everyone" / "@here" from notifying a whole channel.
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("@", "@\u200b")


def as_markdown(digest: ReportDigest, first_rows: int = CHAT_ROWS, file_line: str = "") -> str:
    """A compact chat message: headline figures as a list, the first rows in a code block (the one
    table every chat service shows aligned; nothing inside a code block is acted on)."""
    lines = [f"**{_md(digest.title)}**"] + ([_md(digest.description)] if digest.description else [])
    lines.append(f"Period: {_md(digest.period)}")
    lines += [f"- {_md(label)}: **{_md(value)}**" for label, value in digest.headline]
    rows = digest.rows[:first_rows]
    if rows:
        widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(digest.columns)]
        table = ["  ".join(c.ljust(w) for c, w in zip(digest.columns, widths, strict=True)).rstrip()]
        table += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        body = "\n".join(line.replace("`", "'") for line in table)
        lines += ["", "```", body, "```"]
        more = _more(digest, len(rows))
        if more:
            lines.append(_md(more))
    if file_line:
        lines += ["", _md(file_line)]
    return "\n".join(lines) + "\n"


_STYLE_CELL = "padding:2px 8px;border-bottom:1px solid #ddd;text-align:left;font-size:13px"


def _bar_cell(value: float, largest: float, text: str) -> str:
    width = 0 if largest <= 0 else max(1, round(120 * value / largest)) if value > 0 else 0
    bar = f'<span style="display:inline-block;height:10px;width:{width}px;background:#4a7bd0"></span>'
    return f'<td style="{_STYLE_CELL};white-space:nowrap">{bar} {html.escape(text)}</td>'


def as_html(digest: ReportDigest, first_rows: int = FIRST_ROWS, file_line: str = "") -> str:
    """A self-contained HTML document for the mail's text/html part: inline styles only, bars drawn
    with sized spans (no image, no script, no link to anything)."""
    e = html.escape
    out = [
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>',
        e(digest.title),
        '</title></head><body style="font-family:Arial,Helvetica,sans-serif;color:#222">',
        f'<h2 style="margin:0 0 4px 0">{e(digest.title)}</h2>',
    ]
    if digest.description:
        out.append(f'<p style="margin:0 0 8px 0;color:#555">{e(digest.description)}</p>')
    out.append(f'<p style="margin:0 0 8px 0"><b>Period:</b> {e(digest.period)}</p>')
    if digest.headline:
        out.append('<table class="headline" style="border-collapse:collapse;margin:0 0 12px 0">')
        out += [
            f'<tr><td style="{_STYLE_CELL}">{e(k)}</td><td style="{_STYLE_CELL}"><b>{e(v)}</b></td></tr>'
            for k, v in digest.headline
        ]
        out.append("</table>")
    rows = digest.rows[:first_rows]
    if rows:
        largest = max(digest.bars[: len(rows)], default=0.0)
        out.append(f'<p style="margin:8px 0 4px 0"><b>{e(digest.section)}</b></p>')
        out.append('<table class="rows" style="border-collapse:collapse">')
        out.append("<tr>" + "".join(f'<th style="{_STYLE_CELL}">{e(c)}</th>' for c in digest.columns) + "</tr>")
        for n, row in enumerate(rows):
            cells = [
                _bar_cell(digest.bars[n], largest, v) if i == digest.bar_column else f'<td style="{_STYLE_CELL}">{e(v)}</td>'
                for i, v in enumerate(row)
            ]
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</table>")
        more = _more(digest, len(rows))
        if more:
            out.append(f'<p style="color:#555">{e(more)}</p>')
    if file_line:
        out.append(f'<p style="color:#555">{e(file_line)}</p>')
    out.append('<p style="color:#888;font-size:12px">-- tui-analytics</p></body></html>')
    return "\n".join(out) + "\n"

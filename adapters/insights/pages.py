"""The insights page's HTML: plain, semantic markup with no script and no inline style (the page's
Content-Security-Policy allows neither). Every value is escaped; charts come from ``charts.render_svg``."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

from bot.dashboard import PERIODS, Cell, DataTable, View

VIEWS = (("gaps", "Gaps"), ("usage", "Usage"), ("coverage", "Coverage"))
TITLE = "Evidence bot insights"
STATIC = "/insights/static"
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")
CURRENT = ' aria-current="page"'
NUM = ' class="num"'
LOGOUT = '<form method="post" action="/insights/logout" class="logout"><button type="submit">Log out</button></form>'


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _query(since: str) -> str:
    return f"?{urlencode({'since': since})}" if since else ""


def _document(title: str, body: str) -> str:
    return (
        "<!doctype html>\n"
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light">\n'
        f"<title>{_e(title)} – {TITLE}</title>\n"
        f'<link rel="stylesheet" href="{STATIC}/insights.css">\n'
        f'<link rel="icon" href="{STATIC}/favicon.svg" type="image/svg+xml">\n'
        "</head>\n<body>\n"
        '<a class="skip" href="#main">Skip to the content</a>\n'
        f"{body}\n</body>\n</html>\n"
    )


def login_page(message: str = "", *, status_text: str = "") -> str:
    alert = f'<p class="alert" role="alert">{_e(message)}</p>' if message else ""
    return _document(
        "Log in",
        f'<header class="top"><p class="brand">{TITLE}</p></header>\n'
        '<main id="main" class="narrow">\n<h1>Log in</h1>\n'
        "<p>The insights page shows what practitioners asked the evidence bot, where the evidence ran out, "
        "and how much evidence there is on each theme. Questions are shown only as they were stored: with "
        "names and other personal details taken out.</p>\n"
        f"{alert}"
        '<form method="post" action="/insights/login" class="login">\n'
        '<label for="token">Access token</label>\n'
        '<input type="password" id="token" name="token" autocomplete="current-password" required '
        'maxlength="512" spellcheck="false">\n'
        '<button type="submit">Log in</button>\n</form>\n'
        '<p class="hint">Ask whoever runs the bot for the token (it is the BOT_INSIGHTS_TOKEN setting).</p>\n'
        f"{status_text}</main>",
    )


def view_page(view: View, charts: dict[str, str], *, since: str, since_label: str, sso_user: str = "") -> str:
    nav = "".join(
        f'<li><a href="/insights/{key}{_query(since)}"{CURRENT if key == view.key else ""}>{_e(label)}</a></li>'
        for key, label in VIEWS
    )
    who = f'<p class="who">Signed in as {_e(sso_user)} through single sign-on</p>' if sso_user else LOGOUT
    header = (
        f'<header class="top"><p class="brand">{TITLE}</p><nav aria-label="Views"><ul>{nav}</ul></nav>{who}</header>'
    )
    parts = [f"<h1>{_e(view.title)}</h1>", f'<p class="intro">{_e(view.intro)}</p>']
    if view.key == "coverage":
        parts.append('<p class="period">The evidence base as it is now (the date range does not apply).</p>')
    else:
        parts.append(_range_form(view.key, since, since_label))
    if view.figures:
        figures = "".join(
            f'<li><span class="value">{_e(f.value)}</span> <span class="label">{_e(f.label)}</span></li>'
            for f in view.figures
        )
        parts.append(f'<ul class="figures" aria-label="Totals">{figures}</ul>')
    for chart in view.charts:
        parts.append(
            f'<section class="chart-block" aria-labelledby="{chart.key}-h">'
            f'<h2 id="{chart.key}-h">{_e(chart.title)}</h2>'
            + (
                f'<figure class="chart" id="{chart.key}" data-table="{chart.table}">'
                f'<div class="chart-scroll">{charts[chart.key]}</div>'
                f'<figcaption>{_e(chart.summary)} <a href="#table-{chart.table}">The figures as a table</a>.'
                "</figcaption></figure>"
                if not chart.empty
                else f'<p class="empty" id="{chart.key}">Nothing recorded for this chart in this period.</p>'
            )
            + "</section>"
        )
    for table in view.tables:
        parts.append(_table(view.key, table, since))
    return _document(view.title, f'{header}\n<main id="main">\n' + "\n".join(parts) + "\n</main>")


def _range_form(view: str, since: str, since_label: str) -> str:
    known = [value for value, _ in PERIODS]
    options = "".join(
        f'<option value="{_e(value)}"{" selected" if value == since else ""}>{_e(label)}</option>'
        for value, label in PERIODS
    )
    if since not in known:
        options += f'<option value="{_e(since)}" selected>Since {_e(since)}</option>'
    return (
        f'<form method="get" action="/insights/{view}" class="range">'
        '<label for="since">Date range</label>'
        f'<select id="since" name="since">{options}</select>'
        '<button type="submit">Show</button></form>'
        f'<p class="period">Showing {_e(since_label)}. Any <code>--since</code> value works in the address, '
        "e.g. <code>?since=2026-11-01</code> or <code>?since=12w</code>.</p>"
    )


def _cell(value: Cell) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and _TIMESTAMP.fullmatch(value):
        return _e(value[:16].replace("T", " "))  # the CSV keeps the full UTC timestamp
    return _e(value)


def _table(view: str, table: DataTable, since: str) -> str:
    numeric = [
        all(isinstance(row[i], int | float) or row[i] is None for row in table.rows) and bool(table.rows)
        for i in range(len(table.columns))
    ]
    head = "".join(f'<th scope="col"{NUM if numeric[i] else ""}>{_e(c)}</th>' for i, c in enumerate(table.columns))
    body = "".join(
        "<tr>"
        + "".join(
            (f'<th scope="row">{_cell(v)}</th>' if i == 0 else f"<td{NUM if numeric[i] else ''}>{_cell(v)}</td>")
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in table.rows
    )
    if not table.rows:
        body = f'<tr><td colspan="{len(table.columns)}">None.</td></tr>'
    note = f'<p class="note">{_e(table.note)}</p>' if table.note else ""
    csv_href = f"/insights/{view}/{table.key}.csv{_query(since)}"
    return (
        f'<section class="data" aria-labelledby="table-{table.key}">'
        f'<h2 id="table-{table.key}">{_e(table.title)}</h2>{note}'
        f'<p><a class="csv" href="{_e(csv_href)}" download>Download this table as CSV</a></p>'
        f'<div class="scroll" role="region" aria-labelledby="table-{table.key}" tabindex="0">'
        f'<table id="data-{table.key}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
        "</section>"
    )


def error_page(title: str, message: str) -> str:
    return _document(
        title,
        f'<header class="top"><p class="brand">{TITLE}</p></header>\n'
        f'<main id="main" class="narrow"><h1>{_e(title)}</h1><p>{_e(message)}</p>'
        '<p><a href="/insights">Back to the insights page</a></p></main>',
    )

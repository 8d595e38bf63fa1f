"""Charts as inline SVG, drawn on the server by matplotlib (no JavaScript, no network, nothing fetched).

matplotlib's SVG is made safe to put inside the page under a strict Content-Security-Policy: the XML prolog,
metadata and ``<style>`` element are dropped, every ``style="..."`` becomes SVG presentation attributes (which
the page's stylesheet can override, e.g. in a forced-colours high-contrast mode), ids are prefixed with the
chart's key so several charts share a page, and the root gets ``role="img"`` with a title and description.
Series are told apart by hatching as well as colour (colour-blind safe palettes), so a chart still reads in
greyscale or high contrast; the same figures are always in a table under the chart.
"""

from __future__ import annotations

import html
import io
import re
import textwrap
import threading

from bot.dashboard import Chart

PALETTES: dict[str, str] = {
    # evidence strength: darker is stronger
    "strong": "#08306b",
    "moderate": "#2171b5",
    "preliminary": "#6baed6",
    "insufficient": "#c6dbef",
    # effect found (Okabe-Ito)
    "positive": "#009e73",
    "mixed": "#e69f00",
    "no-effect": "#999999",
    "harmful": "#d55e00",
    "unclear": "#cc79a7",
    "not stated": "#ffffff",
    # gap kinds
    "unanswered": "#d55e00",
    "unsure": "#e69f00",
    "none of these": "#cc79a7",
    "not helpful": "#0072b2",
    # surfaces
    "slack": "#0072b2",
    "teams": "#e69f00",
    "console": "#009e73",
    "cli": "#cc79a7",
}
FALLBACK = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999")
HATCHES = ("", "//", "..", "xx", "\\\\", "--", "++", "oo")
INK = "#000000"
FONT_SIZE = 12
WIDTH_INCHES = 7
_RENDER_LOCK = threading.Lock()
"""matplotlib keeps some global state (rcParams, font caches): one chart is drawn at a time."""

_STYLE = re.compile(r'\sstyle="([^"]*)"')
_ID = re.compile(r'\bid="([^"]+)"')


def render_svg(chart: Chart) -> str:
    """The chart as a self-contained ``<svg>`` element ready to put inside the page."""
    with _RENDER_LOCK:
        raw = _draw(chart)
    return _inline(raw, chart)


def _draw(chart: Chart) -> str:
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",  # text stays text: selectable, scalable, restyled by the page
            "svg.hashsalt": chart.key,  # stable output
            "font.size": FONT_SIZE,
            "hatch.linewidth": 0.8,
            "axes.edgecolor": INK,
            "text.color": INK,
            "axes.labelcolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
        }
    )
    categories = [_wrap(c) for c in chart.categories]
    rows = max(len(categories), 1)
    height = 1.6 + 0.42 * rows if chart.kind == "barh" else 4.2
    figure = Figure(figsize=(WIDTH_INCHES, height), layout="constrained", facecolor="none")
    FigureCanvasSVG(figure)
    ax = figure.add_subplot()
    ax.set_facecolor("none")
    ax.spines[["top", "right"]].set_visible(False)
    several = len(chart.series) > 1
    if chart.kind == "line":
        for n, (name, values) in enumerate(chart.series):
            [line] = ax.plot(
                range(len(categories)),
                values,
                label=name,
                color=_colour(name, n),
                linestyle=("-", "--", ":", "-.")[n % 4],
                marker=("o", "s", "^", "D")[n % 4],
                linewidth=2,
            )
            line.set_gid(f"series{n}")  # becomes id="<chart>-series<n>": the data, findable in the page
        ax.set_xticks(range(len(categories)), categories, rotation=45 if len(categories) > 6 else 0, ha="right")
        ax.set_ylim(0, 100)
        ax.grid(axis="y", color="#bbbbbb", linewidth=0.6)
    else:
        positions = list(range(len(categories)))
        base = [0.0] * len(categories)
        for n, (name, values) in enumerate(chart.series):
            if not any(values):
                continue
            style = {
                "label": name,
                "color": _colour(name, n),
                "edgecolor": INK,
                "linewidth": 0.6,
                "hatch": HATCHES[n % len(HATCHES)] if several else "",
            }
            if chart.kind == "barh":
                bars = ax.barh(positions, values, left=base, height=0.7, **style)
            else:
                bars = ax.bar(positions, values, bottom=base, width=0.7, **style)
            for i, patch in enumerate(bars):
                patch.set_gid(f"series{n}-{i}")
            base = [b + v for b, v in zip(base, values, strict=True)]
        for position, total in zip(positions, base, strict=True):
            label = f"{total:g}"
            if chart.kind == "barh":
                ax.annotate(label, (total, position), xytext=(4, 0), textcoords="offset points", va="center")
            else:
                ax.annotate(label, (position, total), xytext=(0, 3), textcoords="offset points", ha="center")
        if chart.kind == "barh":
            ax.set_yticks(positions, categories)
            ax.invert_yaxis()  # the first row (the biggest) at the top, as in the table
            ax.set_xlim(0, max(base, default=1) * 1.12 or 1)
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.grid(axis="x", color="#bbbbbb", linewidth=0.6)
        else:
            rotate = len(categories) > 6
            ax.set_xticks(positions, categories, rotation=45 if rotate else 0, ha="right" if rotate else "center")
            ax.set_ylim(0, max(base, default=1) * 1.12 or 1)
            ax.yaxis.get_major_locator().set_params(integer=True)
            ax.grid(axis="y", color="#bbbbbb", linewidth=0.6)
        ax.set_axisbelow(True)
    if chart.axis:
        (ax.set_xlabel if chart.kind == "barh" else ax.set_ylabel)(chart.axis)
    if several:
        figure.legend(loc="outside upper center", ncols=min(len(chart.series), 3), frameon=False)
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


def _colour(name: str, n: int) -> str:
    return PALETTES.get(name, FALLBACK[n % len(FALLBACK)])


def _wrap(label: str, width: int = 26) -> str:
    return "\n".join(textwrap.wrap(label, width, max_lines=2, placeholder="…")) or label


def _inline(svg: str, chart: Chart) -> str:
    start = svg.index("<svg")
    svg = svg[start:]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<style[^>]*>.*?</style>\s*", "", svg, flags=re.S)
    svg = _STYLE.sub(lambda m: _attributes(m.group(1)), svg)
    prefix = chart.key + "-"
    svg = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{prefix}{m.group(1)}"', svg)
    title_id, desc_id = f"{prefix}title", f"{prefix}desc"
    root_end = svg.index(">") + 1
    root = svg[:root_end]
    root = re.sub(r'\s(width|height)="[^"]*"', "", root)
    root = root.replace(
        "<svg", f'<svg role="img" class="chart-svg" aria-labelledby="{title_id} {desc_id}" focusable="false"', 1
    )
    label = (
        f'<title id="{title_id}">{html.escape(chart.title)}</title>'
        f'<desc id="{desc_id}">{html.escape(chart.summary)} The figures are in the table below the chart.</desc>'
    )
    return root + label + svg[root_end:]


def _attributes(style: str) -> str:
    """``style="fill: #fff; stroke-width: 0.8"`` as presentation attributes ``fill="#fff" stroke-width="0.8"``."""
    parts = []
    for declaration in style.split(";"):
        if ":" not in declaration:
            continue
        name, value = (p.strip() for p in declaration.split(":", 1))
        if re.fullmatch(r"[a-z-]+", name) and value:
            parts.append(f' {name}="{html.escape(value, quote=True)}"')
    return "".join(parts)

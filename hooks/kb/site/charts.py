"""Bar charts as inline SVG, drawn at build time: no JavaScript, nothing fetched.

Each bar has its label on a line above it and its number after it, so the chart reads as
text too; the SVG carries a title and a description listing every number for screen
readers. Bars are horizontal and the viewBox is narrow, so a chart fits a phone's width.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

WIDTH = 360  # viewBox width; the SVG scales to its container (CSS caps it on wide screens)
ROW = 40  # label line + bar
BAR = 14
FONT = 14  # user units: about 14 px on a phone, 16 px at the widest (toolbook.css caps the figure at 21rem)
NUMBER_ROOM = 44  # space right of the longest bar for its number


def bar_chart(title: str, rows: list[tuple[str, int]], unit: str = "条") -> Markup:
    """An SVG bar chart of (label, count) rows, in the given order."""
    top = max((n for _, n in rows), default=0) or 1
    span = WIDTH - NUMBER_ROOM
    height = ROW * len(rows) + 8
    desc = "；".join(f"{label} {n} {unit}" for label, n in rows) or "暂无数据"
    out = [
        f'<svg class="tb-chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title><desc>{escape(desc)}。</desc>",
    ]
    for i, (label, n) in enumerate(rows):
        y = i * ROW
        width = round(span * n / top, 1) if n else 0
        out.append(
            f'<g><title>{escape(label)}：{n} {unit}</title>'
            f'<text x="0" y="{y + FONT + 2}" font-size="{FONT}">{escape(label)}</text>'
            f'<rect class="tb-bar" x="0" y="{y + FONT + 7}" width="{max(width, 1)}" height="{BAR}" rx="2"></rect>'
            f'<text class="tb-num" x="{width + 6}" y="{y + FONT + 7 + BAR - 2}" font-size="{FONT}">{n}</text></g>'
        )
    out.append("</svg>")
    return Markup("".join(out))  # escaped above: safe to place in a template

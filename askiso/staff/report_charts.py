"""Server-drawn SVG charts of the reports: bars with integer axes, a legend, and links.

Each chart is drawn in a narrow view box (VIEW_WIDTH) and scaled by CSS, so its
12-unit text stays readable on a 390 px phone and is not huge at 1,280 px. Every
bar segment may be a link (the drill-down into the staff case list) with an
accessible name saying what it counts. No script, no style attributes (the
page's Content-Security-Policy applies to inline SVG too): only presentation
attributes.
"""

import math
from dataclasses import dataclass, field

from markupsafe import Markup, escape

VIEW_WIDTH = 360
FONT = 13
LABEL_CHARS = 38  # longer names are cut in the chart (the table beneath has them whole)
PALETTE = ("#1d4ed8", "#b45309", "#15803d", "#7e22ce", "#be123c", "#0e7490", "#4d7c0f", "#6b7280")
TEXT = "#1f2937"
GRID = "#d1d5db"


@dataclass
class Series:
    """One legend entry: a name, one value per category, and a link per category (or None)."""

    name: str
    values: list
    links: list = field(default_factory=list)
    color: str = ""


def integer_ticks(largest, most=5):
    """Axis ticks 0, step, ..., top: whole numbers with a 1/2/5 x 10^k step and top >= largest."""
    largest = max(0, math.ceil(largest))
    if largest == 0:
        return [0, 1]
    step = 1
    while True:
        for factor in (1, 2, 5):
            candidate = step * factor
            if math.ceil(largest / candidate) <= most:
                top = math.ceil(largest / candidate) * candidate
                return list(range(0, top + 1, candidate))
        step *= 10


def _colored(series):
    for i, s in enumerate(series):
        s.color = s.color or PALETTE[i % len(PALETTE)]
        if len(s.links) < len(s.values):
            s.links = list(s.links) + [None] * (len(s.values) - len(s.links))
    return series


def _short(text):
    text = str(text)
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _attrs(**attrs):
    return " ".join(f'{k.rstrip("_").replace("_", "-")}="{escape(v)}"' for k, v in attrs.items() if v is not None)


def _rect(x, y, w, h, color, link, label):
    attrs = _attrs(x=f"{x:.1f}", y=f"{y:.1f}", width=f"{w:.1f}", height=f"{h:.1f}", fill=color)
    rect = f"<rect {attrs}><title>{escape(label)}</title></rect>"
    if link:
        return f"<a {_attrs(href=link, aria_label=label)}>{rect}</a>"
    return rect


def _legend(series, top, with_totals):
    parts = []
    for i, s in enumerate(series):
        y = top + i * 19
        total = f" ({sum(v or 0 for v in s.values):g})" if with_totals else ""
        swatch = _attrs(x=0, y=y, width=12, height=12, fill=s.color)
        text = _attrs(x=18, y=y + 10, font_size=FONT, fill=TEXT)
        parts.append(f"<rect {swatch}/><text {text}>{escape(_short(s.name))}{total}</text>")
    return "".join(parts), len(series) * 19


def _svg(height, title, body):
    return Markup(  # noqa: S704  (every value in it went through escape or is a number)
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {VIEW_WIDTH} {height:.0f}" '
        f'width="{VIEW_WIDTH}" height="{height:.0f}" font-family="system-ui, sans-serif" '
        f'role="group" aria-label="{escape(title)}">{body}</svg>'
    )


def column_chart(title, categories, series, *, stacked=True, unit="", label_every=None):
    """Vertical bars, one group per category (e.g. each day or week), stacked or side by side."""
    series = _colored(series)
    totals = [
        sum((s.values[i] or 0) for s in series) if stacked else max([s.values[i] or 0 for s in series] or [0])
        for i in range(len(categories))
    ]
    ticks = integer_ticks(max(totals or [0]))
    left, right, top, plot_h = 34, 6, 8, 170
    plot_w = VIEW_WIDTH - left - right
    scale = plot_h / ticks[-1]
    slot = plot_w / max(1, len(categories))
    width = max(1.0, slot * (0.8 if stacked else 0.9) / (1 if stacked else max(1, len(series))))
    out = []
    for t in ticks:
        y = top + plot_h - t * scale
        line = _attrs(x1=left, x2=VIEW_WIDTH - right, y1=f"{y:.1f}", y2=f"{y:.1f}", stroke=GRID)
        label = _attrs(x=left - 4, y=f"{y + 4:.1f}", font_size=FONT, fill=TEXT, text_anchor="end")
        out.append(f"<line {line}/><text {label}>{t}</text>")
    every = label_every or max(1, math.ceil(len(categories) / 6))
    for i, category in enumerate(categories):
        x0 = left + i * slot + (slot - (width if stacked else width * len(series))) / 2
        base = top + plot_h
        for j, s in enumerate(series):
            value = s.values[i] or 0
            if value <= 0:
                continue
            h = value * scale
            x = x0 if stacked else x0 + j * width
            y = base - h if stacked else top + plot_h - h
            out.append(_rect(x, y, width, h, s.color, s.links[i], f"{category}, {s.name}: {value:g}{unit}"))
            if stacked:
                base -= h
        if i % every == 0:
            attrs = _attrs(
                x=f"{left + i * slot + slot / 2:.1f}",
                y=top + plot_h + 16,
                font_size=FONT,
                fill=TEXT,
                text_anchor="middle",
            )
            out.append(f"<text {attrs}>{escape(category)}</text>")
    legend, legend_h = _legend(series, top + plot_h + 30, stacked and not unit)
    return _svg(top + plot_h + 30 + legend_h, title, "".join(out) + legend)


def bar_chart(title, categories, series, *, stacked=True, unit="", maximum=None):
    """Horizontal bars, one row per category (queues, agents, ages), each label above its bar."""
    series = _colored(series)
    totals = [
        sum((s.values[i] or 0) for s in series) if stacked else max([s.values[i] or 0 for s in series] or [0])
        for i in range(len(categories))
    ]
    ticks = integer_ticks(maximum if maximum is not None else max(totals or [0]))
    left, right, top = 4, 40, 4
    plot_w = VIEW_WIDTH - left - right
    scale = plot_w / ticks[-1]
    bar_h = 14
    row_h = FONT + 6 + bar_h * (1 if stacked else len(series)) + 8
    out = []
    plot_h = row_h * len(categories)
    for t in ticks:
        x = left + t * scale
        line = _attrs(x1=f"{x:.1f}", x2=f"{x:.1f}", y1=top, y2=top + plot_h, stroke=GRID)
        label = _attrs(x=f"{x:.1f}", y=top + plot_h + 14, font_size=FONT, fill=TEXT, text_anchor="middle")
        out.append(f"<line {line}/><text {label}>{t}</text>")
    for i, category in enumerate(categories):
        y = top + i * row_h
        attrs = _attrs(x=left, y=y + FONT, font_size=FONT, fill=TEXT)
        out.append(f"<text {attrs}>{escape(_short(category))}</text>")
        x, bar_y = left, y + FONT + 4
        for s in series:
            value = s.values[i] or 0
            if value > 0:
                w = value * scale
                out.append(
                    _rect(
                        x if stacked else left,
                        bar_y,
                        w,
                        bar_h,
                        s.color,
                        s.links[i],
                        f"{category}, {s.name}: {value:g}{unit}",
                    )
                )
                if stacked:
                    x += w
                elif value:
                    out.append(_value_text(left + w, bar_y, value, unit))
            if not stacked:
                bar_y += bar_h
        if stacked and totals[i]:
            out.append(_value_text(x, bar_y, totals[i], unit))
    legend, legend_h = _legend(series, top + plot_h + 26, stacked and not unit)
    return _svg(top + plot_h + 26 + legend_h, title, "".join(out) + legend)


def _value_text(x, y, value, unit):
    attrs = _attrs(x=f"{x + 3:.1f}", y=f"{y + 11:.1f}", font_size=FONT - 1, fill=TEXT)
    return f"<text {attrs}>{value:g}{escape(unit)}</text>"

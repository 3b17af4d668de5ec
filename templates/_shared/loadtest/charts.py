"""What the load-test reports share: SVG line charts (axes with round ticks and units, a legend,
no script), the HTML style and table rows, and percentages.

Used by loadkit.py (a run's report), compare.py (two runs on one chart) and analyze.py; plain
Python, so a report opens in any browser without a network.
"""

from __future__ import annotations

import html
import math

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 44  # room for tick labels and axis titles


def percent(fraction: float, digits: int = 2) -> str:
    """A fraction as a percentage: 0.0123 -> 1.23%."""
    return f"{fraction * 100:.{digits}f}%"


def ticks(high: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `high`: steps of 1, 2 or 5 times a power of ten."""
    if high <= 0:
        return [0.0, 1.0]
    raw = high / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [i * step for i in range(int(math.ceil(high / step - 1e-9)) + 1)]


def label(value: float) -> str:
    """A tick label: no trailing zeros, thousands as k (1500 -> 1.5k)."""
    if abs(value) >= 10_000:
        return f"{value / 1000:g}k"
    return f"{value:.6g}"


def line_chart(title: str, series: dict[str, tuple[str, list[tuple[float, float]]]], x_title: str, y_title: str,
               x_labels: dict[float, str] | None = None) -> str:
    """A figure with one polyline per series ({name: (colour, [(x, y), ...])}). `x_labels` replaces
    the x axis's numeric ticks with named positions (e.g. P90, P99 on a percentile chart)."""
    points = [p for _, pts in series.values() for p in pts]
    if not points:
        return f"<figure><figcaption>{html.escape(title)}</figcaption><p>No data.</p></figure>"
    x_ticks = sorted(x_labels) if x_labels else ticks(max(x for x, _ in points))
    y_ticks = ticks(max(y for _, y in points))
    x_max, y_max = max(x_ticks[-1], 1e-9), max(y_ticks[-1], 1e-9)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def at(x: float, y: float) -> tuple[float, float]:
        return LEFT + x / x_max * plot_w, TOP + plot_h - y / y_max * plot_h

    parts = []
    for y in y_ticks:
        _, py = at(0, y)
        parts.append(f'<line x1="{LEFT}" y1="{py:.1f}" x2="{WIDTH - RIGHT}" y2="{py:.1f}" stroke="#eee"/>'
                     f'<text x="{LEFT - 6}" y="{py + 4:.1f}" font-size="11" text-anchor="end">{label(y)}</text>')
    for x in x_ticks:
        px, _ = at(x, 0)
        text = x_labels[x] if x_labels else label(x)
        parts.append(f'<line x1="{px:.1f}" y1="{TOP + plot_h}" x2="{px:.1f}" y2="{TOP + plot_h + 4}" stroke="#999"/>'
                     f'<text x="{px:.1f}" y="{TOP + plot_h + 17}" font-size="11" text-anchor="middle">{html.escape(text)}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#999"/>'
                 f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#999"/>')
    parts.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" font-size="12" text-anchor="middle">{html.escape(x_title)}</text>'
                 f'<text x="14" y="{TOP + plot_h / 2:.1f}" font-size="12" text-anchor="middle" '
                 f'transform="rotate(-90 14 {TOP + plot_h / 2:.1f})">{html.escape(y_title)}</text>')
    for colour, pts in series.values():
        if not pts:
            continue
        xy = [at(x, y) for x, y in pts]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in xy)}"/>')
        if len(xy) <= 60:
            parts.append("".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>' for x, y in xy))
    legend = " ".join(f'<tspan fill="{colour}">■ {html.escape(name)}</tspan>' for name, (colour, _) in series.items())
    parts.append(f'<text x="{WIDTH - RIGHT}" y="16" font-size="12" text-anchor="end">{legend}</text>')
    return (f'<figure><figcaption>{html.escape(title)}</figcaption>'
            f'<svg role="img" aria-label="{html.escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">'
            + "".join(parts) + "</svg></figure>")


# The percentile curve's x axis counts nines (P90 -> 1, P99 -> 2, P99.9 -> 3), so the tail gets room.
NINES = {0.0: "P0", 0.30103: "P50", 1.0: "P90", 2.0: "P99", 3.0: "P99.9", 4.0: "P99.99"}


def nines(percentile: float) -> float:
    return math.log10(100 / max(100 - min(percentile, 99.99), 1e-9))


def percentile_chart(title: str, curves: dict[str, tuple[str, list[dict]]]) -> str:
    """Latency by percentile for one or more runs ({name: (colour, report["percentiles"])})."""
    series = {name: (colour, [(nines(p["percentile"]), p["ms"]) for p in curve]) for name, (colour, curve) in curves.items()}
    return line_chart(title, series, "percentile", "latency (ms)", x_labels=NINES)


STYLE = (
    "body { font: 14px system-ui, sans-serif; margin: 2rem; color: #222 } "
    "table { border-collapse: collapse; margin: 1rem 0 } "
    "td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: left } "
    ".pass { color: #1e7e34 } .fail { color: #c0392b; font-weight: bold } "
    "figure { margin: 1rem 0 } figcaption { font-weight: bold } "
    "dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px }"
)


def table_row(cells, tag: str = "td") -> str:
    return "<tr>" + "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in cells) + "</tr>"

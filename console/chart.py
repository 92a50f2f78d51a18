"""The home's drift chart: inline SVG drawn on the server (the CSP allows no script, and
a bar chart of 30 days needs none). Colours and sizes come from `console.css`."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from console.dashboard import DriftDay

BAR = 8  # px per bar; a day holds two (opened, closed) and a gap
DAY = 2 * BAR + 4
HEIGHT = 80
AXIS = 16  # room for the first and last dates under the bars


def drift_chart(days: list[DriftDay]) -> SafeString:
    """Two bars a day, opened then closed, scaled to the busiest day; each bar's title
    gives its exact count (a hover shows it)."""
    peak = max([d.opened for d in days] + [d.closed for d in days] + [1])
    width = DAY * len(days)

    def bar(x: int, value: int, css: str, day: DriftDay, what: str) -> tuple:
        height = round(HEIGHT * value / peak)
        return (css, x, HEIGHT - height, BAR, height, f"{day.day:%Y-%m-%d}: {value} {what}")

    bars = []
    for i, day in enumerate(days):
        bars.append(bar(i * DAY, day.opened, "chart-opened", day, "opened"))
        bars.append(bar(i * DAY + BAR, day.closed, "chart-closed", day, "closed"))
    first, last = (days[0].day, days[-1].day) if days else (None, None)
    return format_html(
        '<svg class="drift-chart" role="img" viewBox="0 0 {} {}" width="{}" height="{}" '
        'aria-label="Drift opened and closed per day, {} to {}; busiest day {}">'
        "{}"
        '<line class="chart-axis" x1="0" y1="{}" x2="{}" y2="{}"></line>'
        '<text class="chart-label" x="0" y="{}">{}</text>'
        '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>'
        "</svg>",
        width,
        HEIGHT + AXIS,
        width,
        HEIGHT + AXIS,
        first,
        last,
        peak,
        format_html_join(
            "",
            '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
            bars,
        ),
        HEIGHT,
        width,
        HEIGHT,
        HEIGHT + AXIS - 3,
        f"{first:%b %d}" if first else "",
        width,
        HEIGHT + AXIS - 3,
        f"{last:%b %d}" if last else "",
    )

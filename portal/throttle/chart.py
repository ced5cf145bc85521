"""Calls per hour against the limit, drawn as an SVG on the server (no chart library: bars, a
stepped line and a few labels are all it takes, and the page works without JavaScript).

Each hour is a bar: successful calls, then failed ones (4xx) and refused ones (429) stacked on
top in their own colours; an hour with any failed or refused call also gets a mark under the
axis, so one failed call in a busy hour is still seen. The hourly limit Procore reported is a
dashed line (absent for hours before Procore first reported it).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .report import HourPoint

OK, FAILED, LIMITED, LIMIT, AXIS, TEXT = "#3b6ea8", "#c0392b", "#d68910", "#1f2933", "#9aa5b1", "#52606d"
LABEL_EVERY_DAYS = 5


def _nice(value: float) -> int:
    """A round axis maximum at or above `value`."""
    if value <= 10:
        return 10
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)


def hourly_chart(points: Sequence[HourPoint], *, title: str, width: int = 960, height: int = 260) -> SafeString:
    left, right, top, bottom = 56, 12, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(1, len(points))
    top_value = _nice(max([p.calls for p in points] + [p.hour_limit for p in points] + [1]) * 1.05)
    step = plot_w / count

    def y(value: float) -> float:
        return top + plot_h - plot_h * value / top_value

    parts: list[str] = []
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        value = top_value * fraction
        dashes = "" if fraction == 0 else ' stroke-dasharray="2 3"'
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{AXIS}" '
            f'stroke-width="{1 if fraction == 0 else 0.5}"{dashes}/>'
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" fill="{TEXT}">'
            f"{int(value):,}</text>"
        )
    for index, point in enumerate(points):
        x = left + index * step
        width_bar = max(1.0, step - 0.4)
        base = 0
        for value, colour in (
            (point.calls - point.failed - point.rate_limited, OK),
            (point.failed, FAILED),
            (point.rate_limited, LIMITED),
        ):
            if value > 0:
                parts.append(
                    f'<rect x="{x:.2f}" y="{y(base + value):.2f}" width="{width_bar:.2f}" '
                    f'height="{y(base) - y(base + value):.2f}" fill="{colour}"/>'
                )
                base += value
        if point.failed or point.rate_limited:
            parts.append(
                f'<path d="M{x + width_bar / 2:.2f} {top + plot_h + 3} l-3 6 h6 z" '
                f'fill="{FAILED if point.failed else LIMITED}"/>'
            )
        if point.hour.hour == 0 and point.hour.toordinal() % LABEL_EVERY_DAYS == 0 and x < left + plot_w - 40:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 8}" font-size="11" fill="{TEXT}">{point.hour:%d %b}</text>'
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + plot_h}" y2="{top + plot_h + 12}" stroke="{AXIS}"/>'
            )
    limit_path: list[str] = []
    for index, point in enumerate(points):
        if point.hour_limit:
            move = "M" if not limit_path or not points[index - 1].hour_limit else "L"
            x = left + index * step
            limit_path.append(f"{move}{x:.2f} {y(point.hour_limit):.2f} L{x + step:.2f} {y(point.hour_limit):.2f}")
    if limit_path:
        parts.append(
            f'<path d="{" ".join(limit_path)}" fill="none" stroke="{LIMIT}" stroke-width="1.5" stroke-dasharray="6 3"/>'
        )
    busiest = max(points, key=lambda p: p.calls, default=None)
    limits = sorted({p.hour_limit for p in points if p.hour_limit})
    failed = sum(p.failed for p in points)
    refused = sum(p.rate_limited for p in points)
    description = (
        f"{len(points)} hours. Busiest hour: {busiest.calls if busiest else 0:,} calls"
        + (f" at {busiest.hour:%d %b %H}:00 UTC" if busiest and busiest.calls else "")
        + (f". Hourly limit {', '.join(f'{n:,}' for n in limits)}" if limits else ". Hourly limit not reported")
        + f". {failed:,} failed (4xx) and {refused:,} refused (429) calls."
    )
    return mark_safe(  # noqa: S308 — every value above is a number or escaped here
        f'<svg class="usage-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="usage-title usage-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="usage-title">{escape(title)}</title><desc id="usage-desc">{escape(description)}</desc>'
        + "".join(parts)
        + "</svg>"
    )

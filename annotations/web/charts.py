"""Bar and line charts as geometry for an SVG template (`_chart.html`): drawn on the server, no
script, no library. Each chart's numbers are also shown in a table beneath it, which is what
screen readers read (the SVG itself is hidden from them)."""

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 56  # room for the value axis and the category labels
SERIES_CLASSES = 6  # app.css colours series-0 … series-5, in turn


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    tooltip: str


@dataclass(frozen=True)
class Line:
    segments: list[str]  # SVG polyline points, one run between undefined values
    dots: list[tuple[float, float, str]]  # x, y, tooltip
    series: int


@dataclass(frozen=True)
class Chart:
    """What `_chart.html` draws. `label` names the chart for the figure's caption."""

    label: str
    legend: list[tuple[int, str]]
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)  # value axis: y, text
    categories: list[tuple[float, str]] = field(default_factory=list)  # x, text
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    left: int = LEFT
    right: float = WIDTH - RIGHT


def nice_ceiling(value: float) -> int:
    """The top of the value axis: 1, 2 or 5 times a power of ten, at least `value`."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _count_ticks(top: int) -> list[tuple[float, str]]:
    """Whole numbers up the value axis: at most five steps, each a whole number."""
    leading = top / 10 ** math.floor(math.log10(top))
    steps = min(top, 4 if leading == 2 else 5)
    plot = HEIGHT - BOTTOM - TOP
    return [(HEIGHT - BOTTOM - plot * n / steps, f"{top * n // steps}") for n in range(steps + 1)]


def _categories(names: list[str], step: float) -> list[tuple[float, str]]:
    """Category labels under their slots; with many, only every few are written (the table
    beneath has them all)."""
    every = max(1, math.ceil(len(names) * 7 / ((WIDTH - LEFT - RIGHT) / 10)))
    return [(LEFT + step * (n + 0.5), name[:18]) for n, name in enumerate(names) if n % every == 0]


def stacked_bars(label: str, categories: list[str], series: dict[str, list[int]]) -> Chart:
    """One bar per category, each series stacked on the previous ones."""
    totals = [sum(values[n] for values in series.values()) for n in range(len(categories))]
    top = nice_ceiling(max(totals, default=0))
    plot = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    bars = []
    for n, category in enumerate(categories):
        base = HEIGHT - BOTTOM
        for index, (name, values) in enumerate(series.items()):
            if not values[n]:
                continue
            height = plot * values[n] / top
            base -= height
            tooltip = f"{category}: {values[n]} {name}"
            x = LEFT + step * n + step * 0.15
            bars.append(Bar(x, base, step * 0.7, height, index % SERIES_CLASSES, tooltip))
    return Chart(
        label=label,
        legend=_legend(series),
        bars=bars,
        ticks=_count_ticks(top),
        categories=_categories(categories, step),
    )


def lines(label: str, categories: list[str], series: dict[str, list[float | None]]) -> Chart:
    """One line per series over the categories, on a 0–1 axis (agreement, proportions); a gap
    where a value is undefined."""
    plot = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    low = min((v for values in series.values() for v in values if v is not None), default=0)
    bottom = 0.0 if low >= 0 else -0.5 if low >= -0.5 else -1.0  # kappa and alpha go below 0
    tick = 0.25 if bottom > -1 else 0.5

    def y(value: float) -> float:
        return HEIGHT - BOTTOM - plot * (value - bottom) / (1 - bottom)

    drawn = []
    for index, (name, values) in enumerate(series.items()):
        dots, segments, run = [], [], []
        for n, value in enumerate(values):
            if value is None:
                segments.append(run)
                run = []
                continue
            point = (LEFT + step * (n + 0.5), y(value))
            run.append(point)
            dots.append((*point, f"{categories[n]}: {name} {value:.3f}"))
        segments.append(run)
        drawn.append(
            Line(
                [
                    " ".join(f"{px:.1f},{py:.1f}" for px, py in run)
                    for run in segments
                    if len(run) > 1
                ],
                dots,
                index % SERIES_CLASSES,
            )
        )
    steps = round((1 - bottom) / tick)
    ticks = [(y(bottom + tick * n), f"{bottom + tick * n:.2f}") for n in range(steps + 1)]
    return Chart(
        label=label,
        legend=_legend(series),
        lines=drawn,
        ticks=ticks,
        categories=_categories(categories, step),
    )


def _legend(series: dict) -> list[tuple[int, str]]:
    return [(index % SERIES_CLASSES, name) for index, name in enumerate(series)]

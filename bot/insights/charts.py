"""PNG charts of the community report (matplotlib, Agg backend, imported lazily).

Every chart function takes plain numbers and a path and always writes a picture: with no
data it draws an empty state that says why, so a new community, a community of one, or one
where everybody left gets a readable report instead of a crash.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger("hearth.insights.charts")

SEGMENT_COLOURS = {"high_value": "#2e7d32", "potential": "#1e88e5", "dormant": "#f9a825",
                   "churned": "#9e9e9e"}
ACCENT = "#5c6bc0"


def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


@cache
def cjk_font() -> str | None:
    """A font that can draw Chinese, if one is installed (else charts use English)."""
    pyplot()
    from matplotlib import font_manager

    wanted = ("Noto Sans CJK", "Noto Serif CJK", "Source Han", "WenQuanYi", "SimHei",
              "Microsoft YaHei", "PingFang", "Heiti", "AR PL", "Droid Sans Fallback")
    for font in font_manager.fontManager.ttflist:
        if any(name.lower() in font.name.lower() for name in wanted):
            return str(font.name)
    return None


def _figure(size: tuple[float, float]) -> tuple[Any, Any]:
    plt = pyplot()
    font = cjk_font()
    if font:
        plt.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
    fig, ax = plt.subplots(figsize=size)
    return fig, ax


def _save(fig: Any, path: Path, dpi: int) -> Path:
    plt = pyplot()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi, format="png")
    plt.close(fig)
    return path


def empty_chart(path: Path, message: str, *, dpi: int = 100,
                size: tuple[float, float] = (8, 3)) -> Path:
    fig, ax = _figure(size)
    ax.axis("off")
    ax.add_patch(pyplot().Rectangle((0.01, 0.04), 0.98, 0.92, transform=ax.transAxes,
                                    fill=False, linestyle="--", edgecolor="#bdbdbd"))
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="#616161",
            transform=ax.transAxes, wrap=True)
    return _save(fig, path, dpi)


def never_fails(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A chart that cannot be drawn (an unforeseen shape of data, a matplotlib error)
    becomes an empty state naming the error, and the rest of the report still renders."""

    @functools.wraps(fn)
    def draw(path: Path, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(path, *args, **kwargs)
        except Exception as exc:
            log.exception("chart %s could not be drawn", path.name)
            pyplot().close("all")
            blank = empty_chart(path, f"This chart could not be drawn ({type(exc).__name__}: "
                                f"{str(exc)[:80]}).", dpi=kwargs.get("dpi", 100))
            return (blank, []) if fn.__name__ == "reply_graph" else blank

    return draw


@never_fails
def heatmap(path: Path, grid: Sequence[Sequence[int]], weekdays: Sequence[str], *,
            empty: str, dpi: int = 100) -> Path:
    if not grid or not any(any(row) for row in grid):
        return empty_chart(path, empty, dpi=dpi)
    fig, ax = _figure((10, 3.6))
    image = ax.imshow(grid, aspect="auto", cmap="YlOrRd", interpolation="nearest")
    ax.set_yticks(range(len(weekdays)), list(weekdays))
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel("hour")
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.01)
    return _save(fig, path, dpi)


@never_fails
def reply_graph(path: Path, edges: Mapping[tuple[str, str], int], names: Mapping[str, str],
                *, top: int, empty: str, dpi: int = 100) -> tuple[Path, list[str]]:
    """The ``top`` most connected members (weighted degree) and the replies between them."""
    import networkx as nx

    graph = nx.Graph()
    for (a, b), weight in edges.items():
        if a != b and weight > 0:
            graph.add_edge(a, b, weight=weight)
    if graph.number_of_edges() == 0:
        return empty_chart(path, empty, dpi=dpi), []
    degree = dict(graph.degree(weight="weight"))
    chosen = sorted(degree, key=lambda n: (-degree[n], n))[:top]
    sub = graph.subgraph(chosen).copy()
    if sub.number_of_edges() == 0:
        return empty_chart(path, empty, dpi=dpi), chosen
    fig, ax = _figure((9, 7))
    layout = nx.spring_layout(sub, seed=7, weight="weight", k=1.2 / math.sqrt(len(sub)))
    weights = [sub.edges[e]["weight"] for e in sub.edges]
    biggest = max(weights)
    nx.draw_networkx_edges(sub, layout, ax=ax, width=[0.4 + 3.5 * w / biggest for w in weights],
                           alpha=0.35, edge_color="#546e7a")
    sizes = [80 + 900 * degree[n] / degree[chosen[0]] for n in sub.nodes]
    nx.draw_networkx_nodes(sub, layout, ax=ax, node_size=sizes, node_color=ACCENT, alpha=0.85)
    labels = {n: (names.get(n) or n.split(":", 1)[-1])[:14] for n in sub.nodes}
    nx.draw_networkx_labels(sub, layout, labels=labels, ax=ax, font_size=7)
    ax.axis("off")
    return _save(fig, path, dpi), chosen


@never_fails
def funnel(path: Path, steps: Sequence[tuple[str, int]], *, empty: str,
           dpi: int = 100) -> Path:
    if not steps or steps[0][1] == 0:
        return empty_chart(path, empty, dpi=dpi)
    fig, ax = _figure((8, 3.6))
    labels = [label for label, _ in steps]
    counts = [count for _, count in steps]
    top = counts[0]
    bars = ax.barh(range(len(steps)), counts, color=ACCENT, alpha=0.85)
    ax.set_yticks(range(len(steps)), labels)
    ax.invert_yaxis()
    for bar, count in zip(bars, counts, strict=True):
        ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2,
                f"{count:,} ({100 * count / top:.0f}%)", va="center", fontsize=9)
    ax.set_xlim(0, top * 1.25)
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, path, dpi)


@never_fails
def segments_over_time(path: Path, days: Sequence[date], series: Mapping[str, Sequence[int]],
                       labels: Mapping[str, str], *, empty: str, dpi: int = 100) -> Path:
    if not days:
        return empty_chart(path, empty, dpi=dpi)
    fig, ax = _figure((9, 3.8))
    names = [s for s in SEGMENT_COLOURS if s in series]
    if len(days) == 1:
        bottom = 0
        for name in names:
            value = series[name][0]
            ax.bar([0], [value], bottom=bottom, color=SEGMENT_COLOURS[name],
                   label=labels.get(name, name))
            bottom += value
        ax.set_xticks([0], [days[0].isoformat()])
    else:
        ax.stackplot(days, *[series[n] for n in names], labels=[labels.get(n, n) for n in names],
                     colors=[SEGMENT_COLOURS[n] for n in names], alpha=0.9)
        fig.autofmt_xdate()
    ax.legend(loc="upper left", fontsize=8, ncols=4)
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, path, dpi)


@never_fails
def bars(path: Path, items: Sequence[tuple[str, int]], *, empty: str, dpi: int = 100,
         colour: str = ACCENT) -> Path:
    if not items or not any(count for _, count in items):
        return empty_chart(path, empty, dpi=dpi)
    fig, ax = _figure((8, 3.2))
    names = [n for n, _ in items]
    counts = [c for _, c in items]
    drawn = ax.bar(range(len(items)), counts, color=colour, alpha=0.85)
    ax.set_xticks(range(len(items)), names)
    for bar, count in zip(drawn, counts, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height(), f"{count:,}", ha="center",
                va="bottom", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, path, dpi)


@never_fails
def mood(path: Path, days: Sequence[date], values: Sequence[float], counts: Sequence[int], *,
         empty: str, dpi: int = 100) -> Path:
    if not days:
        return empty_chart(path, empty, dpi=dpi)
    fig, ax = _figure((9, 3.2))
    ax.axhline(0, color="#bdbdbd", linewidth=1)
    ax.plot(days, values, color=ACCENT, marker="o" if len(days) < 30 else None, linewidth=1.5)
    ax.fill_between(days, values, 0, where=[v < 0 for v in values], color="#e53935", alpha=0.2)
    ax.fill_between(days, values, 0, where=[v >= 0 for v in values], color="#43a047",
                    alpha=0.2)
    ax.set_ylim(-1, 1)
    ax.set_ylabel("mood")
    twin = ax.twinx()
    twin.bar(days, counts, color="#90a4ae", alpha=0.25)
    twin.set_ylabel("messages")
    fig.autofmt_xdate()
    return _save(fig, path, dpi)


@never_fails
def moderation(path: Path, days: Sequence[date], opened: Sequence[int], met: Sequence[int], *,
               empty: str, dpi: int = 100) -> Path:
    if not days:
        return empty_chart(path, empty, dpi=dpi)
    fig, ax = _figure((9, 3.2))
    ax.bar(days, opened, color="#8d6e63", alpha=0.7, label="cases")
    ax.set_ylabel("cases")
    twin = ax.twinx()
    share = [100 * m / o if o else 100.0 for m, o in zip(met, opened, strict=True)]
    twin.plot(days, share, color="#2e7d32", marker="." if len(days) < 60 else None,
              label="SLA %")
    twin.set_ylim(0, 105)
    twin.set_ylabel("acknowledged in time (%)")
    fig.autofmt_xdate()
    return _save(fig, path, dpi)


@never_fails
def risk(path: Path, members: Sequence[tuple[str, float]], *, empty: str,
         dpi: int = 100) -> Path:
    if not members:
        return empty_chart(path, empty, dpi=dpi)
    fig, ax = _figure((8, max(2.5, 0.32 * len(members) + 1)))
    names = [n[:24] for n, _ in members]
    values = [100 * r for _, r in members]
    ax.barh(range(len(members)), values, color="#e53935", alpha=0.75)
    ax.set_yticks(range(len(members)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("risk (%)")
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, path, dpi)


@never_fails
def experiments(path: Path, groups: Sequence[tuple[str, Sequence[tuple[str, float, float,
                                                                         float, int]]]], *,
                empty: str, dpi: int = 100) -> Path:
    """Conversion per arm with 95 % intervals; ``groups`` = (experiment, [(arm, rate, low,
    high, arm index)]); the control (index 0) is always grey."""
    groups = [g for g in groups if g[1]]
    if not groups:
        return empty_chart(path, empty, dpi=dpi)
    fig, ax = _figure((9, 3.4))
    x = 0.0
    ticks: list[float] = []
    labels: list[str] = []
    palette = ["#90a4ae", ACCENT, "#26a69a", "#ef6c00", "#8e24aa", "#c0ca33", "#6d4c41",
               "#ec407a"]
    for name, arms in groups:
        for i, (arm, rate, low, high, index) in enumerate(arms):
            ax.bar([x], [100 * rate], color=palette[index % len(palette)], alpha=0.9)
            ax.errorbar([x], [100 * rate], yerr=[[100 * max(0.0, rate - low)],
                                                 [100 * max(0.0, high - rate)]],
                        color="#263238", capsize=4)
            ticks.append(x)
            labels.append(f"{name}\n{arm}" if i == 0 else arm)
            x += 1
        x += 0.8
    ax.set_xticks(ticks, labels, fontsize=8)
    ax.set_ylabel("acted within window (%)")
    ax.set_ylim(0, 100)
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, path, dpi)

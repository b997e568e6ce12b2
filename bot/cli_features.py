"""Feature commands mounted on the ``hearth`` CLI (bench, import, spam, sentiment …).

Each command imports its implementation when it runs, so ``hearth --help`` stays fast.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from bot.cli import app, bench_app

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


@bench_app.command("ingest")
def bench_ingest(messages: Annotated[int, typer.Option(min=1000)] = 100_000,
                 naive: Annotated[int, typer.Option(min=100, help="Messages for the naive "
                                                    "baseline (it is slow).")] = 3000,
                 json_out: JsonOpt = False) -> None:
    """Pipeline vs naive per-message commits vs raw sqlite3, plus p50/p99 latency."""
    from bot.bench.ingest import bench_ingest as run

    result = asyncio.run(run(messages, naive))
    if json_out:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"pipeline  {result['pipeline_msgs_per_s']:>10,} msgs/s")
    typer.echo(f"naive     {result['naive_msgs_per_s']:>10,} msgs/s   "
               f"(pipeline is {result['pipeline_vs_naive']}x)")
    typer.echo(f"raw       {result['raw_msgs_per_s']:>10,} msgs/s   "
               f"(pipeline is {result['pipeline_vs_raw']:.0%} of raw)")
    typer.echo(f"latency at {result['offered_msgs_per_s']:,} msgs/s offered: "
               f"p50 {result['p50_latency_ms']} ms, p99 {result['p99_latency_ms']} ms")


def _mount_spam() -> None:
    from bot.safety.cli import spam_app

    app.add_typer(spam_app, name="spam", help="Train and evaluate the spam classifier.")


_mount_spam()


@bench_app.command("filters")
def bench_filters(json_out: JsonOpt = False) -> None:
    """Line-1 filters (1,000 keywords, 50 regexes, structural rules) vs a naive loop."""
    from bot.safety.cli import bench_filters as run

    result = run(json_out)
    if json_out:
        typer.echo(json.dumps(result))

"""Feature commands mounted on the ``hearth`` CLI (bench, import, spam, sentiment …).

Each command imports its implementation when it runs, so ``hearth --help`` stays fast.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from bot.cli import bench_app

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

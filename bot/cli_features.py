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


# -- doctor and discord sync (platforms) ---------------------------------------------------
DoctorConfigOpt = Annotated[str | None, typer.Option(
    "--config", "-c", help="Config TOML file (default: $HEARTH_CONFIG or hearth.toml).")]


@app.command("doctor")
def doctor(config: DoctorConfigOpt = None,
           online: Annotated[bool, typer.Option(
               "--online", help="Also ask Discord/Telegram what the bot may do in each "
               "configured community (uses the tokens and endpoints).")] = False) -> None:
    """Check config, database, migrations, tokens and disk: exit 0 when all pass, else 1."""
    import sys
    from pathlib import Path

    from bot.doctor import diagnose, render

    report = asyncio.run(diagnose(Path(config) if config else None, online=online))
    typer.echo(render(report, getattr(sys.stdout, "encoding", None)))
    raise typer.Exit(report.exit_code)


discord_app = typer.Typer(help="Discord tools (slash command sync).", no_args_is_help=True)
app.add_typer(discord_app, name="discord")


@discord_app.command("sync")
def discord_sync(config: DoctorConfigOpt = None,
                 guild: Annotated[list[int] | None, typer.Option(
                     "--guild", "-g", help="Only this server id (repeatable); default: every "
                     "server the bot is in.")] = None) -> None:
    """Publish Hearth's slash commands to Discord servers (HEARTH_DISCORD_TOKEN)."""
    from pathlib import Path

    import aiohttp

    import handlers
    from bot.cli import fail, load, setup_logging
    from bot.discord.commands import sync_commands
    from bot.platform.config import DISCORD_API_BASE
    from bot.platform.runtime import PlatformStartError
    from bot.platform.tokens import TokenError, token_from_env
    from handlers.registry import registry

    try:
        token = token_from_env("HEARTH_DISCORD_TOKEN")
    except TokenError as exc:
        fail(str(exc), 2)
    cfg = load(Path(config) if config else None)
    setup_logging("WARNING")
    handlers.load_all()
    wanted = list(guild) if guild else None
    base = cfg.discord.api_base_url or DISCORD_API_BASE
    try:
        synced = asyncio.run(sync_commands(token, cfg.discord, registry.commands.values(),
                                           wanted))
    except PlatformStartError as exc:
        fail(str(exc), 2)
    except (aiohttp.ClientError, OSError) as exc:
        fail(f"cannot reach Discord at {base}: {exc}", 1)
    targets = wanted if wanted is not None else sorted(synced)
    if not targets:
        typer.echo("the bot is in no Discord server yet; invite it first (see README, Deploy)")
    for guild_id in targets:
        if guild_id in synced:
            typer.echo(f"server {guild_id}: {synced[guild_id]} command(s) synced")
        else:
            typer.echo(f"server {guild_id}: not synced (see the warning above)", err=True)
    raise typer.Exit(0 if all(g in synced for g in targets) else 1)


def _mount_sentiment() -> None:
    from bot.scoring.cli import bench_sentiment_command, sentiment_app

    app.add_typer(sentiment_app, name="sentiment", help="Evaluate sentiment and distress.")
    bench_app.command("sentiment")(bench_sentiment_command)


_mount_sentiment()

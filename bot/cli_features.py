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
                 seconds: Annotated[float, typer.Option(
                     min=0.2, help="Length of each latency run at a steady offered load.")
                 ] = 4.0,
                 json_out: JsonOpt = False) -> None:
    """Pipeline vs naive per-message commits vs raw sqlite3, plus p50/p99 latency."""
    from bot.bench.ingest import bench_ingest as run

    result = asyncio.run(run(messages, naive, latency_seconds=seconds))
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
    typer.echo(f"latency at {result['sustainable_offered_msgs_per_s']:,} msgs/s offered "
               f"(half the measured throughput): p99 {result['sustainable_p99_latency_ms']} ms")
    typer.echo("(growth pipeline: safety filters and sentiment off; see docs/performance.md)")


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


def import_mee6(
    file: Annotated[str, typer.Argument(help="MEE6 leaderboard export: JSON or CSV with a "
                                        "header (id, xp[, level, username]).")],
    community: Annotated[str, typer.Option("--community", help="Community to import into: "
                                           "dc:<guild id> (or the id as in the config).")],
    config: Annotated[str | None, typer.Option("--config", "-c", help="Config TOML file "
                                               "(default: $HEARTH_CONFIG or hearth.toml).")
                      ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count, write "
                                          "nothing.")] = False,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Import the good rows even if "
                                           "some rows have problems.")] = False,
    spendable: Annotated[bool, typer.Option("--balance/--no-balance", help="Also make the "
                                            "imported XP spendable in the shop.")] = True,
    lang: Annotated[str, typer.Option(help="Language of the report: en or zh.")] = "en",
) -> None:
    """Import MEE6 XP (one ledger row per member, one transaction, idempotent)."""
    from pathlib import Path

    from bot.cli import fail, load, run_async, setup_logging

    path = Path(file)
    if not path.is_file():
        fail(f"{file}: file not found")
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{file}: not UTF-8 text (byte {exc.start}); export it again as UTF-8 JSON or CSV")
    setup_logging("WARNING")
    wanted = community if ":" in community else f"dc:{community}"
    platform = {"dc": "discord", "console": "console", "tg": "telegram"}.get(
        wanted.split(":", 1)[0])
    fallback = [{"platform": platform, "id": wanted.split(":", 1)[1]}] if platform else []
    cfg = load(Path(config) if config else None, fallback_communities=fallback)
    settings = cfg.community(wanted)
    if settings is None:
        known = ", ".join(sorted(cfg.communities)) or "none"
        fail(f"community {wanted} is not in the config (known: {known}); add a "
             "[[communities]] entry or pass the right --community")

    async def go() -> int:
        from bot.bootstrap import build_app
        from bot.growth.mee6 import ImportRefused
        from bot.growth.mee6 import import_mee6 as run

        app = await build_app(cfg)
        try:
            report = await run(app, settings, content, dry_run=dry_run, skip_bad=skip_bad,
                               spendable=spendable, lang=lang)
        except ImportRefused as exc:
            typer.echo(f"error: {exc}", err=True)
            return 2
        finally:
            await app.close()
        for problem in report.problems:
            typer.echo(f"{file}: {problem}", err=True)
        for line in report.lines:
            typer.echo(line)
        return 0 if report.written or (report.dry_run and report.ok) else 1

    raise typer.Exit(run_async(go()) or 0)


def _mount_mee6_import() -> None:
    from bot.cli import import_app

    import_app.command("mee6")(import_mee6)


_mount_mee6_import()


def _mount_safety_exports() -> None:
    from bot.safety.cli import audit_app, crisis_app

    app.add_typer(audit_app, name="audit", help="Export the audit log.")
    app.add_typer(crisis_app, name="crisis", help="Export crisis records.")


_mount_safety_exports()


# -- operations: bench fuzz, db backup, member export/delete (bot/ops/cli.py) ---------------
def _mount_ops() -> None:
    from bot.ops.cli import mount

    mount()


_mount_ops()


def _mount_insights() -> None:
    from bot.insights.cli import insights_app, payout_command, report_command

    app.add_typer(insights_app, name="insights",
                  help="Insights: churn warning, RFM segments, experiments.")
    app.command("report")(report_command)
    app.command("payout")(payout_command)


_mount_insights()


# -- time: the scheduler benchmark (bot/scheduler/bench.py) ----------------------------------
@bench_app.command("scheduler")
def bench_scheduler_command(
    items: Annotated[int, typer.Option(min=100, help="Pending items loaded.")] = 100_000,
    spread: Annotated[float, typer.Option(min=1.0, help="Seconds the due times are spread "
                                          "over.")] = 30.0,
    url: Annotated[str | None, typer.Option(help="Database URL (default: a temporary SQLite "
                                            "file); only rows of kind 'bench' are touched.")
                   ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Fire lateness p50/p99 and memory with 100,000 pending items (targets: p99 <= 1 s)."""
    from bot.scheduler.bench import bench_scheduler

    bench_scheduler(json_out, items, url, spread_s=spread)


def bench_growth(
    messages: Annotated[int, typer.Option(min=1000, help="Messages per run.")] = 20_000,
    rounds: Annotated[int, typer.Option(min=1, help="Alternating off/on rounds.")] = 2,
    prefetch: Annotated[bool, typer.Option("--prefetch", help="Also measure with the state "
                                           "cache warmed per chunk.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """What growth costs per message: the same pipeline with growth off and on."""
    from bot.growth.bench import bench_growth as run

    result = asyncio.run(run(messages, rounds, prefetch))
    if json_out:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"growth off {result['off_msgs_per_s']:>10,} msgs/s")
    typer.echo(f"growth on  {result['on_msgs_per_s']:>10,} msgs/s   "
               f"({result['on_vs_off']:.0%} of off, +{result['growth_us_per_msg']} µs/msg)")
    if prefetch:
        typer.echo(f"on+prefetch {result['on_prefetch_msgs_per_s']:>9,} msgs/s   "
                   f"(+{result['prefetch_us_per_msg']} µs/msg)")


def _mount_growth_bench() -> None:
    from bot.cli import bench_app

    bench_app.command("growth")(bench_growth)


_mount_growth_bench()

"""``hearth insights churn|segments|experiments``, ``hearth report`` and ``hearth payout``.

Only Typer is imported here; each command imports what it needs when it runs. Every command
analyses one community "as of" a time — by default the newest stored activity, so a copied
or demo database is analysed as of its own data (``--at`` picks another time). Without a
config file the communities are read from the database itself.
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

insights_app = typer.Typer(help="Insights: churn warning, RFM segments, experiments.",
                           no_args_is_help=True)

CommunityOpt = Annotated[str | None, typer.Option(
    "--community", help="Community id, e.g. dc:123 or console:demo (default: the only one).")]
ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", "-c", help="Config TOML file (default: $HEARTH_CONFIG or hearth.toml).")]
DatabaseOpt = Annotated[str | None, typer.Option(
    "--database", help="Database URL (overrides the config), e.g. "
    "sqlite+aiosqlite:///hearth-demo.db")]
AtOpt = Annotated[str | None, typer.Option(
    "--at", help="Analyse as of this time (ISO 8601, UTC if no zone; default: the newest "
    "stored activity).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
LangOpt = Annotated[str | None, typer.Option(
    "--lang", help="Language of the output: en or zh (default: the community's).")]


def parse_at(value: str | None) -> datetime | None:
    from bot.cli import fail

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        fail(f"--at {value!r} is not a date or time; write it like 2026-03-01 or "
             "2026-03-01T12:00:00+08:00")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_language(lang: str | None) -> None:
    from bot.cli import fail

    if lang is not None and lang not in ("en", "zh"):
        fail(f"--lang must be en or zh, got {lang!r}")


async def _stored_communities(url: str) -> list[dict[str, str]]:
    """``[[communities]]`` entries for the communities a database holds (no config file)."""
    from sqlalchemy import select

    from bot.storage.engine import create_engine
    from bot.storage.models import Community

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(Community.id, Community.platform,
                                              Community.name))).all()
    except Exception:
        return []
    finally:
        await engine.dispose()
    found = []
    for community_id, platform, name in rows:
        if platform in ("discord", "telegram", "console") and ":" in community_id:
            found.append({"platform": platform, "id": community_id.split(":", 1)[1],
                          "name": name or ""})
    return found


@asynccontextmanager
async def opened(config_path: Path | None, database: str | None, community: str | None):
    """Yield ``(sessions, community settings)``; exits with a clear error when the database
    or the community cannot be found."""
    from bot.bootstrap import check_connection
    from bot.cli import fail, load
    from bot.storage import migrate
    from bot.storage.engine import create_engine, sessionmaker, sqlite_path

    cfg = load(config_path, database_url=database)
    url = cfg.database.url
    path = sqlite_path(url)
    if path is not None and not path.exists():
        fail(f"database {path} does not exist; run `hearth demo` or pass --database with the "
             "bot's database URL", 1)
    if not cfg.communities:
        stored = await _stored_communities(url)
        if stored:
            cfg = load(config_path, database_url=database, fallback_communities=stored)
    settings = pick_community(cfg, community)
    engine = create_engine(url, busy_timeout_ms=cfg.database.busy_timeout_ms)
    try:
        await check_connection(engine, url)
        if cfg.database.upgrade_on_start:
            await migrate.upgrade(engine)
        yield sessionmaker(engine), settings
    finally:
        await engine.dispose()


def pick_community(cfg: Any, wanted: str | None) -> Any:
    from bot.cli import fail

    known = sorted(cfg.communities)
    if not known:
        fail("no community: the config lists none and the database holds none; add a "
             "[[communities]] entry or pass --database of a bot's database")
    if wanted is None:
        if len(known) == 1:
            return cfg.communities[known[0]]
        fail(f"several communities ({', '.join(known)}); pick one with --community")
    if wanted in cfg.communities:
        return cfg.communities[wanted]
    matches = [c for c in known if c.split(":", 1)[-1] == wanted]
    if len(matches) == 1:
        return cfg.communities[matches[0]]
    fail(f"community {wanted!r} not found (known: {', '.join(known)})")
    raise AssertionError  # unreachable: fail() exits


@insights_app.command("churn")
def churn_command(community: CommunityOpt = None, config: ConfigOpt = None,
                  database: DatabaseOpt = None, at: AtOpt = None, json_out: JsonOpt = False,
                  lang: LangOpt = None, save: Annotated[bool, typer.Option(
                      "--save", help="Store the run and its warning list (as the scheduled "
                      "recompute does).")] = False) -> None:
    """Churn warning: model AUC vs recency alone, and members at risk with reasons.

    Trains on snapshots at earlier cutoffs and tests on a later one. Exit 1 when there is
    not enough data (the message says what is missing).
    """
    from bot.cli import run_async, setup_logging

    setup_logging("WARNING")
    _check_language(lang)
    when = parse_at(at)

    async def go() -> Any:
        from bot.insights.churn import churn_report, store_report
        from bot.insights.report import resolve_as_of

        async with opened(config, database, community) as (sessions, settings):
            async with sessions() as session:
                as_of = await resolve_as_of(session, settings.id, when)
                report = await churn_report(session, settings.id, settings, as_of)
                if save:
                    await store_report(session, report)
                    await session.commit()
            return report, lang or settings.language, settings

    report, language, settings = run_async(go())
    if json_out:
        typer.echo(json.dumps(report.to_json(language), ensure_ascii=False))
    else:
        from domain.insights.texts import churn_lines

        for line in churn_lines(report, language, settings.insights.churn.list_size,
                                hours=settings.insights.churn.warning_hours):
            typer.echo(line)
    raise typer.Exit(0 if report.status == "ok" else 1)


@insights_app.command("segments")
def segments_command(community: CommunityOpt = None, config: ConfigOpt = None,
                     database: DatabaseOpt = None, at: AtOpt = None, json_out: JsonOpt = False,
                     lang: LangOpt = None, save: Annotated[bool, typer.Option(
                         "--save", help="Store the snapshot (as the scheduled recompute "
                         "does).")] = False) -> None:
    """RFM segments (high value, potential, dormant, churned) as of a time."""
    from bot.cli import run_async, setup_logging

    setup_logging("WARNING")
    _check_language(lang)
    when = parse_at(at)

    async def go() -> Any:
        from bot.insights.report import resolve_as_of
        from bot.insights.segments import compute_segments, recompute_segments
        from bot.storage.repos.insights import InsightsRepository
        from domain.insights.rfm import segment_counts

        async with opened(config, database, community) as (sessions, settings):
            async with sessions() as session:
                as_of = await resolve_as_of(session, settings.id, when)
                if save:
                    result = await recompute_segments(session, settings.id, settings.insights,
                                                      as_of)
                    await session.commit()
                    scores = result.scores
                else:
                    scores = await compute_segments(InsightsRepository(session, settings.id),
                                                    settings.insights, as_of)
            return as_of, scores, segment_counts(scores), settings

    as_of, scores, counts, settings = run_async(go())
    if json_out:
        typer.echo(json.dumps({"community": settings.id, "as_of": as_of.isoformat(),
                               "counts": counts, "members": [
                                   {"member_id": s.member_id, "segment": s.segment, "r": s.r,
                                    "f": s.f, "m": s.m} for s in scores]}, ensure_ascii=False))
        return
    from domain.insights.texts import segment_lines

    for line in segment_lines(counts, as_of.strftime("%Y-%m-%d %H:%M UTC"),
                              lang or settings.language):
        typer.echo(line)


@insights_app.command("experiments")
def experiments_command(community: CommunityOpt = None, config: ConfigOpt = None,
                        database: DatabaseOpt = None, at: AtOpt = None,
                        json_out: JsonOpt = False, lang: LangOpt = None) -> None:
    """Experiments with conversion per arm and the significance test."""
    from bot.cli import run_async, setup_logging

    setup_logging("WARNING")
    _check_language(lang)
    when = parse_at(at)

    async def go() -> Any:
        from bot.insights.experiments import experiment_views
        from bot.insights.report import resolve_as_of
        from bot.storage.repos.insights import InsightsRepository

        async with opened(config, database, community) as (sessions, settings):
            async with sessions() as session:
                as_of = await resolve_as_of(session, settings.id, when)
                views = await experiment_views(InsightsRepository(session, settings.id),
                                               settings.insights.experiments, as_of)
            return views, settings

    views, settings = run_async(go())
    if json_out:
        typer.echo(json.dumps([_view_json(v) for v in views], ensure_ascii=False))
        return
    from domain.i18n import t
    from domain.insights.texts import experiment_lines

    language = lang or settings.language
    if not views:
        typer.echo(t("insights.experiments.none", language))
    for view in views:
        for line in experiment_lines(view, language):
            typer.echo(line)


def _view_json(view: Any) -> dict[str, Any]:
    result = view.result
    return {"name": view.name, "status": view.status, "source": view.source,
            "window_minutes": view.window_minutes, "result": result.status,
            "reason": result.reason or None, "winner": result.winner, "pending": view.pending,
            "arms": [{"arm": a.arm, "exposed": a.exposed, "converted": a.converted,
                      "rate": round(a.rate, 4)} for a in result.arms],
            "comparisons": [{"arm": c.arm, "control": c.control, "lift": round(c.lift, 4),
                             "z": round(c.z, 3), "p_value": c.p_value,
                             "significant": c.significant} for c in result.comparisons]}


def report_command(out: Annotated[Path, typer.Option("--out", help="Directory for index.html "
                                                     "and charts/.")] = Path("hearth-report"),
                   community: CommunityOpt = None, config: ConfigOpt = None,
                   database: DatabaseOpt = None, at: AtOpt = None,
                   lang: LangOpt = None) -> None:
    """Write the community report (HTML page with charts) to a directory.

    Charts: activity heatmap, reply graph, value funnel, segments over time, stages, mood,
    moderation load and SLA, churn warning, experiments.
    """
    from bot.cli import fail, run_async, setup_logging

    setup_logging("WARNING")
    _check_language(lang)
    when = parse_at(at)
    if out.exists() and not out.is_dir():
        fail(f"--out {out} is a file; give a directory")

    async def go() -> Any:
        from bot.insights.report import generate_report

        async with opened(config, database, community) as (sessions, settings):
            try:
                return await generate_report(sessions, settings, out, as_of=when, lang=lang)
            except OSError as exc:
                fail(f"cannot write the report to {out}: {exc.strerror or exc}", 1)

    result = run_async(go())
    typer.echo(f"report: {result.path.resolve()} ({len(result.sections)} charts in "
               f"{(result.directory / 'charts').resolve()})")


def payout_command(
    pool: Annotated[str, typer.Option("--pool", help="Amount to split, e.g. 1000 or "
                                      "1000.50 (two decimals at most).")],
    period: Annotated[str, typer.Option("--period", help="month or week.")] = "month",
    at: Annotated[str | None, typer.Option(
        "--at", help="Which period: 2026-02 (month) or 2026-W06 (week); default: the last "
        "complete one before the newest stored activity.")] = None,
    community: CommunityOpt = None, config: ConfigOpt = None, database: DatabaseOpt = None,
    csv_path: Annotated[Path | None, typer.Option(
        "--csv", help="CSV file to write (default: payout-<community>-<period>.csv).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the split, record "
                                          "nothing.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Split a reward pool among contributors and export the treasurer's CSV.

    Weights contribution 40 %, cost 30 %, partner 30 % by default ([insights.payout]);
    recorded in the ledger once per period; exact to the cent.
    """
    from bot.cli import fail, run_async, setup_logging
    from domain.insights.payout import PERIOD_KINDS, format_cents, parse_amount_cents

    setup_logging("WARNING")
    if period not in PERIOD_KINDS:
        fail(f"--period must be one of {', '.join(PERIOD_KINDS)}, got {period!r}")
    try:
        pool_cents = parse_amount_cents(pool)
    except ValueError as exc:
        fail(f"--pool: {exc}")

    async def go() -> Any:
        from bot.insights.payout import PayoutRefused, run_payout
        from bot.insights.report import resolve_as_of

        async with opened(config, database, community) as (sessions, settings), \
                sessions() as session:
            reference = await resolve_as_of(session, settings.id, None)
            try:
                return await run_payout(session, settings, pool_cents=pool_cents,
                                        kind=period, period=at, now=datetime.now(UTC),
                                        reference=reference, actor="cli", dry_run=dry_run)
            except (PayoutRefused, ValueError) as exc:
                fail(str(exc), 1)

    outcome = run_async(go())
    from bot.insights.payout import write_csv

    target = csv_path or Path(f"payout-{outcome.community_id.replace(':', '-')}-"
                              f"{outcome.period}.csv")
    if not dry_run:
        try:
            write_csv(outcome, target)
        except OSError as exc:
            fail(f"the payout is recorded, but the CSV could not be written to {target}: "
                 f"{exc.strerror or exc}; run the command again to export it", 1)
    if json_out:
        typer.echo(json.dumps({
            "community": outcome.community_id, "period": outcome.period,
            "pool": format_cents(outcome.pool_cents), "currency": outcome.currency,
            "members": len(outcome.lines), "recorded": outcome.created,
            "already_paid": not outcome.created and not dry_run,
            "csv": None if dry_run else str(target.resolve()), "weights": outcome.weights,
            "payouts": [{"member_id": line.member_id, "name": line.name,
                         "amount": format_cents(line.cents), "share": round(line.share, 6)}
                        for line in outcome.lines]}, ensure_ascii=False))
        return
    state = "dry run, nothing recorded" if dry_run else (
        "recorded" if outcome.created else "already paid out earlier; stored split exported")
    typer.echo(f"{outcome.period}: {format_cents(outcome.pool_cents)} {outcome.currency} "
               f"among {len(outcome.lines)} members ({state})")
    for line in outcome.lines[:10]:
        typer.echo(f"  {line.name or line.member_id:<24} {format_cents(line.cents):>12}  "
                   f"{100 * line.share:5.2f}%")
    if len(outcome.lines) > 10:
        typer.echo(f"  … {len(outcome.lines) - 10} more in the CSV")
    if not dry_run:
        typer.echo(f"csv: {target.resolve()}")

"""Operations commands: ``hearth bench fuzz``, ``hearth db backup``, ``hearth member …``.

Mounted by ``bot.cli_features``; every implementation is imported when its command runs.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer

member_app = typer.Typer(help="A member's data: export it, or erase it (privacy requests).",
                         no_args_is_help=True)

ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", "-c", help="Config TOML file (default: $HEARTH_CONFIG or hearth.toml).")]
CommunityOpt = Annotated[str, typer.Option(
    "--community", help="Community id as in the config: dc:<guild>, tg:<chat> or console:<name>.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def bench_fuzz(events: Annotated[int, typer.Option(
                   "--events", "-n", min=100, help="Inputs to generate (events, commands, "
                   "button presses and JSON Lines).")] = 20_000,
               seed: Annotated[int, typer.Option(help="Random seed (runs are repeatable).")] = 0,
               json_out: JsonOpt = False) -> None:
    """Hostile input through the real pipeline; exit 1 if anything crashed or went unanswered."""
    from bot.ops.fuzz import iter_report_lines, run_fuzz

    report = asyncio.run(run_fuzz(events, seed=seed))
    if json_out:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        for line in iter_report_lines(report):
            typer.echo(line)
    raise typer.Exit(0 if report.ok else 1)


def db_backup(file: Annotated[Path, typer.Argument(help="Where to write the backup.")],
              config: ConfigOpt = None,
              force: Annotated[bool, typer.Option("--force", help="Overwrite FILE.")] = False
              ) -> None:
    """Back up the database while the bot runs (SQLite online backup API, or pg_dump)."""
    from bot.cli import fail, load
    from bot.ops.backup import backup_database
    from bot.storage.engine import DatabaseError

    cfg = load(config)
    try:
        result = backup_database(cfg.database.url, file, force=force)
    except DatabaseError as exc:
        fail(str(exc), 1)
    typer.echo(f"backed up to {result.path} ({result.bytes:,} bytes, {result.seconds:.1f}s, "
               f"{result.method})")


def _community(cfg: Any, community: str) -> Any:
    from bot.cli import fail

    settings = cfg.community(community)
    if settings is None:
        known = ", ".join(sorted(cfg.communities)) or "none"
        fail(f"community {community} is not in the config (known: {known}); pass --community "
             "exactly as listed")
    return settings


def _member_id(settings: Any, member: str) -> str:
    from domain.events import namespaced

    return member if ":" in member else namespaced(settings.platform, member)


@member_app.command("export")
def member_export(member: Annotated[str, typer.Argument(help="Member id (dc:123 or 123).")],
                  community: CommunityOpt,
                  config: ConfigOpt = None,
                  out: Annotated[Path | None, typer.Option(
                      "--out", "-o", help="Write the JSON here (default: [privacy] export_dir)."
                  )] = None) -> None:
    """Export everything stored about a member as JSON (a privacy access request)."""
    from bot.cli import load, run_async, setup_logging

    setup_logging("WARNING")
    cfg = load(config)
    settings = _community(cfg, community)
    member_id = _member_id(settings, member)

    async def go() -> None:
        from datetime import UTC, datetime

        from bot.bootstrap import build_app
        from bot.ops.privacy import collect, export_folder, write_export

        app = await build_app(cfg)
        try:
            now = datetime.now(UTC)
            async with app.sessions() as session:
                export = await collect(session, settings.id, member_id, now)
        finally:
            await app.close()
        if out is not None:
            out.write_text(export.text, encoding="utf-8")
            path = out
        else:
            path = write_export(export, export_folder(settings.privacy.export_dir,
                                                      cfg.database.url), now)
        typer.echo(f"{export.rows} records from {export.tables} tables about {member_id} "
                   f"written to {path}")

    run_async(go())


@member_app.command("delete")
def member_delete(member: Annotated[str, typer.Argument(help="Member id (dc:123 or 123).")],
                  community: CommunityOpt,
                  config: ConfigOpt = None,
                  yes: Annotated[bool, typer.Option(
                      "--yes", "-y", help="Do not ask for confirmation.")] = False) -> None:
    """Erase a member's data in one community: text and name dropped, rows anonymised."""
    from bot.cli import fail, load, run_async, setup_logging

    setup_logging("WARNING")
    cfg = load(config)
    settings = _community(cfg, community)
    member_id = _member_id(settings, member)
    if member_id.startswith("anon:"):
        fail(f"{member_id} is already anonymous")
    if not yes and not typer.confirm(f"Erase {member_id} in {settings.id}? This cannot be "
                                     "undone.", err=True):
        typer.echo("nothing changed", err=True)
        raise typer.Exit(1)

    async def go() -> dict[str, Any]:
        from datetime import UTC, datetime

        from bot.bootstrap import build_app
        from bot.ops.privacy import erase, export_folder
        from bot.storage.models import AuditEntry

        app = await build_app(cfg)
        try:
            async with app.sessions() as session, session.begin():
                folder = export_folder(settings.privacy.export_dir, cfg.database.url)
                result = await erase(session, settings.id, member_id, export_dir=folder)
                summary = result.summary()
                session.add(AuditEntry(
                    community_id=settings.id, at=datetime.now(UTC), actor_id="cli",
                    action="privacy.erased", target_id=result.anon_id,
                    reason="operator request (hearth member delete)",
                    details={k: v for k, v in summary.items() if k != "anon_id"}))
            app.cache.invalidate(settings.id, member_id)
        finally:
            await app.close()
        return {"rows": result.rows, **summary}

    summary = run_async(go())
    if not summary["rows"]:
        typer.echo(f"nothing stored about {member_id} in {settings.id}")
        return
    tables = ", ".join(f"{name} {count}" for name, count in sorted(
        {**summary["anonymised"], **summary["deleted"]}.items()))
    typer.echo(f"erased {member_id} in {settings.id}: now {summary['anon_id']}; "
               f"{summary['rows']} rows ({tables}); {summary['texts_dropped']} texts dropped, "
               f"{summary['files_deleted']} export files deleted")


def mount() -> None:
    """Attach the commands to the ``hearth`` CLI (called once by bot.cli_features)."""
    from bot.cli import app, bench_app, db_app

    bench_app.command("fuzz")(bench_fuzz)
    db_app.command("backup")(db_backup)
    app.add_typer(member_app, name="member")

"""The ``hearth`` command line.

Only Typer is imported at module level: every command imports what it needs when it runs,
so ``hearth --help`` does not pay for SQLAlchemy drivers, torch or transformers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(name="hearth", help="Hearth: community operations for Discord and Telegram.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks (ratios against baselines measured in the same run).",
                        no_args_is_help=True)
import_app = typer.Typer(help="Import data from other bots.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(bench_app, name="bench")
app.add_typer(import_app, name="import")

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Config TOML file "
                                                "(default: $HEARTH_CONFIG or hearth.toml).")]
DEFAULT_CONFIG = "hearth.toml"


def fail(message: str, code: int = 2) -> None:
    """Print a clear error to stderr and exit; never a stack trace for user errors."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def version_callback(value: bool) -> None:
    if value:
        from bot import __version__

        typer.echo(f"hearth {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=version_callback,
                                          is_eager=True, help="Show the version.")] = False,
) -> None:
    """Hearth grows members, keeps the place safe and notices when someone struggles."""


def resolve_config_path(path: Path | None) -> Path | None:
    if path is not None:
        return path
    env = os.environ.get("HEARTH_CONFIG")
    if env:
        return Path(env)
    return Path(DEFAULT_CONFIG) if Path(DEFAULT_CONFIG).exists() else None


def load(path: Path | None, *, required: bool = False,
         fallback_communities: list[dict] | None = None, database_url: str | None = None):
    """Load the config or exit 2 listing every problem."""
    from bot.config import ConfigError, default_config, load_config

    real = resolve_config_path(path)
    try:
        if real is None:
            if required:
                fail("no config file: pass --config FILE (see config.example.toml)")
            return default_config(database_url, communities=fallback_communities or [])
        config = load_config(real)
    except ConfigError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(2) from None
    if database_url:
        from dataclasses import replace

        sections = dict(config.sections)
        sections["database"] = sections["database"].model_copy(update={"url": database_url})
        config = replace(config, sections=sections)
    return config


def run_async(coro):
    """Run a coroutine, turning known operational errors into clear exits."""
    import asyncio

    from bot.runner import StartupError
    from bot.storage.engine import DatabaseError

    try:
        return asyncio.run(coro)
    except StartupError as exc:
        fail(str(exc), 2)
    except DatabaseError as exc:
        fail(str(exc), 1)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None


def setup_logging(level: str = "WARNING", json_format: bool = False) -> None:
    from bot.logs import configure

    configure(level, json_format)


# -- config --------------------------------------------------------------------------------
@app.command("check-config")
def check_config(file: Annotated[Path, typer.Argument(help="TOML file to validate.")]) -> None:
    """Validate a config file: exit 0 when valid, 2 with every problem listed."""
    config = load(file, required=True)
    typer.echo(f"{file}: ok ({len(config.communities)} communities)")


@app.command("config-example")
def config_example() -> None:
    """Print a config file documenting every key with its default (config.example.toml)."""
    from bot.config_example import render_example

    typer.echo(render_example(), nl=False)


# -- database ------------------------------------------------------------------------------
def _db_action(config_path: Path | None, action: str, revision: str) -> None:
    config = load(config_path)

    async def go() -> None:
        from bot.bootstrap import check_connection
        from bot.storage import migrate
        from bot.storage.engine import create_engine

        db = config.database
        engine = create_engine(db.url, busy_timeout_ms=db.busy_timeout_ms)
        try:
            await check_connection(engine, db.url)
            if action == "upgrade":
                await migrate.upgrade(engine, revision)
            elif action == "downgrade":
                await migrate.downgrade(engine, revision)
            current = await migrate.current(engine)
            typer.echo(f"database at revision {current or 'base (empty)'} "
                       f"(head is {migrate.head_revision()})")
        finally:
            await engine.dispose()

    run_async(go())


@db_app.command("upgrade")
def db_upgrade(config: ConfigOpt = None,
               revision: Annotated[str, typer.Argument()] = "heads") -> None:
    """Apply migrations up to REVISION (default: every head)."""
    _db_action(config, "upgrade", revision)


@db_app.command("downgrade")
def db_downgrade(config: ConfigOpt = None,
                 revision: Annotated[str, typer.Argument()] = "-1") -> None:
    """Revert migrations down to REVISION (default: one step; 'base' for all)."""
    _db_action(config, "downgrade", revision)


@db_app.command("current")
def db_current(config: ConfigOpt = None) -> None:
    """Show the database's current revision."""
    _db_action(config, "current", "")


# -- replay, console, demo, run -----------------------------------------------------------
@app.command()
def replay(file: Annotated[Path, typer.Argument(help="JSON Lines file (docs/events.md).")],
           config: ConfigOpt = None,
           quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
           progress_file: Annotated[Path | None, typer.Option(
               "--progress-file", help="Append 'durable N' after every committed flush: the "
               "first N events are in the database (also $HEARTH_REPLAY_PROGRESS).")] = None,
           ) -> None:
    """Feed recorded events through the pipeline (idempotent: replaying twice changes nothing)."""
    from bot.replay import communities_in, replay_file

    if not file.exists():
        fail(f"{file}: file not found")
    setup_logging("WARNING")
    cfg = load(config, fallback_communities=communities_in(file))
    code = run_async(replay_file(cfg, file, progress=not quiet, progress_file=progress_file))
    raise typer.Exit(code or 0)


@app.command()
def console(config: ConfigOpt = None,
            community: Annotated[str, typer.Option(help="Console community name.")] = "demo",
            as_member: Annotated[str, typer.Option("--as", help="Who you are.")] = "alice",
            role: Annotated[str, typer.Option(help="member|moderator|admin|expert")] = "member",
            lang: Annotated[str | None, typer.Option(help="en or zh")] = None) -> None:
    """Chat with Hearth in the terminal: plain lines are messages, /command args are commands."""
    from bot.console import run_console

    setup_logging("WARNING")
    cfg = load(config, fallback_communities=[{"platform": "console", "id": community,
                                              "language": lang or "en"}])
    run_async(run_console(cfg, community=community, member=as_member, role=role, lang=lang))


@app.command()
def demo(database: Annotated[Path, typer.Option(help="SQLite file to (re)create.")] =
         Path("hearth-demo.db"),
         members: Annotated[int, typer.Option(min=2)] = 500,
         days: Annotated[int, typer.Option(min=1)] = 60,
         seed: int = 7,
         quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False) -> None:
    """Simulate a community (seeded) and run it through Hearth into a fresh SQLite file."""
    from bot.demo import run_demo

    setup_logging("WARNING")
    run_async(run_demo(database, members=members, days=days, seed=seed, progress=not quiet))


@app.command()
def run(config: ConfigOpt = None) -> None:
    """Run the bot on Discord and/or Telegram (tokens from HEARTH_*_TOKEN)."""
    from bot.runner import run_bot

    cfg = load(config, required=True)
    setup_logging(cfg.logging.level, cfg.logging.json_format)
    run_async(run_bot(cfg))


def main() -> None:
    """Console-script entry point."""
    _register_feature_commands()
    try:
        app()
    except BrokenPipeError:  # e.g. `hearth ... | head`
        sys.stderr.close()


def _register_feature_commands() -> None:
    """Feature CLIs (kept in their own modules; imported lazily by their commands)."""
    from bot import cli_features  # noqa: F401


if __name__ == "__main__":
    main()

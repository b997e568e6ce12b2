"""Running the real ``hearth run`` as a subprocess against the fake platform servers.

The fakes live in the test's event loop on 127.0.0.1; the bot process reaches them only
through the ``[discord] api_base_url/gateway_url`` and ``[telegram] api_base_url`` settings,
exactly as a deployment behind nirn-proxy or a self-hosted Bot API server would. The
database is a SQLite file the tests read with the stdlib ``sqlite3`` module, so what is
checked is what a real process committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .fakes.discord_fake import FakeDiscord
from .fakes.telegram_fake import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
# Upper bounds only (waits end as soon as the condition holds). Generous because a cold
# interpreter imports a lot, and the first message of a community waits for models to load,
# which on a busy 2-core CI box can take many seconds.
START_TIMEOUT = 60.0
STOP_TIMEOUT = 40.0  # the runner itself allows 10 s to settle and 10 s to finish
WAIT = 30.0


def toml_value(value: Any) -> str:
    """TOML for the plain values a test config needs (JSON strings are valid TOML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {type(value).__name__}")


def write_config(path: Path, *, database: Path, discord: FakeDiscord | None = None,
                 telegram: FakeTelegram | None = None,
                 communities: Sequence[Mapping[str, Any]] = (),
                 sections: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
    """A config file pointing every platform at the fakes (``sections`` override/extend)."""
    tables: dict[str, dict[str, Any]] = {
        "database": {"url": f"sqlite+aiosqlite:///{database}"},
        "logging": {"level": "INFO"},
        # Everything else is the default deployment, except the sentence-embedding model of
        # distress detection: loading torch costs many seconds of CPU per process and is
        # not what these tests are about (distress keywords stay on).
        "sentiment": {"distress": {"embeddings": False}},
    }
    if discord is not None:
        tables["discord"] = {"api_base_url": discord.api_base_url,
                             "gateway_url": discord.gateway_url, "guild_ready_timeout": 0.05}
    if telegram is not None:
        tables["telegram"] = {"api_base_url": telegram.base_url,
                              "base_file_url": telegram.base_file_url, "poll_timeout": 1}
    for name, values in (sections or {}).items():
        tables.setdefault(name, {}).update(values)
    lines: list[str] = []
    for name, values in tables.items():
        lines.append(f"[{name}]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in values.items())
        lines.append("")
    for community in communities:
        lines.append("[[communities]]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in community.items())
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def hearth_env(**tokens: str | None) -> dict[str, str]:
    """The environment for a child ``hearth``: this one minus Hearth settings, plus tokens."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    for name, value in tokens.items():
        if value is not None:
            env[name] = value
    return env


@dataclass
class HearthProcess:
    proc: asyncio.subprocess.Process
    log_path: Path
    started: float = field(default_factory=time.monotonic)

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.proc.returncode is None

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int:
        """Send ``sig`` and wait for the exit status (killed, and failed, if it hangs)."""
        if self.alive():
            self.proc.send_signal(sig)
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise AssertionError(f"hearth did not exit within {timeout} s of signal {sig}:\n"
                                 f"{self.log[-3000:]}") from None


async def start_hearth(args: Sequence[str], env: Mapping[str, str],
                       log_path: Path, cwd: Path) -> HearthProcess:
    """``python -m bot ARGS`` with stdout and stderr going to ``log_path``."""
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, cwd=cwd, env=dict(env),
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=asyncio.subprocess.STDOUT,
        )
    return HearthProcess(proc, log_path)


@asynccontextmanager
async def running_hearth(config: Path, env: Mapping[str, str], workdir: Path, *,
                         ready: Callable[[], Any]) -> AsyncIterator[HearthProcess]:
    """Start ``hearth run --config CONFIG`` and wait until ``ready()`` (an awaitable factory)
    completes; the process is stopped (SIGTERM, then SIGKILL) if a test leaves it running."""
    process = await start_hearth(["run", "--config", str(config)], env,
                                 workdir / "hearth.log", workdir)
    try:
        waiter = asyncio.ensure_future(ready())
        exited = asyncio.ensure_future(process.proc.wait())
        done, _ = await asyncio.wait({waiter, exited}, timeout=START_TIMEOUT,
                                     return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            with contextlib.suppress(BaseException):
                await waiter
            status = (f"exited with {process.proc.returncode}" if exited in done
                      else f"not ready after {START_TIMEOUT} s")
            raise AssertionError(f"hearth run {status}:\n{process.log[-3000:]}")
        exited.cancel()
        waiter.result()
        try:
            yield process
        except (AssertionError, TimeoutError) as exc:  # show what the bot was doing
            raise AssertionError(f"{type(exc).__name__}: {exc}\n--- hearth log (tail) ---\n"
                                 f"{process.log[-4000:]}") from exc
    finally:
        if process.alive():
            with contextlib.suppress(AssertionError):
                await process.stop()


# -- reading the database ------------------------------------------------------------------

def query(database: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows from the bot's SQLite file (read-only, waits out the writer's lock)."""
    if not database.exists():
        return []
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(sql, tuple(params)).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # migrations still running
            return []
        raise
    finally:
        conn.close()


async def wait_rows(database: Path, sql: str, params: Sequence[Any] = (), *,
                    until: Callable[[list[tuple[Any, ...]]], bool] = bool,
                    timeout: float = WAIT) -> list[tuple[Any, ...]]:
    """Poll ``sql`` until ``until(rows)`` holds; fail with the last rows seen."""
    deadline = time.monotonic() + timeout
    while True:
        rows = query(database, sql, params)
        if until(rows):
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {sql!r} {params}; last rows: {rows}")
        await asyncio.sleep(0.05)


# -- knowing the bot has received something ------------------------------------------------

async def discord_received(fake: FakeDiscord, seq: int, timeout: float = WAIT) -> None:
    """Ask the client for a heartbeat and wait until it reports sequence ``seq``.

    discord.py handles gateway frames in order and answers a heartbeat request (op 1) with
    the last sequence it processed, so the answer proves every earlier DISPATCH was parsed
    and handed to its event task.
    """
    session = list(fake.sessions.values())[-1]
    assert session.ws is not None, "no live gateway socket"
    await session.ws.send_str(json.dumps({"op": 1, "d": None, "s": None, "t": None}))
    await fake.wait_for(lambda: any(
        f.get("op") == 1 and isinstance(f.get("d"), int) and f["d"] >= seq
        for f in fake.gateway_frames), timeout)


async def telegram_acknowledged(fake: FakeTelegram, update_id: int,
                                timeout: float = WAIT) -> None:
    """Wait until the bot asked for updates after ``update_id`` (it holds that update)."""
    await fake.wait_for(lambda: any(
        int(c.params.get("offset") or 0) > update_id for c in fake.calls_to("getUpdates")),
        timeout)

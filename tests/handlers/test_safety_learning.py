"""Moderators' spam / not-spam verdicts become training data; after ``retrain_after`` of
them a timer retrains the model, stores it as a new version, and line 1 uses it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.safety.spam import SpamClassifier
from bot.safety.wiring import starter_model
from bot.storage.repos.safety import SafetyRepository
from tests.bot.safety.safety_helpers import (
    T0,
    Clock,
    SpamExample,
    SpamModelRow,
    audits,
    cases,
    command,
    message,
    rows,
    run,
    safety_app,
    scheduled,
    sweep,
)

# A local kind of spam the starter set does not know: short scam pitches for a fake game
# currency, posted without links. Each is phrased differently.
LOCAL_SPAM = [
    "gold coins for arena cheap cheap dm seller zed",
    "selling arena gold coins bulk discount ask zed",
    "zed sells arena gold coins fastest delivery",
    "need arena gold coins? zed has stock today",
]


async def test_verdicts_retrain_a_new_model_version(make_app: Any, sqlite_url: str) -> None:
    before = starter_model().score(LOCAL_SPAM[3])
    # the messages reach the queue through a keyword list; moderators judge them
    keywords = [{"id": "arena", "terms": ["arena gold"], "mode": "substring", "action": "hold"}]
    app = await safety_app(make_app, sqlite_url, learning={"retrain_after": 3},
                           keywords=keywords, newcomer={"enabled": False})
    service = app.services["safety"]
    clock = Clock()
    for text in LOCAL_SPAM[:3]:
        await run(app, message(clock, text, "console:zed"))
    await run(app, message(clock, "is anyone selling arena gold? asking for a friend lol",
                           "console:amy"))
    items = await cases(app)
    assert len(items) == 4
    for item in items[:2]:
        await run(app, command(clock, "review", f"{item.id} spam"))
    assert await scheduled(app, "spam_retrain") == []  # 2 of 3 verdicts so far
    await run(app, command(clock, "review", f"{items[3].id} notspam"))
    [job] = await scheduled(app, "spam_retrain")
    assert job.payload == {"after_version": 0}
    examples = await rows(app, SpamExample)
    assert [e.label for e in examples] == ["spam", "spam", "ham"]
    assert examples[0].source_item_id == items[0].id

    await sweep(app, clock.now + timedelta(seconds=1))
    [model] = await rows(app, SpamModelRow)
    assert (model.community_id, model.version) == ("console:demo", 1)
    assert model.metrics["examples_spam"] == 2 and model.metrics["examples_ham"] == 1
    assert model.metrics["last_example_id"] == examples[-1].id
    assert SpamClassifier.from_bytes(model.blob).version == model.fingerprint
    assert service.spam_version("console:demo") == "community v1"
    after = service.spam_probability("console:demo", LOCAL_SPAM[3])
    assert after > before
    [entry] = await audits(app, "spam.retrained")
    assert entry.details["version"] == 1

    # one more verdict is not enough for the next version
    await run(app, command(clock, "review", f"{items[2].id} spam"))
    assert [j.payload for j in await scheduled(app, "spam_retrain")] == [{"after_version": 0}]


async def test_a_new_process_loads_the_stored_model(make_app: Any, sqlite_url: str) -> None:
    first = await safety_app(make_app, sqlite_url)
    blob = starter_model().to_bytes()
    async with first.sessions() as session:
        await SafetyRepository(session, "console:demo").add_model(
            blob, "fp", {"note": "test"}, T0, scope_global=True)
        await session.commit()
    second = await safety_app(make_app, sqlite_url)
    clock = Clock()
    await run(second, message(clock, "hello there, how is everyone doing today", "console:x"))
    assert second.services["safety"].spam_version("console:demo") == "global v1"

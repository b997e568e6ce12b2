"""Ports and values of the Feelings use cases (implemented in ``bot.scoring.service``).

Why a port: the handlers decide what a score or a distress signal means, but scoring itself
(a model in a worker thread, a queue, back-pressure) and running a transaction outside the
event's own unit of work are adapter concerns. ``ctx.services["feelings"]`` is a
:class:`FeelingsPort`; tests may pass any object with the same methods.

The flow for one message (handlers/feelings.py):

1. intake (order 60) checks distress *patterns* inline — regexes, microseconds — and opens a
   case at once when they fire;
2. it hands a :class:`ScoreJob` to the port, which scores it off the event loop without the
   handler waiting (``scoring_mode = "async"``);
3. the port calls :func:`handlers.feelings.apply_results` with a batch of
   :class:`ScoredMessageJob` in a transaction of its own and sends the actions it returns
   through an :class:`ActionSink`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from domain.actions import Action
from domain.events import Event
from domain.sentiment import DistressSignal, Score
from handlers.ports import Context


@dataclass(frozen=True, slots=True)
class ScoreJob:
    """One message to score. ``settings`` are the community's settings when it arrived
    (a config reload mid-flight does not change how an in-flight message is judged)."""

    community_id: str
    member_id: str
    member_name: str
    channel_id: str
    message_id: str
    text: str
    at: datetime
    settings: Any
    lang: str
    reply_to_message_id: str | None = None
    reply_to_member_id: str | None = None
    thread_id: str | None = None
    mentions: tuple[str, ...] = ()
    inline_case: bool = False  # the inline pattern check already opened/attached a case
    blocked: bool = False  # line-1 safety removed the message (no question follow-up)


@dataclass(frozen=True, slots=True)
class ScoredMessageJob:
    """A job with its results. ``now`` is the job's time plus how long scoring took, so
    decisions (case opening, time to page) carry real latency but stay replayable."""

    job: ScoreJob
    score: Score
    signal: DistressSignal | None
    now: datetime
    distress_degraded: bool = False  # distress judged by patterns only (queue full)


class ActionSink(Protocol):
    """Where actions produced outside an event go (scored results, SLA timers …).

    ``hearth run`` sets ``services["actions"]`` to the platform ``ActionRouter``; console,
    demo and tests use a collecting sink. Same signature as ``ActionExecutor.execute``.
    """

    async def execute(self, actions: Sequence[Action], *, origin: Event | None = None) -> None:
        ...


TransactionFn = Callable[[Context], Awaitable[Sequence[Action]]]


class FeelingsPort(Protocol):
    """What the Feelings handlers need from the scoring adapter."""

    memory: Any  # handlers.feelings_memory.FeelingsMemory

    def inline_distress(self, text: str) -> DistressSignal:
        """Pattern evidence only (cheap, synchronous): for the inline check at intake."""

    def quick_score(self, text: str) -> Score:
        """The lexicon's score (microseconds; no model): for the message being handled."""

    def submit(self, job: ScoreJob) -> None:
        """Queue a job; returns at once (async mode). Results arrive via apply_results."""

    async def enqueue(self, job: ScoreJob) -> None:
        """Queue a job, waiting only for queue space (ordered mode; never falls back)."""

    async def score_inline(self, job: ScoreJob) -> list[Action]:
        """Score the job now, apply the result in a transaction, return its actions."""

    async def transaction(self, community_id: str, now: datetime, key: str, settings: Any,
                          lang: str, fn: TransactionFn) -> list[Action]:
        """Run ``fn(ctx)`` in a transaction of its own (``ctx.uow`` commits after it)."""

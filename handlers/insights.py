"""Insights commands for admins — /segments, /churn, /experiment, /experiments — and the
scheduled recomputes (``segments_recompute``, ``churn_recompute``).

The work happens behind ``services["insights"]`` (an ``InsightsPort``) in the command's or
timer's transaction; these handlers parse, decide what to ask for, and word the reply from
the catalogue. Bad arguments get a specific reply and change nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from domain.actions import Action, Reply
from domain.events import CommandInvoked
from domain.i18n import t
from domain.insights.abtest import SpecError, parse_spec
from domain.insights.texts import churn_lines, experiment_lines, segment_lines, window_text
from handlers.insights_ports import InsightsPort
from handlers.ports import Context
from handlers.registry import registry

MAX_REPLY_MEMBERS = 10


def _port(ctx: Context) -> InsightsPort | None:
    return ctx.services.get("insights")


def _reply(ctx: Context, event: CommandInvoked, lines: Sequence[str]) -> list[Action]:
    return [Reply(ctx.community_id, event.channel_id, "\n".join(lines), ephemeral=True)]


def _local(ctx: Context, when: Any) -> str:
    zone = ZoneInfo(getattr(ctx.settings, "timezone", "UTC") or "UTC")
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M")


@registry.command("segments", role="admin", feature="insights",
                  summary="insights.summary.segments")
async def segments_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    port = _port(ctx)
    if port is None:
        return []
    view = await port.segments(ctx.uow, ctx.settings, ctx.now)
    return _reply(ctx, event, segment_lines(view.counts, _local(ctx, view.computed_at),
                                            ctx.lang, declined=view.declined,
                                            improved=view.improved))


@registry.command("churn", role="admin", feature="insights", summary="insights.summary.churn")
async def churn_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    port = _port(ctx)
    if port is None:
        return []
    report = await port.churn(ctx.uow, ctx.settings, ctx.now)
    hours = ctx.settings.insights.churn.warning_hours
    return _reply(ctx, event, churn_lines(report, ctx.lang, MAX_REPLY_MEMBERS, hours=hours))


@registry.command("experiment", role="admin", feature="insights",
                  summary="insights.summary.experiment")
async def experiment_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    port = _port(ctx)
    if port is None:
        return []
    words = event.args.split()
    if not words:
        return _reply(ctx, event, [t("insights.experiment.usage", ctx.lang)])
    verb = words[0].lower()
    settings = ctx.settings.insights.experiments
    if verb == "start":
        spec = parse_spec(" ".join(words[1:]),
                          default_window_minutes=round(settings.default_window_hours * 60))
        if isinstance(spec, SpecError):
            lines = [t(f"insights.experiment.{spec.key}", ctx.lang, **spec.fields)]
            if spec.key != "usage":
                lines.append(t("insights.experiment.usage", ctx.lang))
            return _reply(ctx, event, lines)
        outcome = await port.start_experiment(ctx.uow, ctx.settings, spec, ctx.now,
                                              event.member_id)
        if outcome.status == "exists":
            return _reply(ctx, event, [t("insights.experiment.exists", ctx.lang,
                                         name=spec.name)])
        if outcome.status == "cap":
            return _reply(ctx, event, [t("insights.experiment.cap", ctx.lang,
                                         limit=settings.max_per_day, count=outcome.count)])
        ctx.uow.audit(event.member_id, "insights.experiment_started", target_id=None,
                      reason=spec.name, details={"arms": list(spec.arms),
                                                 "window_minutes": spec.window_minutes})
        until = t("insights.experiment.until", ctx.lang, when=_local(ctx, outcome.ends_at)) \
            if outcome.ends_at else ""
        return _reply(ctx, event, [t("insights.experiment.started", ctx.lang, name=spec.name,
                                     arms=", ".join(spec.arms),
                                     window=window_text(spec.window_minutes), until=until)])
    if verb == "stop":
        if len(words) != 2:
            return _reply(ctx, event, [t("insights.experiment.usage", ctx.lang)])
        name = words[1].lower()
        status = await port.stop_experiment(ctx.uow, ctx.settings, name, ctx.now)
        if status == "stopped":
            ctx.uow.audit(event.member_id, "insights.experiment_stopped", reason=name)
        return _reply(ctx, event, [t(f"insights.experiment.{status}", ctx.lang, name=name)])
    if len(words) != 1:
        return _reply(ctx, event, [t("insights.experiment.usage", ctx.lang)])
    views = await port.experiments(ctx.uow, ctx.settings, ctx.now, name=verb)
    if not views:
        return _reply(ctx, event, [t("insights.experiment.not_found", ctx.lang,
                                     name=words[0][:60])])
    return _reply(ctx, event, experiment_lines(views[0], ctx.lang))


@registry.command("experiments", role="admin", feature="insights",
                  summary="insights.summary.experiments")
async def experiments_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    port = _port(ctx)
    if port is None:
        return []
    views = await port.experiments(ctx.uow, ctx.settings, ctx.now)
    if not views:
        return _reply(ctx, event, [t("insights.experiments.none", ctx.lang)])
    lines = [t("insights.experiments.header", ctx.lang)]
    for view in views:
        lines.extend(experiment_lines(view, ctx.lang))
    return _reply(ctx, event, lines)


def _enabled(ctx: Context) -> bool:
    settings = getattr(ctx.settings, "insights", None) if ctx.settings is not None else None
    return settings is not None and settings.enabled


@registry.timer("segments_recompute")
async def segments_recompute(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    """Scheduled RFM snapshot (recurring, ``[insights.rfm] recompute_cron``)."""
    port = _port(ctx)
    if port is None or not _enabled(ctx):
        return []
    view = await port.recompute_segments(ctx.uow, ctx.settings, ctx.now)
    ctx.uow.audit("hearth", "insights.segments", details=dict(view.counts))
    return []


@registry.timer("churn_recompute")
async def churn_recompute(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    """Scheduled retraining of the churn model and a fresh warning list."""
    port = _port(ctx)
    if port is None or not _enabled(ctx):
        return []
    report = await port.churn(ctx.uow, ctx.settings, ctx.now, fresh=True)
    ctx.uow.audit("hearth", "insights.churn", details={
        "status": report.status, "auc": report.auc, "baseline_auc": report.baseline_auc,
        "at_risk": len(report.at_risk)})
    return []

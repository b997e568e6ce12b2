"""Text of the insights replies and report notes, from the catalogue (en + zh).

Shared by the command handlers and the report so a result reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.i18n import t
from domain.insights.abtest import ExperimentView
from domain.insights.churn import ChurnReport, reason_text
from domain.insights.rfm import SEGMENTS


def window_text(minutes: int) -> str:
    """``240`` -> ``4h``; ``90`` -> ``90m``; ``2880`` -> ``2d`` (the command's own syntax)."""
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def _pct(value: float) -> str:
    return f"{100 * value:.1f}"


def experiment_lines(view: ExperimentView, lang: str) -> list[str]:
    """Header, one line per arm, the comparisons, and the verdict (always the last line)."""
    result = view.result
    lines = [t("insights.experiment.header", lang, name=view.name,
               status=t(f"insights.experiment.status.{view.status}", lang),
               window=window_text(view.window_minutes), source=view.source)]
    for arm in result.arms:
        low, high = arm.interval
        lines.append(t("insights.experiment.arm", lang, arm=arm.arm, converted=arm.converted,
                       exposed=arm.exposed, rate=_pct(arm.rate), low=f"{100 * low:.0f}",
                       high=f"{100 * high:.0f}"))
    for c in result.comparisons:
        lines.append(t("insights.experiment.compare", lang, arm=c.arm, control=c.control,
                       lift=f"{100 * c.lift:+.1f}", p=f"{c.p_value:.3g}"))
    if result.status == "not_enough_data":
        lines.append(t(f"insights.experiment.nodata.{result.reason}", lang,
                       **({"min": result.min_per_arm, "needed": result.needed}
                          if result.reason == "few_members" else {})))
    elif result.status == "effect":
        best = max((c for c in result.comparisons if c.significant), key=lambda c: abs(c.lift))
        key = "effect" if best.lift > 0 else "worse"
        lines.append(t(f"insights.experiment.{key}", lang, arm=best.arm, control=best.control))
    else:
        lines.append(t("insights.experiment.no_effect", lang))
    return lines


def churn_lines(report: ChurnReport, lang: str, limit: int, *, hours: int) -> list[str]:
    """The /churn reply: header with both AUCs, then the members with their reasons."""
    if report.status != "ok" or report.auc is None or report.baseline_auc is None:
        return [report.message(lang)]
    auc, baseline = f"{report.auc:.2f}", f"{report.baseline_auc:.2f}"
    if not report.at_risk:
        lines = [t("insights.churn.none", lang, auc=auc, baseline=baseline)]
    else:
        lines = [t("insights.churn.header", lang, days=f"{report.horizon_days:g}", hours=hours,
                   auc=auc, baseline=baseline)]
        for rank, member in enumerate(report.at_risk[:limit], start=1):
            reasons = "; ".join(reason_text(r, lang) for r in member.reasons) or \
                t("insights.churn.no_reasons", lang)
            lines.append(t("insights.churn.item", lang, rank=rank, name=member.name,
                           risk=f"{100 * member.risk:.0f}", reasons=reasons))
    if report.auc <= report.baseline_auc:
        lines.append(t("insights.churn.weak", lang))
    return lines


def segment_lines(counts: Mapping[str, int], when: str, lang: str, *, declined: int | None = None,
                  improved: int | None = None) -> list[str]:
    total = sum(counts.values())
    if total == 0:
        return [t("insights.segments.empty", lang)]
    lines = [t("insights.segments.header", lang, when=when, members=total)]
    for segment in SEGMENTS:
        count = counts.get(segment, 0)
        lines.append(t("insights.segments.line", lang,
                       segment=t(f"insights.segment.{segment}", lang), count=count,
                       percent=f"{100 * count / total:.0f}"))
    if declined is not None and improved is not None:
        lines.append(t("insights.segments.changes", lang, declined=declined, improved=improved))
    return lines

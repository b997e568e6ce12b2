"""The churn warning: features -> gradient boosting per community -> a warning list.

How it is evaluated, and why: snapshots of every active member are taken at earlier cutoffs
(training) and at the latest cutoff whose outcome is known (test), with a gap of one horizon
between them so no training label overlaps the test period (``domain.insights.churn``).
The model's AUC is reported next to the AUC of recency alone on the same test snapshot —
"days since last seen" is what a team would use without a model, so a model is only worth
showing if it beats it. Too little history or too few churners gives a clear
"not enough data: …" instead of a number.

The warning list comes from a model refitted on every labelled snapshot and applied to the
members active now. Each member's reasons are the features that raise their risk most: the
risk with their own value minus the risk with the community's median value for that
feature (all else equal), so a reason reads "7-day activity 0 (typical 12)".
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.insights.config import ChurnSettings, InsightsSettings
from bot.insights.history import CommunityHistory, load_history, stage_order
from bot.storage.repos.insights import InsightsRepository
from domain.insights.churn import (
    AtRisk,
    ChurnReport,
    NotEnoughData,
    Reason,
    auc,
    check_labels,
    plan_cutoffs,
    reason_text,
    top_reasons,
)
from domain.insights.churn_features import (
    FEATURES,
    churned_label,
    community_at,
    features,
    in_population,
)

RECENCY = FEATURES.index("recency_days")


@dataclass
class Dataset:
    rows: list[list[float]] = field(default_factory=list)
    labels: list[bool] = field(default_factory=list)
    members: list[str] = field(default_factory=list)


def snapshot(history: CommunityHistory, cutoff: float, cfg: ChurnSettings,
             labelled: bool = True) -> Dataset:
    """Feature rows (and labels) of every member in the population at ``cutoff``."""
    at = community_at(list(history.members.values()), cutoff)
    data = Dataset()
    for member_id in sorted(history.members):
        h = history.members[member_id]
        if not in_population(h, cutoff, cfg.active_within_days):
            continue
        data.rows.append(features(h, at))
        data.members.append(member_id)
        if labelled:
            data.labels.append(churned_label(h, cutoff, cfg.horizon_days))
    return data


def _model(cfg: ChurnSettings) -> Any:
    """Gradient boosting with one piece of domain knowledge: risk never falls as silence
    grows (a monotonic constraint on recency), which keeps the model from learning noise
    where the data is thin."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    monotonic = [0] * len(FEATURES)
    monotonic[RECENCY] = 1
    return HistGradientBoostingClassifier(
        learning_rate=cfg.learning_rate, max_iter=cfg.max_iter,
        max_leaf_nodes=cfg.max_leaf_nodes, min_samples_leaf=cfg.min_samples_leaf,
        l2_regularization=1.0, early_stopping=False, monotonic_cst=monotonic,
        random_state=cfg.seed)


def fit_and_score(history: CommunityHistory, community_id: str, as_of: datetime,
                  cfg: ChurnSettings) -> ChurnReport:
    """Train, evaluate on the time split, and build the warning list (CPU-bound: run it in
    a worker thread from async code).

    One OpenMP thread: the data are small (thousands of rows), where thread start-up costs
    more than it saves, and the bot shares its cores with the event pipeline.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: F401
    from threadpoolctl import threadpool_limits

    # The import above loads the OpenMP runtime; a limit set before it is loaded does not
    # reach it.
    with threadpool_limits(limits=1):
        return _fit_and_score(history, community_id, as_of, cfg)


def _fit_and_score(history: CommunityHistory, community_id: str, as_of: datetime,
                   cfg: ChurnSettings) -> ChurnReport:
    import numpy as np

    report = ChurnReport(community_id, as_of, cfg.horizon_days, "not_enough_data")
    if history.first is None or history.last is None:
        report.nodata = NotEnoughData("no_activity", {})
        return report
    plan = plan_cutoffs(history.first, as_of.timestamp(), horizon_days=cfg.horizon_days,
                        step_days=cfg.step_days, min_history_days=cfg.min_history_days)
    if isinstance(plan, NotEnoughData):
        report.nodata = plan
        return report
    if not plan.train:
        report.nodata = NotEnoughData("history", {"days": 0, "needed": 0})
        return report
    train = _stack([snapshot(history, c, cfg) for c in plan.train])
    test = snapshot(history, plan.test, cfg)
    report.train_rows, report.test_rows = len(train.rows), len(test.rows)
    report.train_cutoffs = len(plan.train)
    report.test_cutoff = datetime.fromtimestamp(plan.test, UTC)
    problem = check_labels(train.labels, test.labels, min_members=cfg.min_members,
                           min_each_class=cfg.min_each_class)
    if problem is not None:
        report.nodata = problem
        return report
    model = _model(cfg)
    model.fit(np.asarray(train.rows, dtype=float), np.asarray(train.labels, dtype=int))
    test_x = np.asarray(test.rows, dtype=float)
    predicted = model.predict_proba(test_x)[:, 1]
    report.auc = auc(test.labels, [float(p) for p in predicted])
    report.baseline_auc = auc(test.labels, [row[RECENCY] for row in test.rows])
    report.importance = _importance(model, test_x, np.asarray(test.labels, dtype=int), cfg)
    report.status = "ok"
    final = _model(cfg)
    every = _stack([train, test])
    final.fit(np.asarray(every.rows, dtype=float), np.asarray(every.labels, dtype=int))
    _warning_list(report, final, history, as_of, cfg)
    return report


def _stack(parts: list[Dataset]) -> Dataset:
    out = Dataset()
    for part in parts:
        out.rows.extend(part.rows)
        out.labels.extend(part.labels)
        out.members.extend(part.members)
    return out


def _importance(model: Any, x: Any, y: Any, cfg: ChurnSettings) -> list[tuple[str, float]]:
    """Permutation importance on the test snapshot: the AUC lost when one feature's column
    is shuffled (two shuffles each, all scored in one batched prediction), top 10."""
    import numpy as np

    rng = np.random.default_rng(cfg.seed)
    repeats = 2
    n, k = x.shape
    batch = np.repeat(x[np.newaxis, :, :], k * repeats, axis=0)
    for j in range(k):
        for r in range(repeats):
            batch[j * repeats + r, :, j] = x[rng.permutation(n), j]
    scores = model.predict_proba(batch.reshape(-1, k))[:, 1].reshape(k * repeats, n)
    labels = [bool(v) for v in y]
    base = auc(labels, [float(v) for v in model.predict_proba(x)[:, 1]])
    drops = [base - float(np.mean([auc(labels, [float(v) for v in scores[j * repeats + r]])
                                   for r in range(repeats)])) for j in range(k)]
    ranked = sorted(zip(FEATURES, drops, strict=True), key=lambda p: (-p[1], p[0]))
    return [(name, value) for name, value in ranked[:10] if value > 0]


def _warning_list(report: ChurnReport, model: Any, history: CommunityHistory,
                  as_of: datetime, cfg: ChurnSettings) -> None:
    import numpy as np

    now = snapshot(history, as_of.timestamp(), cfg, labelled=False)
    report.population = len(now.rows)
    report.valid_until = as_of + timedelta(hours=cfg.warning_hours)
    if not now.rows:
        return
    x = np.asarray(now.rows, dtype=float)
    risk = model.predict_proba(x)[:, 1]
    order = sorted(range(len(now.rows)), key=lambda i: (-risk[i], now.members[i]))
    chosen = [i for i in order if risk[i] >= cfg.risk_threshold][:cfg.list_size]
    if not chosen:
        return
    medians = np.median(x, axis=0)
    n_features = len(FEATURES)
    probes = np.repeat(x[chosen], n_features, axis=0)
    for k in range(len(chosen)):
        for j in range(n_features):
            probes[k * n_features + j, j] = medians[j]
    probe_risk = model.predict_proba(probes)[:, 1].reshape(len(chosen), n_features)
    for k, i in enumerate(chosen):
        contributions = [float(risk[i] - probe_risk[k, j]) for j in range(n_features)]
        reasons = top_reasons(FEATURES, [float(v) for v in x[i]],
                              [float(m) for m in medians], contributions, cfg.top_reasons)
        member_id = now.members[i]
        report.at_risk.append(AtRisk(member_id, history.names.get(member_id, member_id),
                                     float(risk[i]), reasons))


async def churn_report(session: AsyncSession, community_id: str, community_settings: Any,
                       as_of: datetime) -> ChurnReport:
    """Load the community's history and run :func:`fit_and_score` in a worker thread."""
    settings: InsightsSettings = community_settings.insights
    repo = InsightsRepository(session, community_id)
    history = await load_history(repo, until=as_of, days=settings.churn.history_days,
                                 stages=stage_order(community_settings),
                                 exclude_reasons=settings.payout.exclude_reasons)
    return await asyncio.to_thread(fit_and_score, history, community_id, as_of,
                                   settings.churn)


async def store_report(session: AsyncSession, report: ChurnReport) -> int:
    """Keep the run and its warning list (``/churn`` and the report read the latest)."""
    repo = InsightsRepository(session, report.community_id)
    details = report.to_json()
    details.pop("members_at_risk", None)
    return await repo.add_churn_run(
        {"computed_at": report.as_of, "status": report.status, "auc": report.auc,
         "baseline_auc": report.baseline_auc, "horizon_days": report.horizon_days,
         "details": {**details, "nodata": asdict(report.nodata) if report.nodata else None}},
        [{"member_id": a.member_id, "risk": a.risk,
          "reasons": {"name": a.name, "reasons": [asdict(r) for r in a.reasons]}}
         for a in report.at_risk])


def report_from_row(row: dict[str, Any]) -> ChurnReport:
    """Rebuild a stored run (for ``/churn`` and the report)."""
    details = row.get("details") or {}
    nodata = details.get("nodata")
    report = ChurnReport(
        row["community_id"], row["computed_at"], float(row["horizon_days"]), row["status"],
        NotEnoughData(nodata["key"], nodata["fields"]) if nodata else None,
        row["auc"], row["baseline_auc"], int(details.get("train_rows") or 0),
        int(details.get("test_rows") or 0), int(details.get("train_cutoffs") or 0),
        None, population=int(details.get("population") or 0),
        importance=[(f["feature"], f["importance"]) for f in details.get("top_features", [])])
    if details.get("valid_until"):
        report.valid_until = datetime.fromisoformat(details["valid_until"])
    if details.get("test_cutoff"):
        report.test_cutoff = datetime.fromisoformat(details["test_cutoff"])
    for score in row.get("scores", []):
        extra = score.get("reasons") or {}
        report.at_risk.append(AtRisk(
            score["member_id"], extra.get("name", score["member_id"]), float(score["risk"]),
            [Reason(**r) for r in extra.get("reasons", [])]))
    return report


__all__ = ["AtRisk", "ChurnReport", "churn_report", "fit_and_score", "reason_text",
           "report_from_row", "store_report"]

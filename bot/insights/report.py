"""``hearth report``: the community report, an HTML page (Jinja2) with PNG charts.

The page is self-contained — every chart is embedded as a data URI, and also written beside
it under ``charts/`` for reuse in slides — so it can be mailed or opened from disk. Sections:
activity heatmap, reply graph, value funnel, segment sizes over time, growth stages, mood,
moderation load and SLA compliance, churn warning, experiments. A section without data shows
an empty-state picture and says why; nothing in the data can make the report fail half-way.

Everything is computed "as of" one time (default: the newest stored activity, so an exported
or demo database is reported as of its own data).
"""

from __future__ import annotations

import base64
import struct
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.insights import charts
from bot.insights.churn import churn_report, report_from_row
from bot.insights.experiments import experiment_views
from bot.insights.history import stage_order
from bot.storage.repos.insights import InsightsRepository
from domain.i18n import t
from domain.insights.abtest import ExperimentView
from domain.insights.churn import ChurnReport, reason_text
from domain.insights.report_data import (
    activity_heatmap,
    mood_by_day,
    sla_by_day,
    value_funnel,
)
from domain.insights.rfm import SEGMENTS
from domain.insights.texts import experiment_lines

TEMPLATE = "report.html.j2"
ACTIVE_DAYS = 3  # "active" step of the funnel: active on at least this many days


@dataclass
class Section:
    key: str
    title: str
    image: Path
    empty: bool = False
    note: str = ""
    table: dict[str, Any] | None = None
    data_uri: str = ""
    width: int = 0
    height: int = 0


@dataclass
class ReportResult:
    path: Path
    directory: Path
    as_of: datetime
    sections: list[Section] = field(default_factory=list)

    @property
    def charts(self) -> list[Path]:
        return [s.image for s in self.sections]


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG file")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


NORMAL_DAY_SHARE = 0.1  # a day with at least this share of the median day's activity


async def resolve_as_of(session: Any, community_id: str, as_of: datetime | None) -> datetime:
    """``as_of`` or, by default, the last activity of the last *normal* day.

    A normal day has at least 10 % of the median day's activity. Why not simply the newest
    activity: a copied or demo database can end in a thin tail (a few late replies to
    nudges), and analysing "as of" that tail would call everybody silent. A live community
    is analysed as of now by the scheduler and commands; this default is for the CLI.
    """
    if as_of is not None:
        return as_of
    repo = InsightsRepository(session, community_id)
    days = await repo.daily_activity()
    if not days:
        return datetime.now(UTC)
    ordered = sorted(days.values())
    median = ordered[len(ordered) // 2]
    normal = max(d for d, n in days.items() if n >= NORMAL_DAY_SHARE * median)
    end = datetime.fromtimestamp((normal + 1) * 86400.0, UTC)
    return await repo.last_act_until(end) or end


async def generate_report(sessions: Any, community: Any, out_dir: Path, *,
                          as_of: datetime | None = None, lang: str | None = None,
                          churn: ChurnReport | None = None) -> ReportResult:
    """Write ``out_dir/index.html`` and ``out_dir/charts/*.png`` for ``community`` (its
    ``CommunitySettings``). Returns the paths; raises only for an unwritable ``out_dir``."""
    lang = lang or community.language
    chart_lang = lang if lang == "en" or charts.cjk_font() else "en"
    settings = community.insights
    out_dir = Path(out_dir)
    chart_dir = out_dir / "charts"
    chart_dir.mkdir(parents=True, exist_ok=True)
    zone = ZoneInfo(community.timezone)
    dpi = settings.report.dpi
    async with sessions() as session:
        repo = InsightsRepository(session, community.id)
        as_of = await resolve_as_of(session, community.id, as_of)
        since = as_of - timedelta(days=settings.report.days)
        members = [m for m in await repo.members()
                   if (m["joined_at"] or m["first_seen"]) and
                   (m["joined_at"] or m["first_seen"]) <= as_of]
        names = {m["member_id"]: m["display_name"] for m in members if m["display_name"]}
        acts = await repo.member_acts(since, as_of)
        sections: list[Section] = []

        def title(key: str, **fields: Any) -> str:
            return t(f"insights.report.{key}", lang, **fields)

        def empty(key: str) -> str:
            return t(f"insights.report.empty.{key}", chart_lang)

        # activity heatmap
        grid = activity_heatmap((at for _, at in acts), zone)
        weekdays = t("insights.report.weekdays", chart_lang).split(",")
        sections.append(Section("heatmap", title("heatmap", tz=community.timezone),
                                charts.heatmap(chart_dir / "heatmap.png", grid, weekdays,
                                               empty=empty("activity"), dpi=dpi),
                                empty=not acts, note=empty("activity") if not acts else ""))
        # reply graph
        pairs = await repo.reply_pairs(since, as_of)
        undirected: Counter[tuple[str, str]] = Counter()
        for (a, b), n in pairs.items():
            undirected[(a, b) if a < b else (b, a)] += n
        top = settings.report.graph_members
        path, chosen = charts.reply_graph(chart_dir / "reply_graph.png", undirected, names,
                                          top=top, empty=empty("graph"), dpi=dpi)
        sections.append(Section("graph", title("graph", n=len(chosen) or top), path,
                                empty=not chosen, note="" if chosen else empty("graph")))
        # value funnel
        order = stage_order(community)
        stages = await repo.current_stages()
        days_active: dict[str, set[date]] = {}
        for member_id, at in acts:
            days_active.setdefault(member_id, set()).add(at.astimezone(zone).date())
        active = {m for m, d in days_active.items() if len(d) >= ACTIVE_DAYS}
        steps = value_funnel([m["member_id"] for m in members], await repo.posters(as_of),
                             active, stages, order)
        funnel_steps = [(t(f"insights.report.funnel.{s.key}", chart_lang), s.members)
                        for s in steps]
        sections.append(Section("funnel", title("funnel"),
                                charts.funnel(chart_dir / "funnel.png", funnel_steps,
                                              empty=empty("funnel"), dpi=dpi),
                                empty=not members, note="" if members else empty("funnel"),
                                table={"head": ["", ""], "rows": [
                                    [t(f"insights.report.funnel.{s.key}", lang), s.members]
                                    for s in steps]} if members else None))
        # segments over time
        sizes = await repo.segment_sizes(since)
        times = sorted({at for at, _, _ in sizes})
        series = {s: [0] * len(times) for s in SEGMENTS}
        index = {at: i for i, at in enumerate(times)}
        for at, segment, count in sizes:
            if segment in series:
                series[segment][index[at]] = count
        seg_labels = {s: t(f"insights.segment.{s}", chart_lang) for s in SEGMENTS}
        sections.append(Section(
            "segments", title("segments"),
            charts.segments_over_time(chart_dir / "segments.png",
                                      [at.astimezone(zone).date() for at in times], series,
                                      seg_labels, empty=empty("segments"), dpi=dpi),
            empty=not times, note=empty("segments") if not times else "",
            table={"head": ["", *[t(f"insights.segment.{s}", lang) for s in SEGMENTS]],
                   "rows": [[times[-1].astimezone(zone).date().isoformat(),
                             *[series[s][-1] for s in SEGMENTS]]]} if times else None))
        # stage distribution
        known_ids = {m["member_id"] for m in members}
        stage_counts = Counter(stages.get(m, order[0]) for m in known_ids)
        stage_items = [(name, stage_counts.get(name, 0)) for name in order]
        stage_items += [(name, n) for name, n in sorted(stage_counts.items()) if name not in order]
        sections.append(Section("stages", title("stages"),
                                charts.bars(chart_dir / "stages.png", stage_items,
                                            empty=empty("stages"), dpi=dpi),
                                empty=not known_ids, note="" if known_ids else empty("stages")))
        # mood
        scores = await repo.sentiment(since, as_of)
        daily = mood_by_day(((at, label, conf) for _, at, label, conf in scores), zone)
        mood_days = [date.fromisoformat(d) for d in daily]
        sections.append(Section("mood", title("mood"),
                                charts.mood(chart_dir / "mood.png", mood_days,
                                            [v for v, _ in daily.values()],
                                            [n for _, n in daily.values()],
                                            empty=empty("mood"), dpi=dpi),
                                empty=not daily, note="" if daily else empty("mood")))
        # moderation load and SLA
        deadline = _ack_deadline(community)
        items = await repo.review_items(since, as_of)
        sla = sla_by_day(items, deadline, zone, as_of)
        total_opened = sum(o for o, _ in sla.values())
        total_met = sum(m for _, m in sla.values())
        note = t("insights.report.moderation_summary", lang, cases=f"{total_opened:,}",
                 percent=f"{100 * total_met / total_opened:.1f}",
                 minutes=f"{deadline / 60:.0f}") if total_opened else empty("moderation")
        sections.append(Section("moderation", title("moderation"),
                                charts.moderation(chart_dir / "moderation.png",
                                                  [date.fromisoformat(d) for d in sla],
                                                  [o for o, _ in sla.values()],
                                                  [m for _, m in sla.values()],
                                                  empty=empty("moderation"), dpi=dpi),
                                empty=not sla, note=note))
        # churn
        if churn is None:
            churn = await _churn(session, community, as_of)
        at_risk = churn.at_risk[:settings.report.risk_list]
        churn_note = churn.message(lang) if churn.status != "ok" else t(
            "insights.report.churn_summary", lang, auc=f"{churn.auc:.3f}",
            baseline=f"{churn.baseline_auc:.3f}",
            test=churn.test_cutoff.astimezone(zone).date().isoformat()
            if churn.test_cutoff else "-", rows=churn.test_rows,
            days=f"{churn.horizon_days:g}")
        risk_empty = churn.message(chart_lang) if churn.status != "ok" else empty("churn")
        sections.append(Section(
            "churn", title("churn"),
            charts.risk(chart_dir / "churn.png",
                        [(a.name or a.member_id, a.risk) for a in at_risk], empty=risk_empty,
                        dpi=dpi),
            empty=not at_risk, note=churn_note,
            table={"head": [t("insights.report.col.member", lang),
                            t("insights.report.col.risk", lang),
                            t("insights.report.col.reasons", lang)],
                   "rows": [[a.name or a.member_id, f"{100 * a.risk:.0f}%",
                             "; ".join(reason_text(r, lang) for r in a.reasons)
                             or t("insights.churn.no_reasons", lang)] for a in at_risk]}
            if at_risk else None))
        # experiments
        views = await experiment_views(repo, settings.experiments, as_of)
        sections.append(_experiments_section(views, chart_dir, lang, chart_lang, dpi))
    for section in sections:
        data = section.image.read_bytes()
        section.width, section.height = png_size(section.image)
        section.data_uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    html = _render(title=t("insights.report.title", lang, name=community.name),
                   subtitle=t("insights.report.generated", lang,
                              as_of=as_of.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z"),
                              members=f"{len(members):,}", events=f"{len(acts):,}",
                              days=settings.report.days),
                   sections=sections, lang=lang)
    path = out_dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return ReportResult(path, out_dir, as_of, sections)


def _ack_deadline(community: Any) -> float:
    safety = getattr(community, "safety", None)
    sla = getattr(safety, "sla", None)
    return float(getattr(sla, "acknowledge", 3600))


async def _churn(session: Any, community: Any, as_of: datetime) -> ChurnReport:
    """The stored run if it is recent for ``as_of``, otherwise a fresh (unstored) one."""
    settings = community.insights
    stored = await InsightsRepository(session, community.id).latest_churn_run()
    if stored is not None:
        age = as_of - stored["computed_at"]
        if timedelta(0) <= age <= timedelta(hours=settings.churn.warning_hours):
            return report_from_row(stored)
    return await churn_report(session, community.id, community, as_of)


def _experiments_section(views: list[ExperimentView], chart_dir: Path, lang: str,
                         chart_lang: str, dpi: int) -> Section:
    groups = [(v.name, [(a.arm, a.rate, *a.interval, i) for i, a in enumerate(v.result.arms)
                        if a.exposed]) for v in views]
    image = charts.experiments(chart_dir / "experiments.png", groups,
                               empty=t("insights.report.empty.experiments", chart_lang), dpi=dpi)
    rows: list[list[Any]] = []
    notes: list[str] = []
    for view in views:
        for arm in view.result.arms:
            low, high = arm.interval
            rows.append([f"{view.name} · {arm.arm}", arm.exposed, arm.converted,
                         f"{100 * arm.rate:.1f}% ({100 * low:.0f}–{100 * high:.0f}%)"])
        notes.append(experiment_lines(view, lang)[-1])
    table = {"head": [t("insights.report.col.arm", lang), t("insights.report.col.exposed", lang),
                      t("insights.report.col.converted", lang),
                      t("insights.report.col.rate", lang)], "rows": rows} if rows else None
    return Section("experiments", t("insights.report.experiments", lang), image,
                   empty=not views,
                   note=" ".join(notes) if views else t("insights.report.empty.experiments",
                                                         lang),
                   table=table)


def _render(**context: Any) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from bot import __version__

    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True)
    return env.get_template(TEMPLATE).render(version=__version__, **context)

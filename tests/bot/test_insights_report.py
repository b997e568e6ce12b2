"""The community report: HTML + PNG charts, empty states, and a real browser rendering it.

Why: the report is what a community team opens; it must render for a busy community, an
empty one, a community of one and one where everybody left — never a crash — and the charts
must actually show up in a browser (checked in headless Chromium when it is installed).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest

from bot.insights.report import generate_report, png_size
from bot.simulate import simulate
from domain.events import MemberJoined, MemberLeft, MessagePosted
from tests.bot.test_insights_support import seed

C = "console:demo"
SECTIONS = {"heatmap", "graph", "funnel", "segments", "stages", "mood", "moderation", "churn",
            "experiments"}
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser",
                             shutil.which("chromium") or "") if p and Path(p).exists()), None)


@cache
def busy() -> tuple:
    return tuple(simulate(members=120, days=40, seed=9, realistic_reactions=True))


async def render(make_app, url: str, events, out: Path, **kw):
    app = await make_app(url)
    if events:
        await seed(app.engine, list(events), stages=kw.pop("stages", None))
    return await generate_report(app.sessions, app.config.community(C), out, **kw)


def check_files(result, out: Path) -> str:
    assert result.path == out / "index.html" and result.path.exists()
    assert {s.key for s in result.sections} == SECTIONS
    for section in result.sections:
        assert section.image.parent == out / "charts"
        data = section.image.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000, section.key
        width, height = png_size(section.image)
        assert width > 200 and height > 100
    html = result.path.read_text(encoding="utf-8")
    assert len(re.findall(r'<img class="chart"[^>]*src="data:image/png;base64,', html)) == 9
    return html


@pytest.fixture(scope="module")
def busy_report(tmp_path_factory: pytest.TempPathFactory):
    """The report of a 120-member community (rendered once for the file and browser
    checks)."""
    from bot.bootstrap import build_app
    from bot.config import default_config

    base = tmp_path_factory.mktemp("busy")
    url = f"sqlite+aiosqlite:///{base / 'r.db'}"
    stages = {f"console:u{i:04d}": ("leader" if i < 2 else "expert" if i < 8 else "active")
              for i in range(40)}

    async def build():
        app = await build_app(default_config(url, communities=[
            {"platform": "console", "id": "demo", "name": "Demo"}]))
        try:
            await seed(app.engine, list(busy()), stages=stages)
            return await generate_report(app.sessions, app.config.community(C),
                                         base / "report")
        finally:
            await app.close()

    return asyncio.run(build())


def test_report_of_a_busy_community(busy_report) -> None:
    out = busy_report.directory
    html = check_files(busy_report, out)
    empty = {s.key for s in busy_report.sections if s.empty}
    assert {"heatmap", "graph", "funnel", "stages", "churn"}.isdisjoint(empty)
    assert "Community report" in html and "Value funnel" in html and "Model AUC" in html
    funnel = next(s for s in busy_report.sections if s.key == "funnel")
    counts = [row[1] for row in funnel.table["rows"]]
    assert counts == sorted(counts, reverse=True) and counts[0] == 120
    assert counts[3] == 8 and counts[4] == 2  # the experts and leaders we set up


async def test_report_empty_states(tmp_path: Path, make_app) -> None:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    cases = {
        "empty": [],
        "one": [MemberJoined(C, "console:solo", start, member_name="solo"),
                MessagePosted(C, "console:solo", start + timedelta(hours=1), channel_id="g",
                              message_id="1", text="anyone here?", member_name="solo")],
        "all_left": [e for i in range(3) for e in (
            MemberJoined(C, f"console:x{i}", start + timedelta(minutes=i)),
            MessagePosted(C, f"console:x{i}", start + timedelta(hours=1, minutes=i),
                          channel_id="g", message_id=f"m{i}", text="bye",
                          reply_to_member_id=f"console:x{(i + 1) % 3}"),
            MemberLeft(C, f"console:x{i}", start + timedelta(days=2, minutes=i)))],
    }
    for name, events in cases.items():
        out = tmp_path / name
        result = await render(make_app, f"sqlite+aiosqlite:///{tmp_path / name}.db", events,
                              out, lang="zh" if name == "one" else None)
        html = check_files(result, out)
        empty = {s.key for s in result.sections if s.empty}
        assert {"segments", "mood", "moderation", "churn", "experiments"} <= empty, name
        if name == "empty":
            assert empty == SECTIONS
        if name == "one":
            assert "社区报告" in html and "数据不足" in html
        if name == "all_left":
            assert "graph" not in empty


def test_report_cli_writes_the_files(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bot.cli import _register_feature_commands
    from bot.cli import app as cli
    from tests.bot.test_insights_churn import seeded_database

    url = seeded_database(tmp_path / "cli.db", list(simulate(members=15, days=10, seed=1)))
    _register_feature_commands()
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["report", "--database", url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "index.html").exists() and len(list((out / "charts").glob("*.png"))) == 9
    bad = CliRunner().invoke(cli, ["report", "--database", url, "--out",
                                   str(out / "index.html")])
    assert bad.exit_code == 2 and "is a file" in bad.output


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install -y "
                    "chromium); the headless-browser check of the report needs it")
async def test_report_renders_in_headless_chromium(tmp_path: Path, busy_report) -> None:
    out = busy_report.directory
    profile = tmp_path / "profile"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
               "--virtual-time-budget=5000", "--dump-dom", (out / "index.html").as_uri()]
    proc = await asyncio.create_subprocess_exec(*command, stdout=subprocess.PIPE,
                                                stderr=subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout=120)
    dom = stdout.decode("utf-8", "replace")
    assert proc.returncode == 0, stderr.decode("utf-8", "replace")[-2000:]
    images = re.findall(r'<img class="chart"[^>]*>', dom)
    assert len(images) == 9
    assert all('data-loaded="yes"' in img for img in images), \
        [img[:120] for img in images if 'data-loaded="yes"' not in img]
    shot = tmp_path / "shot.png"
    proc = await asyncio.create_subprocess_exec(
        *command[:-2], f"--screenshot={shot}", "--window-size=1200,3000",
        (out / "index.html").as_uri(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    await asyncio.wait_for(proc.communicate(), timeout=120)
    assert shot.exists() and shot.stat().st_size > 20_000


async def test_report_queries_on_each_backend(db_url: str, make_app, tmp_path: Path) -> None:
    """Every report query (heatmap, reply pairs, posters, stages, mood, review items,
    snapshots, experiments, the default "as of") on SQLite and PostgreSQL."""
    from bot.insights.report import resolve_as_of
    from bot.insights.segments import recompute_segments

    events = list(simulate(members=30, days=16, seed=6, realistic_reactions=True))
    app = await make_app(db_url)
    await seed(app.engine, events, stages={"console:u0001": "expert"})
    last = max(e.at for e in events)
    async with app.sessions() as session:
        as_of = await resolve_as_of(session, C, None)
        await recompute_segments(session, C, app.config.community(C).insights, as_of)
        await session.commit()
    assert last - timedelta(days=1) <= as_of <= last
    result = await generate_report(app.sessions, app.config.community(C), tmp_path / "r")
    check_files(result, tmp_path / "r")
    shown = {s.key for s in result.sections if not s.empty}
    assert {"heatmap", "graph", "funnel", "segments", "stages"} <= shown

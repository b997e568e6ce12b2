"""The scheduler benchmark runs end to end (small, fast variant; targets live in the bench)."""

from __future__ import annotations

from bot.scheduler.bench import Histogram, bench_scheduler


def test_bench_reports_lateness_and_memory(capsys) -> None:  # type: ignore[no-untyped-def]
    result = bench_scheduler(json_out=True, items=600, spread_s=1.0, lead_s=0.2)
    assert result["items"] == result["fired"] == 600
    assert result["failed"] == result["retried"] == 0
    for key in ("lateness_p99_ms", "rss_mb_before", "rss_mb_after"):
        assert isinstance(result[key], float), key
    assert 0 <= result["lateness_p50_ms"] <= result["lateness_p99_ms"]
    assert '"lateness_p99_ms"' in capsys.readouterr().out


def test_histogram_quantiles() -> None:
    histogram = Histogram()
    for ms in range(1, 101):
        histogram.add(float(ms))
    assert histogram.quantile(0.5) == 50.0
    assert histogram.quantile(0.99) == 99.0
    histogram.add(10**9)  # beyond the last bucket: counted, not lost
    assert histogram.total == 101 and histogram.max_ms == 10**9

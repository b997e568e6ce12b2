"""Restart safety: SIGKILL a real sweeper process mid-item, restart it, count the fires.

The guarantee under test is explained in ``restart_worker.py``.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

WORKER = Path(__file__).with_name("restart_worker.py")
ITEMS = 30


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _running_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT count(*) FROM scheduled_items WHERE status = 'running'").fetchone()[0]


def test_killed_worker_fires_every_item_exactly_once_after_restart(tmp_path: Path) -> None:
    db, log = tmp_path / "restart.db", tmp_path / "executions.log"
    seeded = subprocess.run([sys.executable, str(WORKER), "seed", str(db), str(ITEMS)],
                            capture_output=True, text=True, timeout=60, check=True)
    expected = set(json.loads(seeded.stdout))
    assert len(expected) == ITEMS

    killed_mid_item = 0
    for _ in range(3):
        before = len(_lines(log))
        proc = subprocess.Popen([sys.executable, str(WORKER), "run", str(db), str(log)])
        deadline = time.monotonic() + 30
        # Kill right after a handler logged an execution: it is now sleeping inside its
        # uncommitted transaction.
        while len(_lines(log)) < before + 3 and time.monotonic() < deadline:
            assert proc.poll() is None, "worker exited before it could be killed"
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
        killed_mid_item += _running_rows(db) > 0

    final = subprocess.run([sys.executable, str(WORKER), "run", str(db), str(log)],
                           capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr[-3000:]

    with sqlite3.connect(db) as conn:
        fires = [row[0] for row in conn.execute("SELECT key FROM fires")]
        statuses = collections.Counter(
            row[0] for row in conn.execute("SELECT status FROM scheduled_items"))
    counts = collections.Counter(fires)
    assert set(counts) == expected  # every item fired …
    assert set(counts.values()) == {1}  # … exactly once
    assert statuses == {"done": ITEMS}

    executions = [line.split()[1] for line in _lines(log)]
    # The kills really interrupted work: claimed rows were left running, and some items were
    # executed more than once, yet recorded once.
    assert killed_mid_item >= 1
    assert len(executions) > ITEMS
    assert set(executions) == expected

"""``regimen batch`` interrupted by SIGINT, SIGTERM or SIGHUP, at --jobs 1 and 4.

Each case starts a real ``regimen batch`` process on a cohort that takes several seconds, waits
until some patient files are written, sends the signal and checks: exit code 1
(the run did not complete), exactly one line on stderr and no traceback (none from a worker
either), no temporary file left, and summary.csv absent (or, had the run finished, complete).
SIGINT goes to the whole process group, as a Ctrl-C in a terminal does; SIGTERM and SIGHUP go
to the batch process only, and once more to the whole group.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import README_AE_LOG

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")

ROWS = 150


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cohort")
    (folder / "log.csv").write_text(README_AE_LOG, encoding="utf-8")
    rows = [f"P{i:03d},anlotinib-sts,2022-01-03,log.csv,40," for i in range(ROWS)]
    path = folder / "cohort.csv"
    path.write_text(
        "patient,regimen,start,ae_log,cycles,start_dose\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    return path


def _interrupt(cohort: Path, out: Path, signum: int, jobs: int, group: bool) -> tuple[int, str]:
    argv = [sys.executable, "-m", "regimen", "batch", str(cohort), "--output-dir", str(out)]
    argv += ["--jobs", str(jobs), "--generated-at", "2022-01-01T00:00:00Z"]
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            if out.is_dir() and sum(1 for p in out.iterdir() if p.suffix == ".ics") >= 2:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the batch ended before it could be interrupted"
        if group:
            os.killpg(proc.pid, signum)
        else:
            os.kill(proc.pid, signum)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:  # pragma: no cover - a hang: do not leave it running
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, err.decode("utf-8", "replace")


CASES = [
    (signal.SIGINT, True),
    (signal.SIGTERM, False),
    (signal.SIGHUP, False),
    (signal.SIGTERM, True),
]


@pytest.mark.parametrize("jobs", [1, 4])
@pytest.mark.parametrize(("signum", "group"), CASES, ids=["INT", "TERM", "HUP", "TERM-group"])
def test_regression_batch_interrupted_leaves_no_temporary_file(
    cohort: Path, tmp_path: Path, signum: int, group: bool, jobs: int
) -> None:
    out = tmp_path / "out"
    code, err = _interrupt(cohort, out, signum, jobs, group)
    name = signal.Signals(signum).name
    assert code == 1, err
    assert "Traceback" not in err
    assert err.splitlines() == [
        f"error: interrupted by {name}; no summary.csv written; the patient files written are "
        "complete"
    ]
    names = [p.name for p in out.iterdir()]
    assert not [n for n in names if n.endswith(".tmp")], names
    summary = out / "summary.csv"
    if summary.exists():  # pragma: no cover - only if the run finished first
        rows = list(csv.DictReader(io.StringIO(summary.read_text(encoding="utf-8"))))
        assert len(rows) == ROWS
    # every patient file left is whole: an iCalendar object from BEGIN to END
    for path in out.glob("*.ics"):
        data = path.read_bytes()
        assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")

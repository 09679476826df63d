"""``regimen batch``: a cohort in one run; bad rows are reported, not fatal; no path escapes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.conftest import one_error_line

LOG = (
    "date,term,grade\n2022-01-10,hand-foot skin reaction,3\n2022-01-14,hand-foot skin reaction,1\n"
)


def _cohort(tmp_path: Path, n_good: int, bad: int) -> Path:
    (tmp_path / "log.csv").write_text(LOG, encoding="utf-8")
    rows = ["patient,regimen,start,ae_log,cycles,start_dose"]
    rows += [f"P{i:04d},lms-rt-anlotinib,2022-05-16,,2," for i in range(n_good)]
    rows.append("../../etc/x,anlotinib-sts,2022-01-03,log.csv,3,")
    rows += [f"B{j},nope,2022-01-03,,2," for j in range(bad // 2)]
    rows += [f"C{j},anlotinib-sts,2022-02-30,,2," for j in range(bad - bad // 2)]
    path = tmp_path / "cohort.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_reports_bad_rows_and_writes_the_rest(run, tmp_path: Path, jobs: str) -> None:
    cohort = _cohort(tmp_path, n_good=20, bad=10)
    out = tmp_path / "out"
    r = run(
        "batch",
        str(cohort),
        "--output-dir",
        str(out),
        "--jobs",
        jobs,
        "--generated-at",
        "2022-01-01T00:00:00Z",
    )
    assert r.exit_code == 1, r.stderr
    assert r.stdout.startswith("21 of 31 patients written")
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 22  # 21 calendars + summary.csv
    assert "______etc_x.ics" in files
    assert not (tmp_path.parent / "etc").exists()
    summary = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8"))))
    errors = [s for s in summary if s["status"] == "error"]
    assert len(errors) == 10
    assert all(e["error"].startswith("line ") for e in errors)
    assert any("nope: no bundled regimen or file of that name" in e["error"] for e in errors)
    assert any("'2022-02-30' is not a real date" in e["error"] for e in errors)
    traversal = next(s for s in summary if s["patient"] == "../../etc/x")
    # 7 x 12 mg + 3 x 10 mg + 2 x 14 x 10 mg = 394 mg (same log as the calendar acceptance)
    assert traversal["drug_delivered"] == "anlotinib=394 mg"


def test_batch_rerun_is_identical_and_atomic(run, tmp_path: Path) -> None:
    cohort = _cohort(tmp_path, n_good=3, bad=0)
    out = tmp_path / "out"
    argv = [
        "batch",
        str(cohort),
        "--output-dir",
        str(out),
        "--generated-at",
        "2022-01-01T00:00:00Z",
    ]
    assert run(*argv).exit_code == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert run(*argv).exit_code == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_batch_duplicate_keys_and_bad_header(run, tmp_path: Path) -> None:
    cohort = tmp_path / "c.csv"
    cohort.write_text(
        "patient,regimen,start\na/b,anlotinib-sts,2022-01-03\na_b,anlotinib-sts,2022-01-03\n",
        encoding="utf-8",
    )
    r = run("batch", str(cohort), "--output-dir", str(tmp_path / "o"), "--format", "json")
    assert r.exit_code == 1
    summary = (tmp_path / "o" / "summary.csv").read_text(encoding="utf-8")
    assert "maps to the same file as line 2" in summary
    bad = tmp_path / "bad.csv"
    bad.write_text("patient,start\nx,2022-01-03\n", encoding="utf-8")
    line = one_error_line(run("batch", str(bad), "--output-dir", str(tmp_path / "o2")))
    assert line.startswith(f"error: {bad}: line 1: missing column 'regimen'")
    assert not (tmp_path / "o2").exists()

"""Benchmarks for regimen, each against a baseline measured in the same run.

Run from a clone after the README's install:

    .venv/bin/python benchmarks/run.py            # prints a Markdown report
    .venv/bin/python benchmarks/run.py --quick    # fewer repetitions and a 200-patient cohort

What it measures (medians of repeated cold processes; bytecode is compiled first, as any
installed package has it):

1. CLI start-up: ``regimen --version`` against ``python -c "import click"``; ``regimen calendar
   lms-rt-anlotinib --start 2022-05-16 --cycles 6`` as text and as ics against
   ``python -c "import pint; pint.UnitRegistry()"``.
2. Batch ICS for a cohort of 1,000 patients at ``--jobs 1`` and ``--jobs 2``, against a baseline
   that writes the same events (same dates, titles, descriptions) per patient with plain
   ``icalendar`` component calls.
3. Growth with cycles: ``calendar anlotinib-sts --format ics`` for 6, 60 and 600 cycles, in
   process (plan + render) and as whole CLI runs.

Public tools only: the Python standard library, the project's own dependencies.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
BIN = Path(PY).parent
REGIMEN = str(BIN / "regimen")
STAMP = "2022-01-01T00:00:00Z"


def wall(cmd: list[str], n: int, env: dict[str, str] | None = None) -> float:
    """Median wall time [s] of ``n`` cold runs of ``cmd``."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env
        )
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def round_robin(cmds: list[list[str]], n: int) -> list[float]:
    """Median wall time of each command, running them in turn so load affects all alike."""
    times: list[list[float]] = [[] for _ in cmds]
    for _ in range(n):
        for i, cmd in enumerate(cmds):
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            times[i].append(time.perf_counter() - t)
    return [statistics.median(t) for t in times]


def startup(n: int) -> list[tuple[str, float, float, float]]:
    cal = [REGIMEN, "calendar", "lms-rt-anlotinib", "--start", "2022-05-16", "--cycles", "6"]
    click, pint, version, text, ics = round_robin(
        [
            [PY, "-c", "import click"],
            [PY, "-c", "import pint; pint.UnitRegistry()"],
            [REGIMEN, "--version"],
            cal,
            [*cal, "--format", "ics", "--generated-at", STAMP],
        ],
        n,
    )
    return [
        ('`regimen --version` / `python -c "import click"`', version, click, 1.5),
        ("`calendar ... --format text` / `import pint; pint.UnitRegistry()`", text, pint, 0.7),
        ("`calendar ... --format ics` / `import pint; pint.UnitRegistry()`", ics, pint, 0.9),
    ]


def make_cohort(folder: Path, patients: int) -> Path:
    rows = ["patient,regimen,start,cycles"]
    start = dt.date(2022, 1, 3)
    for i in range(patients):
        rows.append(f"P{i:05d},lms-rt-anlotinib,{start + dt.timedelta(days=i % 365)},6")
    path = folder / "cohort.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


BASELINE = r"""
import datetime as dt, json, sys
from pathlib import Path
import icalendar
events = json.loads(Path(sys.argv[1]).read_text())
out = Path(sys.argv[2]); out.mkdir(exist_ok=True)
stamp = dt.datetime(2022, 1, 1, tzinfo=dt.timezone.utc)
for i in range(int(sys.argv[3])):
    cal = icalendar.Calendar()
    cal.add("prodid", "-//baseline//EN")
    cal.add("version", "2.0")
    for e in events:
        ev = icalendar.Event()
        ev.add("uid", e["uid"])
        ev.add("dtstamp", stamp)
        day = dt.date.fromisoformat(e["date"])
        ev.add("dtstart", day)
        ev.add("dtend", day + dt.timedelta(days=1))
        ev.add("sequence", 0)
        ev.add("summary", e["summary"])
        ev.add("description", e["description"])
        ev.add("categories", [e["category"]])
        ev.add("class", "PRIVATE")
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    (out / f"P{i:05d}.ics").write_bytes(cal.to_ical())
"""


def baseline_events(folder: Path) -> Path:
    """The events of one patient's ICS, as plain data for the icalendar baseline."""
    ics = subprocess.run(
        [
            REGIMEN,
            "calendar",
            "lms-rt-anlotinib",
            "--start",
            "2022-01-03",
            "--cycles",
            "6",
            "--format",
            "ics",
            "--generated-at",
            STAMP,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    import icalendar

    events = []
    for ev in icalendar.Calendar.from_ical(ics).walk("VEVENT"):
        events.append(
            {
                "uid": str(ev["UID"]),
                "date": ev["DTSTART"].dt.isoformat(),
                "summary": str(ev["SUMMARY"]),
                "description": str(ev.get("DESCRIPTION", "")),
                "category": str(ev["CATEGORIES"].cats[0]),
            }
        )
    path = folder / "events.json"
    path.write_text(json.dumps(events), encoding="utf-8")
    return path


def batch(patients: int, repeats: int) -> list[tuple[str, float]]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cohort = make_cohort(folder, patients)
        events = baseline_events(folder)
        script = folder / "baseline.py"
        script.write_text(BASELINE, encoding="utf-8")
        base = []
        j1 = []
        j2 = []
        for r in range(repeats):
            for label, store, cmd in (
                (
                    "baseline",
                    base,
                    [PY, str(script), str(events), str(folder / f"b{r}"), str(patients)],
                ),
                (
                    "jobs1",
                    j1,
                    [
                        REGIMEN,
                        "batch",
                        str(cohort),
                        "--output-dir",
                        str(folder / f"j1-{r}"),
                        "--jobs",
                        "1",
                        "--generated-at",
                        STAMP,
                    ],
                ),
                (
                    "jobs2",
                    j2,
                    [
                        REGIMEN,
                        "batch",
                        str(cohort),
                        "--output-dir",
                        str(folder / f"j2-{r}"),
                        "--jobs",
                        "2",
                        "--generated-at",
                        STAMP,
                    ],
                ),
            ):
                t = time.perf_counter()
                subprocess.run(
                    cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
                )
                store.append(time.perf_counter() - t)
                del label
        results = [
            ("plain-icalendar baseline", statistics.median(base)),
            ("regimen batch --jobs 1", statistics.median(j1)),
            ("regimen batch --jobs 2", statistics.median(j2)),
        ]
        written = len(list((folder / "j1-0").glob("*.ics")))
        if written != patients:
            raise SystemExit(f"batch wrote {written} files, expected {patients}")
    return results


def cycles(n: int) -> list[tuple[int, float, float]]:
    sys.path.insert(0, str(ROOT / "src"))
    from regimen.export import ics
    from regimen.loading import load_regimen
    from regimen.schedule import build_plan

    reg = load_regimen("anlotinib-sts")
    opts = ics.options(dt.datetime(2022, 1, 1, tzinfo=dt.UTC))
    out = []
    for count in (6, 60, 600):
        times = []
        for _ in range(max(3, n // 2)):
            t = time.perf_counter()
            plan = build_plan(reg, dt.date(2022, 1, 3), cycles=count)
            ics.render(plan, opts)
            times.append(time.perf_counter() - t)
        cli = wall(
            [
                REGIMEN,
                "calendar",
                "anlotinib-sts",
                "--start",
                "2022-01-03",
                "--cycles",
                str(count),
                "--format",
                "ics",
                "--generated-at",
                STAMP,
            ],
            max(3, n // 2),
        )
        out.append((count, statistics.median(times), cli))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, 200 patients")
    args = parser.parse_args()
    n = 5 if args.quick else 15
    patients = 200 if args.quick else 1000
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "src" / "regimen")], check=True)

    command = " ".join(["python", "benchmarks/run.py", *sys.argv[1:]])
    lines = [
        f"Measured {dt.datetime.now(tz=dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'host'}"
        f" ({os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.machine()}), with `{command}`.",
        "",
        "### CLI start-up (median of cold processes)",
        "",
        "| measure | regimen | baseline | ratio | target | ok |",
        "|---|---|---|---|---|---|",
    ]
    ok_all = True
    for label, ours, base, target in startup(n):
        ratio = ours / base
        ok = ratio <= target
        ok_all &= ok
        lines.append(
            f"| {label} | {ours * 1000:.0f} ms | {base * 1000:.0f} ms | {ratio:.2f} | "
            f"<= {target} | {'yes' if ok else 'NO'} |"
        )
    lines += [
        "",
        f"### Batch ICS, {patients} patients x 97 events",
        "",
        "| run | time | ratio |",
        "|---|---|---|",
    ]
    res = batch(patients, 1 if args.quick else 3)
    base, j1, j2 = (t for _, t in res)
    for label, t in res:
        lines.append(f"| {label} | {t:.2f} s | {t / base:.2f} x baseline |")
    ok1, ok2 = j1 / base <= 1.2, j1 / j2 >= 1.6
    ok_all &= ok1 and ok2
    lines += [
        "",
        f"- `--jobs 1` / baseline = {j1 / base:.2f} (target <= 1.2): {'yes' if ok1 else 'NO'}",
        f"- `--jobs 1` / `--jobs 2` = {j1 / j2:.2f} (target >= 1.6): {'yes' if ok2 else 'NO'}",
    ]
    lines += [
        "",
        "### Growth with cycles (`anlotinib-sts`, ics)",
        "",
        "| cycles | plan + render in process | whole CLI run |",
        "|---|---|---|",
    ]
    grow = cycles(n)
    for count, inproc, cli in grow:
        lines.append(f"| {count} | {inproc * 1000:.1f} ms | {cli * 1000:.0f} ms |")
    r_in = grow[2][1] / grow[1][1]
    r_cli = grow[2][2] / grow[1][2]
    ok3 = r_in <= 12 and r_cli <= 12
    ok_all &= ok3
    lines += [
        "",
        f"- 600 / 60 cycles: {r_in:.1f}x in process, {r_cli:.1f}x whole run "
        f"(target <= 12): {'yes' if ok3 else 'NO'}",
        "",
        f"All targets met: {'yes' if ok_all else 'NO'}",
    ]
    print("\n".join(lines))
    sys.exit(0 if ok_all else 1)


if __name__ == "__main__":
    main()

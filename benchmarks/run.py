"""Benchmarks for regimen, each against a baseline measured in the same run.

Run from a clone after the README's install:

    .venv/bin/python benchmarks/run.py            # prints a Markdown report, exits 0
    .venv/bin/python benchmarks/run.py --quick    # fewer repetitions, smaller cohorts
    .venv/bin/python benchmarks/run.py --check    # exits 1 when a target is missed

What it measures (every command is timed round-robin with its baseline, so background load
touches both alike; every figure is a median of repeated runs):

1. BED computations per second through the library API, against pyradiobiology's, each in a
   process of its own: the same schedules (N x d for several alpha/beta), from plain numbers
   to a BED in Gy (and, for reference, with the inputs built once).
2. Batch ICS for a cohort at ``--jobs 1`` and ``--jobs 2``, against a plain script that writes
   the same events per patient with the ``icalendar`` library.
3. Growth: cost with cycles (6/60/600), with AE-log rows (10/100/1,000) and with cohort size
   (x5), and the batch's peak memory at both cohort sizes.
4. CLI start-up against ``python -c "import click"`` and ``import pint; pint.UnitRegistry()``.

Nothing is written into the source tree: cohorts and calendars go to a temporary folder, and
bytecode (of every process, baselines included) to a cache folder through
``PYTHONPYCACHEPREFIX``. pyradiobiology is not a dependency of regimen: the benchmark makes its
own virtual environment for it in the cache folder (reused when present), or uses the Python
given with ``--pyradiobiology-python``; when neither works the figure is reported as not
measured. The exit status is 0 unless ``--check`` is given, so a noisy machine cannot fail a
run by accident.
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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
BIN = Path(PY).parent
REGIMEN = str(BIN / "regimen")
STAMP = "2022-01-01T00:00:00Z"
PYRB_VERSION = "1.0.33"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "regimen-benchmarks"
#: Bytecode of every process goes here, never next to the sources.
PYCACHE = CACHE / "pycache"
ENV = {**os.environ, "PYTHONPYCACHEPREFIX": str(PYCACHE)}
ENV.pop("PYTHONDONTWRITEBYTECODE", None)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_timed(cmd: Sequence[str]) -> float:
    t = time.perf_counter()
    subprocess.run(
        list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=ENV
    )
    return time.perf_counter() - t


def round_robin(cmds: Sequence[Sequence[str]], n: int) -> list[float]:
    """Median wall time [s] of each command, running them in turn so load affects all alike
    (after one untimed warm-up round)."""
    for cmd in cmds:
        run_timed(cmd)
    times: list[list[float]] = [[] for _ in cmds]
    for _ in range(n):
        for i, cmd in enumerate(cmds):
            times[i].append(run_timed(cmd))
    return [statistics.median(t) for t in times]


class Report:
    """Rows of (measure, command, figure, baseline, ratio, target, met)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str, str, str]] = []
        self.missed = 0
        self.unmeasured = 0
        self.informational = 0

    def add(
        self,
        measure: str,
        command: str,
        figure: str,
        baseline: str,
        ratio: float | None,
        target: str,
        met: bool | None,
        *,
        informational: bool = False,
    ) -> None:
        """One figure; ``met`` None: not measured; ``informational``: shown, no target."""
        if informational:
            self.informational += 1
        elif met is None:
            self.unmeasured += 1
        elif not met:
            self.missed += 1
        shown = "not measured" if ratio is None else f"{ratio:.2f}"
        ok = "not measured" if met is None else ("yes" if met else "NO")
        if informational:
            ok = "(no target)"
        self.rows.append((measure, command, figure, baseline, shown, target, ok))

    def table(self) -> list[str]:
        lines = [
            "| measure | command | figure | baseline | ratio | target | met |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return lines


# --- 1. BED throughput -----------------------------------------------------------------------

#: (fractions, dose per fraction [Gy]) x alpha/beta [Gy]: conventional, moderately and
#: extremely hypofractionated courses for tumour and late-responding tissue.
SCHEDULES = [
    (n, d, ab)
    for n, d in (
        (35, 2.0),
        (30, 2.0),
        (28, 1.8),
        (25, 1.8),
        (20, 2.75),
        (15, 2.67),
        (5, 8.0),
        (3, 18.0),
    )
    for ab in (10.0, 3.0, 2.0, 1.5)
]

BED_REGIMEN = r"""
import json, sys, time
from regimen.radiobiology import bed
from regimen.radiotherapy import Phase
from regimen.units import quantity

schedules = json.loads(sys.argv[1]); loops = int(sys.argv[2]); mode = sys.argv[3]

def from_numbers():
    return [
        bed([Phase(fractions=n, dose_per_fraction=quantity(d, "Gy"))], quantity(ab, "Gy")).gy
        for n, d, ab in schedules
    ]

built = [([Phase(fractions=n, dose_per_fraction=quantity(d, "Gy"))], quantity(ab, "Gy"))
         for n, d, ab in schedules]

def inputs_built():
    return [bed(phases, ab).gy for phases, ab in built]

fn = from_numbers if mode == "numbers" else inputs_built
values = fn()
t = time.perf_counter()
for _ in range(loops):
    fn()
elapsed = time.perf_counter() - t
print(json.dumps({"rate": loops * len(schedules) / elapsed, "values": values}))
"""

BED_PYRB = r"""
import json, sys, time
from importlib.metadata import version
from pyradiobiology import Dose, DoseBag, DoseType, DoseUnit, LinearQuadratic

schedules = json.loads(sys.argv[1]); loops = int(sys.argv[2]); mode = sys.argv[3]

def from_numbers():
    return [
        float(
            LinearQuadratic(ab_ratio=Dose.gy(ab), nfx=n)
            .eqd_zero(
                DoseBag.create(
                    data=[n * d], unit=DoseUnit.GY, dose_type=DoseType.PHYSICAL_DOSE
                )
            )
            .data[0]
        )
        for n, d, ab in schedules
    ]

built = [
    (
        LinearQuadratic(ab_ratio=Dose.gy(ab), nfx=n),
        DoseBag.create(data=[n * d], unit=DoseUnit.GY, dose_type=DoseType.PHYSICAL_DOSE),
    )
    for n, d, ab in schedules
]

def inputs_built():
    return [float(model.eqd_zero(bag).data[0]) for model, bag in built]

fn = from_numbers if mode == "numbers" else inputs_built
values = fn()
t = time.perf_counter()
for _ in range(loops):
    fn()
elapsed = time.perf_counter() - t
print(json.dumps({"rate": loops * len(schedules) / elapsed, "values": values,
                  "version": version("pyradiobiology")}))
"""


def pyrb_python(given: str | None) -> tuple[str | None, str]:
    """A Python that imports pyradiobiology, and how it was found (or why there is none)."""

    def works(python: Path) -> bool:
        try:
            probe = subprocess.run(
                [str(python), "-c", "import pyradiobiology"], capture_output=True, check=False
            )
        except OSError:
            return False
        return probe.returncode == 0

    if given:
        if works(Path(given)):
            return given, f"given with --pyradiobiology-python ({given})"
        return None, f"{given} cannot import pyradiobiology"
    venv = CACHE / "pyradiobiology-venv"
    python = venv / "bin" / "python"
    if python.exists() and works(python):
        return str(python), f"cached environment {venv}"
    log(f"making an environment for pyradiobiology {PYRB_VERSION} in {venv} ...")
    steps = (
        [PY, "-m", "venv", "--clear", str(venv)],
        [str(python), "-m", "pip", "install", "-q", f"pyradiobiology=={PYRB_VERSION}"],
    )
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, check=False)
        except OSError as exc:
            return None, f"could not install pyradiobiology: {' '.join(step[:4])}: {exc}"
        if done.returncode != 0:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            return None, f"could not install pyradiobiology: {' '.join(step[:4])}: {last[0]}"
    if works(python):
        return str(python), f"new environment {venv}"
    return None, "pyradiobiology installed but does not import"


def bed_throughput(
    report: Report, folder: Path, pyrb: str | None, why: str, repeats: int, loops: int
) -> list[str]:
    notes = [f"- pyradiobiology: {why}."]
    ours = folder / "bed_regimen.py"
    theirs = folder / "bed_pyradiobiology.py"
    ours.write_text(BED_REGIMEN, encoding="utf-8")
    theirs.write_text(BED_PYRB, encoding="utf-8")
    data = json.dumps(SCHEDULES)
    labels = {
        "numbers": "BED/s from plain numbers (inputs built on every call)",
        "built": "BED/s with the inputs built once",
    }
    for mode in ("numbers", "built"):
        cmd_ours = [PY, str(ours), data, str(loops), mode]
        samples_ours: list[float] = []
        samples_theirs: list[float] = []
        values_ours: list[float] = []
        values_theirs: list[float] = []
        version = ""
        for _ in range(repeats):
            out = subprocess.run(
                cmd_ours, capture_output=True, text=True, check=True, env=ENV
            ).stdout
            got = json.loads(out)
            samples_ours.append(got["rate"])
            values_ours = got["values"]
            if pyrb is not None:
                out = subprocess.run(
                    [pyrb, str(theirs), data, str(loops), mode],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=ENV,
                ).stdout
                got = json.loads(out)
                samples_theirs.append(got["rate"])
                values_theirs = got["values"]
                version = got["version"]
        rate = statistics.median(samples_ours)
        command = f"`python benchmarks/run.py` ({len(SCHEDULES)} schedules, {mode})"
        if pyrb is None:
            report.add(
                labels[mode], command, f"{rate:,.0f}/s", "not measured", None, ">= 1.0", None
            )
            continue
        base = statistics.median(samples_theirs)
        agree = len(values_ours) == len(values_theirs) and all(
            abs(a - b) <= 1e-9 * max(1.0, abs(b))
            for a, b in zip(values_ours, values_theirs, strict=True)
        )
        if not agree:
            raise SystemExit("regimen and pyradiobiology disagree on a BED: not comparable")
        report.add(
            labels[mode],
            command,
            f"{rate:,.0f}/s",
            f"{base:,.0f}/s (pyradiobiology {version})",
            rate / base,
            ">= 1.0",
            rate / base >= 1.0,
        )
    notes.append(
        f"- Both libraries give the same BED (to 1e-9) for all {len(SCHEDULES)} schedules; "
        f"each rate is the median of {repeats} processes per library, run in turn, "
        f"{loops} passes over the schedules each."
    )
    return notes


# --- 2. batch ----------------------------------------------------------------------------------


def make_cohort(folder: Path, patients: int, name: str = "cohort.csv") -> Path:
    rows = ["patient,regimen,start,cycles"]
    start = dt.date(2022, 1, 3)
    for i in range(patients):
        rows.append(f"P{i:05d},lms-rt-anlotinib,{start + dt.timedelta(days=i % 365)},6")
    path = folder / name
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


def baseline_events(folder: Path) -> tuple[Path, int]:
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
        env=ENV,
    ).stdout
    import icalendar

    parsed: list[Any] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    events = [
        {
            "uid": str(ev["UID"]),
            "date": ev["DTSTART"].dt.isoformat(),
            "summary": str(ev["SUMMARY"]),
            "description": str(ev.get("DESCRIPTION", "")),
            "category": str(ev["CATEGORIES"].cats[0]),
        }
        for ev in parsed
    ]
    path = folder / "events.json"
    path.write_text(json.dumps(events), encoding="utf-8")
    return path, len(events)


def batch_cmd(cohort: Path, out: Path, jobs: int) -> list[str]:
    return [
        REGIMEN,
        "batch",
        str(cohort),
        "--output-dir",
        str(out),
        "--format",
        "ics",
        "--jobs",
        str(jobs),
        "--generated-at",
        STAMP,
    ]


def batch(report: Report, folder: Path, patients: int, repeats: int) -> list[str]:
    cohort = make_cohort(folder, patients)
    events, per_patient = baseline_events(folder)
    script = folder / "baseline.py"
    script.write_text(BASELINE, encoding="utf-8")
    times: dict[str, list[float]] = {"base": [], "j1": [], "j2": []}
    for r in range(repeats + 1):  # round 0 is a warm-up
        for key, cmd in (
            ("base", [PY, str(script), str(events), str(folder / f"b{r}"), str(patients)]),
            ("j1", batch_cmd(cohort, folder / f"j1-{r}", 1)),
            ("j2", batch_cmd(cohort, folder / f"j2-{r}", 2)),
        ):
            took = run_timed(cmd)
            if r:
                times[key].append(took)
    for r in range(repeats + 1):
        for key in ("b", "j1-", "j2-"):
            written = len(list((folder / f"{key}{r}").glob("*.ics")))
            if written != patients:
                raise SystemExit(f"{key}{r}: {written} files written, expected {patients}")
    base, j1, j2 = (statistics.median(times[k]) for k in ("base", "j1", "j2"))
    shown = f"`regimen batch cohort.csv --format ics --jobs 1` ({patients} patients)"
    report.add(
        "batch ICS, speed-up over plain icalendar",
        shown,
        f"{j1:.2f} s",
        f"{base:.2f} s (plain icalendar script)",
        base / j1,
        ">= 5",
        base / j1 >= 5,
    )
    report.add(
        "batch ICS, speed-up of --jobs 2 over --jobs 1",
        shown.replace("--jobs 1", "--jobs 2"),
        f"{j2:.2f} s",
        f"{j1:.2f} s (--jobs 1)",
        j1 / j2,
        "none (was >= 1.6 while CPU-bound)",
        None,
        informational=True,
    )
    return [
        f"- Batch: {patients} patients x {per_patient} events, median of {repeats} round-robin "
        "runs of the baseline, `--jobs 1` and `--jobs 2` (after a warm-up round). regimen "
        "writes each file atomically (temporary file, fsync, rename) and fsyncs the folder once "
        "before the summary; the baseline writes without fsync. With about 2 ms of CPU per "
        "patient left, the batch waits mostly on those fsyncs, which a second process does not "
        "shorten: `--jobs 2` is reported without a target."
    ]


# --- 3. growth ---------------------------------------------------------------------------------


def in_process(fn: Callable[[], object], n: int) -> float:
    fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


AE_TERMS = (
    "Fatigue",
    "Nausea",
    "Diarrhea",
    "Anorexia",
    "Hypertension",
    "Vomiting",
    "Alopecia",
    "Headache",
    "Constipation",
    "Dysgeusia",
)


def growth(report: Report, folder: Path, n: int, patients: int) -> list[str]:
    sys.path.insert(0, str(ROOT / "src"))
    from regimen import app
    from regimen.drug_report import drug_summary
    from regimen.export import ics
    from regimen.loading import load_regimen
    from regimen.schedule import build_plan

    reg = load_regimen("anlotinib-sts")
    opts = ics.options(dt.datetime(2022, 1, 1, tzinfo=dt.UTC))

    # cycles: plan + ics + dose summary in process, and whole CLI runs
    cyc: dict[int, tuple[float, float]] = {}
    for count in (6, 60, 600):

        def work(count: int = count) -> None:
            plan = build_plan(reg, dt.date(2022, 1, 3), cycles=count)
            ics.render(plan, opts)
            drug_summary(plan, "anlotinib")

        cli = [
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
        ]
        cyc[count] = (in_process(work, n), round_robin([cli], max(3, n // 2))[0])
    r_in = cyc[600][0] / cyc[60][0]
    r_cli = cyc[600][1] / cyc[60][1]
    report.add(
        "growth with cycles, in process (plan + ics + dose summary)",
        "600 vs 60 cycles of `anlotinib-sts`",
        f"{cyc[600][0] * 1000:.1f} ms",
        f"{cyc[60][0] * 1000:.1f} ms (60 cycles)",
        r_in,
        "<= 12 (10 = linear)",
        r_in <= 12,
    )
    report.add(
        "growth with cycles, whole CLI run",
        "`regimen calendar anlotinib-sts --cycles 600 --format ics`",
        f"{cyc[600][1] * 1000:.0f} ms",
        f"{cyc[60][1] * 1000:.0f} ms (60 cycles)",
        r_cli,
        "<= 12 (10 = linear)",
        r_cli <= 12,
    )

    # AE-log rows: plan + baseline plan + ics + dose summary, rows spread over the horizon
    ae: dict[int, float] = {}
    for rows in (10, 100, 1000):
        lines = ["date,term,grade"]
        for i in range(rows):
            day = dt.date(2022, 1, 3) + dt.timedelta(days=(i * 120) // rows)
            lines.append(f"{day},{AE_TERMS[i % len(AE_TERMS)]},{1 + i % 2}")
        path = folder / f"ae-{rows}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        req = app.Request(
            regimen=reg,
            start=dt.date(2022, 1, 3),
            fmt="ics",
            ae_log=path,
            render=app.RenderOptions(ics=opts),
        )

        def work_ae(req: app.Request = req) -> None:
            built = app.build(req)
            app.render(req, built)
            drug_summary(built.plan, "anlotinib")

        ae[rows] = in_process(work_ae, n)
    r_ae = ae[1000] / ae[100]
    report.add(
        "growth with AE-log rows, in process (log + plans + ics + dose summary)",
        "1,000 vs 100 rows, `anlotinib-sts`",
        f"{ae[1000] * 1000:.1f} ms",
        f"{ae[100] * 1000:.1f} ms (100 rows)",
        r_ae,
        "<= 12 (10 = linear)",
        r_ae <= 12,
    )

    # cohort size: time and peak memory of --jobs 1 at P and 5P patients
    small, large = patients, patients * 5
    probe = folder / "maxrss.py"
    probe.write_text(
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n",
        encoding="utf-8",
    )
    cohorts = {p: make_cohort(folder, p, f"cohort-{p}.csv") for p in (small, large)}
    times: dict[int, list[float]] = {small: [], large: []}
    rss: dict[int, list[int]] = {small: [], large: []}
    for r in range(max(1, n // 5) + 1):
        for p in (small, large):
            cmd = [PY, str(probe), *batch_cmd(cohorts[p], folder / f"size-{p}-{r}", 1)]
            t = time.perf_counter()
            out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=ENV)
            took = time.perf_counter() - t
            if r:
                times[p].append(took)
                rss[p].append(int(out.stdout.strip()))
    t_small, t_large = statistics.median(times[small]), statistics.median(times[large])
    m_small, m_large = statistics.median(rss[small]), statistics.median(rss[large])
    report.add(
        "growth with cohort size, `--jobs 1`",
        f"{large} vs {small} patients",
        f"{t_large:.2f} s",
        f"{t_small:.2f} s ({small} patients)",
        t_large / t_small,
        "<= 6 (5 = linear)",
        t_large / t_small <= 6,
    )
    report.add(
        "peak memory with cohort size, `--jobs 1`",
        f"{large} vs {small} patients",
        f"{m_large / 1024:.0f} MiB",
        f"{m_small / 1024:.0f} MiB ({small} patients)",
        m_large / m_small,
        "<= 1.2 (flat)",
        m_large / m_small <= 1.2,
    )
    return [
        f"- Cycles 6 / 60 / 600: {cyc[6][0] * 1000:.1f} / {cyc[60][0] * 1000:.1f} / "
        f"{cyc[600][0] * 1000:.1f} ms in process; {cyc[6][1] * 1000:.0f} / "
        f"{cyc[60][1] * 1000:.0f} / {cyc[600][1] * 1000:.0f} ms whole run.",
        f"- AE-log rows 10 / 100 / 1,000 (grade 1-2, ten terms, over 120 days): "
        f"{ae[10] * 1000:.1f} / {ae[100] * 1000:.1f} / {ae[1000] * 1000:.1f} ms.",
        "- Peak memory is the batch process's maximum resident set size.",
    ]


# --- 4. start-up -------------------------------------------------------------------------------


def startup(report: Report, n: int) -> None:
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
    pint_base = f'{pint * 1000:.0f} ms (`python -c "import pint; pint.UnitRegistry()"`)'
    report.add(
        "start-up, `--version`",
        "`regimen --version`",
        f"{version * 1000:.0f} ms",
        f'{click * 1000:.0f} ms (`python -c "import click"`)',
        version / click,
        "<= 1.5",
        version / click <= 1.5,
    )
    report.add(
        "start-up, text calendar",
        "`regimen calendar lms-rt-anlotinib ... --cycles 6`",
        f"{text * 1000:.0f} ms",
        pint_base,
        text / pint,
        "<= 0.68 (today 0.65-0.68)",
        text / pint <= 0.68,
    )
    report.add(
        "start-up, ics calendar",
        "the same with `--format ics`",
        f"{ics * 1000:.0f} ms",
        pint_base,
        ics / pint,
        "<= 0.9",
        ics / pint <= 0.9,
    )


def load_text() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # pragma: no cover - not on every platform
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, 200 patients")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--pyradiobiology-python",
        metavar="PATH",
        help=f"a Python that has pyradiobiology (default: make one in {CACHE})",
    )
    parser.add_argument(
        "--only",
        choices=("bed", "batch", "growth", "startup"),
        action="append",
        help="run only this part (repeatable)",
    )
    args = parser.parse_args()
    parts = set(args.only or ("bed", "batch", "growth", "startup"))
    n = 5 if args.quick else 15
    patients = 200 if args.quick else 1000
    PYCACHE.mkdir(parents=True, exist_ok=True)
    sys.pycache_prefix = str(PYCACHE)
    command = " ".join(["python", "benchmarks/run.py", *sys.argv[1:]])
    load_before = load_text()
    report = Report()
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="regimen-bench-") as tmp:
        folder = Path(tmp)
        if "bed" in parts:
            log("BED throughput ...")
            pyrb, why = pyrb_python(args.pyradiobiology_python)
            notes += bed_throughput(
                report, folder, pyrb, why, 5 if args.quick else 9, 2000 if args.quick else 5000
            )
        if "batch" in parts:
            log("batch ...")
            notes += batch(report, folder, patients, 1 if args.quick else 3)
        if "growth" in parts:
            log("growth ...")
            notes += growth(report, folder, n, 100 if args.quick else 200)
        if "startup" in parts:
            log("start-up ...")
            startup(report, n)
    targets = len(report.rows) - report.informational
    met = targets - report.missed - report.unmeasured
    lines = [
        f"Measured {dt.datetime.now(tz=dt.UTC):%Y-%m-%d %H:%M} UTC on "
        f"{platform.node() or 'host'} ({os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.machine()}), with `{command}`; load average "
        f"(1 / 5 / 15 min) {load_before} before and {load_text()} after.",
        "",
        *report.table(),
        "",
        *notes,
        "",
        f"Targets met: {met} of {targets}"
        + (f", {report.missed} missed" if report.missed else "")
        + (f", {report.unmeasured} not measured" if report.unmeasured else "")
        + ".",
    ]
    print("\n".join(lines))
    if args.check and (report.missed or report.unmeasured):
        sys.exit(1)


if __name__ == "__main__":
    main()

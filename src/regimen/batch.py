"""Calendars for a whole cohort: one output file per patient plus ``summary.csv``.

The cohort CSV has ``patient,regimen,start`` and optional ``ae_log``, ``cycles`` and
``start_dose`` columns (``start_dose`` is ``COURSE=DOSE`` or a dose for the first drug course;
``ae_log`` is relative to the cohort file). Each patient's file is named from the patient key,
sanitised to letters, digits, ``-`` and ``_`` so no key can leave the output folder. A bad row is
reported in the summary and does not stop the batch. Files are written to a temporary name in
the output folder and renamed into place, so a re-run replaces each file atomically.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from regimen.errors import InputError, RegimenError

COLUMNS = ("patient", "regimen", "start")
OPTIONAL = ("ae_log", "cycles", "start_dose")
SUMMARY_COLUMNS = (
    "patient",
    "regimen",
    "start",
    "status",
    "file",
    "events",
    "radiotherapy_total",
    "drug_delivered",
    "discontinued",
    "error",
)
MAX_ROWS = 100_000
_SAFE_RE = re.compile(r"[^A-Za-z0-9_-]")


def safe_name(patient: str) -> str:
    """A file stem from a patient key that cannot escape the output folder.

    >>> safe_name("../../etc/x")
    '______etc_x'
    >>> safe_name("MRN 00123")
    'MRN_00123'
    """
    name = _SAFE_RE.sub("_", patient.strip())[:100]
    if not name.strip("_"):
        raise InputError(f"patient key {patient!r} has no usable characters for a file name")
    return name


@attrs.frozen
class Row:
    """One cohort row, as read (line number for messages)."""

    line: int
    patient: str
    regimen: str
    start: str
    ae_log: str = ""
    cycles: str = ""
    start_dose: str = ""


@attrs.frozen
class Outcome:
    """What happened to one row."""

    row: Row
    status: str  # "ok" or "error"
    file: str = ""
    events: int = 0
    radiotherapy_total: str = ""
    drug_delivered: str = ""
    discontinued: str = ""
    error: str = ""


def read_cohort(path: Path) -> list[Row]:
    """Read the cohort CSV; a missing column or an unreadable file is an error for the batch."""
    from regimen.loading import read_text

    text = read_text(path, "cohort CSV")
    reader = csv.reader(io.StringIO(text))
    rows = [(reader.line_num, r) for r in reader if r and any(c.strip() for c in r)]
    if not rows:
        raise InputError("is empty; expected a header 'patient,regimen,start'", where=str(path))
    header = [h.strip().lower() for h in rows[0][1]]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h not in COLUMNS + OPTIONAL]
    if missing or unknown:
        what = []
        if missing:
            what.append("missing column " + ", ".join(repr(m) for m in missing))
        if unknown:
            what.append("unknown column " + ", ".join(repr(u) for u in unknown))
        raise InputError(
            "; ".join(what) + " (expected patient,regimen,start[,ae_log][,cycles][,start_dose])",
            where=f"{path}: line 1",
        )
    if len(rows) - 1 > MAX_ROWS:
        raise InputError(f"has more than {MAX_ROWS} rows", where=str(path))
    out = []
    for line, raw in rows[1:]:
        cells = [c.strip() for c in raw] + [""] * (len(header) - len(raw))
        values = dict(zip(header, cells, strict=False))
        out.append(
            Row(
                line=line,
                patient=values.get("patient", ""),
                regimen=values.get("regimen", ""),
                start=values.get("start", ""),
                ae_log=values.get("ae_log", ""),
                cycles=values.get("cycles", ""),
                start_dose=values.get("start_dose", ""),
            )
        )
    return out


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


_REGIMENS: dict[str, Any] = {}


def _regimen(name: str, base: Path) -> Any:
    from regimen.loading import load_regimen

    key = name if "/" not in name and not name.endswith(".toml") else str(base / name)
    if key not in _REGIMENS:
        _REGIMENS[key] = load_regimen(key)
    return _REGIMENS[key]


def _render(fmt: str, plan: Any, generated_at: dt.datetime) -> str:
    from regimen.export import render_plan

    if fmt == "ics":
        from regimen.export import ics

        return render_plan(fmt, plan, opts=ics.options(generated_at))
    return render_plan(fmt, plan)


def process(row: Row, base: Path, out_dir: Path, fmt: str, generated_at: dt.datetime) -> Outcome:
    """Build, render and write one patient's calendar; never raises for a bad row."""
    from regimen.loading import load_ae_log, parse_date
    from regimen.schedule import build_plan
    from regimen.summary import drug_summary
    from regimen.units import AMOUNT, format_quantity, parse_quantity, to_unit

    try:
        if not row.patient:
            raise InputError("patient is empty")
        stem = safe_name(row.patient)
        if not row.regimen:
            raise InputError("regimen is empty")
        reg = _regimen(row.regimen, base)
        start = parse_date(row.start, "start")
        cycles = None
        if row.cycles:
            if not row.cycles.isdigit():
                raise InputError(f"cycles must be a whole number, got {row.cycles!r}")
            cycles = int(row.cycles)
        doses = {}
        if row.start_dose:
            course, sep, dose = row.start_dose.partition("=")
            if not sep:
                if not reg.drugs:
                    raise InputError(f"{reg.id} has no drug course for start_dose")
                course, dose = reg.drugs[0].id, row.start_dose
            doses[course.strip()] = parse_quantity(dose.strip(), AMOUNT, "start_dose")
        events = load_ae_log(base / row.ae_log, reg) if row.ae_log else ()
        plan = build_plan(reg, start, start_doses=doses, cycles=cycles, adverse_events=events)
        text = _render(fmt, plan, generated_at)
        target = out_dir / f"{stem}.{fmt}"
        if target.resolve().parent != out_dir.resolve():  # pragma: no cover - safe_name forbids it
            raise InputError(f"patient key {row.patient!r} would write outside the output folder")
        write_atomic(target, text)
        rt_total = ""
        if reg.radiotherapy:
            from regimen import radiobiology as rb

            rt_total = format_quantity(rb.physical_dose(reg.radiotherapy[0].phases))
        delivered = []
        for c in reg.drugs:
            s = drug_summary(plan, c.id)
            delivered.append(f"{c.id}={format_quantity(to_unit(s.delivered_total, 'mg'))}")
        return Outcome(
            row=row,
            status="ok",
            file=target.name,
            events=len(plan.events),
            radiotherapy_total=rt_total,
            drug_delivered="; ".join(delivered),
            discontinued="; ".join(f"{k}={v.isoformat()}" for k, v in plan.discontinued.items()),
        )
    except RegimenError as exc:
        return Outcome(row=row, status="error", error=" ".join(str(exc).split()))
    except OSError as exc:
        return Outcome(row=row, status="error", error=exc.strerror or str(exc))


def _process_star(args: tuple[Row, Path, Path, str, dt.datetime]) -> Outcome:
    return process(*args)


def run_batch(
    rows: Sequence[Row],
    base: Path,
    out_dir: Path,
    fmt: str,
    generated_at: dt.datetime,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Process every row (over ``jobs`` processes) and write ``summary.csv``; rows in order."""
    from regimen.export import CALENDAR_FORMATS

    if fmt not in CALENDAR_FORMATS or fmt == "text":
        raise InputError(f"unknown format {fmt!r}", where="--format")
    names: dict[str, int] = {}
    dupes: dict[int, str] = {}
    for r in rows:
        try:
            stem = safe_name(r.patient) if r.patient else ""
        except RegimenError:
            continue
        if stem and stem in names:
            dupes[r.line] = f"patient {r.patient!r} maps to the same file as line {names[stem]}"
        elif stem:
            names[stem] = r.line
    todo = [r for r in rows if r.line not in dupes]
    args = [(r, base, out_dir, fmt, generated_at) for r in todo]
    results: dict[int, Outcome] = {
        line: Outcome(row=next(r for r in rows if r.line == line), status="error", error=msg)
        for line, msg in dupes.items()
    }
    for outcome in _map(args, jobs):
        results[outcome.row.line] = outcome
        if progress is not None:
            progress(1)
    ordered = [results[r.line] for r in rows]
    write_atomic(out_dir / "summary.csv", summary_csv(ordered))
    return ordered


def _map(args: list[tuple[Row, Path, Path, str, dt.datetime]], jobs: int) -> Iterator[Outcome]:
    if jobs <= 1 or len(args) < 2:
        for a in args:
            yield _process_star(a)
        return
    import multiprocessing

    chunk = max(1, len(args) // (jobs * 8))
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(jobs) as pool:
        yield from pool.imap_unordered(_process_star, args, chunksize=chunk)


def summary_csv(outcomes: Sequence[Outcome]) -> str:
    """``summary.csv``: one row per cohort row with its status, totals and any error."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(SUMMARY_COLUMNS)
    for o in outcomes:
        w.writerow(
            (
                o.row.patient,
                o.row.regimen,
                o.row.start,
                o.status,
                o.file,
                o.events or "",
                o.radiotherapy_total,
                o.drug_delivered,
                o.discontinued,
                f"line {o.row.line}: {o.error}" if o.error else "",
            )
        )
    return buf.getvalue()

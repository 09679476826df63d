"""Calendars for a whole cohort: one output file per patient plus ``summary.csv``.

The cohort CSV has ``patient,regimen,start`` and optional ``ae_log``, ``cycles``, ``start_dose``
and ``patient_file`` columns (``start_dose`` is ``COURSE=DOSE`` or a dose for the first drug
course; ``patient_file`` is the row's patient file, needed for a regimen dosed by body size: the
``patient`` column is the key of the row and its file name, not a file).
Every row goes through the same pipeline as ``regimen calendar`` (:mod:`regimen.app`); a bad row
is reported in the summary and does not stop the batch.

Paths in a cohort (``ae_log``, ``patient_file``, a ``regimen`` that is a file) are relative to
the cohort file's folder, or to ``--data-dir`` when given, and may not leave it: an absolute
path (unless it points into ``--data-dir``), a ``..`` component or a symbolic link that
resolves outside is refused, and a file that is not what its column says is reported without
quoting a byte of it. A cell holding a control or bidirectional-override character refuses the
whole cohort.

File names: the patient key, NFC-normalised, keeps its Unicode letters, digits, marks, ``-``
and ``_``; every other character becomes ``_``; the name is cut to :data:`MAX_NAME_BYTES` bytes
of UTF-8 on a character boundary. A name that is reserved (``summary`` in any case, a Windows
device name such as ``CON`` or ``COM1``) or that begins with ``-`` gets the prefix ``patient-``,
and the summary's ``note`` says so. Two keys that give the same name (compared
case-insensitively, as macOS and Windows compare file names) are never written over each other:
the later row is reported as an error. A row that fails removes the file an earlier run wrote
for that patient, and says so, so no file in the folder is older than its summary row.

``summary.csv`` is written last, atomically (see :func:`regimen.app.write_file`), through
:mod:`regimen.export.csvsafe`; the one from an earlier run is removed when a run starts, so
after an interrupted run there is no summary rather than a stale one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import stat
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from regimen import __version__, app
from regimen.errors import InputError, RegimenError

COLUMNS = ("patient", "regimen", "start")
OPTIONAL = ("ae_log", "cycles", "start_dose", "patient_file")
SUMMARY = "summary.csv"
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
    "note",
)
MAX_ROWS = 100_000
#: Longest file stem made from a patient key [bytes of UTF-8].
MAX_NAME_BYTES = 100
#: Prefix of a file name that would otherwise be reserved or read as an option.
PREFIX = "patient-"
#: Names Windows reserves for devices, with or without an extension.
DEVICE_NAMES = frozenset(
    ["con", "prn", "aux", "nul"]
    + [f"com{i}" for i in range(1, 10)]
    + [f"lpt{i}" for i in range(1, 10)]
)
#: How a cohort row names the request's fields in messages: its column names.
COLUMN_NAMES = {
    "start": "start",
    "cycles": "cycles",
    "start_dose": "start_dose",
    "ae_log": "ae_log",
    "regimen": "regimen",
    "generated_at": "--generated-at",
    "patient_file": "patient_file",
    "prior": "patient_file",
}


def _keep(char: str) -> bool:
    """Letters (with their combining marks), decimal digits, ``-`` and ``_``."""
    category = unicodedata.category(char)
    return char in "-_" or category[0] in "LM" or category == "Nd"


def safe_name(patient: str) -> tuple[str, str]:
    """``(file stem, note)`` for a patient key; the note says why a name was changed.

    >>> safe_name("MRN 00123/a")
    ('MRN_00123_a', '')
    >>> safe_name("张三1")
    ('张三1', '')
    >>> safe_name("Summary")[0], safe_name("con")[0], safe_name("nul.txt")[0]
    ('patient-Summary', 'patient-con', 'patient-nul_txt')
    >>> safe_name("-rf")[0], safe_name(".hidden")[0]
    ('patient--rf', 'patient-_hidden')
    """
    key = unicodedata.normalize("NFC", patient.strip())
    name = "".join(c if _keep(c) else "_" for c in key)
    if not name.strip("_"):
        raise InputError(f"patient key {patient!r} has no usable characters for a file name")
    device = key.split(".", 1)[0].rstrip(" ").casefold()
    reason = ""
    if name.casefold() == SUMMARY.removesuffix(".csv"):
        reason = f"{name!r} is reserved for the batch summary"
    elif device in DEVICE_NAMES:
        reason = f"{device.upper()} is a device name on Windows, with any extension"
    elif key.startswith("-"):
        reason = "a name beginning with '-' would be read as an option"
    elif key.startswith("."):
        reason = "a name beginning with '.' would be a hidden file"
    if reason:
        name = PREFIX + name
    cut = name.encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", "ignore")
    return cut, (f"file name prefixed with {PREFIX!r}: {reason}" if reason else "")


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
    patient_file: str = ""


@attrs.frozen
class Outcome:
    """What happened to one row."""

    row: Row
    status: str  # "ok" or "error"
    file: str = ""
    events: int | None = None
    radiotherapy_total: str = ""
    drug_delivered: str = ""
    discontinued: str = ""
    error: str = ""
    note: str = ""
    #: The row failed because of a bug in regimen (reported, and the batch exits 3).
    internal: bool = False


@attrs.frozen
class Job:
    """One row to process and where its file goes (``stem`` None: no file of its own)."""

    row: Row
    folder: Path
    out_dir: Path
    fmt: str
    ics: Any
    stem: str | None
    note: str = ""
    #: --data-dir was given: an absolute path into ``folder`` is accepted too.
    absolute: bool = False


def read_cohort(path: Path) -> list[Row]:
    """Read the cohort CSV; a missing column or an unreadable file is an error for the batch."""
    from regimen.loading import read_text

    text = read_text(path, "cohort CSV")
    reader = csv.reader(io.StringIO(text))
    try:
        rows = [(reader.line_num, r) for r in reader if r and any(c.strip() for c in r)]
    except csv.Error as exc:
        raise InputError(f"CSV error: {exc}", where=f"{path}: line {reader.line_num}") from None
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
            "; ".join(what) + " (expected patient,regimen,start[,ae_log][,cycles][,start_dose]"
            "[,patient_file])",
            where=f"{path}: line 1",
        )
    if len(rows) - 1 > MAX_ROWS:
        raise InputError(f"has more than {MAX_ROWS} rows", where=str(path))
    from regimen.loading import refuse_control

    out = []
    for line, raw in rows[1:]:
        cells = [c.strip() for c in raw] + [""] * (len(header) - len(raw))
        values = dict(zip(header, cells, strict=False))
        for column, value in values.items():
            # A cell is one line of text: it is printed in messages, file names and summary.csv.
            refuse_control(value, f"{path}: line {line}: {column}")
        out.append(
            Row(
                line=line,
                patient=values.get("patient", ""),
                regimen=values.get("regimen", ""),
                start=values.get("start", ""),
                ae_log=values.get("ae_log", ""),
                cycles=values.get("cycles", ""),
                start_dose=values.get("start_dose", ""),
                patient_file=values.get("patient_file", ""),
            )
        )
    return out


_REGIMENS: dict[tuple[str, Path, bool], Any] = {}


def _regimen(name: str, folder: Path, absolute: bool) -> Any:
    key = (name, folder, absolute)
    if key not in _REGIMENS:
        _REGIMENS[key] = app.load_confined_regimen(name, folder, absolute)
    return _REGIMENS[key]


def _start_doses(reg: Any, cell: str) -> dict[str, Any]:
    if not cell:
        return {}
    if "=" not in cell:
        if not reg.drugs:
            raise app.FieldError(f"{reg.id} has no drug course", "start_dose")
        cell = f"{reg.drugs[0].id}={cell}"
    return app.start_doses(reg, [cell])


def _measurements(reg: Any, start: dt.date, row: Row, job: Job) -> Any:
    """The row's patient file (``patient_file``, confined like ``ae_log``) in force on
    ``start``; a regimen dosed by body size without one is an error of the row."""
    from regimen import measurements
    from regimen.errors import LoadError
    from regimen.loading import read_text
    from regimen.patient import parse_patient

    if not row.patient_file:
        needed = measurements.needs(reg)
        if needed:
            words = [measurements.VALUE_WORDS[v] for v in needed]
            values = ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]
            first = next(iter(needed.values()))
            verb = "are" if len(words) > 1 else "is"
            raise app.FieldError(
                f"is empty; the {values} {verb} needed for {first}: give a patient file",
                "patient_file",
            )
        return measurements.Measurements()
    path = app.confined_path(row.patient_file, job.folder, "patient_file", job.absolute)
    name = row.patient_file
    try:
        text = read_text(path, "patient file")
    except RegimenError as exc:
        raise InputError(exc.what, where=name) from None
    try:
        record = parse_patient(text, name)
    except LoadError as exc:
        if any(not key for key, _ in exc.problems):  # not TOML: quote no byte of it
            raise InputError("is not a patient file (not valid TOML)", where=name) from None
        raise
    # No --accept-stale column: a stale weight is an error of the row.
    return measurements.from_patient(record, start, name, reg, accept_option=None)


def process(job: Job) -> Outcome:
    """Build, render and write one patient's calendar; never raises for a bad row."""
    from regimen.drug_report import drug_summary
    from regimen.units import format_quantity, to_unit

    row = job.row
    target = job.out_dir / f"{job.stem}.{job.fmt}" if job.stem else None
    try:
        if target is None:  # pragma: no cover - run_batch gives every processed row a name
            raise InputError("no file name")
        with app.speaking(COLUMN_NAMES):
            if not row.regimen:
                raise InputError("regimen is empty")
            reg = _regimen(row.regimen, job.folder, job.absolute)
            start = app.date_field(row.start, "start")
            cycles = app.whole_number(row.cycles, "cycles") if row.cycles else None
            doses = _start_doses(reg, row.start_dose)
            ae_log = None
            if row.ae_log:
                ae_log = app.confined_path(row.ae_log, job.folder, "ae_log", job.absolute)
            request = app.Request(
                regimen=reg,
                start=start,
                fmt=job.fmt,
                start_doses=doses,
                ae_log=ae_log,
                ae_log_name=row.ae_log,
                ae_log_checked=True,
                cycles=cycles,
                render=app.RenderOptions(ics=feed_for(job.ics, job.stem)),
                plan_id=row.patient,
                measurements=_measurements(reg, start, row, job),
            )
            built = app.build(request)
            text = app.render(request, built)
            events = app.count_events(job.fmt, text)
            # The folder is synced once, before the summary (run_batch), not after each file.
            app.write_file(target, text, replace=True, where=target.name, sync_folder=False)
        plan = built.plan
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
            events=events,
            radiotherapy_total=rt_total,
            drug_delivered="; ".join(delivered),
            discontinued="; ".join(f"{k}={v.isoformat()}" for k, v in plan.discontinued.items()),
            note=job.note,
        )
    except RegimenError as exc:
        return _failed(row, target, str(exc), job.note)
    except Exception as exc:  # a bug: reported in its row, the others still run; exit 3
        message = (
            f"internal error (a bug in regimen {__version__}; please report it): "
            f"{type(exc).__name__}: {exc}"
        )
        return _failed(row, target, message, job.note, internal=True)


#: What ``--feed-url`` must hold once in a batch: each patient's file name (without ``.ics``).
FEED_PLACEHOLDER = "{patient}"


def check_feed_template(template: str) -> str:
    """``--feed-url`` of a batch: a URL (:func:`regimen.export.ics.check_feed_url`) holding
    :data:`FEED_PLACEHOLDER` exactly once, so each patient's calendar names its own address
    (one address for all would make every patient's phone load the same file)."""
    from regimen.export.ics import check_feed_url

    if template.count(FEED_PLACEHOLDER) != 1:
        raise InputError(
            f"must hold {FEED_PLACEHOLDER} exactly once (each patient's file name goes there, "
            "e.g. https://calendars.example.org/{patient}.ics)",
            where="--feed-url",
        )
    check_feed_url(template.replace(FEED_PLACEHOLDER, "patient"))
    return template


def feed_for(ics: Any, stem: str | None) -> Any:
    """``ics`` with its feed URL template filled with the patient's file name (percent-encoded:
    a name may hold letters of any script); unchanged without a feed."""
    if ics is None or not ics.feed_url or stem is None:
        return ics
    from urllib.parse import quote

    return attrs.evolve(ics, feed_url=ics.feed_url.replace(FEED_PLACEHOLDER, quote(stem, safe="")))


def _failed(
    row: Row, target: Path | None, message: str, note: str = "", internal: bool = False
) -> Outcome:
    """An error outcome; the file an earlier run wrote for this patient is removed."""
    text = " ".join(message.split())
    if target is not None:
        try:
            mode = os.lstat(target).st_mode
        except OSError:
            mode = 0
        if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
            try:
                os.unlink(target)
                text += f"; removed {target.name}, written for this patient by an earlier run"
            except OSError as exc:
                text += f"; could not remove {target.name} from an earlier run: {exc.strerror}"
    return Outcome(row=row, status="error", error=text, note=note, internal=internal)


def plan_jobs(
    rows: Sequence[Row], folder: Path, out_dir: Path, fmt: str, ics: Any, absolute: bool = False
) -> tuple[list[Job], dict[int, Outcome]]:
    """The rows to process, each with its file stem, and the rows that already failed (a bad
    cell, a key with no usable name, a name already taken by an earlier row)."""
    jobs: list[Job] = []
    failed: dict[int, Outcome] = {}
    taken: dict[str, tuple[int, str]] = {}
    for r in rows:
        try:
            if not r.patient:
                raise InputError("patient is empty")
            stem, note = safe_name(r.patient)
        except RegimenError as exc:
            failed[r.line] = _failed(r, None, str(exc))
            continue
        key = stem.casefold()
        if key in taken:
            line, first = taken[key]
            failed[r.line] = _failed(
                r,
                None,
                f"patient {r.patient!r} maps to the same file as line {line} "
                f"({first}.{fmt}); not written",
                note,
            )
            continue
        taken[key] = (r.line, stem)
        jobs.append(Job(r, folder, out_dir, fmt, ics, stem, note, absolute))
    return jobs, failed


def _prepare_summary(out_dir: Path) -> Path:
    """The summary's path, after removing an earlier run's summary; refuses a folder, a device
    or anything else that is not a regular file in its place (before any patient is done)."""
    path = out_dir / SUMMARY
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise InputError(exc.strerror or type(exc).__name__, where=str(path)) from None
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise InputError(
            "is not a regular file; cannot write the batch summary there", where=str(path)
        )
    try:
        os.unlink(path)
    except OSError as exc:
        what = "permission denied" if isinstance(exc, PermissionError) else exc.strerror
        raise InputError(
            f"cannot remove the summary of an earlier run: {what}", where=str(path)
        ) from None
    return path


def run_batch(
    rows: Sequence[Row],
    folder: Path,
    out_dir: Path,
    fmt: str,
    generated_at: dt.datetime,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    data_dir: bool = False,
    feed_url: str | None = None,
) -> list[Outcome]:
    """Process every row (over ``jobs`` processes) and write ``summary.csv`` last; rows in
    order. ``folder``: where the cohort's paths are read from (and may not leave);
    ``data_dir``: ``folder`` was named with --data-dir, so an absolute path into it is
    accepted as well. ``feed_url``: an ics feed address template (:func:`check_feed_template`),
    filled per patient."""
    from regimen.export import CALENDAR_FORMATS

    if fmt not in CALENDAR_FORMATS or fmt == "text":
        raise InputError(f"unknown format {fmt!r}", where="--format")
    with app.speaking(COLUMN_NAMES):
        ics = app.ics_options(generated_at) if fmt == "ics" else None
    if feed_url is not None:
        if ics is None:
            raise InputError("only applies with --format ics", where="--feed-url")
        ics = attrs.evolve(ics, feed_url=check_feed_template(feed_url))
    summary = _prepare_summary(out_dir)
    todo, results = plan_jobs(rows, folder, out_dir, fmt, ics, data_dir)
    for outcome in _map(todo, jobs):
        results[outcome.row.line] = outcome
        if progress is not None:
            progress(1)
    ordered = [results[r.line] for r in rows]
    # Every patient file's contents were synced before its rename; one sync of the folder makes
    # all the renames durable before the summary says the run is complete.
    app._sync_folder(out_dir)
    app.write_file(summary, summary_csv(ordered), replace=True, where=str(summary))
    return ordered


def _map(jobs: list[Job], processes: int) -> Iterator[Outcome]:
    if processes <= 1 or len(jobs) < 2:
        for job in jobs:
            yield process(job)
        return
    import multiprocessing

    chunk = max(1, len(jobs) // (processes * 8))
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    # On an interruption the pool is terminated (SIGTERM to each worker), and each worker
    # removes the temporary file it was writing and ends without a traceback (app.worker_init).
    with context.Pool(processes, initializer=app.worker_init) as pool:
        yield from pool.imap_unordered(process, jobs, chunksize=chunk)


def summary_csv(outcomes: Sequence[Outcome]) -> str:
    """``summary.csv``: one row per cohort row with its status, totals, any error and any note.

    Spreadsheet-safe (:mod:`regimen.export.csvsafe`): RFC 4180 with CRLF, formula triggers
    neutralised, ``events`` a number.
    """
    from regimen.export import csvsafe
    from regimen.files import printable

    rows = [
        (
            printable(o.row.patient),
            printable(o.row.regimen),
            printable(o.row.start),
            o.status,
            o.file,
            o.events if o.events is not None else "",
            o.radiotherapy_total,
            o.drug_delivered,
            o.discontinued,
            f"line {o.row.line}: {o.error}" if o.error else "",
            o.note,
        )
        for o in outcomes
    ]
    return csvsafe.render(SUMMARY_COLUMNS, rows)

"""The application pipeline shared by ``regimen calendar``, ``regimen dose`` and ``regimen batch``.

One path from a request to a file, so the command line and a cohort run cannot drift apart::

    raw values --parse--> Request --build--> Built (plan + baseline) --render--> text
                                                                        --write_file--> file

* **Parsing** (:func:`whole_number`, :func:`course_starts`, :func:`start_doses`,
  :func:`generation_time`, :func:`confined_path`...) accepts ASCII digits only (``²`` and
  ``٣`` pass ``str.isdigit`` but are refused here), and every error names the request's own
  *field* (:data:`FIELDS`: ``cycles``, ``start_dose anlotinib``), never a command-line option
  or a cohort column. Each front end translates those names once with :func:`speaking`
  (``--cycles`` on the command line, the ``cycles`` column in a cohort). Lower layers that still
  name options (``schedule``, ``export.ics``) are brought to field names at this boundary.
* **Writing** (:func:`write_file`) is the one writer of output files: a temporary file in the
  target folder, fsync, then a link (never replacing) or a rename (replacing) into place; the
  temporary file is removed on any exception, ``KeyboardInterrupt``, ``SystemExit`` and
  :class:`Interrupted` included. Only a regular file or a new name is ever replaced (never a
  device, a FIFO or a folder, also through a symbolic link). Files get the permissions of a
  newly created file (``0666`` less the umask), like a shell redirection.
* **Signals** (:func:`signals_raise`): SIGINT, SIGTERM and SIGHUP become :class:`Interrupted`
  in the process that installed the handlers, so every ``finally`` runs; in a forked worker
  SIGINT is ignored (the parent decides) and SIGTERM/SIGHUP end the worker quietly after its
  clean-up.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import os
import re
import signal
import stat
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from types import FrameType
from typing import TYPE_CHECKING, Any

from regimen.errors import ExpressionError, InputError, RegimenError, UnitError
from regimen.files import file_kind
from regimen.measurements import Measurements, with_warnings

if TYPE_CHECKING:
    from regimen.export.ics import IcsOptions
    from regimen.regimen import Regimen
    from regimen.schedule import Plan
    from regimen.units import Amount, Area, Quantity

#: The request's field names, as the library's errors give them (``where``), each optionally
#: followed by a course id (``start_dose anlotinib``).
FIELDS = (
    "regimen",
    "start",
    "course_start",
    "start_dose",
    "height",
    "weight",
    "sex",
    "age",
    "scr",
    "prior",
    "flag",
    "patient",
    "patient_file",
    "bsa_method",
    "bsa_cap",
    "ae_log",
    "lab_log",
    "rt_log",
    "allow_weekends",
    "allow_holidays",
    "time_convention",
    "cycles",
    "holidays",
    "treat_makeup_days",
    "as_of",
    "generated_at",
    "SOURCE_DATE_EPOCH",
    "time",
    "tz",
    "reminder",
    "with_drug_names",
    "plan_id",
    "feed_url",
    "format",
    "output",
)

#: Longest name of one path component and of a whole path [bytes] (Linux NAME_MAX, PATH_MAX).
NAME_MAX = 255
PATH_MAX = 4095
#: Largest value of a whole-number field (anything larger is refused before ``int``).
MAX_DIGITS = 18
#: The latest Unix time a calendar date-time can hold: 9999-12-31T23:59:59Z [s].
MAX_EPOCH = 253_402_300_799

_WHOLE_RE = re.compile(r"[+-]?[0-9]+", re.ASCII)


# ---------------------------------------------------------------------------------------------
# errors in the library's own words, translated once by each front end


class FieldError(InputError):
    """Bad input in one field of a request (``field`` from :data:`FIELDS`; ``detail`` is an
    optional qualifier such as a course id)."""

    def __init__(self, what: str, field: str, detail: str = "") -> None:
        super().__init__(what, where=f"{field} {detail}".strip())
        self.field = field
        self.detail = detail


def own_words(exc: RegimenError) -> RegimenError:
    """``exc`` with a lower layer's option name (``--start-dose x``) turned into the field name
    (``start_dose x``); any other error unchanged."""
    if isinstance(exc, FieldError) or type(exc) not in (InputError, UnitError, ExpressionError):
        return exc
    where = exc.where or ""
    if not where.startswith("--"):
        return exc
    head, _, rest = where.partition(" ")
    return FieldError(exc.what, head[2:].replace("-", "_"), rest)


def rename(exc: RegimenError, names: Mapping[str, str]) -> RegimenError:
    """``exc`` with its field named as a front end names it (``names``: field -> word)."""
    if not isinstance(exc, FieldError):
        return exc
    word = names.get(exc.field, exc.field)
    return InputError(exc.what, where=f"{word} {exc.detail}".strip())


@contextlib.contextmanager
def speaking(names: Mapping[str, str]) -> Iterator[None]:
    """Translate every field named in a :class:`RegimenError` raised inside, once."""
    try:
        yield
    except RegimenError as exc:
        renamed = rename(exc, names)
        if renamed is exc:
            raise
        raise renamed from None


@contextlib.contextmanager
def _lower_layer() -> Iterator[None]:
    try:
        yield
    except RegimenError as exc:
        mine = own_words(exc)
        if mine is exc:
            raise
        raise mine from None


def _as_field(exc: RegimenError, field: str, detail: str = "") -> FieldError:
    return FieldError(exc.what, field, detail)


def _shown(text: str, limit: int = 40) -> str:
    """A value quoted in a message, cut short (``printable`` escapes it when printed)."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


# ---------------------------------------------------------------------------------------------
# parsing raw values (command-line options, environment variables, cohort cells)


def whole_number(text: str, field: str) -> int:
    """A whole number written with ASCII digits (an optional sign); anything else is refused.

    >>> whole_number("12", "cycles")
    12
    >>> whole_number("²", "cycles")
    Traceback (most recent call last):
    ...
    regimen.app.FieldError: cycles: must be a whole number (digits 0-9), got '²'
    """
    value = text.strip(" \t")
    if not _WHOLE_RE.fullmatch(value):
        raise FieldError(f"must be a whole number (digits 0-9), got {_shown(text)}", field)
    if len(value.lstrip("+-")) > MAX_DIGITS:
        raise FieldError(f"is too large ({len(value)} digits)", field)
    return int(value)


def pairs(values: Sequence[str], field: str) -> list[tuple[str, str]]:
    """``COURSE=VALUE`` items, split and stripped."""
    out = []
    for v in values:
        key, sep, value = v.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise FieldError(f"expected COURSE=VALUE, got {v!r}", field)
        out.append((key.strip(), value.strip()))
    return out


def _known_course(regimen: Regimen, course_id: str, field: str) -> None:
    try:
        regimen.course(course_id)
    except RegimenError as exc:
        raise FieldError(exc.what, field) from None


def course_starts(regimen: Regimen, values: Sequence[str]) -> dict[str, dt.date]:
    """``COURSE=DATE`` items -> {course id: date}."""
    from regimen.loading import parse_date

    starts: dict[str, dt.date] = {}
    for cid, value in pairs(values, "course_start"):
        _known_course(regimen, cid, "course_start")
        try:
            date = parse_date(value, "course_start")
        except RegimenError as exc:
            raise _as_field(exc, "course_start", cid) from None
        if cid in starts:
            raise FieldError(
                f"given twice ({starts[cid].isoformat()}, {date.isoformat()})", "course_start", cid
            )
        starts[cid] = date
    return starts


def start_doses(regimen: Regimen, values: Sequence[str]) -> dict[str, Quantity]:
    """``COURSE=DOSE`` items -> {course id: dose}, in the course's own basis (``675mg/m2``,
    ``1.5mg/kg``, ``AUC5``; mg for a flat course)."""
    from regimen.dosing import parse_level
    from regimen.drugs import DrugCourse
    from regimen.units import AMOUNT

    doses: dict[str, Quantity] = {}
    for cid, value in pairs(values, "start_dose"):
        _known_course(regimen, cid, "start_dose")
        course = regimen.course(cid)
        kind = course.level_kind if isinstance(course, DrugCourse) else AMOUNT
        try:
            dose: Quantity = parse_level(value, kind, "start_dose")
        except RegimenError as exc:
            raise _as_field(exc, "start_dose", cid) from None
        if cid in doses:
            raise FieldError("given twice", "start_dose", cid)
        doses[cid] = dose
    return doses


def date_field(text: str, field: str) -> dt.date:
    """An ISO date (``YYYY-MM-DD``, ASCII digits) for ``field``."""
    from regimen.loading import parse_date

    try:
        return parse_date(text, field)
    except RegimenError as exc:
        raise _as_field(exc, field) from None


def _utc(stamp: dt.datetime, field: str, shown: str) -> dt.datetime:
    try:
        return stamp.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise FieldError(
            f"{shown} is out of range (0001-01-01 to 9999-12-31 in UTC)", field
        ) from None


def generation_time(value: str | None, environ: Mapping[str, str]) -> dt.datetime:
    """The ics DTSTAMP: ``value`` (ISO date-time with a zone), else ``SOURCE_DATE_EPOCH``
    (whole seconds since 1970, ASCII digits), else now, in UTC. The only clock read."""
    if value is not None:
        shown = _shown(value)
        example = "2022-05-16T08:00:00Z"
        if not value.isascii():
            raise FieldError(
                f"expected an ISO date-time like {example}, got {shown}", "generated_at"
            )
        try:
            stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise FieldError(
                f"expected an ISO date-time like {example}, got {shown}", "generated_at"
            ) from None
        if stamp.tzinfo is None:
            raise FieldError("needs a time zone (e.g. a trailing Z for UTC)", "generated_at")
        return _utc(stamp, "generated_at", shown)
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        if not (epoch.isascii() and epoch.isdigit()):
            raise FieldError(
                f"must be whole seconds since 1970 (digits 0-9), got {_shown(epoch)}",
                "SOURCE_DATE_EPOCH",
            )
        if len(epoch) > MAX_DIGITS or int(epoch) > MAX_EPOCH:
            raise FieldError(
                f"{_shown(epoch)} is out of range (at most {MAX_EPOCH}, 9999-12-31T23:59:59Z)",
                "SOURCE_DATE_EPOCH",
            )
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(tz=dt.UTC)


def ics_options(
    generated_at: dt.datetime,
    time: str | None = None,
    tz: str | None = None,
    reminder: str | None = None,
    with_drug_names: bool = False,
    feed_url: str | None = None,
) -> IcsOptions:
    """Validated iCalendar options (the plan id is the request's, added when rendering);
    ``feed_url``: the address the calendar is published at (RFC 7986 feed properties)."""
    from regimen.export import ics

    with _lower_layer():
        return ics.options(
            _utc(generated_at, "generated_at", generated_at.isoformat()),
            time,
            tz,
            reminder,
            with_drug_names,
            feed_url=feed_url,
        )


# ---------------------------------------------------------------------------------------------
# paths


def check_path_name(name: str, field: str) -> str:
    """``name`` unchanged, or a one-line error when no file system could hold it: a NUL
    character, a component over :data:`NAME_MAX` bytes or a path over :data:`PATH_MAX` bytes.
    """
    if "\x00" in name:
        raise FieldError("holds a NUL character", field)
    try:
        data = os.fsencode(name)
    except UnicodeError:
        raise FieldError("is not a valid file name", field) from None
    if len(data) > PATH_MAX:
        raise FieldError(f"path is too long ({len(data)} bytes; at most {PATH_MAX})", field)
    longest = max((len(part) for part in data.split(b"/")), default=0)
    if longest > NAME_MAX:
        raise FieldError(
            f"file name too long ({longest} bytes in one name; at most {NAME_MAX})", field
        )
    return name


def confined_path(value: str, folder: Path, field: str, absolute: bool = False) -> Path:
    """``value`` (a relative path written in a cohort cell) joined to ``folder``, refused when
    it could lead anywhere else: an absolute path (accepted with ``absolute`` when it points
    into ``folder``), a ``..`` component, a backslash, or a symbolic link whose target lies
    outside ``folder`` (resolved paths are compared).

    Returns the resolved path, the one to open.
    """
    if not value:
        raise FieldError("is empty", field)
    check_path_name(value, field)
    where = f"{field} {value}"
    if "\\" in value:
        raise InputError("use / between folders; a backslash is refused", where=where)
    pure = PurePosixPath(value)
    if re.match(r"[A-Za-z]:", value) or (pure.is_absolute() and not absolute):
        raise InputError(
            "is an absolute path; give a path relative to the cohort's folder (or --data-dir)",
            where=where,
        )
    if ".." in pure.parts:
        raise InputError(
            "may not contain '..'; give a path inside the cohort's folder (or --data-dir)",
            where=where,
        )
    try:
        root = folder.resolve()
        real = (folder / pure).resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symbolic-link loop (Python 3.11)
        raise InputError("cannot be resolved (a symbolic-link loop?)", where=where) from None
    if not real.is_relative_to(root):
        how = "is outside" if pure.is_absolute() else "leads outside"
        raise InputError(
            f"{how} the cohort's folder (or --data-dir)"
            + ("" if pure.is_absolute() else " through a symbolic link"),
            where=where,
        )
    return real


def load_regimen(name: str, field: str = "regimen") -> Regimen:
    """A bundled id or a regimen file named on a command line."""
    from regimen.loading import bundled_ids
    from regimen.loading import load_regimen as load

    if name not in bundled_ids():
        try:
            check_path_name(name, field)
        except FieldError as exc:
            raise InputError(exc.what, where=name) from None
    return load(name)


def load_confined_regimen(name: str, folder: Path, absolute: bool = False) -> Regimen:
    """A bundled id, or a regimen file inside ``folder`` (see :func:`confined_path`); an id
    that is neither names the bundled regimens. Messages name the file as written."""
    from regimen.errors import UnknownRegimenError
    from regimen.loading import bundled_ids, load_regimen, parse_regimen, read_text

    if name in bundled_ids():
        return load_regimen(name)
    if "/" not in name and "\\" not in name and not name.endswith(".toml"):
        raise UnknownRegimenError(name, bundled_ids())
    real = confined_path(name, folder, "regimen", absolute)
    try:
        text = read_text(real, "regimen file")
    except RegimenError as exc:
        raise InputError(exc.what, where=name) from None
    return parse_regimen(text, name, PurePosixPath(name).stem)


# ---------------------------------------------------------------------------------------------
# the request and its plan


@dataclasses.dataclass(frozen=True)
class RenderOptions:
    """How to render: ``as_of`` (text, json), ``lang`` and ``large_print`` (html), ``ics``
    (ics; validated by :func:`ics_options`)."""

    as_of: dt.date | None = None
    lang: str = "en"
    large_print: bool = False
    ics: IcsOptions | None = None
    #: fhir: the patient reference (``Patient/123``; None: no patient identifier) and the
    #: Bundle's timestamp (None: no timestamp, so the same inputs give the same bytes).
    subject: str | None = None
    fhir_generated_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class Request:
    """Everything one calendar needs, parsed and typed.

    ``ae_log`` is the path to open and ``ae_log_name`` how messages name it (default: the
    path). ``ae_log_checked``: the file must begin with a ``date,term,grade`` header, else it
    is refused as "not an AE log" without quoting a byte of it (for paths that come from a
    cohort, not from the person running the command). ``plan_id`` is mixed into ics UIDs.
    """

    regimen: Regimen
    start: dt.date
    fmt: str = "text"
    course_starts: Mapping[str, dt.date] = dataclasses.field(default_factory=dict)
    start_doses: Mapping[str, Quantity] = dataclasses.field(default_factory=dict)
    ae_log: Path | None = None
    ae_log_name: str | None = None
    ae_log_checked: bool = False
    #: The lab log (CSV ``date,test,value``) for the regimen's lab rules, and how messages name
    #: it; None: no lab log (lab rules unapplied, with a warning).
    lab_log: Path | None = None
    lab_log_name: str | None = None
    #: The radiotherapy treatment log (CSV ``date,status``; :mod:`regimen.rtlog`), how messages
    #: name it, whether its rows may fall on weekend days and public holidays, and the
    #: convention of the overall time T (``elapsed`` or ``inclusive``).
    rt_log: Path | None = None
    rt_log_name: str | None = None
    allow_weekends: bool = False
    allow_holidays: bool = False
    time_convention: str = "elapsed"
    cycles: int | None = None
    holidays: str | None = None
    treat_makeup_days: bool = False
    render: RenderOptions = dataclasses.field(default_factory=RenderOptions)
    plan_id: str = ""
    #: The patient's values for body-size doses and lifetime limits (quick-check options are
    #: taken as measured on ``start``).
    measurements: Measurements = dataclasses.field(default_factory=Measurements)
    bsa_method: str = "mosteller"
    #: The largest BSA a dose per m2 is calculated on (``--bsa-cap``; None: the regimen's own
    #: cap where it sets one).
    bsa_cap: Area | None = None


@dataclasses.dataclass(frozen=True)
class Built:
    """The plan and, when there is an AE log or an RT log, the same plan without them (ics
    SEQUENCE, the planned overall time)."""

    plan: Plan
    baseline: Plan | None
    #: The AE log's rows the plan was built with (fhir: one AdverseEvent each).
    adverse_events: tuple[Any, ...] = ()


AE_HEADER = ("date", "term", "grade")


def _load_ae_log(req: Request, earliest: dt.date) -> tuple[Any, ...]:
    from regimen.loading import parse_ae_log

    assert req.ae_log is not None  # noqa: S101 - called only with a log
    name, text = _read_log(req.ae_log, req.ae_log_name, "AE log")
    if req.ae_log_checked:
        import csv
        import io

        rows = (r for r in csv.reader(io.StringIO(text[:4096])) if r and any(c.strip() for c in r))
        first = next((r for r in rows if not r[0].lstrip().startswith("#")), [])
        if not set(AE_HEADER) <= {c.strip().lower() for c in first}:
            raise InputError(
                "is not an AE log: its first line is not a header with the columns date, term "
                "and grade",
                where=name,
            )
    return parse_ae_log(text, name, req.regimen, earliest)


def _load_rt_log(req: Request) -> Any:
    """The RT log of ``req`` (:func:`regimen.rtlog.load_rt_log`); messages name the file as the
    request does."""
    from regimen.rtlog import load_rt_log

    assert req.rt_log is not None  # noqa: S101 - called only with a log
    if not req.regimen.radiotherapy:
        raise FieldError(f"{req.regimen.id} has no radiotherapy course", "rt_log")
    return load_rt_log(req.rt_log, req.regimen, req.rt_log_name or str(req.rt_log))


def _load_lab_log(req: Request) -> tuple[Any, ...]:
    """The lab log's results; messages name the file as the request does."""
    from regimen.loading import parse_lab_log

    assert req.lab_log is not None  # noqa: S101 - called only with a log
    name, text = _read_log(req.lab_log, req.lab_log_name, "lab log")
    return parse_lab_log(text, name)


def _read_log(path: Path, shown: str | None, kind: str) -> tuple[str, str]:
    """How messages name a log (``shown``, default its path) and its text; a file that cannot
    be read is an error naming it."""
    from regimen.loading import read_text

    name = shown or str(path)
    try:
        return name, read_text(path, kind)
    except RegimenError as exc:
        raise InputError(exc.what, where=name) from None


def per_area_courses(regimen: Regimen) -> tuple[str, ...]:
    """The ids of the drug courses of ``regimen`` dosed per m2 (not yet resolved)."""
    from regimen.drugs import DrugCourse

    return tuple(c.id for c in regimen.courses if isinstance(c, DrugCourse) and c.per_area)


def resolve_bsa(req: Request) -> tuple[Regimen, dict[str, Amount]]:
    """``req``'s regimen with every course dosed by body size (per m2, per kg, by AUC) made a
    course in mg for this plan, and the start doses in mg: :func:`regimen.dosing.resolve`,
    its errors naming the request's fields (``height``, ``scr``, ``start_dose COURSE``)."""
    from regimen.dosing import resolve

    try:
        return resolve(
            req.regimen,
            req.measurements,
            req.start,
            req.start_doses,
            req.bsa_method,
            req.bsa_cap,
        )
    except FieldError:
        raise
    except InputError as exc:
        head, _, rest = (exc.where or "").partition(" ")
        if head in FIELDS:
            raise FieldError(exc.what, head, rest) from None
        raise


def build(req: Request, with_baseline: bool = True) -> Built:
    """The plan of ``req`` and its baseline (``None`` without an AE log, or when not asked).

    Courses dosed per m2 are made flat first (:func:`resolve_bsa`): the engine sees mg only."""
    from regimen.schedule import build_plan

    regimen, doses = resolve_bsa(req)
    earliest = min([req.start, *req.course_starts.values()])
    events = _load_ae_log(req, earliest) if req.ae_log is not None else ()
    options: dict[str, Any] = {
        "lab_results": _load_lab_log(req) if req.lab_log is not None else None,
        "course_starts": dict(req.course_starts),
        "start_doses": doses,
        "cycles": req.cycles,
        "holidays_country": req.holidays.upper() if req.holidays else None,
        "treat_makeup_days": req.treat_makeup_days,
    }
    rt_log = _load_rt_log(req) if req.rt_log is not None else None
    with _lower_layer():
        plan = build_plan(
            regimen,
            req.start,
            adverse_events=events,
            rt_log=rt_log,
            allow_weekends=req.allow_weekends,
            allow_holidays=req.allow_holidays,
            **options,
        )
        baseline = None
        if (events or rt_log) and with_baseline:
            baseline = build_plan(regimen, req.start, **options)
    plan = with_warnings(plan, req.measurements)  # a stale weight accepted, a weight change
    plan = with_dosing_warnings(plan)
    return Built(with_cumulative(plan, req.measurements), baseline, tuple(events))


def with_dosing_warnings(plan: Plan) -> Plan:
    """``plan`` with what the body-size resolution says (:func:`regimen.dosing.plan_warnings`:
    a capped BSA or GFR, a rounded dose that needs review) among its warnings."""
    import attrs

    from regimen.dosing import plan_warnings

    extra = plan_warnings(plan)
    return attrs.evolve(plan, warnings=(*plan.warnings, *extra)) if extra else plan


def with_cumulative(plan: Plan, measurements: Measurements) -> Plan:
    """``plan`` with each drug course's cumulative dose (:mod:`regimen.cumulative`) for the
    patient, and the warnings of any lifetime limit it would cross or cannot check."""
    import attrs

    from regimen.cumulative import ledgers

    books = ledgers(plan, measurements)
    warned = tuple(w for book in books for w in book.warnings())
    return attrs.evolve(plan, cumulative=books, warnings=(*plan.warnings, *warned))


def render(req: Request, built: Built) -> str:
    """The plan rendered as ``req.fmt``."""
    import attrs

    from regimen.export import render_plan

    opts = req.render
    options: dict[str, Any] = {}
    if req.fmt == "ics":
        if opts.ics is None:
            raise FieldError("the ics format needs a generation time", "generated_at")
        ics = attrs.evolve(opts.ics, plan_id=req.plan_id)
        options = {"opts": ics, "baseline": built.baseline}
    elif req.fmt == "html":
        options = {"lang": opts.lang, "large_print": opts.large_print}
    elif req.fmt == "fhir":
        options = {
            "definition": req.regimen,
            "adverse_events": built.adverse_events,
            "subject": opts.subject,
            "generated_at": opts.fhir_generated_at,
            "plan_id": req.plan_id,
        }
    elif req.fmt in ("text", "json"):
        options = {"as_of": opts.as_of} if opts.as_of is not None else {}
        if built.plan.rt_log is not None:  # T planned against actual, under its convention
            options |= {"baseline": built.baseline, "convention": req.time_convention}
    with _lower_layer():
        return render_plan(req.fmt, built.plan, **options)


_HTML_ITEM_RE = re.compile(r'<div class="item (?:fraction|dose)"')


def count_events(fmt: str, text: str) -> int | None:
    """The events actually in a rendered calendar, counted in the format's own unit:

    * ``ics``: VEVENT components (every event a calendar program will show, "no dose" and
      cancelled events included);
    * ``json``: the items of ``events`` (held days included, each marked ``held``);
    * ``csv``: the event rows (fractions, doses, held days; decision rows are not counted);
    * ``html``: the treatment items drawn in the month grids (fractions and dosing days).

    ``None`` for another format.
    """
    if fmt == "ics":
        return sum(1 for line in text.split("\r\n") if line == "BEGIN:VEVENT")
    if fmt == "json":
        import json

        return len(json.loads(text).get("events", []))
    if fmt == "csv":
        import csv
        import io

        rows = csv.DictReader(io.StringIO(text, newline=""))
        if rows.fieldnames and "record" in rows.fieldnames:
            return sum(1 for row in rows if row["record"] == "event")
        return sum(1 for row in rows if row.get("kind") != "decision")
    if fmt == "html":
        return len(_HTML_ITEM_RE.findall(text))
    return None


# ---------------------------------------------------------------------------------------------
# the one writer


_UMASK: list[int] = []


def _umask() -> int:
    """The process's umask, read once (reading it means setting it for an instant)."""
    if not _UMASK:
        current = os.umask(0o077)
        os.umask(current)
        _UMASK.append(current)
    return _UMASK[0]


#: Signals held back while a temporary file is created, so its name is always known to the
#: clean-up before a handler can run.
_HELD = {s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s}


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:  # pragma: no cover - not POSIX
        yield
        return
    old = mask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, old)


def write_file(
    target: Path, text: str, *, replace: bool, where: str, sync_folder: bool = True
) -> None:
    """Write ``text`` (UTF-8, as given) to ``target`` whole or not at all.

    ``replace=False``: an existing ``target`` is never touched (the link into place fails
    atomically if one appears meanwhile). ``replace=True``: an existing *regular* file is
    replaced by a rename. Anything else at ``target`` (a folder, a device, a FIFO, a socket,
    also behind a symbolic link) is refused either way. ``where`` names the target in errors.
    The new file's mode is ``0666`` less the umask. ``sync_folder=False``: the folder is not
    synced after the rename (the file's contents still are, before it): a caller writing many
    files into one folder syncs it once, after the last (``batch``).
    """
    try:
        check_path_name(str(target), "output")
    except FieldError as exc:
        raise InputError(exc.what, where=where) from None
    try:
        info = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InputError(_os_message(exc), where=where) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InputError("is a directory", where=where)
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise InputError(
            f"is not a regular file ({file_kind(info.st_mode)}); refusing to replace it",
            where=where,
        )
    if not replace and (info is not None or target.is_symlink()):
        raise InputError("already exists; use --force to replace it", where=where)
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        raise InputError(f"folder {str(folder)!r} does not exist", where=where)
    mode = 0o666 & ~_umask()
    tmp_name: str | None = None
    try:
        with _signals_held():
            stem = os.fsencode(target.name)[: NAME_MAX - 20].decode("utf-8", "ignore")
            fd, tmp_name = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp_name, target)
        else:
            os.link(tmp_name, target)
            os.unlink(tmp_name)
        tmp_name = None
        if sync_folder:
            _sync_folder(folder)
    except FileExistsError:
        raise InputError("already exists; use --force to replace it", where=where) from None
    except OSError as exc:
        raise InputError(_os_message(exc), where=where) from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _os_message(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if exc.errno == errno.ENAMETOOLONG:
        return "file name too long"
    return exc.strerror or type(exc).__name__


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: not every file system can sync a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ---------------------------------------------------------------------------------------------
# signals


class Interrupted(BaseException):
    """SIGINT, SIGTERM or SIGHUP arrived; ``detail`` may say what was left done or undone."""

    def __init__(self, signum: int, detail: str = "") -> None:
        super().__init__(signum, detail)
        self.signum = signum
        self.detail = detail

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """1: the run did not complete. regimen's exit codes are 0, 1, 2 and 3 (a bug) only,
        so scripts need no fourth meaning; the one stderr line names the signal."""
        return 1


#: The processes that installed :func:`signals_raise` (a forked child inherits the list).
_OWNER: list[int] = []
#: Set in a worker process by :func:`worker_init`.
_WORKER: list[bool] = []


def _ignore(signum: int, frame: FrameType | None) -> None:
    """A Python-level no-op: unlike ``SIG_IGN`` it also absorbs a signal that arrived just
    before the switch (Python would report that one as "ignored due to race condition")."""


def _handler(signum: int, frame: FrameType | None) -> None:
    if _WORKER or (_OWNER and os.getpid() != _OWNER[-1]):
        # A forked worker: the parent decides about SIGINT; SIGTERM/SIGHUP end the worker
        # quietly (multiprocessing prints nothing for SystemExit with a number) after the
        # clean-up of whatever it was writing.
        if signum == signal.SIGINT:
            return
        for s in _HELD:
            signal.signal(s, _ignore)
        raise SystemExit(128 + signum)
    for s in _HELD:  # one signal is enough; a second one must not interrupt the clean-up
        signal.signal(s, _ignore)
    raise Interrupted(signum)


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """Inside: SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` (once) in this process.

    Does nothing outside the main thread (where Python cannot set handlers). This module
    imports nothing heavy at the top (no attrs, pint or icalendar), so the command line can
    install the handlers before ``--help``.
    """
    try:
        previous = {s: signal.signal(s, _handler) for s in _HELD}
    except ValueError:  # not the main thread
        yield
        return
    _OWNER.append(os.getpid())
    try:
        yield
    finally:
        _OWNER.pop()
        for s, old in previous.items():
            signal.signal(s, old)


def worker_init() -> None:
    """Initialiser of a forked worker process: ignore SIGINT (a Ctrl-C reaches the whole
    process group; the parent stops the workers) and end quietly on SIGTERM or SIGHUP."""
    _WORKER.append(True)
    signal.signal(signal.SIGINT, _ignore)
    for s in _HELD - {signal.SIGINT}:
        signal.signal(s, _handler)

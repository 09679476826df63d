"""The ``regimen`` command line: parse arguments, call the library, write the result.

Thin on purpose: nothing clinical is computed here. Every :class:`~regimen.errors.RegimenError`
and every usage error becomes one line on stderr, ``error: <where>: <what>``, with exit code 2;
a failed check (``validate``) exits 1. Heavy modules (pint, icalendar, holidays) are imported
inside the commands that need them, so ``--help`` and ``--version`` start fast.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from regimen import __version__, export
from regimen.errors import InputError, RegimenError

if TYPE_CHECKING:
    from regimen.units import Kind, Quantity


# ---------------------------------------------------------------------------------------------
# error handling in one place


class RegimenGroup(click.Group):
    """A click group that turns every error into one line and a meaningful exit code."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        try:
            rv = super().main(*args, **kwargs)
        except RegimenError as exc:
            _fail(str(exc))
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else "", err=True)
            sys.exit(2)
        except click.UsageError as exc:
            hint = f"{exc.ctx.command_path}: " if exc.ctx else ""
            _fail(f"{hint}{exc.format_message()}")
        except click.ClickException as exc:
            _fail(exc.format_message())
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            _fail("aborted")
        except BrokenPipeError:
            sys.exit(1)
        except RecursionError:
            _fail("input nested too deeply to read")
        except MemoryError:
            _fail("input too large to process")
        except Exception as exc:  # the one place a bug becomes one line, not a traceback
            _fail(
                f"internal error (a bug in regimen {__version__}; please report it with the "
                f"command that caused it): {type(exc).__name__}: {exc}",
                code=INTERNAL_ERROR,
            )
        sys.exit(rv if isinstance(rv, int) else 0)


#: Exit code for a bug in regimen itself (never for bad input, which is 2).
INTERNAL_ERROR = 3


def _fail(message: str, code: int = 2) -> NoReturn:
    from regimen.files import printable

    click.echo(f"error: {printable(' '.join(message.split(' ')))}", err=True)
    sys.exit(code)


# ---------------------------------------------------------------------------------------------
# parameter types


class QuantityType(click.ParamType):  # type: ignore[type-arg]
    """A quantity option (``10Gy``, ``400 cGy``, ``12 mg``) of one kind."""

    def __init__(self, kind_name: str) -> None:
        self.kind_name = kind_name
        self.name = kind_name.lower()

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from regimen.units import Kind, parse_quantity

        if not isinstance(value, str):
            return value
        kind: Kind = Kind[self.kind_name]
        return parse_quantity(value, kind, _opt(param))


def _opt(param: click.Parameter | None) -> str:
    if param is None:
        return "value"
    opts = getattr(param, "opts", None)
    return opts[0] if opts else (param.name or "value")


DOSE_Q = QuantityType("DOSE")
DURATION_Q = QuantityType("DURATION")
RATE_Q = QuantityType("DOSE_RATE")


def _format_option(choices: Sequence[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


# ---------------------------------------------------------------------------------------------
# output


def write_output(text: str, output: str | None, force: bool) -> None:
    """Write to stdout, or to ``output`` whole or not at all, never clobbering without force.

    The text goes to a temporary file in the target folder, which is then linked (no
    ``--force``: fails if the target exists, atomically) or renamed (``--force``) into place.
    """
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    target = Path(output)
    where = f"--output {output}"
    if target.is_dir():
        raise InputError("is a directory", where=where)
    if target.exists() and not force:
        raise InputError("already exists; use --force to replace it", where=where)
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        raise InputError(f"folder {str(folder)!r} does not exist", where=where)
    import tempfile

    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if force:
            os.replace(tmp_name, target)
        else:
            os.link(tmp_name, target)
            os.unlink(tmp_name)
        tmp_name = None
    except FileExistsError:
        raise InputError("already exists; use --force to replace it", where=where) from None
    except PermissionError:
        raise InputError("permission denied", where=where) from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), where=where) from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


# ---------------------------------------------------------------------------------------------
# commands


@click.group(cls=RegimenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="regimen", message="%(prog)s %(version)s")
def cli() -> None:
    """Treatment-regimen scheduling and dose calculator.

    Radiotherapy fractionation arithmetic (physical dose, BED, EQD2) and oral drug cycles laid
    on real dates. REGIMEN is a bundled id (see `regimen list`) or a path to a TOML file.
    """


@cli.command("list")
@_format_option(("text", "json"))
def list_cmd(fmt: str) -> None:
    """List the bundled regimens."""
    import json

    from regimen.loading import bundled_ids, load_regimen

    items = [(rid, load_regimen(rid).name) for rid in bundled_ids()]
    if fmt == "json":
        data = [{"id": rid, "name": name} for rid, name in items]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    width = max(len(rid) for rid, _ in items)
    for rid, name in items:
        click.echo(f"{rid.ljust(width)}  {name}")


@cli.command()
@click.argument("regimen")
def show(regimen: str) -> None:
    """Show a regimen: its courses, dose levels, rules and sources."""
    from regimen.export.describe import describe
    from regimen.loading import load_regimen

    click.echo(describe(load_regimen(regimen)), nl=False)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
def validate(paths: tuple[str, ...]) -> None:
    """Load regimen files strictly and check their declared figures.

    Exit 0 when all are valid, 1 when a declared figure does not match the arithmetic, 2 when
    a file cannot be loaded.
    """
    from regimen.loading import load_regimen
    from regimen.summary import check_declared

    mismatches = 0
    load_errors: list[str] = []
    for path in paths:
        try:
            reg = load_regimen(path)
        except RegimenError as exc:
            load_errors.append(str(exc))
            continue
        problems = check_declared(reg)
        for p in problems:
            click.echo(f"{path}: {p}", err=True)
        mismatches += len(problems)
        if not problems:
            click.echo(f"{path}: ok")
    for e in load_errors:
        click.echo(f"error: {' '.join(e.split())}", err=True)
    if load_errors:
        sys.exit(2)
    if mismatches:
        sys.exit(1)


def _alpha_beta_option(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--tumour-alpha-beta",
        "tumour_alpha_betas",
        type=DOSE_Q,
        multiple=True,
        help="A tumour's alpha/beta (repeatable): the only values the repopulation "
        "correction (--k/--dprolif) applies to.",
    )(f)
    return click.option(
        "--alpha-beta",
        "alpha_betas",
        type=DOSE_Q,
        multiple=True,
        help="alpha/beta ratio of other tissue (repeatable), never corrected for repopulation; "
        "default 10 Gy and 3 Gy when no alpha/beta is given.",
    )(f)


def _as_of_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--as-of",
        "as_of",
        metavar="DATE",
        help="Delivered totals, status and current dose as of this date (default: the plan's "
        "last date).",
    )(f)


def _as_of(value: str | None, plan: Any) -> Any:
    from regimen.loading import parse_date

    if value is None:
        return None
    if plan is None:
        raise InputError("needs --start", where="--as-of")
    return parse_date(value, "--as-of")


@cli.command()
@click.argument("expr")
@_alpha_beta_option
@click.option("--reference-dose", type=DOSE_Q, help="Also report EQD at this dose per fraction.")
@click.option(
    "--model",
    type=click.Choice(["lq", "lq-l"]),
    default="lq",
    show_default=True,
    help="lq: linear-quadratic; lq-l: Astrahan's linear-quadratic-linear.",
)
@click.option("--transition-dose", type=DOSE_Q, help="LQ-L transition dose d_T.")
@click.option("--overall-time", type=DURATION_Q, help="Overall treatment time T (e.g. 38d).")
@click.option("--kickoff", type=DURATION_Q, help="Kick-off time T_k of repopulation (e.g. 28d).")
@click.option("--k", "k", type=RATE_Q, help="K in BED units per day (e.g. 0.9Gy/d).")
@click.option("--dprolif", type=RATE_Q, help="Dprolif in EQD2 units per day (e.g. 0.5Gy/d).")
@_format_option(("text", "json"))
def bed(
    expr: str,
    alpha_betas: tuple[Quantity, ...],
    tumour_alpha_betas: tuple[Quantity, ...],
    reference_dose: Quantity | None,
    model: str,
    transition_dose: Quantity | None,
    overall_time: Quantity | None,
    kickoff: Quantity | None,
    k: Quantity | None,
    dprolif: Quantity | None,
    fmt: str,
) -> None:
    """Physical dose, BED and EQD2 of a fractionation expression.

    EXPR joins phases with '+', each 'N x DOSE' or 'TOTAL/N': "10x400cGy + 3x700cGy",
    "50.4 Gy/28".
    """
    from regimen.export import arith
    from regimen.radiotherapy import parse_expression
    from regimen.summary import bed_report

    phases = parse_expression(expr)
    time = _time_correction(overall_time, kickoff, k, dprolif)
    if model == "lq-l" and transition_dose is None:
        raise InputError("--model lq-l needs --transition-dose", where="--transition-dose")
    if model == "lq" and transition_dose is not None:
        raise InputError("only applies with --model lq-l", where="--transition-dose")
    report = bed_report(
        phases,
        alpha_betas,
        reference_dose,
        "lq-l" if model == "lq-l" else "lq",
        transition_dose,
        time,
        tumour_alpha_betas,
    )
    click.echo(arith.bed_json(report) if fmt == "json" else arith.bed_text(report), nl=False)


def _time_correction(
    overall_time: Quantity | None,
    kickoff: Quantity | None,
    k: Quantity | None,
    dprolif: Quantity | None,
) -> Any:
    from regimen.summary import TimeCorrection

    if overall_time is None and kickoff is None and k is None and dprolif is None:
        return None
    if overall_time is None or kickoff is None:
        raise InputError(
            "the time correction needs --overall-time, --kickoff and one of --k or --dprolif",
            where="--overall-time",
        )
    return TimeCorrection(overall_time, kickoff, k, dprolif)


@cli.command()
@click.argument("expr")
@click.option(
    "--dose-per-fraction", type=DOSE_Q, help="Solve the number of fractions of this size."
)
@click.option("--fractions", type=click.IntRange(1, 200), help="Solve the dose per fraction.")
@click.option("--alpha-beta", type=DOSE_Q, required=True, help="alpha/beta ratio.")
@_format_option(("text", "json"))
def isoeffect(
    expr: str,
    dose_per_fraction: Quantity | None,
    fractions: int | None,
    alpha_beta: Quantity,
    fmt: str,
) -> None:
    """The schedule with the same BED as EXPR, for a new dose per fraction or fraction count."""
    from regimen.export import arith
    from regimen.radiotherapy import parse_expression
    from regimen.summary import isoeffect_report

    if (dose_per_fraction is None) == (fractions is None):
        raise InputError(
            "give exactly one of --dose-per-fraction or --fractions", where="isoeffect"
        )
    report = isoeffect_report(parse_expression(expr), alpha_beta, dose_per_fraction, fractions)
    out = arith.isoeffect_json(report) if fmt == "json" else arith.isoeffect_text(report)
    click.echo(out, nl=False)


SCHEDULING = (
    "start",
    "course_starts",
    "start_doses",
    "ae_log",
    "cycles",
    "holidays_country",
    "treat_makeup_days",
)


def _scheduling_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options shared by ``calendar`` and ``dose``, handed to the command as one
    ``schedule`` mapping (the keyword arguments of :func:`_plan`)."""
    options = [
        click.option(
            "--start", "start", metavar="DATE", help="Start date of the first course (YYYY-MM-DD)."
        ),
        click.option(
            "--course-start",
            "course_starts",
            multiple=True,
            metavar="COURSE=DATE",
            help="Start a course on a given date (repeatable).",
        ),
        click.option(
            "--start-dose",
            "start_doses",
            multiple=True,
            metavar="COURSE=DOSE",
            help="Start a drug course at another dose level, e.g. anlotinib=10mg.",
        ),
        click.option(
            "--ae-log", "ae_log", metavar="PATH", help="Adverse-event log (CSV: date,term,grade)."
        ),
        click.option(
            "--cycles", type=int, help="Number of cycles to lay out for every drug course."
        ),
        click.option(
            "--holidays",
            "holidays_country",
            metavar="CC",
            help="Skip this country's public holidays for radiotherapy (e.g. CN).",
        ),
        click.option(
            "--treat-makeup-days",
            is_flag=True,
            help="Also treat on official weekend make-up working days (China).",
        ),
    ]

    @functools.wraps(f)
    def collect(**kwargs: Any) -> Any:
        schedule = {name: kwargs.pop(name) for name in SCHEDULING}
        return f(schedule=schedule, **kwargs)

    command: Callable[..., Any] = collect
    for option in reversed(options):
        command = option(command)
    return command


def _pairs(values: Sequence[str], option: str) -> list[tuple[str, str]]:
    out = []
    for v in values:
        key, sep, value = v.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"expected COURSE=VALUE, got {v!r}", where=option)
        out.append((key.strip(), value.strip()))
    return out


def _plan(
    regimen: Any,
    start: str | None,
    course_starts: Sequence[str],
    start_doses: Sequence[str],
    ae_log: str | None,
    cycles: int | None,
    holidays_country: str | None,
    treat_makeup_days: bool,
) -> Any:
    """Parse the scheduling options and build ``(plan, baseline)``; ``(None, None)`` without
    --start. ``baseline`` is the same plan without the AE log (None when there is no log)."""
    from regimen.loading import load_ae_log, parse_date
    from regimen.schedule import build_plan
    from regimen.units import AMOUNT, parse_quantity

    if start is None:
        for name, given in (
            ("--course-start", course_starts),
            ("--start-dose", start_doses),
            ("--ae-log", ae_log),
            ("--cycles", cycles),
            ("--holidays", holidays_country),
        ):
            if given:
                raise InputError("needs --start", where=name)
        return None, None
    starts: dict[str, Any] = {}
    for cid, value in _pairs(course_starts, "--course-start"):
        _known_course(regimen, cid, "--course-start")
        date = parse_date(value, f"--course-start {cid}")
        if cid in starts:
            raise InputError(
                f"given twice ({starts[cid].isoformat()}, {date.isoformat()})",
                where=f"--course-start {cid}",
            )
        starts[cid] = date
    doses: dict[str, Any] = {}
    for cid, value in _pairs(start_doses, "--start-dose"):
        _known_course(regimen, cid, "--start-dose")
        dose = parse_quantity(value, AMOUNT, f"--start-dose {cid}")
        if cid in doses:
            raise InputError("given twice", where=f"--start-dose {cid}")
        doses[cid] = dose
    begin = parse_date(start, "--start")
    earliest = min([begin, *starts.values()])
    events = load_ae_log(Path(ae_log), regimen, earliest) if ae_log else ()
    options: dict[str, Any] = {
        "course_starts": starts,
        "start_doses": doses,
        "cycles": cycles,
        "holidays_country": holidays_country.upper() if holidays_country else None,
        "treat_makeup_days": treat_makeup_days,
    }
    plan = build_plan(regimen, begin, adverse_events=events, **options)
    baseline = build_plan(regimen, begin, **options) if events else None
    return plan, baseline


def _generated_at(value: str | None) -> Any:
    """--generated-at, else SOURCE_DATE_EPOCH, else now (the only clock read: here)."""
    import datetime as dt

    if value is not None:
        try:
            stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(
                f"expected an ISO date-time like 2022-05-16T08:00:00Z, got {value!r}",
                where="--generated-at",
            ) from None
        if stamp.tzinfo is None:
            raise InputError(
                "needs a time zone (e.g. a trailing Z for UTC)", where="--generated-at"
            )
        return stamp
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        if not epoch.isdigit():
            raise InputError(
                f"must be whole seconds since 1970, got {epoch!r}", where="SOURCE_DATE_EPOCH"
            )
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(tz=dt.UTC)


def _known_course(regimen: Any, course_id: str, option: str) -> None:
    try:
        regimen.course(course_id)
    except RegimenError as exc:
        raise InputError(exc.what, where=option) from None


CALENDAR_FORMATS = tuple(export.CALENDAR_FORMATS)
BATCH_FORMATS = tuple(f for f in CALENDAR_FORMATS if f != "text")


@cli.command()
@click.argument("regimen")
@_scheduling_options
@_as_of_option
@_format_option(CALENDAR_FORMATS)
@click.option(
    "--output", "-o", "output", metavar="PATH", help="Write to this file instead of stdout."
)
@click.option("--force", is_flag=True, help="Replace an existing --output file.")
@click.option("--time", "event_time", metavar="HH:MM", help="ics: timed events at this time.")
@click.option("--tz", "tz", metavar="AREA/CITY", help="ics: the time zone of --time.")
@click.option("--reminder", metavar="HH:MM", help="ics: a reminder at this time on the day.")
@click.option("--with-drug-names", is_flag=True, help="ics: put drug names in event titles.")
@click.option("--plan-id", default="", help="ics: an id mixed into event UIDs.")
@click.option(
    "--generated-at", help="ics: DTSTAMP (ISO, UTC); default SOURCE_DATE_EPOCH, else now."
)
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default="en",
    show_default=True,
    help="html: language of the patient-facing words.",
)
@click.option(
    "--large-print", is_flag=True, help="html: body text of at least 14 pt for easier reading."
)
def calendar(
    regimen: str,
    schedule: dict[str, Any],
    as_of: str | None,
    fmt: str,
    output: str | None,
    force: bool,
    event_time: str | None,
    tz: str | None,
    reminder: str | None,
    with_drug_names: bool,
    plan_id: str,
    generated_at: str | None,
    lang: str,
    large_print: bool,
) -> None:
    """Lay a regimen on real dates: fractions, cycles (C1D1...), holds and decisions."""
    from regimen.export import render_plan
    from regimen.loading import load_regimen

    if schedule["start"] is None:
        raise InputError("is required (YYYY-MM-DD)", where="--start")
    ics_only = {
        "--time": event_time,
        "--tz": tz,
        "--reminder": reminder,
        "--with-drug-names": with_drug_names,
        "--plan-id": plan_id,
    }
    if fmt != "ics":
        for name, given in ics_only.items():
            if given:
                raise InputError("only applies with --format ics", where=name)
    ics_opts = None
    if fmt == "ics":
        from regimen.export import ics

        ics_opts = ics.options(
            _generated_at(generated_at), event_time, tz, reminder, with_drug_names, plan_id
        )
    reg = load_regimen(regimen)
    plan, baseline = _plan(reg, **schedule)
    options: dict[str, Any] = {}
    if fmt == "ics":
        options = {"opts": ics_opts, "baseline": baseline}
    elif fmt == "html":
        options = {"lang": lang, "large_print": large_print}
    elif large_print:
        raise InputError("only applies with --format html", where="--large-print")
    when = _as_of(as_of, plan)
    if when is not None:
        if fmt not in ("text", "json"):
            raise InputError("only applies with --format text or json", where="--as-of")
        options = {"as_of": when}
    text = render_plan(fmt, plan, **options)
    write_output(text, output, force)


@cli.command("check-ics")
@click.argument("path")
@click.option("--events", "expected", type=int, help="Also require this many events.")
def check_ics(path: str, expected: int | None) -> None:
    """Check an iCalendar file against RFC 5545 (the rules regimen's exporter keeps)."""
    from regimen.icslint import lint

    p = Path(path)
    if p.is_dir():
        raise InputError("is a directory, not an iCalendar file", where=path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), where=path) from None
    problems = lint(data, expected)
    for problem in problems:
        click.echo(f"{path}: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"{path}: ok")


@cli.command()
@click.argument("regimen")
@_alpha_beta_option
@_scheduling_options
@_as_of_option
@click.option("--kickoff", type=DURATION_Q, help="T_k for the time-corrected BED (needs --start).")
@click.option("--k", "k", type=RATE_Q, help="K in BED units per day.")
@click.option("--dprolif", type=RATE_Q, help="Dprolif in EQD2 units per day.")
@_format_option(("text", "json"))
def dose(
    regimen: str,
    alpha_betas: tuple[Quantity, ...],
    tumour_alpha_betas: tuple[Quantity, ...],
    schedule: dict[str, Any],
    as_of: str | None,
    kickoff: Quantity | None,
    k: Quantity | None,
    dprolif: Quantity | None,
    fmt: str,
) -> None:
    """Dose summary: radiotherapy dose, BED and EQD2; with --start, drug totals and dispensing.

    With --start the overall treatment time comes from the dated calendar; add --kickoff and
    --k or --dprolif for the time-corrected BED.
    """
    from regimen.export import dose as dose_export
    from regimen.loading import load_regimen
    from regimen.summary import dose_report
    from regimen.units import quantity

    reg = load_regimen(regimen)
    plan, _ = _plan(reg, **schedule)
    time = None
    if kickoff is not None or k is not None or dprolif is not None:
        if plan is None or not reg.radiotherapy:
            raise InputError(
                "the time correction needs --start and a radiotherapy course", where="--kickoff"
            )
        overall = plan.overall_time(reg.radiotherapy[0].id)
        time = _time_correction(quantity(overall, "d"), kickoff, k, dprolif)
    report = dose_report(
        reg, alpha_betas, plan, None, time, tumour_alpha_betas, _as_of(as_of, plan)
    )
    text = dose_export.render_json(report) if fmt == "json" else dose_export.render_text(report)
    click.echo(text, nl=False)


@cli.command()
@click.argument("cohort")
@click.option("--output-dir", required=True, help="Folder for one file per patient + summary.csv.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(BATCH_FORMATS),
    default="ics",
    show_default=True,
    help="Output format of each patient's calendar.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes to spread patients over.",
)
@click.option(
    "--generated-at", help="ics: DTSTAMP (ISO, UTC); default SOURCE_DATE_EPOCH, else now."
)
def batch(cohort: str, output_dir: str, fmt: str, jobs: int, generated_at: str | None) -> None:
    """Calendars for a cohort: COHORT.csv has patient,regimen,start[,ae_log][,cycles][,start_dose].

    Writes one file per patient (named from the sanitised patient key) and summary.csv into
    --output-dir; a bad row is reported in the summary and does not stop the batch. Exits 1
    when any row failed.
    """
    from regimen import batch as batch_mod

    out_dir = Path(output_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("is not a folder", where=f"--output-dir {output_dir}")
    rows = batch_mod.read_cohort(Path(cohort))
    stamp = _generated_at(generated_at)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), where=f"--output-dir {output_dir}") from None
    base = Path(cohort).parent
    if sys.stderr.isatty():
        with click.progressbar(length=len(rows), label="patients", file=sys.stderr) as bar:
            outcomes = batch_mod.run_batch(rows, base, out_dir, fmt, stamp, jobs, bar.update)
    else:
        outcomes = batch_mod.run_batch(rows, base, out_dir, fmt, stamp, jobs)
    failed = [o for o in outcomes if o.status != "ok"]
    click.echo(
        f"{len(outcomes) - len(failed)} of {len(outcomes)} patients written to {out_dir}; "
        f"{len(failed)} failed (see {out_dir / 'summary.csv'})"
    )
    if failed:
        sys.exit(1)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console-script entry point."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="regimen")


if __name__ == "__main__":  # pragma: no cover
    main()

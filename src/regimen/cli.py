"""The ``regimen`` command line: parse arguments, call the library, write the result.

Thin on purpose: nothing clinical is computed here. Every :class:`~regimen.errors.RegimenError`
and every usage error becomes one line on stderr, ``error: <where>: <what>``, with exit code 2;
a failed check (``validate``) exits 1. Heavy modules (pint, icalendar, holidays) are imported
inside the commands that need them, so ``--help`` and ``--version`` start fast.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from regimen import __version__, export
from regimen.errors import InputError, RegimenError

if TYPE_CHECKING:
    from regimen.rt_report import TimeCorrection
    from regimen.units import Dose, DoseRate, Duration, Kind


# ---------------------------------------------------------------------------------------------
# error handling in one place


class RegimenGroup(click.Group):
    """A click group that turns every error into one line and a meaningful exit code."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        from regimen import app

        kwargs["standalone_mode"] = False
        with app.signals_raise():
            self._main(*args, **kwargs)

    def _main(self, *args: Any, **kwargs: Any) -> NoReturn:
        from regimen import app

        try:
            rv = super().main(*args, **kwargs)
        except app.Interrupted as exc:
            # SIGINT, SIGTERM or SIGHUP: every temporary file is gone by now; one line.
            detail = f"; {exc.detail}" if exc.detail else ""
            _fail(f"interrupted by {exc.name}{detail}", code=exc.exit_code)
        except RegimenError as exc:
            _fail(str(app.rename(exc, CLI_NAMES)))
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
        except OSError as exc:
            if exc.errno != errno.ENAMETOOLONG:
                raise
            _fail(f"{exc.filename or 'a path'}: file name too long")
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

#: The command line's words for the fields of :class:`regimen.app.Request`: every library
#: error naming a field is translated here, once.
CLI_NAMES = {
    "start": "--start",
    "course_start": "--course-start",
    "start_dose": "--start-dose",
    "height": "--height",
    "weight": "--weight",
    "sex": "--sex",
    "age": "--age",
    "scr": "--scr",
    "prior": "--prior",
    "flag": "--flag",
    "patient": "--patient",
    "accept_stale": "--accept-stale",
    "bsa_method": "--bsa-method",
    "bsa_cap": "--bsa-cap",
    "ae_log": "--ae-log",
    "lab_log": "--lab-log",
    "rt_log": "--rt-log",
    "allow_weekends": "--allow-weekends",
    "allow_holidays": "--allow-holidays",
    "time_convention": "--time-convention",
    "cycles": "--cycles",
    "holidays": "--holidays",
    "treat_makeup_days": "--treat-makeup-days",
    "as_of": "--as-of",
    "generated_at": "--generated-at",
    "time": "--time",
    "tz": "--tz",
    "reminder": "--reminder",
    "with_drug_names": "--with-drug-names",
    "plan_id": "--plan-id",
    "feed_url": "--feed-url",
    "format": "--format",
    "output": "--output",
}


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


_ASCII_INT_RE = re.compile(r"\s*[+-]?[0-9]+\s*", re.ASCII)


class AsciiInt(click.types.IntParamType):
    """click's INT, digits 0-9 only (int() also takes ``٣``, ``1_000``)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not _ASCII_INT_RE.fullmatch(value):
            self.fail(f"{value!r} is not a valid {self.name}.", param, ctx)
        return super().convert(value, param, ctx)


class AsciiIntRange(click.IntRange):
    """click's IntRange, digits 0-9 only."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not _ASCII_INT_RE.fullmatch(value):
            self.fail(f"{value!r} is not a valid {self.name}.", param, ctx)
        return super().convert(value, param, ctx)


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
    """Write to stdout, or to ``output`` whole or not at all, never clobbering without force
    (see :func:`regimen.app.write_file`: only a regular file is ever replaced)."""
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    from regimen import app

    app.write_file(Path(output), text, replace=force, where=f"--output {output}")


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
@_format_option(("text", "fhir"))
def show(regimen: str, fmt: str) -> None:
    """Show a regimen: its courses, dose levels, rules and sources (fhir: its FHIR R4
    PlanDefinition)."""
    from regimen.app import load_regimen

    reg = load_regimen(regimen)
    if fmt == "fhir":
        from regimen.export.fhir import render_definition

        click.echo(render_definition(reg), nl=False)
        return
    from regimen.export.describe import describe

    click.echo(describe(reg), nl=False)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
def validate(paths: tuple[str, ...]) -> None:
    """Load regimen files strictly and check their declared figures.

    Exit 0 when all are valid, 1 when a declared figure does not match the arithmetic, 2 when
    a file cannot be loaded.
    """
    from regimen.app import load_regimen
    from regimen.declared import check_declared

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
        for course in reg.radiotherapy:
            for i, phase in enumerate(course.phases, 1):
                if phase.fractions_per_day > 1:
                    click.echo(f"{path}: {course.id} phase {i}: {phase.per_day_text}")
            for w in course.warnings:
                click.echo(f"{path}: warning: {w}")
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


def _tissue_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--late-tissue",
        metavar="NAME",
        help="A late-tissue preset (regimen presets list): its alpha/beta as --alpha-beta and "
        "its repair half-time; each option given overrides the preset's value.",
    )(f)
    return click.option(
        "--tissue",
        metavar="NAME",
        help="A tumour preset (regimen presets list): its alpha/beta as --tumour-alpha-beta "
        "and its Dprolif or K and T_k for the time correction; each option given overrides "
        "the preset's value.",
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
@_tissue_options
@click.option(
    "--fractions-per-day",
    type=AsciiIntRange(1, 3),
    default=1,
    show_default=True,
    help="Fractions given each day (2 or 3: Thames's incomplete-repair factor H_m).",
)
@click.option("--interval", type=DURATION_Q, help="Time between fractions of a day (e.g. 6h).")
@click.option(
    "--repair-half-time", type=DURATION_Q, help="Late tissue's repair half-time (e.g. 1.5h)."
)
@_format_option(("text", "json"))
def bed(
    expr: str,
    alpha_betas: tuple[Dose, ...],
    tumour_alpha_betas: tuple[Dose, ...],
    reference_dose: Dose | None,
    model: str,
    transition_dose: Dose | None,
    overall_time: Duration | None,
    kickoff: Duration | None,
    k: DoseRate | None,
    dprolif: DoseRate | None,
    tissue: str | None,
    late_tissue: str | None,
    fractions_per_day: int,
    interval: Duration | None,
    repair_half_time: Duration | None,
    fmt: str,
) -> None:
    """Physical dose, BED and EQD2 of a fractionation expression.

    EXPR joins phases with '+', each 'N x DOSE' or 'TOTAL/N': "10x400cGy + 3x700cGy",
    "50.4 Gy/28".
    """
    from regimen import presets
    from regimen.export import rt_report as rt_export
    from regimen.radiotherapy import parse_expression
    from regimen.rt_report import bed_report, incomplete_repair

    phases = parse_expression(expr)
    if fractions_per_day == 1:
        for given, name in ((interval, "--interval"), (repair_half_time, "--repair-half-time")):
            if given is not None:
                raise InputError("only applies with --fractions-per-day 2 or 3", where=name)
    got = presets.resolve(
        tissue, late_tissue, tumour_alpha_betas, alpha_betas, k, dprolif, kickoff, repair_half_time
    )
    repair = None
    if fractions_per_day > 1:
        half = got.repair_half_time
        if half is None and got.late_tissue is not None:
            raise InputError(
                f"preset {got.late_tissue.name} has no repair half-time: give --repair-half-time",
                where="--repair-half-time",
            )
        repair = incomplete_repair(fractions_per_day, interval, half, got.half_time_origin)
    time = None
    if overall_time is not None or kickoff is not None or k is not None or dprolif is not None:
        time = _time_correction(overall_time, got.kickoff, got.k, got.dprolif, got)
    if model == "lq-l" and transition_dose is None:
        raise InputError("--model lq-l needs --transition-dose", where="--transition-dose")
    if model == "lq" and transition_dose is not None:
        raise InputError("only applies with --model lq-l", where="--transition-dose")
    report = bed_report(
        phases,
        got.alpha_betas,
        reference_dose,
        "lq-l" if model == "lq-l" else "lq",
        transition_dose,
        time,
        got.tumour_alpha_betas,
        repair,
        got.tumour_origins,
        got.other_origins,
    )
    text = rt_export.bed_json(report) if fmt == "json" else rt_export.bed_text(report)
    click.echo(text, nl=False)


@cli.group("presets")
def presets_group() -> None:
    """Tissue presets: alpha/beta, repopulation and repair parameters with their sources."""


@presets_group.command("list")
@_format_option(("text", "json"))
def presets_list(fmt: str) -> None:
    """Every preset: its kind and alpha/beta (regimen presets show NAME for the sources)."""
    from regimen import presets
    from regimen.export import presets as out

    found = presets.bundled()
    click.echo(out.list_json(found) if fmt == "json" else out.list_text(found), nl=False)


@presets_group.command("show")
@click.argument("name")
@_format_option(("text", "json"))
def presets_show(name: str, fmt: str) -> None:
    """One preset: every value with its interval, source and whether it was confirmed."""
    from regimen import presets
    from regimen.export import presets as out

    p = presets.get(name, "presets show")
    click.echo(out.show_json(p) if fmt == "json" else out.show_text(p), nl=False)


def _time_correction(
    overall_time: Duration | None,
    kickoff: Duration | None,
    k: DoseRate | None,
    dprolif: DoseRate | None,
    got: Any = None,
) -> TimeCorrection | None:
    """T, T_k and K or Dprolif; ``got`` (:class:`regimen.presets.Resolved`) says which came
    from a preset."""
    from regimen.rt_report import GIVEN, TimeCorrection

    if overall_time is None and kickoff is None and k is None and dprolif is None:
        return None
    no_rate = got is not None and k is None and dprolif is None
    if overall_time is None or kickoff is None or no_rate:
        tissue = getattr(got, "tissue", None)
        hint = f" (preset {tissue.name} gives none)" if tissue is not None else ""
        raise InputError(
            "the time correction needs --overall-time, --kickoff and one of --k or --dprolif"
            + hint,
            where="--overall-time",
        )
    if got is None:
        return TimeCorrection(overall_time, kickoff, k, dprolif)
    return TimeCorrection(
        overall_time, kickoff, k, dprolif, got.rate_origin or GIVEN, got.kickoff_origin or GIVEN
    )


@cli.command()
@click.argument("expr")
@click.option(
    "--dose-per-fraction", type=DOSE_Q, help="Solve the number of fractions of this size."
)
@click.option("--fractions", type=AsciiIntRange(1, 200), help="Solve the dose per fraction.")
@click.option("--alpha-beta", type=DOSE_Q, required=True, help="alpha/beta ratio.")
@_format_option(("text", "json"))
def isoeffect(
    expr: str,
    dose_per_fraction: Dose | None,
    fractions: int | None,
    alpha_beta: Dose,
    fmt: str,
) -> None:
    """The schedule with the same BED as EXPR, for a new dose per fraction or fraction count."""
    from regimen.export import rt_report as rt_export
    from regimen.radiotherapy import parse_expression
    from regimen.rt_report import isoeffect_report

    if (dose_per_fraction is None) == (fractions is None):
        raise InputError(
            "give exactly one of --dose-per-fraction or --fractions", where="isoeffect"
        )
    report = isoeffect_report(parse_expression(expr), alpha_beta, dose_per_fraction, fractions)
    out = rt_export.isoeffect_json(report) if fmt == "json" else rt_export.isoeffect_text(report)
    click.echo(out, nl=False)


# ---------------------------------------------------------------------------------------------
# body-size calculators: bsa, crcl, calvert (formulas and checks in regimen.bodysize)


if TYPE_CHECKING:
    from regimen.units import Clearance, Creatinine, Length, Mass

LENGTH_Q = QuantityType("LENGTH")
MASS_Q = QuantityType("MASS")
CLEARANCE_Q = QuantityType("CLEARANCE")
CREATININE_Q = QuantityType("CREATININE")
AREA_Q = QuantityType("AREA")

#: The library's field names (regimen.bodysize) -> the options of the calculators.
BODY_OPTIONS = {
    "height": "--height",
    "weight": "--weight",
    "age": "--age",
    "sex": "--sex",
    "scr": "--scr",
    "scr_floor": "--scr-floor",
    "gfr": "--gfr",
    "gfr_cap": "--gfr-cap",
    "auc": "--auc",
    "weight_basis": "--weight-basis",
    "method": "--method",
}

_ASCII_DECIMAL_RE = re.compile(r"\s*[0-9]+(?:\.[0-9]+)?\s*", re.ASCII)


class WordType(click.ParamType):  # type: ignore[type-arg]
    """One word of a fixed list; anything else is ``--option: must be ...`` (one line)."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = tuple(words)
        self.name = "|".join(words)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value in self.words:
            return value
        raise InputError(f"must be one of {', '.join(self.words)}, got {value!r}", _opt(param))


class AgeType(click.ParamType):  # type: ignore[type-arg]
    """An age in whole years, ASCII digits only (the range is checked by regimen.bodysize)."""

    name = "years"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int):
            return value
        if not isinstance(value, str) or not _ASCII_INT_RE.fullmatch(value):
            raise InputError(
                f"must be a whole number of years in digits 0-9, got {value!r}", _opt(param)
            )
        return int(value)


class AucType(click.ParamType):  # type: ignore[type-arg]
    """A target AUC in mg/mL x min, a plain decimal in ASCII digits (``5``, ``1.5``)."""

    name = "auc"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, float):
            return value
        if not isinstance(value, str) or not _ASCII_DECIMAL_RE.fullmatch(value):
            raise InputError(
                f"must be a number in mg/mL x min written with digits 0-9, like 5 or 1.5, got "
                f"{value!r}",
                _opt(param),
            )
        return float(value)


class _BodyOptions:
    """Name the calculators' options in the library's errors (``height`` -> ``--height``)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, InputError) and exc.where in BODY_OPTIONS:
            raise InputError(exc.what, where=BODY_OPTIONS[exc.where]) from None


def _weight_basis_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--weight-basis",
        type=WordType(("actual", "ideal", "adjusted")),
        default="actual",
        show_default=True,
        help="actual (ASCO), ideal (Devine) or adjusted (ideal + 0.4 x excess); ideal and "
        "adjusted need --height and --sex.",
    )(f)


@cli.command()
@click.option("--height", type=LENGTH_Q, required=True, help="Height (e.g. 170cm).")
@click.option("--weight", type=MASS_Q, required=True, help="Actual body weight (e.g. 70kg).")
@click.option(
    "--method",
    type=WordType(("mosteller", "dubois", "haycock", "gehan-george", "boyd")),
    default="mosteller",
    show_default=True,
    help="BSA formula.",
)
@_weight_basis_option
@click.option("--sex", type=WordType(("female", "male")), help="For an ideal or adjusted weight.")
@_format_option(("text", "json"))
def bsa(
    height: Length, weight: Mass, method: Any, weight_basis: Any, sex: str | None, fmt: str
) -> None:
    """Body surface area, by Mosteller (default), DuBois, Haycock, Gehan-George or Boyd."""
    from regimen.bodysize import bsa_report
    from regimen.export import bodysize as out

    with _BodyOptions():
        report = bsa_report(height, weight, method, weight_basis, sex)
    click.echo(out.bsa_json(report) if fmt == "json" else out.bsa_text(report), nl=False)


@cli.command()
@click.option("--age", type=AgeType(), required=True, help="Age in years (18 to 120).")
@click.option("--sex", type=WordType(("female", "male")), required=True, help="female or male.")
@click.option("--weight", type=MASS_Q, required=True, help="Actual body weight (e.g. 70kg).")
@click.option("--scr", type=CREATININE_Q, required=True, help="Serum creatinine (mg/dL or umol/L).")
@click.option("--height", type=LENGTH_Q, help="Height: for an ideal or adjusted weight, and BMI.")
@_weight_basis_option
@click.option("--scr-floor", type=CREATININE_Q, help="Use at least this creatinine (0.7mg/dL).")
@_format_option(("text", "json"))
def crcl(
    age: int,
    sex: str,
    weight: Mass,
    scr: Creatinine,
    height: Length | None,
    weight_basis: Any,
    scr_floor: Creatinine | None,
    fmt: str,
) -> None:
    """Creatinine clearance by Cockcroft-Gault."""
    from regimen.bodysize import crcl_report
    from regimen.export import bodysize as out

    with _BodyOptions():
        report = crcl_report(age, sex, weight, scr, height, weight_basis, scr_floor)
    click.echo(out.crcl_json(report) if fmt == "json" else out.crcl_text(report), nl=False)


@cli.command()
@click.option("--auc", type=AucType(), required=True, help="Target AUC in mg/mL x min.")
@click.option("--gfr", type=CLEARANCE_Q, help="GFR in mL/min (else Cockcroft-Gault).")
@click.option("--age", type=AgeType(), help="Age in years, for Cockcroft-Gault.")
@click.option("--sex", type=WordType(("female", "male")), help="For Cockcroft-Gault.")
@click.option("--weight", type=MASS_Q, help="Actual body weight, for Cockcroft-Gault.")
@click.option("--scr", type=CREATININE_Q, help="Serum creatinine, for Cockcroft-Gault.")
@click.option("--height", type=LENGTH_Q, help="Height: for an ideal or adjusted weight, and BMI.")
@_weight_basis_option
@click.option("--scr-floor", type=CREATININE_Q, help="Use at least this creatinine.")
@click.option("--gfr-cap", type=CLEARANCE_Q, help="Cap on the GFR [default: 125mL/min].")
@click.option("--no-gfr-cap", is_flag=True, help="Do not cap the GFR.")
@_format_option(("text", "json"))
def calvert(
    auc: float,
    gfr: Clearance | None,
    age: int | None,
    sex: str | None,
    weight: Mass | None,
    scr: Creatinine | None,
    height: Length | None,
    weight_basis: Any,
    scr_floor: Creatinine | None,
    gfr_cap: Clearance | None,
    no_gfr_cap: bool,
    fmt: str,
) -> None:
    """Carboplatin dose by Calvert: AUC x (GFR + 25 mL/min), the GFR capped at 125 mL/min.

    Give --gfr, or --age, --sex, --weight and --scr to estimate it by Cockcroft-Gault.
    """
    from regimen.bodysize import DEFAULT_GFR_CAP_ML_MIN, calvert_report, crcl_report
    from regimen.export import bodysize as out
    from regimen.units import quantity

    estimate_inputs = {
        "--age": age,
        "--sex": sex,
        "--weight": weight,
        "--scr": scr,
        "--height": height,
        "--scr-floor": scr_floor,
        "--weight-basis": None if weight_basis == "actual" else weight_basis,
    }
    if no_gfr_cap and gfr_cap is not None:
        raise InputError("give --gfr-cap or --no-gfr-cap, not both", where="--gfr-cap")
    cap = None if no_gfr_cap else gfr_cap or quantity(DEFAULT_GFR_CAP_ML_MIN, "mL/min")
    with _BodyOptions():
        if gfr is not None:
            extra = [name for name, value in estimate_inputs.items() if value is not None]
            if extra:
                raise InputError(
                    "only applies without --gfr (to estimate the GFR by Cockcroft-Gault)",
                    where=extra[0],
                )
            report = calvert_report(auc, gfr, None, cap)
        else:
            for name in ("--age", "--sex", "--weight", "--scr"):
                if estimate_inputs[name] is None:
                    raise InputError(
                        "needed to estimate the GFR by Cockcroft-Gault (or give --gfr)",
                        where=name,
                    )
            assert age is not None and weight is not None and scr is not None  # noqa: S101
            estimate = crcl_report(age, sex, weight, scr, height, weight_basis, scr_floor)
            report = calvert_report(auc, None, estimate, cap)
    text = out.calvert_json(report) if fmt == "json" else out.calvert_text(report)
    click.echo(text, nl=False)


@cli.command()
@click.argument("patient")
@_format_option(("text", "json"))
def history(patient: str, fmt: str) -> None:
    """A patient file's treatment timeline and cumulative ledgers (anthracyclines, radiotherapy
    per site); what the record does not give is 'unknown', never zero. PATIENT is a path."""
    from regimen.export import history as out
    from regimen.patient import load_patient

    record = load_patient(patient)
    render = out.render_json if fmt == "json" else out.render_text
    click.echo(render(record, patient), nl=False)


@cli.command()
@click.argument("record", required=False)
@click.option(
    "--course",
    "courses",
    multiple=True,
    metavar="DATE=EXPR",
    help="A course without a record (repeatable): 2012-12-01=28x1.8Gy; named by its date.",
)
@click.option("--alpha-beta", type=DOSE_Q, help="The endpoint's alpha/beta (without a RECORD).")
@click.option(
    "--late-tissue",
    metavar="NAME",
    help="The endpoint's alpha/beta from a late-tissue preset (see regimen presets list).",
)
@click.option("--patient", "patient", metavar="FILE", help="Courses from a patient file's lines.")
@click.option("--site", metavar="NAME", help="The radiotherapy site of --patient's lines.")
@click.option(
    "--recovery",
    "recoveries",
    multiple=True,
    metavar='COURSE=FRACTION:"REASON"',
    help="Recovery stated for a prior course (0 to 1 of its dose), with its reason.",
)
@click.option(
    "--check",
    "checks",
    multiple=True,
    metavar="NAME",
    help="A constraint set (repeatable): nieder-2006, hytec-spine-sbrt.",
)
@click.option(
    "--budget-fractions",
    type=AsciiInt(),
    help="The largest dose per fraction for N more fractions within the limits.",
)
@click.option("--limit", type=DOSE_Q, help="Cumulative EQD2 limit (with the stated recovery).")
@_format_option(("text", "json"))
def reirradiation(
    record: str | None,
    courses: tuple[str, ...],
    alpha_beta: Dose | None,
    late_tissue: str | None,
    patient: str | None,
    site: str | None,
    recoveries: tuple[str, ...],
    checks: tuple[str, ...],
    budget_fractions: int | None,
    limit: Dose | None,
    fmt: str,
) -> None:
    """Cumulative BED and EQD2 of dated radiotherapy courses to one structure, summed in one
    alpha/beta, with no recovery unless stated; named limit checks and the dose budget.

    RECORD is a re-irradiation record (TOML); or give --course DATE=EXPR... (and/or --patient
    FILE --site NAME) with --alpha-beta.
    """
    from regimen import reirradiation as re_irr
    from regimen.export import reirradiation as out
    from regimen.loading import read_text

    if record is not None:
        for name, given in (
            ("--course", courses),
            ("--patient", patient is not None),
            ("--site", site is not None),
        ):
            if given:
                raise InputError(
                    "a record lists its own courses; add them to the record", where=name
                )
        for name, value in (("--alpha-beta", alpha_beta), ("--late-tissue", late_tissue)):
            if value is not None:
                raise InputError(
                    "the record gives the endpoint's alpha_beta; give it there, not both",
                    where=name,
                )
        data = re_irr.parse_record(read_text(Path(record), "re-irradiation record"), record)
    else:
        found: list[re_irr.Course] = []
        if patient is not None:
            from regimen.patient import load_patient

            if site is None:
                raise InputError("needs --site NAME (the radiotherapy site)", where="--patient")
            found += re_irr.courses_from_patient(load_patient(patient), site, patient)
        elif site is not None:
            raise InputError("only applies with --patient", where="--site")
        found += [re_irr.course_option(text) for text in courses]
        if not found:
            raise InputError(
                "give a RECORD, --course DATE=EXPR or --patient FILE --site NAME",
                where="reirradiation",
            )
        endpoint = ""
        if late_tissue is not None:
            from regimen import presets
            from regimen.units import DOSE, require
            from regimen.units import format_quantity as format_q

            if alpha_beta is not None:
                raise InputError(
                    "give the alpha/beta or a late-tissue preset, not both", where="--alpha-beta"
                )
            preset = presets.get(late_tissue, "--late-tissue", "late")
            from_preset = require(preset.alpha_beta.quantity, DOSE, "--late-tissue")
            alpha_beta = from_preset
            endpoint = (
                f"{preset.title} (preset {preset.name}: alpha/beta "
                f"{format_q(from_preset)}, {preset.alpha_beta.cite()})"
            )
        if alpha_beta is None:
            raise InputError(
                "is required: the alpha/beta of the endpoint (or --late-tissue NAME)",
                where="--alpha-beta",
            )
        data = re_irr.Record(
            structure=site or "",
            alpha_beta=alpha_beta,
            endpoint=endpoint,
            metric="prescription",
            courses=re_irr.in_date_order(found, "--patient" if patient else "--course"),
            origin="--patient" if patient else "--course",
        )
    report = re_irr.reirradiation_report(
        data,
        [re_irr.parse_recovery(text) for text in recoveries],
        checks,
        budget_fractions,
        limit,
    )
    text = out.render_json(report) if fmt == "json" else out.render_text(report, record or "")
    click.echo(text, nl=False)


@cli.command()
@click.argument("regimen")
@click.option("--start", metavar="DATE", help="Start date of the course (YYYY-MM-DD).")
@click.option(
    "--rt-log",
    "rt_log",
    metavar="PATH",
    help="Radiotherapy treatment log (CSV: date,status[,dose][,session][,time][,reason]"
    "[,course]); its last row is where compensation starts.",
)
@_tissue_options
@click.option("--tumour-alpha-beta", type=DOSE_Q, help="Overrides the tumour preset's alpha/beta.")
@click.option("--alpha-beta", type=DOSE_Q, help="Overrides the late-tissue preset's alpha/beta.")
@click.option("--dprolif", type=RATE_Q, help="Dprolif in EQD2 units per day (e.g. 0.6Gy/d).")
@click.option("--k", "k", type=RATE_Q, help="K in BED units per day (e.g. 0.72Gy/d).")
@click.option("--kickoff", type=DURATION_Q, help="Kick-off time T_k of repopulation (e.g. 28d).")
@click.option(
    "--repair-half-time", type=DURATION_Q, help="Late tissue's repair half-time (e.g. 1.5h)."
)
@click.option(
    "--allow-weekends", is_flag=True, help="Weekend treatment (and log rows on weekends)."
)
@click.option(
    "--allow-holidays", is_flag=True, help="Holiday treatment (and log rows on holidays)."
)
@click.option(
    "--max-bid-days",
    type=AsciiIntRange(0, 200),
    help="The most days with two fractions (twice-daily option).",
)
@click.option(
    "--bid-interval",
    type=DURATION_Q,
    help="Time between the two fractions of a day (default 6h; under 6h refused).",
)
@click.option("--holidays", "holidays_country", metavar="CC", help="Public holidays (e.g. GB).")
@click.option(
    "--time-convention",
    type=WordType(("elapsed", "inclusive")),
    default="elapsed",
    show_default=True,
    help="Overall time T: elapsed (last - first fraction) or inclusive (both ends counted).",
)
@_format_option(("text", "json"))
def gap(
    regimen: str,
    start: str | None,
    rt_log: str | None,
    tissue: str | None,
    late_tissue: str | None,
    tumour_alpha_beta: Dose | None,
    alpha_beta: Dose | None,
    dprolif: DoseRate | None,
    k: DoseRate | None,
    kickoff: Duration | None,
    repair_half_time: Duration | None,
    allow_weekends: bool,
    allow_holidays: bool,
    max_bid_days: int | None,
    bid_interval: Duration | None,
    holidays_country: str | None,
    time_convention: str,
    fmt: str,
) -> None:
    """Gap compensation: the options for fractions missed in an RT log, ranked as the RCR's
    guidance on unscheduled interruptions ranks them, each on the real calendar with its
    tumour BED_T and EQD2_T and late-tissue BED and EQD2 against the plan."""
    from regimen import app, presets
    from regimen import gap as gap_mod
    from regimen.export import gap as out
    from regimen.rtlog import Convention
    from regimen.units import quantity

    reg = app.load_regimen(regimen)
    if start is None:
        raise InputError("is required: the date the course started (YYYY-MM-DD)", where="--start")
    if not rt_log:
        raise InputError(
            "is required: gap compensation works from the treatment log (CSV date,status)"
            if rt_log is None
            else "is empty; give the path of an RT log (CSV)",
            where="--rt-log",
        )
    if k is not None and dprolif is not None:
        raise InputError("give --dprolif or --k, not both (never converted)", where="--k")
    got = presets.resolve(
        tissue,
        late_tissue,
        (tumour_alpha_beta,) if tumour_alpha_beta is not None else (),
        (alpha_beta,) if alpha_beta is not None else (),
        k,
        dprolif,
        kickoff,
        repair_half_time,
    )
    named = f" (preset {got.tissue.name} gives none)" if got.tissue is not None else ""
    if not got.tumour_alpha_betas:
        raise InputError(
            "is required: a tumour preset, or --tumour-alpha-beta with --dprolif or --k and "
            "--kickoff",
            where="--tissue",
        )
    if got.k is None and got.dprolif is None:
        raise InputError(
            f"gap compensation needs the tumour's repopulation rate: give --dprolif or --k{named}",
            where="--tissue",
        )
    if got.kickoff is None:
        raise InputError(f"is required: the kick-off time T_k{named}", where="--kickoff")
    if not got.alpha_betas:
        raise InputError(
            "is required: a late-tissue preset, or --alpha-beta (and --repair-half-time)",
            where="--late-tissue",
        )
    rate = (
        gap_mod.Rate("dprolif", got.dprolif, got.rate_origin)
        if got.dprolif is not None
        else gap_mod.Rate("k", got.k, got.rate_origin)
    )
    tissues = gap_mod.Tissues(
        tumour_alpha_beta=got.tumour_alpha_betas[0],
        rate=rate,
        kickoff=got.kickoff,
        late_alpha_beta=got.alpha_betas[0],
        repair_half_time=got.repair_half_time,
        tumour_origin=got.tumour_origins[0],
        kickoff_origin=got.kickoff_origin,
        late_origin=got.other_origins[0],
        half_time_origin=got.half_time_origin,
    )
    convention: Convention = "inclusive" if time_convention == "inclusive" else "elapsed"
    settings = gap_mod.Settings(
        allow_weekends,
        allow_holidays,
        max_bid_days,
        bid_interval if bid_interval is not None else quantity(6, "h"),
        convention,
    )
    request = app.Request(
        regimen=reg,
        start=app.date_field(start, "start"),
        fmt=fmt,
        rt_log=Path(rt_log),
        rt_log_name=rt_log,
        allow_weekends=allow_weekends,
        allow_holidays=allow_holidays,
        time_convention=convention,
        holidays=holidays_country,
    )
    built = app.build(request, with_baseline=True)
    assert built.baseline is not None  # noqa: S101 - built with a log and asked for
    report = gap_mod.gap_report(built.plan, built.baseline, tissues, settings)
    click.echo(out.render_json(report) if fmt == "json" else out.render_text(report), nl=False)


SCHEDULING = (
    "start",
    "course_starts",
    "start_doses",
    "ae_log",
    "lab_log",
    "rt_log",
    "allow_weekends",
    "allow_holidays",
    "time_convention",
    "cycles",
    "holidays_country",
    "treat_makeup_days",
    "height",
    "weight",
    "bsa_method",
    "bsa_cap",
    "patient",
    "sex",
    "age",
    "scr",
    "prior",
    "flag",
    "accept_stale",
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
            "--lab-log",
            "lab_log",
            metavar="PATH",
            help="Lab log for the regimen's blood-count and organ-function rules (CSV: "
            "date,test,value, e.g. 2022-01-10,anc,1.2 10^9/L).",
        ),
        click.option(
            "--rt-log",
            "rt_log",
            metavar="PATH",
            help="Radiotherapy treatment log (CSV: date,status[,dose][,session][,time][,reason]"
            "[,course]): delivered fractions as given, missed ones shown, the rest laid on the "
            "next treatment days.",
        ),
        click.option(
            "--allow-weekends",
            is_flag=True,
            help="Let --rt-log rows fall on a Saturday or Sunday.",
        ),
        click.option(
            "--allow-holidays",
            is_flag=True,
            help="Let --rt-log rows fall on a public holiday (--holidays).",
        ),
        click.option(
            "--time-convention",
            "time_convention",
            type=WordType(("elapsed", "inclusive")),
            default="elapsed",
            show_default=True,
            help="Overall time T: elapsed (last - first fraction, RCR and Fowler) or inclusive "
            "(both ends counted, 1 d more).",
        ),
        click.option(
            "--cycles", type=AsciiInt(), help="Number of cycles to lay out for every drug course."
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
        click.option(
            "--height",
            type=LENGTH_Q,
            help="Height on the start date, for courses dosed per m² (e.g. 170cm).",
        ),
        click.option(
            "--weight",
            type=MASS_Q,
            help="Actual body weight on the start date, for courses dosed per m² (e.g. 70kg).",
        ),
        click.option(
            "--bsa-method",
            type=WordType(("mosteller", "dubois", "haycock", "gehan-george", "boyd")),
            default="mosteller",
            show_default=True,
            help="BSA formula for courses dosed per m².",
        ),
        click.option(
            "--bsa-cap",
            "bsa_cap",
            type=AREA_Q,
            help="Largest BSA a dose per m² is calculated on (e.g. 2m2); replaces the "
            "regimen's own cap. No cap unless set here or in the regimen.",
        ),
        click.option(
            "--patient",
            "patient",
            metavar="FILE",
            help="A patient file (TOML): height, dated weights and labs, sex, age, flags, prior "
            "exposure; the values in force on the start date are used.",
        ),
        click.option(
            "--sex",
            type=WordType(("female", "male")),
            help="Sex, for a dose that needs it (taken as on the start date).",
        ),
        click.option(
            "--age",
            type=AgeType(),
            help="Age in whole years on the start date, for a dose that needs it.",
        ),
        click.option(
            "--scr",
            type=CREATININE_Q,
            help="Serum creatinine measured on the start date (0.9mg/dL or 80umol/L).",
        ),
        click.option(
            "--prior",
            "prior",
            multiple=True,
            metavar="DRUG=AMOUNT",
            help="Prior exposure (repeatable): doxorubicin=225mg/m2, an amount in mg/m2 or mg, "
            "or unknown; adds to a patient file's.",
        ),
        click.option(
            "--flag",
            "flag",
            multiple=True,
            metavar="NAME",
            help="A clinical flag (repeatable), e.g. prior-cardiac-irradiation; adds to a "
            "patient file's.",
        ),
        click.option(
            "--accept-stale",
            "accept_stale",
            is_flag=True,
            help="Dose from a patient file's latest weight even when it is older than the "
            "regimen's limit (default 30 d); every output says so.",
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


def _request(
    regimen: Any,
    schedule: dict[str, Any],
    fmt: str = "text",
    render: Any = None,
    plan_id: str = "",
) -> Any:
    """The scheduling options as an :class:`regimen.app.Request` (``None`` without --start);
    errors name the request's fields, which :data:`CLI_NAMES` turns back into options."""
    from regimen import app

    if schedule["start"] is None:
        for name, given in (
            ("--course-start", schedule["course_starts"]),
            ("--start-dose", schedule["start_doses"]),
            ("--ae-log", schedule["ae_log"] is not None),
            ("--lab-log", schedule["lab_log"] is not None),
            ("--rt-log", schedule["rt_log"] is not None),
            ("--cycles", schedule["cycles"] is not None),
            ("--holidays", schedule["holidays_country"] is not None),
            ("--height", schedule["height"] is not None),
            ("--weight", schedule["weight"] is not None),
            ("--bsa-cap", schedule["bsa_cap"] is not None),
            ("--patient", schedule["patient"] is not None),
            ("--sex", schedule["sex"] is not None),
            ("--age", schedule["age"] is not None),
            ("--scr", schedule["scr"] is not None),
            ("--prior", schedule["prior"]),
            ("--flag", schedule["flag"]),
            ("--accept-stale", schedule["accept_stale"]),
        ):
            if given:
                raise InputError("needs --start", where=name)
        return None
    starts = app.course_starts(regimen, schedule["course_starts"])
    doses = app.start_doses(regimen, schedule["start_doses"])
    begin = app.date_field(schedule["start"], "start")
    ae_log = schedule["ae_log"]
    if ae_log == "":
        raise InputError("is empty; give the path of an AE log (CSV)", where="--ae-log")
    lab_log = schedule["lab_log"]
    if lab_log == "":
        raise InputError("is empty; give the path of a lab log (CSV)", where="--lab-log")
    rt_log = schedule["rt_log"]
    if rt_log == "":
        raise InputError("is empty; give the path of an RT log (CSV)", where="--rt-log")
    for flag in ("allow_weekends", "allow_holidays"):
        if schedule[flag] and rt_log is None:
            raise InputError("only applies with --rt-log", where=CLI_NAMES[flag])
    return app.Request(
        regimen=regimen,
        start=begin,
        fmt=fmt,
        course_starts=starts,
        start_doses=doses,
        ae_log=Path(ae_log) if ae_log is not None else None,
        ae_log_name=ae_log,
        lab_log=Path(lab_log) if lab_log is not None else None,
        lab_log_name=lab_log,
        rt_log=Path(rt_log) if rt_log is not None else None,
        rt_log_name=rt_log,
        allow_weekends=schedule["allow_weekends"],
        allow_holidays=schedule["allow_holidays"],
        time_convention=schedule["time_convention"],
        cycles=schedule["cycles"],
        holidays=schedule["holidays_country"],
        treat_makeup_days=schedule["treat_makeup_days"],
        render=render if render is not None else app.RenderOptions(),
        plan_id=plan_id,
        measurements=_measurements(regimen, begin, schedule),
        bsa_method=schedule["bsa_method"],
        bsa_cap=schedule["bsa_cap"],
    )


def _measurements(regimen: Any, start: Any, schedule: dict[str, Any]) -> Any:
    """The patient's values: from --patient (with --prior and --flag added), or from the
    quick-check options; never both for one value."""
    from regimen import measurements
    from regimen.patient import load_patient

    quick = ("height", "weight", "sex", "age", "scr")
    path = schedule["patient"]
    if path is None:
        if schedule["accept_stale"]:
            raise InputError(
                "only applies with --patient (a weight given with --weight is taken as "
                "measured on the start date)",
                where="--accept-stale",
            )
        return measurements.from_options(
            regimen,
            start,
            **{name: schedule[name] for name in quick},
            prior=schedule["prior"],
            flags=schedule["flag"],
        )
    if path == "":
        raise InputError("is empty; give the path of a patient file (TOML)", where="--patient")
    for name in quick:
        if schedule[name] is not None:
            word = measurements.VALUE_WORDS[name]
            raise InputError(
                f"give the {word} in the patient file or on the command line, not both",
                where=CLI_NAMES[name],
            )
    return measurements.from_patient(
        load_patient(path),
        start,
        path,
        regimen,
        prior=schedule["prior"],
        flags=schedule["flag"],
        accept_stale=schedule["accept_stale"],
    )


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
@click.option(
    "--plan-id", help="ics, fhir: an id mixed into event UIDs and FHIR ids (never written out)."
)
@click.option(
    "--generated-at",
    help="ics: DTSTAMP (ISO, UTC); default SOURCE_DATE_EPOCH, else now. fhir: the Bundle's "
    "timestamp (none unless given).",
)
@click.option(
    "--subject",
    metavar="REFERENCE",
    help="fhir: the patient, e.g. Patient/123 or an absolute URL (default: no identifier).",
)
@click.option(
    "--feed-url",
    metavar="URL",
    help="ics: the https:// address the calendar is published at; adds the RFC 7986 feed "
    "properties (name, description, refresh interval, source, color) for a subscription.",
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
    plan_id: str | None,
    generated_at: str | None,
    subject: str | None,
    feed_url: str | None,
    lang: str,
    large_print: bool,
) -> None:
    """Lay a regimen on real dates: fractions, cycles (C1D1...), holds and decisions.

    With -o, the file is written whole or not at all and gets the permissions of any new file
    (0666 less your umask: 0644 with umask 022, 0600 with umask 077); an existing file is
    replaced only with --force and only if it is a regular file (never a device or a pipe).
    """
    import dataclasses

    from regimen import app

    if schedule["start"] is None:
        raise InputError("is required (YYYY-MM-DD)", where="--start")
    ics_only = {
        "--time": event_time,
        "--tz": tz,
        "--reminder": reminder,
        "--with-drug-names": with_drug_names or None,
        "--plan-id": plan_id,
        "--feed-url": feed_url,
    }
    if fmt == "fhir":
        ics_only.pop("--plan-id")
    if fmt != "ics":
        for name, given in ics_only.items():
            if given is not None:
                raise InputError("only applies with --format ics", where=name)
    if subject is not None and fmt != "fhir":
        raise InputError("only applies with --format fhir", where="--subject")
    ics_opts = None
    fhir_stamp = None
    if fmt == "ics":
        stamp = app.generation_time(generated_at, os.environ)
        ics_opts = app.ics_options(stamp, event_time, tz, reminder, with_drug_names, feed_url)
    elif fmt == "fhir" and generated_at is not None:
        fhir_stamp = app.generation_time(generated_at, {})
    if subject is not None:
        from regimen.export.fhir import check_subject

        try:
            check_subject(subject)
        except InputError as exc:
            raise InputError(exc.what, where="--subject") from None
    reg = app.load_regimen(regimen)
    render = app.RenderOptions(
        lang=lang,
        large_print=large_print,
        ics=ics_opts,
        subject=subject,
        fhir_generated_at=fhir_stamp,
    )
    request = _request(reg, schedule, fmt, render, plan_id or "")
    built = app.build(request)
    if fmt not in ("ics", "html") and large_print:
        raise InputError("only applies with --format html", where="--large-print")
    when = _as_of(as_of, built.plan)
    if when is not None:
        if fmt not in ("text", "json"):
            raise InputError("only applies with --format text or json", where="--as-of")
        request = dataclasses.replace(request, render=app.RenderOptions(as_of=when))
    text = app.render(request, built)
    write_output(text, output, force)


@cli.command("check-fhir")
@click.argument("path")
def check_fhir(path: str) -> None:
    """Check a FHIR R4 JSON file (a Bundle or one resource) with the fhir.resources R4B models
    and the checks they skip: required codes, UCUM units, references inside the Bundle, no
    entry twice. Needs the fhir extra (pip install regimen[fhir])."""
    from regimen.fhircheck import MAX_FHIR_BYTES, check
    from regimen.files import printable, read_input

    shown = printable(path)
    data = read_input(Path(path), "FHIR file", MAX_FHIR_BYTES)
    try:
        findings = check(data)
    except InputError as exc:
        where = "check-fhir" if exc.where == "check-fhir" else path
        raise InputError(exc.what, where=where) from None
    for finding in findings:
        click.echo(f"{shown}: {printable(finding)}", err=True)
    if findings:
        sys.exit(1)
    click.echo(f"{shown}: ok")


@cli.command("check-ics")
@click.argument("path")
@click.option("--events", "expected", type=AsciiInt(), help="Also require this many events.")
def check_ics(path: str, expected: int | None) -> None:
    """Check an iCalendar file against RFC 5545 (the rules regimen's exporter keeps)."""
    from regimen.files import printable, read_input
    from regimen.icslint import MAX_ICS_BYTES, lint

    data = read_input(Path(path), "iCalendar file", MAX_ICS_BYTES)
    problems = lint(data, expected)
    shown = printable(path)
    for problem in problems:
        click.echo(f"{shown}: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"{shown}: ok")


@cli.command()
@click.argument("name", required=False)
@click.option("--list", "list_names", is_flag=True, help="List the schema names, one a line.")
def schema(name: str | None, list_names: bool) -> None:
    """Print the JSON Schema (draft 2020-12) of a JSON output: NAME is a command (calendar,
    dose, bed...) or presets-list / presets-show."""
    from regimen.export import schema as schemas

    if list_names:
        if name is not None:
            raise InputError("give a NAME or --list, not both", where="schema")
        click.echo("\n".join(schemas.NAMES))
        return
    if name is None:
        raise InputError(f"give a NAME ({', '.join(schemas.NAMES)}) or --list", where="schema")
    click.echo(schemas.text(name), nl=False)


@cli.command()
@click.argument("regimen")
@_alpha_beta_option
@_scheduling_options
@_as_of_option
@click.option("--kickoff", type=DURATION_Q, help="T_k for the time-corrected BED (needs --start).")
@click.option("--k", "k", type=RATE_Q, help="K in BED units per day.")
@click.option("--dprolif", type=RATE_Q, help="Dprolif in EQD2 units per day.")
@click.option(
    "--repair-half-time",
    type=DURATION_Q,
    help="Late tissue's repair half-time (e.g. 1.5h) for phases of 2 or 3 fractions a day and "
    "RT-log days with several; overrides --late-tissue's.",
)
@_tissue_options
@_format_option(("text", "json"))
def dose(
    regimen: str,
    alpha_betas: tuple[Dose, ...],
    tumour_alpha_betas: tuple[Dose, ...],
    schedule: dict[str, Any],
    as_of: str | None,
    kickoff: Duration | None,
    k: DoseRate | None,
    dprolif: DoseRate | None,
    repair_half_time: Duration | None,
    tissue: str | None,
    late_tissue: str | None,
    fmt: str,
) -> None:
    """Dose summary: radiotherapy dose, BED and EQD2; with --start, drug totals and dispensing.

    With --start the overall treatment time comes from the dated calendar; add --kickoff and
    --k or --dprolif for the time-corrected BED.
    """
    from regimen import app, presets
    from regimen.dose_report import dose_report
    from regimen.export import dose as dose_export
    from regimen.rtlog import overall_time
    from regimen.units import quantity

    reg = app.load_regimen(regimen)
    request = _request(reg, schedule)
    with_log = request is not None and request.rt_log is not None
    built = app.build(request, with_baseline=with_log) if request is not None else None
    plan = built.plan if built is not None else None
    baseline = built.baseline if built is not None else None
    convention = schedule["time_convention"]
    got = presets.resolve(
        tissue, late_tissue, tumour_alpha_betas, alpha_betas, k, dprolif, kickoff, repair_half_time
    )
    time = None
    from_preset = got.kickoff is not None and plan is not None and bool(reg.radiotherapy)
    if kickoff is not None or k is not None or dprolif is not None or from_preset:
        if plan is None or not reg.radiotherapy:
            raise InputError(
                "the time correction needs --start and a radiotherapy course", where="--kickoff"
            )
        overall = overall_time(plan, baseline, reg.radiotherapy[0].id, convention)
        if overall is None:
            raise InputError("the radiotherapy course has no fraction", where="--kickoff")
        time = _time_correction(
            quantity(overall.planned, "d"), got.kickoff, got.k, got.dprolif, got
        )
    report = dose_report(
        reg,
        got.alpha_betas,
        plan,
        None,
        time,
        got.tumour_alpha_betas,
        _as_of(as_of, plan),
        baseline,
        convention,
        repair_half_time=got.repair_half_time,
        tumour_origins=got.tumour_origins,
        other_origins=got.other_origins,
        half_time_origin=got.half_time_origin,
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
    type=AsciiIntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes to spread patients over.",
)
@click.option(
    "--generated-at", help="ics: DTSTAMP (ISO, UTC); default SOURCE_DATE_EPOCH, else now."
)
@click.option(
    "--data-dir",
    metavar="DIR",
    help="Folder the cohort's ae_log and regimen paths are relative to and may not leave "
    "(default: the cohort file's folder).",
)
@click.option(
    "--feed-url",
    metavar="URL",
    help="ics: where each calendar is published, with {patient} for the patient's file name "
    "(https://calendars.example.org/{patient}.ics); adds the RFC 7986 feed properties.",
)
def batch(
    cohort: str,
    output_dir: str,
    fmt: str,
    jobs: int,
    generated_at: str | None,
    data_dir: str | None,
    feed_url: str | None,
) -> None:
    """Calendars for a cohort: COHORT.csv has patient,regimen,start[,ae_log][,cycles][,start_dose]
    [,patient_file] (patient_file: a patient file, needed for a regimen dosed by body size).

    Writes one file per patient and then summary.csv into --output-dir; a bad row is reported
    in the summary (and its file from an earlier run removed) and does not stop the batch.
    Exits 1 when any row failed or the run was interrupted (then no summary.csv and no
    temporary file is left), 2 for bad input (summary.csv not written), 3 for a bug.

    Paths: ae_log, patient_file and regimen file paths are relative to the cohort file's folder (or
    --data-dir) and may not leave it: no '..', no symbolic link out, no absolute path (except
    one into --data-dir). A cell holding a control character refuses the whole cohort.

    File names: the patient key's letters and digits (any script), '-' and '_'; anything else
    becomes '_'; at most 100 bytes. 'summary', Windows device names (CON, nul.txt, COM1...)
    and keys beginning with '-' or '.' get the prefix 'patient-' (said in the summary's note
    column). Two keys giving one file name (ignoring case): the later row is an error.

    Permissions: 0666 less your umask, like any new file (umask 077 keeps them private).
    """
    from regimen import app
    from regimen import batch as batch_mod

    where = f"--output-dir {output_dir}"
    try:
        app.check_path_name(output_dir, "output")
    except InputError as exc:
        raise InputError(exc.what, where=where) from None
    out_dir = Path(output_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("is not a folder", where=where)
    if feed_url is not None:
        if fmt != "ics":
            raise InputError("only applies with --format ics", where="--feed-url")
        batch_mod.check_feed_template(feed_url)
    rows = batch_mod.read_cohort(Path(cohort))
    stamp = app.generation_time(generated_at, os.environ)
    folder = Path(cohort).parent
    if data_dir is not None:
        try:
            app.check_path_name(data_dir, "data_dir")
        except InputError as exc:
            raise InputError(exc.what, where=f"--data-dir {data_dir}") from None
        folder = Path(data_dir)
        if not folder.is_dir():
            raise InputError("is not a folder", where=f"--data-dir {data_dir}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), where=where) from None
    try:
        if sys.stderr.isatty():
            with click.progressbar(length=len(rows), label="patients", file=sys.stderr) as bar:
                outcomes = batch_mod.run_batch(
                    rows,
                    folder,
                    out_dir,
                    fmt,
                    stamp,
                    jobs,
                    bar.update,
                    data_dir is not None,
                    feed_url,
                )
        else:
            outcomes = batch_mod.run_batch(
                rows, folder, out_dir, fmt, stamp, jobs, None, data_dir is not None, feed_url
            )
    except app.Interrupted as exc:
        exc.detail = f"no {batch_mod.SUMMARY} written; the patient files written are complete"
        raise
    failed = [o for o in outcomes if o.status != "ok"]
    click.echo(
        f"{len(outcomes) - len(failed)} of {len(outcomes)} patients written to {out_dir}; "
        f"{len(failed)} failed (see {out_dir / batch_mod.SUMMARY})"
    )
    if any(o.internal for o in outcomes):
        sys.exit(INTERNAL_ERROR)
    if failed:
        sys.exit(1)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console-script entry point."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="regimen")


if __name__ == "__main__":  # pragma: no cover
    main()

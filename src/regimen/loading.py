"""Loading regimen files (TOML) and AE logs (CSV) strictly, with every problem at once.

Only this module knows TOML and CSV. Loading never coerces: ``2.7`` fractions, ``true`` for a
number, a bare number for a dose, an unknown key or an unknown unit are each a problem, and all
problems are reported together as ``file: key.path: what is wrong`` (a TOML syntax error keeps
its line and column). Dates are ISO 8601 only (``2022-05-16``); dateutil's fuzzy parser is not
used for input because it invents dates (``03/04/2022`` month-first, ``2022`` today's month).

Each TOML table is declared once, as a :class:`Table` of :class:`Key` s (checker, required or
default, the model attributes a value fills, whether its text may run over several lines), with
the limits the model modules own; one reader walks every table, so a new table or key is one
declaration. Key paths are tuples (``("courses", 1, "rules", 0)``) formatted once, in the report.

cattrs was considered: it coerces by default and would need a strict hook for every field plus a
translation of its error tree into our messages; a small explicit reader is shorter and says
exactly what is wrong where.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from regimen.bodysize import WEIGHT_BASES
from regimen.cumulative import LifetimeLimit
from regimen.dosing import Band as DoseBand
from regimen.dosing import BandTable, Rounding, parse_level, parse_percent
from regimen.drugs import (
    CODE_SYSTEMS,
    DOSE_BASES,
    MAX_CYCLE_LENGTH,
    MAX_CYCLES,
    Codes,
    DrugCourse,
    FieldError,
    check_code,
    days_text,
)
from regimen.errors import InputError, LoadError, RegimenError, UnknownRegimenError
from regimen.files import CONTROL_RE, article, printable, read_input
from regimen.labrules import (
    Band,
    LabAction,
    LabResult,
    LabRule,
    parse_action,
    parse_condition,
)
from regimen.modification import MAX_GRADE, Action, AdverseEvent, Resume, Rule
from regimen.radiotherapy import (
    MAX_FRACTIONS,
    MAX_FRACTIONS_PER_DAY,
    Phase,
    RadiotherapyCourse,
    TreatmentDays,
    interval_problem,
)
from regimen.regimen import Regimen, StartRule
from regimen.sources import Source, SourceKind
from regimen.terms import closest, rule_target
from regimen.terms import resolve as resolve_term
from regimen.units import (
    AMOUNT,
    AREA,
    CLEARANCE,
    CREATININE,
    DOSE,
    DOSE_PER_AREA,
    DOSE_PER_MASS,
    DURATION,
    TARGET_AUC,
    Kind,
    magnitude,
    parse_quantity,
    unsafe_notation,
)

#: Largest input file read, in bytes: a regimen or AE log is a few kilobytes.
MAX_FILE_BYTES = 1_000_000
MAX_AE_ROWS = 10_000
#: The longest interval a regimen file may write (a start gap, a maximum hold) [d].
MAX_INTERVAL_DAYS = 3650
#: Dosage forms a regimen file may name (for dispensing text).
DOSAGE_FORMS = ("capsule", "tablet", "vial", "unit")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

#: A key path: ``("courses", 1, "rules", 0, "grades")`` is ``courses[1].rules[0].grades``.
KeyPath = tuple[str | int, ...]


# ---------------------------------------------------------------------------------------------
# reading files


def read_text(path: Path, what: str = "file") -> str:
    """Read a UTF-8 text file, turning every OS or encoding problem into one clear error.

    A UTF-8 byte-order mark is accepted and dropped (spreadsheet programs write one).
    """
    where = printable(str(path))
    data = read_input(path, what, MAX_FILE_BYTES)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError("is UTF-16 text; save it as UTF-8", where=where)
    if b"\x00" in data:
        raise InputError(f"is a binary file, not {article(what)}", where=where)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (byte {exc.start})", where=where) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InputError(f"is empty; expected {article(what)}", where=where)
    return text


def bundled_ids() -> list[str]:
    """The ids of the regimens shipped with the package."""
    return sorted(p.stem for p in _bundled_folder().glob("*.toml"))


def _bundled_folder() -> Path:
    """The installed ``regimen.regimens`` package folder (the repository's ``regimens/`` in an
    editable install, ``site-packages/regimen/regimens`` from a wheel)."""
    import importlib

    package = importlib.import_module("regimen.regimens")
    return Path(str(package.__file__)).parent


def resolve(name: str) -> tuple[str, str, str]:
    """Find a REGIMEN argument: a bundled id, or a path to a file.

    Returns ``(regimen id, display path, text)``.
    """
    if name in bundled_ids():
        text = (_bundled_folder() / f"{name}.toml").read_text(encoding="utf-8")
        return name, f"{name}.toml", text
    path = Path(name)
    looks_like_path = path.suffix == ".toml" or "/" in name or "\\" in name or path.exists()
    if not looks_like_path:
        raise UnknownRegimenError(name, bundled_ids())
    return path.stem, name, read_text(path, "regimen file")


def load_regimen(name: str) -> Regimen:
    """Load a bundled id or a file path into a :class:`Regimen`, strictly."""
    regimen_id, where, text = resolve(name)
    return parse_regimen(text, where, regimen_id)


def parse_regimen(text: str, where: str, regimen_id: str) -> Regimen:
    """Parse regimen TOML text; ``where`` names the file in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LoadError(where, [("", _toml_message(exc, text))]) from None
    unsafe = list(_unsafe_text(data, ()))
    reader = _Reader()
    regimen = reader.table(data, (), REGIMEN, id=regimen_id)[1]
    if unsafe or reader.problems or not isinstance(regimen, Regimen):
        raise LoadError(where, [(_key_path(p), m) for p, m in unsafe + reader.problems])
    return regimen


def _key_path(path: KeyPath) -> str:
    """``courses[1].rules[0].grades`` from ``("courses", 1, "rules", 0, "grades")``."""
    out = ""
    for part in path:
        out = f"{out}[{part}]" if isinstance(part, int) else f"{out}.{part}" if out else part
    return out


def _unsafe_text(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    """``(key path, message)`` for every text holding a character that could act on a
    terminal, a calendar or a spreadsheet: C0 and C1 controls (a line feed only inside a
    multi-line text, :data:`MULTILINE_KEYS`; a translation ``*_zh`` follows its key), DEL, and
    bidirectional overrides and isolates."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _unsafe_text(item, (*path, key))
            if isinstance(key, str) and _CONTROL.search(key):
                yield (path or ("(top level)",), f"a key holds {_control_name(key)}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _unsafe_text(item, (*path, i))
    elif isinstance(value, str):
        key = next((str(p) for p in reversed(path) if isinstance(p, str)), "")
        text = value.replace("\n", "") if key.removesuffix("_zh") in MULTILINE_KEYS else value
        match = _CONTROL.search(text)
        if match:
            breaks = match.group() in "\r\n"
            hint = " (only a multi-line text may hold line breaks)" if breaks else ""
            yield (path, f"holds {_control_name(text)}; remove it{hint}")


def refuse_control(text: str, where: str, multiline: bool = False) -> str:
    """``text`` unchanged, or an :class:`InputError` naming ``where`` when it holds a control
    or bidirectional-override character (a line feed allowed only when ``multiline``). For
    text read from CSV files (cohort cells, AE-log fields), one rule with the regimen files."""
    checked = text.replace("\n", "") if multiline else text
    match = _CONTROL.search(checked)
    if match:
        raise InputError(f"holds {_control_name(checked)}; remove it", where=where)
    return text


def _control_name(text: str) -> str:
    match = _CONTROL.search(text)
    assert match is not None  # noqa: S101 - called only on a text that matched
    char = match.group()
    names = {"\r": "a carriage return", "\n": "a line break", "\t": "a tab", "\x1b": "an escape"}
    what = names.get(char, "a control or bidirectional-override character")
    return f"{what} (U+{ord(char):04X})"


def _toml_message(exc: tomllib.TOMLDecodeError, text: str) -> str:
    msg = str(exc)
    m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
    if m:
        core = msg[: m.start()].strip()
        return f"line {m.group(1)}, column {m.group(2)}: TOML syntax error: {core}"
    m = re.search(r"\(at end of document\)", msg)
    if m:
        lines = text.splitlines() or [""]
        core = msg[: m.start()].strip()
        return (
            f"line {len(lines)}, column {len(lines[-1]) + 1}: TOML syntax error: {core} "
            "(at end of file)"
        )
    return f"TOML syntax error: {msg}"


# ---------------------------------------------------------------------------------------------
# declarations and the one reader


Check = Callable[[Any, "_At"], Any]


@attrs.frozen
class Key:
    """One key of a TOML table.

    ``check(value, at)`` returns the typed value or raises a :class:`RegimenError` whose text is
    reported at the key. ``required``: True, or the problem text when the key is missing;
    otherwise a missing key gives ``default``. ``to``: the model attribute the value fills
    (default: the key's name), or a tuple for the parts of the value (``()``: the table's own
    code uses it). ``multiline``: its text may hold line breaks.
    """

    name: str
    check: Check
    required: bool | str = False
    default: Any = None
    to: str | tuple[str, ...] = ""
    multiline: bool = False


@attrs.frozen
class Table:
    """A TOML table: its keys in order (the order of the checks and of ``allowed:``), the model
    built from them, and a check across keys yielding ``(key path under the table, problem)``
    (run on the keys read well). A tagged table reads its own keys first; the value of its
    ``tag`` key picks the variant whose keys are then allowed, read and built into its model."""

    keys: tuple[Key, ...]
    model: Callable[..., Any] | None = None
    check: Callable[[dict[str, Any]], Iterable[tuple[KeyPath, str]]] | None = None
    tag: str = ""
    variants: Mapping[str, Table] = attrs.field(factory=dict)


@attrs.frozen
class _At:
    """Where a checker is: the reader (nested tables, references) and the key path."""

    reader: _Reader
    path: KeyPath


class _AlreadyReported(RegimenError):
    """A follow-on problem of one already reported (a bad phase in a course, a source key when
    the whole ``sources`` table is missing): not repeated."""


class _Reader:
    """Walks parsed TOML against the declarations, collecting problems instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[tuple[KeyPath, str]] = []
        #: The named tables read so far (``sources``), by key, for references (:class:`_Ref`).
        self.named: dict[str, dict[str, Any]] = {}

    def problem(self, path: KeyPath, message: str) -> None:
        self.problems.append((path, message))

    def table(
        self, raw: dict[str, Any], path: KeyPath, spec: Table, **given: Any
    ) -> tuple[dict[str, Any], Any]:
        """The values of ``raw``'s keys read well, and the model built from them (with
        ``given`` attributes), or None when a key or the check across keys found a problem."""
        if not spec.variants:
            self.unknown(raw, path, spec.keys)
        values = self.values(raw, path, spec.keys)
        if spec.variants:
            variant = spec.variants.get(values.get(spec.tag, ""))
            others = [variant] if variant else list(spec.variants.values())
            self.unknown(raw, path, (*spec.keys, *(k for v in others for k in v.keys)))
            if variant is None:
                return values, None
            values |= self.values(raw, path, variant.keys)
            spec = attrs.evolve(variant, keys=(*spec.keys, *variant.keys))
        complete = all(key.name in values for key in spec.keys)
        for under, message in spec.check(values) if spec.check else ():
            self.problem((*path, *under), message)
            complete = False
        if not complete or spec.model is None:
            return values, None
        for key in spec.keys:
            if isinstance(key.to, str):
                given[key.to or key.name] = values[key.name]
            elif key.to:
                given.update(zip(key.to, values[key.name], strict=True))
        try:
            return values, spec.model(**given)
        except _AlreadyReported:
            pass
        except FieldError as exc:
            self.problem((*path, exc.field), exc.what)
        except RegimenError as exc:
            self.problem(path, exc.what)
        return values, None

    def values(self, raw: dict[str, Any], path: KeyPath, keys: Sequence[Key]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in keys:
            at = (*path, key.name)
            if key.name not in raw:
                if key.required:
                    self.problem(at, "is required" if key.required is True else str(key.required))
                else:
                    out[key.name] = key.default
                continue
            try:
                out[key.name] = key.check(raw[key.name], _At(self, at))
            except _AlreadyReported:
                pass
            except RegimenError as exc:
                self.problem(at, exc.what)
        return out

    def unknown(self, raw: dict[str, Any], path: KeyPath, keys: Iterable[Key]) -> None:
        allowed = list(dict.fromkeys(key.name for key in keys))
        for name in raw:
            if name not in allowed:
                near = difflib.get_close_matches(name, allowed, n=1, cutoff=0.75)
                extra = (
                    f" (did you mean {near[0]!r}?)" if near else f"; allowed: {', '.join(allowed)}"
                )
                self.problem((*path, name), f"unknown key{extra}")


@attrs.frozen
class _Tables:
    """An array of tables (``[[courses.phases]]``), each read against ``spec``: the models
    (``whole``: all of them or a problem) or every table's ``(values, model or None)``."""

    spec: Table
    shape: str
    empty: str = ""
    whole: bool = True

    def __call__(self, value: Any, at: _At) -> Any:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise InputError(self.shape)
        if not value and self.empty:
            raise InputError(self.empty)
        items = [at.reader.table(v, (*at.path, i), self.spec) for i, v in enumerate(value)]
        if not self.whole:
            return items
        if any(model is None for _, model in items):
            raise _AlreadyReported("a table of the array")
        return tuple(model for _, model in items)


@attrs.frozen
class _Named:
    """A table of named tables (``[sources.KEY]``), each read against ``spec`` with its name as
    the model's ``key``; those built are kept for references (:class:`_Ref`)."""

    spec: Table
    shape: str

    def __call__(self, value: Any, at: _At) -> dict[str, Any]:
        if not isinstance(value, dict) or not value:
            raise InputError(self.shape)
        # An entry with a problem of its own is known as None: references to it are not repeated.
        built = at.reader.named.setdefault(str(at.path[-1]), {})
        for name, item in value.items():
            if not isinstance(item, dict):
                at.reader.problem((*at.path, name), "must be a table")
                built[name] = None
            else:
                built[name] = at.reader.table(item, (*at.path, name), self.spec, key=name)[1]
        return built


@attrs.frozen
class _Sub:
    """One inline table (``start = { after = "rt" }``) read against ``spec``."""

    spec: Table
    shape: str

    def __call__(self, value: Any, at: _At) -> Any:
        if not isinstance(value, dict):
            raise InputError(self.shape)
        model = at.reader.table(value, at.path, self.spec)[1]
        if model is None:
            raise _AlreadyReported("the table")
        return model


@attrs.frozen
class _Ref:
    """The key of an entry of a named table read before (``source = "li2025"``)."""

    table: str
    what: str

    def __call__(self, value: Any, at: _At) -> Any:
        key = _text(value, at)
        known = at.reader.named.get(self.table, {})
        if not any(known.values()):
            raise _AlreadyReported(f"{self.table}: none read")
        if key not in known:
            raise InputError(f"unknown {self.what} {key!r} ({self.table}: {', '.join(known)})")
        if known[key] is None:
            raise _AlreadyReported(f"{self.what} {key!r}")
        return known[key]


# ---------------------------------------------------------------------------------------------
# value checks: each takes (value, where it is) and returns the typed value or raises


def _typename(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        str: "a string",
        list: "an array",
        dict: "a table",
        dt.date: "a date",
        dt.datetime: "a date-time",
        dt.time: "a time",
    }.get(type(value), f"a {type(value).__name__}")


def _text(value: Any, at: _At) -> str:
    if not isinstance(value, str):
        raise InputError(f"must be a string, got {_typename(value)}")
    if not value.strip():
        raise InputError("must not be empty")
    return value.strip()


def _safe_text(value: Any, at: _At) -> str:
    text = _text(value, at)
    problem = unsafe_notation(text)
    if problem:
        raise InputError(f"unsafe notation (ISMP): {problem}")
    return text


def _text_list(value: Any, at: _At) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise InputError(f"must be an array of strings, got {_typename(value)}")
    return tuple(_text(v, at) for v in value)


def _identifier(value: Any, at: _At) -> str:
    text = _text(value, at)
    if not _ID_RE.match(text):
        raise InputError(
            f"must be lower-case letters, digits, '-' or '_' (e.g. 'anlotinib'), got {text!r}"
        )
    return text


def _count(lo: int, hi: int) -> Check:
    def check(value: Any, at: _At) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float):
                raise InputError(f"must be a whole number, got {value!r}")
            raise InputError(f"must be a whole number, got {_typename(value)}")
        if not lo <= value <= hi:
            raise InputError(f"must be between {lo} and {hi}, got {value}")
        return value

    return check


def _quantity(kind: Kind) -> Check:
    return lambda value, at: parse_quantity(value, kind)


def _dose_level(value: Any, at: _At) -> Any:
    """A drug amount (``"12 mg"``), or a dose per body surface area (``"900 mg/m2"``) for a
    course with ``dose_basis = "bsa"`` (the course checks which its basis needs)."""
    try:
        return parse_quantity(value, AMOUNT)
    except RegimenError:
        try:
            return parse_quantity(value, DOSE_PER_AREA)
        except RegimenError:
            pass
        raise


def _items(item: Check) -> Check:
    """A non-empty array whose every item passes ``item``; a bad item is named by its index."""

    def check(value: Any, at: _At) -> tuple[Any, ...]:
        if not isinstance(value, list) or not value:
            got = "an empty array" if value == [] else _typename(value)
            raise InputError(f'must be a non-empty array like ["12 mg", "10 mg"], got {got}')
        out = []
        for i, v in enumerate(value):
            try:
                out.append(item(v, at))
            except RegimenError as exc:
                raise InputError(f"item {i}: {exc.what}") from None
        return tuple(out)

    return check


def _quantity_list(kind: Kind | None) -> Check:
    """A non-empty array of quantities of ``kind`` (None: dose levels, see :func:`_dose_level`)."""
    if kind is None:
        return _items(_dose_level)
    return _items(lambda v, at: parse_quantity(v, kind))


def _days(allow_zero: bool) -> Check:
    def check(value: Any, at: _At) -> int:
        days = magnitude(parse_quantity(value, DURATION), "d")
        if not float(days).is_integer():
            raise InputError(f"must be a whole number of days, got {value!r}")
        if days == 0 and not allow_zero:
            raise InputError(f"must be at least 1 d, got {value!r}")
        if days > MAX_INTERVAL_DAYS:
            raise InputError(
                f"{value!r} is beyond any plausible interval (limit {MAX_INTERVAL_DAYS} d)"
            )
        return int(days)

    return check


_DAYS_RE = re.compile(r"^\s*([0-9]+)\s*(?:-\s*([0-9]+))?\s*$")


def _day_list(value: Any, at: _At) -> tuple[int, ...]:
    """``"1-14"``, ``"1, 8, 15"``, ``"1-3, 8"`` or an array of whole numbers."""
    days: list[int] = []
    if isinstance(value, list):
        days.extend(_count(1, MAX_CYCLE_LENGTH)(v, at) for v in value)
    elif isinstance(value, str):
        for part in value.split(","):
            m = _DAYS_RE.match(part)
            if m is None:
                raise InputError(f'must be day numbers like "1-14" or "1, 8", got {value!r}')
            lo = int(m.group(1))
            hi = int(m.group(2) or lo)
            if lo < 1 or hi < lo:
                raise InputError(f"bad day range {part.strip()!r}; days count from 1, low to high")
            if hi > MAX_CYCLE_LENGTH:
                raise InputError(f"day {hi} is beyond any cycle (limit {MAX_CYCLE_LENGTH})")
            days.extend(range(lo, hi + 1))
    else:
        raise InputError(f'must be day numbers like "1-14" or [1], got {_typename(value)}')
    if not days:
        raise InputError("needs at least one day")
    if len(set(days)) != len(days):
        raise InputError("lists a day twice")
    return tuple(days)


def _grade_range(value: Any, at: _At) -> tuple[int, int]:
    """``"2"``, ``"3-4"``, or a whole number."""
    if isinstance(value, int) and not isinstance(value, bool):
        lo = hi = value
    elif isinstance(value, str) and (m := _DAYS_RE.match(value)) is not None:
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
    else:
        raise InputError(f'must be a grade like "2" or a range like "3-4", got {value!r}')
    if not 0 <= lo <= hi <= MAX_GRADE:
        raise InputError(f"grades run 0-{MAX_GRADE}, low to high; got {value!r}")
    return lo, hi


def _term(value: Any, at: _At) -> Any:
    text = _text(value, at)
    target = rule_target(text)
    if target is None:
        raise InputError(f"unknown adverse-event term {text!r} (use a CTCAE term or 'any')")
    return target


def _one_of(options: Iterable[Any]) -> Check:
    """One of ``options``: texts, or an enum's members (by their value)."""
    by_text = {getattr(o, "value", o): o for o in options}

    def check(value: Any, at: _At) -> Any:
        if isinstance(value, str) and value in by_text:
            return by_text[value]
        raise InputError(f"must be one of {', '.join(map(repr, by_text))}, got {value!r}")

    return check


# ---------------------------------------------------------------------------------------------
# the regimen file, one declaration per table

_SOURCE_REF = _Ref("sources", "source")

SOURCE = Table(
    (
        Key("kind", _one_of(SourceKind), required=True),
        Key("title", _text, default=""),
        Key("citation", _text, required=True, multiline=True),
        Key("doi", _text, default=""),
        Key("url", _text, default=""),
        Key("note", _text, default="", multiline=True),
    ),
    model=Source,
)


def _start_rule(
    after: str | None,
    gap: int | None,
    with_course: str | None,
    note: str,
    same_cycle: bool = False,
) -> StartRule:
    return StartRule(
        after=after, gap=gap or 0, with_course=with_course, note=note, same_cycle=same_cycle
    )


def _boolean(value: Any, at: _At) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"must be true or false, got {_typename(value)}")
    return value


def _start_check(values: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    if values.get("after") is not None and values.get("with") is not None:
        yield (), "give either 'after' or 'with', not both"
    elif values.get("gap") is not None and values.get("after") is None:
        yield ("gap",), "only applies with 'after'"
    elif values.get("same_cycle") and values.get("with") is None:
        yield ("same_cycle",), "only applies with 'with' (the course whose cycles it shares)"


START = Table(
    (
        Key("after", _identifier),
        Key("gap", _days(allow_zero=True)),
        Key("with", _identifier, to="with_course"),
        Key("note", _text, default="", multiline=True),
        Key("same_cycle", _boolean, default=False),
    ),
    model=_start_rule,
    check=_start_check,
)


def _phase_check(values: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    """Fractions a day and their interval go together; the fractions fill whole days."""
    per_day, interval = values.get("fractions_per_day"), values.get("interval")
    if per_day is None or "interval" not in values:
        return
    problem = interval_problem(per_day, interval)
    if problem is not None:
        yield (problem[0],), problem[1]
    elif isinstance(values.get("fractions"), int) and values["fractions"] % per_day:
        yield (
            ("fractions",),
            f"{values['fractions']} fractions at {per_day} a day leave a day with fewer: give "
            f"a multiple of {per_day}",
        )


PHASE = Table(
    (
        Key("technique", _text, required=True),
        Key("fractions", _count(1, MAX_FRACTIONS), required=True),
        Key("dose_per_fraction", _quantity(DOSE), required=True),
        Key("treatment_days", _one_of(TreatmentDays), default=TreatmentDays.WEEKDAYS),
        Key("source", _SOURCE_REF),
        Key("fractions_per_day", _count(1, MAX_FRACTIONS_PER_DAY), default=1),
        Key("interval", _quantity(DURATION)),
    ),
    model=Phase,
    check=_phase_check,
)

RADIOTHERAPY = Table(
    (
        Key(
            "phases",
            _Tables(PHASE, "must be an array of tables", "needs at least one phase"),
            required="is required (at least one [[courses.phases]] table)",
        ),
        Key("declared_total", _quantity(DOSE)),
    ),
    model=RadiotherapyCourse,
)

RULE = Table(
    (
        Key("term", _term, required=True, to="target"),
        Key("grades", _grade_range, required=True, to=("grade_min", "grade_max")),
        Key("action", _one_of(Action), required=True),
        Key("until_grade", _count(0, MAX_GRADE)),
        Key("resume", _one_of(Resume)),
        Key("max_hold", _days(allow_zero=False), to="max_hold_days"),
        Key("source", _SOURCE_REF, required=True),
        Key("note", _text, default="", multiline=True),
        Key("review", _safe_text, default="", multiline=True),
    ),
    model=Rule,
)


def _flag_list(value: Any, at: _At) -> tuple[str, ...]:
    """Patient flags a lifetime limit applies with (``["prior-cardiac-irradiation"]``)."""
    from regimen.patient import FLAGS

    if not isinstance(value, list) or not value:
        raise InputError(f'must be a non-empty array like ["{FLAGS[0]}"], got {_typename(value)}')
    for v in value:
        if v not in FLAGS:
            raise InputError(f"unknown flag {v!r} (use one of {', '.join(FLAGS)})")
    return tuple(value)


LIFETIME_LIMIT = Table(
    (
        Key("dose", _dose_level, required=True),
        Key("flags", _flag_list, default=()),
        Key("source", _SOURCE_REF, required=True),
        Key("note", _text, default="", multiline=True),
        Key("unconfirmed", _text, default="", multiline=True),
    ),
    model=LifetimeLimit,
)


def _basis_level(value: Any, at: _At) -> Any:
    """A dose level of any basis: ``"12 mg"``, ``"900 mg/m2"``, ``"1.5 mg/kg"`` or ``"AUC 5"``
    (the course checks that its basis writes its levels so)."""
    for kind in (DOSE_PER_AREA, DOSE_PER_MASS, TARGET_AUC):
        try:
            return parse_level(value, kind)
        except RegimenError:
            pass
    return parse_quantity(value, AMOUNT)  # the drug amount's message, as before


#: A non-empty array of dose levels (:func:`_basis_level`).
_basis_levels = _items(_basis_level)


def _gfr_cap(value: Any, at: _At) -> Any:
    """A cap on the estimated GFR (``"125 mL/min"``) or ``"none"`` (no cap)."""
    if value == "none":
        return "none"
    return parse_quantity(value, CLEARANCE)


def _tolerance(value: Any, at: _At) -> float:
    return parse_percent(value)


def _band_ref(value: Any, at: _At) -> Any:
    """The name of a ``[bands.NAME]`` table of the file, read before the courses."""
    key = _text(value, at)
    known = at.reader.named.get("bands", {})
    if key not in known:
        listed = ", ".join(known) if known else "none in this file"
        raise InputError(f"unknown band table {key!r} ([bands.NAME] tables: {listed})")
    if known[key] is None:
        raise _AlreadyReported(f"band table {key!r}")
    return known[key]


BAND_ROW = Table(
    (
        Key("from", _quantity(AMOUNT), required=True, to="low"),
        Key("to", _quantity(AMOUNT), required=True, to="high"),
        Key("dose", _quantity(AMOUNT), required=True),
    ),
    model=DoseBand,
)

BAND_TABLE = Table(
    (
        Key(
            "rows",
            _Tables(
                BAND_ROW,
                'must be an array of tables like [{ from = "2.5 mg", to = "2.7 mg", dose = '
                '"2.6 mg" }]',
                "needs at least one row",
            ),
            required=True,
        ),
        Key("tolerance", _tolerance, required=True),
        Key("source", _SOURCE_REF),
        Key("note", _text, default="", multiline=True),
    ),
    model=BandTable,
)


def _rounding_check(values: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    """One rule of the three; no tolerance beside a band table (which carries its own)."""
    if not all(k in values for k in ("step", "units", "bands")):
        return  # a rule with a problem of its own, already reported
    given = [k for k in ("step", "units", "bands") if values.get(k)]
    if len(given) != 1:
        yield (), "give exactly one of 'step', 'units' or 'bands'"
    elif given == ["bands"] and values.get("tolerance") is not None:
        yield ("tolerance",), "a band table carries its own tolerance: remove 'tolerance'"


ROUNDING = Table(
    (
        Key("step", _quantity(AMOUNT)),
        Key("units", _quantity_list(AMOUNT), default=()),
        Key("bands", _band_ref),
        Key("tolerance", _tolerance),
    ),
    model=Rounding,
    check=_rounding_check,
)
_ROUNDING_SHAPE = (
    'must be a table like { step = "10 mg" }, { units = ["100 mg", "20 mg"] } or { bands = "NAME" }'
)


def _single_level_check(values: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    """A course with one dose level can only be held or discontinued."""
    if len(values.get("dose_levels", ())) != 1 or "id" not in values:
        return
    why = "has a single dose level and can only be held or discontinued, not reduced"
    for k, rule in enumerate(values.get("rules", ())):
        if rule.action is Action.REDUCE or rule.resume is Resume.LOWER:
            yield ("rules", k), f"{values['id']} {why}"


def _lab_days(value: Any, at: _At) -> tuple[int, ...] | None:
    """``"all"`` (every dosing day: None) or day numbers as ``dosing_days`` writes them."""
    if value == "all":
        return None
    return _day_list(value, at)


def _lab_condition(value: Any, at: _At) -> Any:
    return parse_condition(_text(value, at))


def _lab_action(value: Any, at: _At) -> tuple[LabAction, int | None]:
    return parse_action(_text(value, at))


LAB_BAND = Table(
    (
        Key("when", _lab_condition, required=True),
        Key("action", _lab_action, required=True, to=("action", "percent")),
    ),
    model=Band,
)

LAB_RULE = Table(
    (
        Key("days", _lab_days, required=True),
        Key("window", _days(allow_zero=True), required=True),
        Key("source", _SOURCE_REF, required=True),
        Key(
            "bands",
            _Tables(
                LAB_BAND,
                'must be an array of tables like [{ when = "anc >= 1.5", action = "full" }]',
                "needs at least one band",
            ),
            required=True,
        ),
        Key("note", _text, default="", multiline=True),
    ),
    model=LabRule,
)


def _lab_rules_check(values: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    """Lab rules cover dosing days of the course, each day at most once; a delay rule covers
    day 1, a dosing day; a percentage band needs a course without dispensing strengths."""
    dosing = values.get("dosing_days")
    if dosing is None or "id" not in values:
        return
    covered: dict[int, int] = {}
    for k, rule in enumerate(values.get("lab_rules", ())):
        days = tuple(dosing) if rule.days is None else rule.days
        for day in days:
            if day not in dosing:
                yield (
                    ("lab_rules", k, "days"),
                    f"day {day} is not a dosing day of {values['id']} "
                    f"({days_text(tuple(sorted(dosing)))})",
                )
            elif day in covered:
                yield (
                    ("lab_rules", k, "days"),
                    f"day {day} is already covered by lab_rules[{covered[day]}] (one rule a day)",
                )
            else:
                covered[day] = k
        actions = {b.action for b in rule.bands}
        if LabAction.DELAY in actions and days != (1,):
            yield (
                ("lab_rules", k, "days"),
                "a 'delay' band moves a cycle's day 1: a rule with one covers day 1 only",
            )
        if LabAction.PERCENT in actions and values.get("strengths"):
            yield (
                ("lab_rules", k, "bands"),
                "a percentage of a dose made up from strengths cannot be dispensed: give the "
                "course no strengths, or the rule no percentage band",
            )


def _codes(value: Any, at: _At) -> Codes:
    """A drug's ``codes`` table: each key a known system, each value a string of its shape
    (or "none" where the drug has no code in that system)."""
    if not isinstance(value, dict):
        raise InputError('must be a table like { atc = "L01BC05", rxnorm = "12574" }')
    found: dict[str, str] = {}
    for system, code in value.items():
        try:
            if system not in CODE_SYSTEMS:
                near = difflib.get_close_matches(system, list(CODE_SYSTEMS), n=1, cutoff=0.6)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise InputError(f"unknown code system{hint}; allowed: {', '.join(CODE_SYSTEMS)}")
            found[system] = check_code(system, _text(code, at))
        except _AlreadyReported:
            raise
        except RegimenError as exc:
            at.reader.problem((*at.path, system), exc.what)
    if len(found) != len(value):
        raise _AlreadyReported("codes")
    return Codes(**found)


def _drug_check(values: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    yield from _single_level_check(values)
    yield from _lab_rules_check(values)


DRUG = Table(
    (
        Key("drug", _text, required=True),
        Key("route", _text, required=True),
        Key("frequency", _safe_text, required=True),
        Key("dose_basis", _one_of(DOSE_BASES), default="flat"),
        Key("dose_levels", _basis_levels, required=True),
        Key("start_level", _basis_level),
        # Dosing by body size (regimen.dosing): each refused on a course of another basis.
        Key("weight_basis", _one_of(WEIGHT_BASES), default="actual"),
        Key("gfr_cap", _gfr_cap),
        Key("scr_floor", _quantity(CREATININE)),
        Key("bsa_cap", _quantity(AREA)),
        Key("rounding", _Sub(ROUNDING, _ROUNDING_SHAPE)),
        Key("dosing_days", _day_list, required=True),
        Key("cycle_length", _days(allow_zero=False), required=True),
        Key("cycles", _count(1, MAX_CYCLES)),
        # Patient texts, then their Chinese translations (--lang zh), checked the same way.
        Key("instruction", _safe_text, default="", multiline=True),
        Key("missed_dose", _safe_text, default="", multiline=True),
        Key("when_to_call", _safe_text, default="", multiline=True),
        Key("drug_zh", _text, default=""),
        Key("instruction_zh", _safe_text, default=""),
        Key("missed_dose_zh", _safe_text, default=""),
        Key("when_to_call_zh", _safe_text, default=""),
        Key("strengths", _quantity_list(AMOUNT), default=()),
        Key("dosage_form", _one_of(DOSAGE_FORMS), default="unit"),
        Key("rules", _Tables(RULE, "must be an array of tables ([[courses.rules]])"), default=()),
        Key("declared_cycle_total", _quantity(AMOUNT)),
        Key("label_source", _SOURCE_REF),
        Key(
            "lifetime_limits",
            _Tables(LIFETIME_LIMIT, "must be an array of tables ([[courses.lifetime_limits]])"),
            default=(),
        ),
        Key(
            "lab_rules",
            _Tables(LAB_RULE, "must be an array of tables ([[courses.lab_rules]])"),
            default=(),
        ),
        Key("codes", _codes, default=Codes()),
    ),
    model=DrugCourse,
    check=_drug_check,
)

#: The course types: a [[courses]] table's ``type`` picks its keys and model.
COURSE_TYPES: Mapping[str, Table] = {"radiotherapy": RADIOTHERAPY, "drug": DRUG}

COURSE = Table(
    (
        Key("type", _one_of(tuple(COURSE_TYPES)), required=True, to=()),
        Key("id", _identifier, required=True),
        Key("name", _text, default=""),
        Key(
            "start",
            _Sub(START, 'must be a table like { after = "rt", gap = "1 d" }'),
            to=(),
            default=StartRule(),
        ),
        Key("source", _SOURCE_REF),
    ),
    tag="type",
    variants=COURSE_TYPES,
)


def _starts_check(values: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    """Course ids are unique and a course starts after or with an earlier one."""
    items = values.get("courses", ())
    ids = [item.get("id") for item, _ in items]
    for i, (item, _) in enumerate(items):
        if ids[i] is None:
            continue
        if ids[i] in ids[:i]:
            yield ("courses", i, "id"), f"duplicate course id {ids[i]!r}"
            continue
        start = item.get("start")
        ref = (start.after or start.with_course) if start is not None else None
        if ref is not None and ref not in ids:
            yield ("courses", i, "start"), f"refers to unknown course {ref!r}"
        elif ref is not None and ids.index(ref) >= i:
            yield ("courses", i, "start"), f"must refer to an earlier course, not {ref!r}"
        elif start is not None and start.same_cycle:
            mine, theirs = items[i][1], items[ids.index(ref)][1]
            lengths = [getattr(c, "cycle_length", None) for c in (mine, theirs)]
            if None not in lengths and lengths[0] != lengths[1]:
                yield (
                    ("courses", i, "start", "same_cycle"),
                    f"{ids[i]} ({lengths[0]}-day cycles) cannot share the cycles of {ref} "
                    f"({lengths[1]}-day cycles)",
                )
            elif mine is not None and theirs is not None and None in lengths:
                yield ("courses", i, "start", "same_cycle"), "only applies to two drug courses"


def _regimen(courses: list[tuple[dict[str, Any], Any]], **fields: Any) -> Regimen:
    if any(course is None for _, course in courses):
        raise _AlreadyReported("a course")
    starts = {course.id: item["start"] for item, course in courses}
    cap = fields.pop("bsa_cap", None)
    built = tuple(
        attrs.evolve(course, bsa_cap=cap)
        if cap is not None and course.dose_basis == "bsa" and course.bsa_cap is None
        else course
        for _, course in courses
    )
    return Regimen(courses=built, starts=starts, **fields)


def _regimen_check(values: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    """:func:`_starts_check`; a regimen's BSA cap needs a course dosed per m2."""
    yield from _starts_check(values)
    if values.get("bsa_cap") is not None and not any(
        item.get("dose_basis") == "bsa" for item, _ in values.get("courses", ())
    ):
        yield (
            ("bsa_cap",),
            'only applies to a regimen with a course dosed per m² (dose_basis "bsa")',
        )


REGIMEN = Table(
    (
        Key("name", _text, required=True),
        Key("description", _text, default="", multiline=True),
        Key("notes", _text_list, default=(), multiline=True),
        Key(
            "sources",
            _Named(SOURCE, "must be a table of [sources.KEY] tables"),
            required="is required: every regimen cites its sources",
        ),
        # Read before the courses, whose rounding rules name them.
        Key("bands", _Named(BAND_TABLE, "must be a table of [bands.NAME] tables"), to=()),
        Key("bsa_cap", _quantity(AREA)),
        Key(
            "courses",
            _Tables(
                COURSE,
                "must be an array of tables ([[courses]])",
                "needs at least one course",
                whole=False,
            ),
            required="is required (at least one [[courses]] table)",
        ),
        Key("weight_max_age", _days(allow_zero=False)),
    ),
    model=_regimen,
    check=_regimen_check,
)


def _declared(spec: Table) -> Iterator[Key]:
    """Every key of ``spec``, of its variants and of the tables nested in it."""
    for key in spec.keys:
        yield key
        inner = getattr(key.check, "spec", None)
        if isinstance(inner, Table):
            yield from _declared(inner)
    for variant in spec.variants.values():
        yield from _declared(variant)


#: Keys whose text may run over several lines (a multi-line TOML string; its line ends are
#: one LF each after parsing). Every other text is one line. A translated text (``*_zh``)
#: follows its key.
MULTILINE_KEYS = frozenset(key.name for key in _declared(REGIMEN) if key.multiline)


# ---------------------------------------------------------------------------------------------
# dates and AE logs


_ISO_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def parse_date(text: str, where: str = "date") -> dt.date:
    """Parse an ISO 8601 calendar date (``YYYY-MM-DD``) and nothing else.

    >>> parse_date("2022-05-16")
    datetime.date(2022, 5, 16)
    >>> parse_date("03/04/2022")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    regimen.errors.InputError: date: '03/04/2022' is not an ISO date; write YYYY-MM-DD ...
    """
    text = text.strip()
    if not _ISO_DATE_RE.match(text):
        raise InputError(
            f"{text!r} is not an ISO date; write YYYY-MM-DD (e.g. 2022-05-16)", where=where
        )
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{text!r} is not a real date", where=where) from None


#: C0 and C1 control characters and the bidirectional overrides, refused in AE-log text.
_CONTROL = CONTROL_RE

AE_COLUMNS = ("date", "term", "grade")
AE_OPTIONAL = ("note", "course")


def load_ae_log(
    path: Path, regimen: Regimen, start: dt.date | None = None
) -> tuple[AdverseEvent, ...]:
    """Read an AE log (CSV: ``date,term,grade`` [, ``note``, ``course``]), strictly.

    Every row is checked: its course (when given) must be a course of the regimen (a
    radiotherapy course records the row against the radiotherapy), its term a CTCAE v5.0 term or
    a known synonym (else the closest terms are named), and its grade one CTCAE defines for the
    term (0, resolved, always). Problems are reported all at once as ``file: line N: what``.
    """
    text = read_text(path, "AE log")
    return parse_ae_log(text, str(path), regimen, start)


def parse_ae_log(
    text: str, where: str, regimen: Regimen, start: dt.date | None = None
) -> tuple[AdverseEvent, ...]:
    """Parse AE-log CSV text (see :func:`load_ae_log`); rows before ``start`` are errors."""
    rows = list(_csv_rows(text, where))
    if not rows:
        raise LoadError(where, [("", "is empty; expected a header 'date,term,grade'")])
    header_line, header = rows[0]
    names = [h.strip().lower() for h in header]
    missing = [c for c in AE_COLUMNS if c not in names]
    unknown = [n for n in names if n not in AE_COLUMNS + AE_OPTIONAL]
    if missing or unknown:
        parts = [f"missing column {', '.join(map(repr, missing))}"] if missing else []
        parts += [f"unknown column {', '.join(map(repr, unknown))}"] if unknown else []
        expected = " (expected date,term,grade[,note][,course])"
        raise LoadError(where, [(f"line {header_line}", "; ".join(parts) + expected)])
    if len(rows) - 1 > MAX_AE_ROWS:
        raise LoadError(where, [("", f"has more than {MAX_AE_ROWS} rows")])
    problems: list[tuple[str, str]] = []
    events: list[AdverseEvent] = []
    seen: set[tuple[dt.date, str, str | None]] = set()
    for line, row in rows[1:]:
        try:
            if len(row) != len(names):
                raise InputError(f"has {len(row)} fields; the header has {len(names)}")
            cells = dict(zip(names, (c.strip() for c in row), strict=True))
            event = _ae_row(cells, line, regimen, start)
            date, key = event.date.isoformat(), (event.date, event.resolved.key, event.course)
            if key in seen:
                raise InputError(f"duplicate row: {event.term} on {date} already recorded")
            seen.add(key)
            if events and event.date < events[-1].date:
                last = events[-1].date.isoformat()
                raise InputError(f"rows must be in date order; {date} comes after {last}")
        except RegimenError as exc:
            problems.append((f"line {line}", exc.what))
            continue
        events.append(event)
    if problems:
        raise LoadError(where, problems)
    return tuple(events)


def _ae_row(
    cells: dict[str, str], line: int, regimen: Regimen, start: dt.date | None
) -> AdverseEvent:
    """One AE-log row (its cells by column), or an :class:`InputError` saying what is wrong."""
    date = parse_date(cells["date"])
    if start is not None and date < start:
        raise InputError(f"{date.isoformat()} is before the plan's start ({start.isoformat()})")
    term = cells["term"]
    if not term:
        raise InputError("term is empty")
    bad = [k for k in ("term", "note", "course") if _CONTROL.search(cells.get(k, ""))]
    if bad:
        # The term and the note are printed in every output: no terminal or calendar control.
        raise InputError(f"{bad[0]} holds a control or bidirectional-override character")
    if not re.fullmatch(r"-?\d+", cells["grade"]):
        raise InputError(f"grade must be a whole number 0-{MAX_GRADE}, got {cells['grade']!r}")
    grade = int(cells["grade"])
    if not 0 <= grade <= MAX_GRADE:
        raise InputError(f"grade must be 0-{MAX_GRADE} (CTCAE), got {grade}")
    course = cells.get("course") or None
    if course is not None and course not in regimen.course_ids:
        known = ", ".join(regimen.course_ids)
        raise InputError(f"course {course!r} is not a course of {regimen.id} (courses: {known})")
    resolved = resolve_term(term)
    if resolved is None:
        near = closest(term)
        hint = f"; closest CTCAE terms: {', '.join(near)}" if near else ""
        raise InputError(
            f"unknown adverse-event term {term!r}: not a CTCAE v5.0 term or a known synonym{hint}"
            " (CTCAE's '... - Other, specify' terms log anything else)"
        )
    if not resolved.grade_defined(grade):
        raise InputError(
            f"CTCAE v5.0 defines no grade {grade} for {resolved.ctcae_term or resolved.key} "
            f"({resolved.defined_grades_text()}; 0 records recovery)"
        )
    return AdverseEvent(date, term, grade, resolved, course, cells.get("note", ""), line)


LAB_COLUMNS = ("date", "test", "value")
LAB_OPTIONAL = ("note",)
MAX_LAB_ROWS = 10_000


def load_lab_log(path: Path) -> tuple[LabResult, ...]:
    """Read a lab log (CSV: ``date,test,value`` [, ``note``]) strictly (see
    :func:`parse_lab_log`)."""
    return parse_lab_log(read_text(path, "lab log"), str(path))


def parse_lab_log(text: str, where: str) -> tuple[LabResult, ...]:
    """Parse lab-log CSV text: one result a row, ``value`` a number and a unit as in a patient
    file (``1.2 10^9/L``, ``0.9 mg/dL``), tests and units those of
    :data:`regimen.patient.LAB_UNITS`. Rows may come in any order and before the plan's start
    (counts are drawn before day 1); two rows of one test and date must agree (an identical
    repeat is kept once). Problems are reported all at once as ``file: line N: what``."""
    from regimen.patient import LAB_TESTS, parse_lab
    from regimen.schedule import MAX_DATE, MIN_DATE

    names, rows = csv_table(text, where, LAB_COLUMNS, LAB_OPTIONAL, MAX_LAB_ROWS)
    problems: list[tuple[str, str]] = []
    seen: dict[tuple[dt.date, str], LabResult] = {}
    for line, row in rows:
        try:
            if len(row) != len(names):
                raise InputError(f"has {len(row)} fields; the header has {len(names)}")
            cells = dict(zip(names, (c.strip() for c in row), strict=True))
            fields = ("date", "test", "value", "note")
            bad = [k for k in fields if _CONTROL.search(cells.get(k, ""))]
            if bad:
                raise InputError(f"{bad[0]} holds a control or bidirectional-override character")
            date = parse_date(cells["date"])
            if not MIN_DATE <= date <= MAX_DATE:
                raise InputError(
                    f"{date.isoformat()} is outside {MIN_DATE.isoformat()}..{MAX_DATE.isoformat()}"
                )
            test = cells["test"]
            if test not in LAB_TESTS:
                raise InputError(f"unknown test {test!r} (use one of {', '.join(LAB_TESTS)})")
            try:
                lab = parse_lab(date, test, cells["value"])
            except RegimenError as exc:
                raise InputError(f"value: {exc.what}") from None
            result = LabResult(date, test, lab.value, lab.unit, line, cells.get("note", ""))
            before = seen.get((date, test))
            if before is not None and (before.value, before.unit) != (lab.value, lab.unit):
                raise InputError(
                    f"{test} on {date.isoformat()} is already recorded with another value "
                    f"(line {before.line}); one result a test and date"
                )
            seen.setdefault((date, test), result)
        except RegimenError as exc:
            problems.append((f"line {line}", exc.what))
    if problems:
        raise LoadError(where, problems)
    return tuple(seen.values())


def csv_table(
    text: str,
    where: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    max_rows: int,
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    r"""A log CSV's column names (lower case) and its data rows with their line numbers; a
    missing, unknown or repeated column or too many rows is a one-line error naming the file.

    >>> csv_table("date,Status\n2026-10-05,delivered\n", "log.csv", ("date", "status"), (), 9)
    (['date', 'status'], [(2, ['2026-10-05', 'delivered'])])
    """
    rows = list(_csv_rows(text, where))
    if not rows:
        raise LoadError(where, [("", f"is empty; expected a header '{','.join(required)}'")])
    header_line, header = rows[0]
    names = [h.strip().lower() for h in header]
    missing = [c for c in required if c not in names]
    unknown = [n for n in names if n not in required + optional]
    if missing or unknown or len(set(names)) != len(names):
        parts = [f"missing column {', '.join(map(repr, missing))}"] if missing else []
        parts += [f"unknown column {', '.join(map(repr, unknown))}"] if unknown else []
        parts += [] if parts else ["a column is named twice"]
        expected = ",".join(required) + "".join(f"[,{c}]" for c in optional)
        what = "; ".join(parts) + f" (expected {expected})"
        raise LoadError(where, [(f"line {header_line}", what)])
    if len(rows) - 1 > max_rows:
        raise LoadError(where, [("", f"has more than {max_rows} rows")])
    return names, rows[1:]


def _csv_rows(text: str, where: str) -> Iterator[tuple[int, list[str]]]:
    import csv
    import io

    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        for row in reader:
            if not row or all(not c.strip() for c in row):
                continue
            if row[0].lstrip().startswith("#"):
                continue
            yield reader.line_num, row
    except csv.Error as exc:
        raise LoadError(where, [(f"line {reader.line_num}", f"CSV error: {exc}")]) from None

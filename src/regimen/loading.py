"""Loading regimen files (TOML) and AE logs (CSV) strictly, with every problem at once.

Only this module knows TOML and CSV. Loading never coerces: ``2.7`` fractions, ``true`` for a
number, a bare number for a dose, an unknown key or an unknown unit are each a problem, and all
problems are reported together as ``file: key.path: what is wrong`` (a TOML syntax error keeps
its line and column). Dates are ISO 8601 only (``2022-05-16``); dateutil's fuzzy parser is not
used for input because it invents dates (``03/04/2022`` month-first, ``2022`` today's month).

cattrs was considered: it coerces by default and would need a strict hook for every field plus a
translation of its error tree into our messages; a small explicit reader is shorter and says
exactly what is wrong where.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from regimen.drugs import DrugCourse
from regimen.errors import InputError, LoadError, RegimenError, UnknownRegimenError
from regimen.files import CONTROL_RE, printable, read_input
from regimen.model import Course, Regimen, StartRule
from regimen.modification import Action, AdverseEvent, Resume, Rule
from regimen.radiotherapy import Phase, RadiotherapyCourse, TreatmentDays
from regimen.sources import Source, SourceKind
from regimen.terms import RuleTarget, closest, rule_target
from regimen.terms import resolve as resolve_term
from regimen.units import (
    AMOUNT,
    DOSE,
    DURATION,
    Kind,
    Quantity,
    magnitude,
    parse_quantity,
    unsafe_notation,
)

T = TypeVar("T")

#: Largest input file read, in bytes: a regimen or AE log is a few kilobytes.
MAX_FILE_BYTES = 1_000_000
MAX_AE_ROWS = 10_000
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


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
        raise InputError(f"is a binary file, not {_article(what)}", where=where)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (byte {exc.start})", where=where) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InputError(f"is empty; expected {_article(what)}", where=where)
    return text


def _article(what: str) -> str:
    return ("an " if what[:1].lower() in "aeiou" else "a ") + what


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
    unsafe = list(_unsafe_text(data, ""))
    reader = _Reader()
    regimen = reader.regimen(data, regimen_id)
    if unsafe or reader.problems or regimen is None:
        raise LoadError(where, unsafe + reader.problems)
    return regimen


#: Keys whose text may run over several lines (a multi-line TOML string; its line ends are
#: one LF each after parsing). Every other text is one line. A translated text (``*_zh``)
#: follows its key.
MULTILINE_KEYS = frozenset(
    {"description", "notes", "instruction", "missed_dose", "when_to_call", "note", "citation",
     "review"}
)


def _unsafe_text(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """``(key.path, message)`` for every text holding a character that could act on a
    terminal, a calendar or a spreadsheet: C0 and C1 controls (a line feed only inside a
    multi-line text), DEL, and bidirectional overrides and isolates."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _unsafe_text(item, _join(path, key))
            if isinstance(key, str) and _CONTROL.search(key):
                yield (path or "(top level)", f"a key holds {_control_name(key)}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _unsafe_text(item, f"{path}[{i}]")
    elif isinstance(value, str):
        key = re.sub(r"(\[\d+\])+$", "", path).rsplit(".", 1)[-1].removesuffix("_zh")
        text = value.replace("\n", "") if key in MULTILINE_KEYS else value
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
# the strict reader


class _Missing:
    pass


_MISSING = _Missing()


class _Reader:
    """Walks parsed TOML, collecting ``(key.path, message)`` problems instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    # --- primitives -------------------------------------------------------------------------

    def table(self, data: dict[str, Any], path: str, allowed: Sequence[str]) -> None:
        for key in data:
            if key not in allowed:
                hint = _closest(key, allowed)
                extra = f" (did you mean {hint!r}?)" if hint else f"; allowed: {', '.join(allowed)}"
                self.problem(_join(path, key), f"unknown key{extra}")

    def get(
        self,
        data: dict[str, Any],
        path: str,
        key: str,
        check: Callable[[Any, str], T],
        required: bool = True,
    ) -> T | None:
        value = data.get(key, _MISSING)
        where = _join(path, key)
        if isinstance(value, _Missing):
            if required:
                self.problem(where, "is required")
            return None
        try:
            return check(value, where)
        except _AlreadyReported:
            return None
        except RegimenError as exc:
            self.problem(where, exc.what)
            return None

    # --- regimen ----------------------------------------------------------------------------

    def regimen(self, data: dict[str, Any], regimen_id: str) -> Regimen | None:
        self.table(data, "", ("name", "description", "notes", "sources", "courses"))
        name = self.get(data, "", "name", _text)
        description = self.get(data, "", "description", _text, required=False) or ""
        notes = self.get(data, "", "notes", _text_list, required=False) or ()
        sources = self.sources(data.get("sources", _MISSING))
        raw_courses = data.get("courses", _MISSING)
        courses: list[Course] = []
        starts: dict[str, StartRule] = {}
        declared_ids: list[str | None] = []
        start_by_index: list[StartRule | None] = []
        if isinstance(raw_courses, _Missing):
            self.problem("courses", "is required (at least one [[courses]] table)")
        elif not isinstance(raw_courses, list) or not all(isinstance(c, dict) for c in raw_courses):
            self.problem("courses", "must be an array of tables ([[courses]])")
        elif not raw_courses:
            self.problem("courses", "needs at least one course")
        else:
            for i, raw in enumerate(raw_courses):
                raw_id = raw.get("id")
                declared_ids.append(raw_id if isinstance(raw_id, str) else None)
                built = self.course(raw, f"courses[{i}]", sources)
                start_by_index.append(built[1] if built is not None else None)
                if built is not None:
                    course, start = built
                    courses.append(course)
                    starts[course.id] = start
        self.check_starts(declared_ids, start_by_index)
        if self.problems or name is None:
            return None
        try:
            return Regimen(
                id=regimen_id,
                name=name,
                description=description,
                notes=notes,
                courses=tuple(courses),
                starts=starts,
                sources=sources,
            )
        except RegimenError as exc:
            self.problem(exc.where or "", exc.what)
            return None

    def sources(self, raw: Any) -> dict[str, Source]:
        out: dict[str, Source] = {}
        if isinstance(raw, _Missing):
            self.problem("sources", "is required: every regimen cites its sources")
            return out
        if not isinstance(raw, dict) or not raw:
            self.problem("sources", "must be a table of [sources.KEY] tables")
            return out
        for key, entry in raw.items():
            path = f"sources.{key}"
            if not isinstance(entry, dict):
                self.problem(path, "must be a table")
                continue
            self.table(entry, path, ("kind", "title", "citation", "doi", "url", "note"))
            kind = self.get(entry, path, "kind", _enum(SourceKind))
            citation = self.get(entry, path, "citation", _text)
            doi = self.get(entry, path, "doi", _text, required=False) or ""
            url = self.get(entry, path, "url", _text, required=False) or ""
            note = self.get(entry, path, "note", _text, required=False) or ""
            title = self.get(entry, path, "title", _text, required=False) or ""
            if kind is not None and citation is not None:
                out[key] = Source(key, kind, citation, doi, url, note, title)
        return out

    def course(
        self, raw: dict[str, Any], path: str, sources: dict[str, Source]
    ) -> tuple[Course, StartRule] | None:
        kind = self.get(raw, path, "type", _choice(("radiotherapy", "drug")))
        course_id = self.get(raw, path, "id", _identifier)
        start = self.start(raw.get("start", _MISSING), _join(path, "start"))
        if kind is None or course_id is None:
            self.table(raw, path, ("type", "id"))  # still flag typos we can see
            return None
        common = ("type", "id", "name", "start", "source")
        name = self.get(raw, path, "name", _text, required=False) or ""
        self.get(raw, path, "source", _source_ref(sources), required=False)
        course: Course | None
        if kind == "radiotherapy":
            self.table(raw, path, (*common, "phases", "declared_total"))
            course = self.radiotherapy(raw, path, course_id, name, sources)
        else:
            self.table(
                raw,
                path,
                (
                    *common,
                    "drug",
                    "route",
                    "frequency",
                    "dose_levels",
                    "start_level",
                    "dosing_days",
                    "cycle_length",
                    "cycles",
                    "instruction",
                    "missed_dose",
                    "when_to_call",
                    "drug_zh",
                    "instruction_zh",
                    "missed_dose_zh",
                    "when_to_call_zh",
                    "strengths",
                    "dosage_form",
                    "rules",
                    "declared_cycle_total",
                    "label_source",
                ),
            )
            course = self.drug(raw, path, course_id, name, sources)
        if course is None or start is None:
            return None
        return course, start

    def start(self, raw: Any, path: str) -> StartRule | None:
        if isinstance(raw, _Missing):
            return StartRule()
        if not isinstance(raw, dict):
            self.problem(path, 'must be a table like { after = "rt", gap = "1 d" }')
            return None
        self.table(raw, path, ("after", "gap", "with", "note"))
        after = self.get(raw, path, "after", _identifier, required=False)
        with_course = self.get(raw, path, "with", _identifier, required=False)
        gap = self.get(raw, path, "gap", _days_value(allow_zero=True), required=False)
        note = self.get(raw, path, "note", _text, required=False) or ""
        if after is not None and with_course is not None:
            self.problem(path, "give either 'after' or 'with', not both")
            return None
        if gap is not None and after is None:
            self.problem(_join(path, "gap"), "only applies with 'after'")
            return None
        return StartRule(after=after, gap=gap or 0, with_course=with_course, note=note)

    def check_starts(self, ids: Sequence[str | None], starts: Sequence[StartRule | None]) -> None:
        seen: set[str] = set()
        for i, cid in enumerate(ids):
            if cid is None:
                continue
            if cid in seen:
                self.problem(f"courses[{i}].id", f"duplicate course id {cid!r}")
                continue
            seen.add(cid)
            rule = starts[i] if i < len(starts) else None
            ref = (rule.after or rule.with_course) if rule is not None else None
            if ref is None:
                continue
            if ref not in ids:
                self.problem(f"courses[{i}].start", f"refers to unknown course {ref!r}")
            elif ids.index(ref) >= i:
                self.problem(f"courses[{i}].start", f"must refer to an earlier course, not {ref!r}")

    def radiotherapy(
        self,
        raw: dict[str, Any],
        path: str,
        course_id: str,
        name: str,
        sources: dict[str, Source],
    ) -> RadiotherapyCourse | None:
        declared = self.get(raw, path, "declared_total", _quantity(DOSE), required=False)
        raw_phases = raw.get("phases", _MISSING)
        ppath = _join(path, "phases")
        phases: list[Phase] = []
        if isinstance(raw_phases, _Missing):
            self.problem(ppath, "is required (at least one [[courses.phases]] table)")
            return None
        if not isinstance(raw_phases, list) or not all(isinstance(p, dict) for p in raw_phases):
            self.problem(ppath, "must be an array of tables")
            return None
        if not raw_phases:
            self.problem(ppath, "needs at least one phase")
            return None
        ok = True
        for j, rp in enumerate(raw_phases):
            p = f"{ppath}[{j}]"
            self.table(
                rp, p, ("technique", "fractions", "dose_per_fraction", "treatment_days", "source")
            )
            technique = self.get(rp, p, "technique", _text)
            fractions = self.get(rp, p, "fractions", _count(1, 200))
            dose = self.get(rp, p, "dose_per_fraction", _quantity(DOSE))
            days = self.get(rp, p, "treatment_days", _enum(TreatmentDays), required=False)
            self.get(rp, p, "source", _source_ref(sources), required=False)
            if technique is None or fractions is None or dose is None:
                ok = False
                continue
            phases.append(Phase(fractions, dose, technique, days or TreatmentDays.WEEKDAYS))
        if not ok:
            return None
        return RadiotherapyCourse(course_id, tuple(phases), declared, name)

    def drug(
        self,
        raw: dict[str, Any],
        path: str,
        course_id: str,
        name: str,
        sources: dict[str, Source],
    ) -> DrugCourse | None:
        g = self.get
        drug = g(raw, path, "drug", _text)
        route = g(raw, path, "route", _text)
        frequency = g(raw, path, "frequency", _safe_text)
        levels = g(raw, path, "dose_levels", _quantity_list(AMOUNT))
        start_level = g(raw, path, "start_level", _quantity(AMOUNT), required=False)
        dosing_days = g(raw, path, "dosing_days", _day_list)
        cycle_length = g(raw, path, "cycle_length", _days_value(allow_zero=False))
        cycles = g(raw, path, "cycles", _count(1, 1000), required=False)
        instruction = g(raw, path, "instruction", _safe_text, required=False) or ""
        missed = g(raw, path, "missed_dose", _safe_text, required=False) or ""
        call = g(raw, path, "when_to_call", _safe_text, required=False) or ""
        # Chinese patient texts (--lang zh), checked like the English ones.
        drug_zh = g(raw, path, "drug_zh", _text, required=False) or ""
        instruction_zh = g(raw, path, "instruction_zh", _safe_text, required=False) or ""
        missed_zh = g(raw, path, "missed_dose_zh", _safe_text, required=False) or ""
        call_zh = g(raw, path, "when_to_call_zh", _safe_text, required=False) or ""
        strengths = g(raw, path, "strengths", _quantity_list(AMOUNT), required=False) or ()
        form = g(raw, path, "dosage_form", _choice(DOSAGE_FORMS), required=False) or "unit"
        declared = g(raw, path, "declared_cycle_total", _quantity(AMOUNT), required=False)
        label = g(raw, path, "label_source", _source_ref(sources), required=False)
        rules = self.rules(raw.get("rules", []), _join(path, "rules"), sources)
        if None in (drug, route, frequency, levels, dosing_days, cycle_length) or rules is None:
            return None
        assert drug is not None and route is not None and frequency is not None  # noqa: S101 - narrowed above
        assert levels is not None and dosing_days is not None and cycle_length is not None  # noqa: S101
        if len(levels) == 1:
            for k, r in enumerate(rules):
                if r.action is Action.REDUCE or r.resume is Resume.LOWER:
                    self.problem(
                        f"{path}.rules[{k}]",
                        f"{course_id} has a single dose level and can only be held or "
                        "discontinued, not reduced",
                    )
        try:
            course = DrugCourse(
                id=course_id,
                name=name,
                drug=drug,
                route=route,
                frequency=frequency,
                dose_levels=levels,
                dosing_days=dosing_days,
                cycle_length=cycle_length,
                cycles=cycles,
                start_level=start_level,
                instruction=instruction,
                missed_dose=missed,
                when_to_call=call,
                drug_zh=drug_zh,
                instruction_zh=instruction_zh,
                missed_dose_zh=missed_zh,
                when_to_call_zh=call_zh,
                strengths=strengths,
                rules=rules,
                declared_cycle_total=declared,
                label_source=label,
                dosage_form=form,
            )
        except RegimenError as exc:
            where = exc.where or path
            if where.startswith(course_id):
                where = path + where[len(course_id) :]
            self.problem(where, exc.what)
            return None
        return course

    def rules(self, raw: Any, path: str, sources: dict[str, Source]) -> tuple[Rule, ...] | None:
        if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
            self.problem(path, "must be an array of tables ([[courses.rules]])")
            return None
        out: list[Rule] = []
        ok = True
        for k, rr in enumerate(raw):
            p = f"{path}[{k}]"
            self.table(
                rr,
                p,
                (
                    "term",
                    "grades",
                    "action",
                    "until_grade",
                    "resume",
                    "max_hold",
                    "source",
                    "note",
                    "review",
                ),
            )
            term = self.get(rr, p, "term", _term)
            grades = self.get(rr, p, "grades", _grade_range)
            action = self.get(rr, p, "action", _enum(Action))
            until = self.get(rr, p, "until_grade", _count(0, 5), required=False)
            resume = self.get(rr, p, "resume", _enum(Resume), required=False)
            max_hold = self.get(rr, p, "max_hold", _days_value(allow_zero=False), required=False)
            source = self.get(rr, p, "source", _source_ref(sources))
            note = self.get(rr, p, "note", _text, required=False) or ""
            review = self.get(rr, p, "review", _safe_text, required=False) or ""
            failed = any(
                key in rr and value is None
                for key, value in (
                    ("until_grade", until),
                    ("resume", resume),
                    ("max_hold", max_hold),
                )
            )
            if term is None or grades is None or action is None or source is None or failed:
                ok = False
                continue
            try:
                out.append(
                    Rule(
                        term,
                        grades[0],
                        grades[1],
                        action,
                        source,
                        until,
                        resume,
                        max_hold,
                        note,
                        review,
                    )
                )
            except RegimenError as exc:
                self.problem(p, exc.what)
                ok = False
        return tuple(out) if ok else None


# ---------------------------------------------------------------------------------------------
# value checks: each takes (value, key path) and returns the typed value or raises


#: Dosage forms a regimen file may name (for dispensing text).
DOSAGE_FORMS = ("capsule", "tablet", "vial", "unit")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _closest(key: str, allowed: Sequence[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key, allowed, n=1, cutoff=0.75)
    return matches[0] if matches else None


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


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"must be a string, got {_typename(value)}")
    if not value.strip():
        raise InputError("must not be empty")
    return value.strip()


def _safe_text(value: Any, where: str) -> str:
    text = _text(value, where)
    problem = unsafe_notation(text)
    if problem:
        raise InputError(f"unsafe notation (ISMP): {problem}")
    return text


def _text_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise InputError(f"must be an array of strings, got {_typename(value)}")
    return tuple(_text(v, where) for v in value)


def _identifier(value: Any, where: str) -> str:
    text = _text(value, where)
    if not _ID_RE.match(text):
        raise InputError(
            f"must be lower-case letters, digits, '-' or '_' (e.g. 'anlotinib'), got {text!r}"
        )
    return text


def _count(lo: int, hi: int) -> Callable[[Any, str], int]:
    def check(value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float):
                raise InputError(f"must be a whole number, got {value!r}")
            raise InputError(f"must be a whole number, got {_typename(value)}")
        if not lo <= value <= hi:
            raise InputError(f"must be between {lo} and {hi}, got {value}")
        return value

    return check


def _quantity(kind: Kind) -> Callable[[Any, str], Quantity]:
    def check(value: Any, where: str) -> Quantity:
        try:
            return parse_quantity(value, kind, where)
        except RegimenError as exc:
            raise InputError(exc.what) from None

    return check


def _quantity_list(kind: Kind) -> Callable[[Any, str], tuple[Quantity, ...]]:
    one = _quantity(kind)

    def check(value: Any, where: str) -> tuple[Quantity, ...]:
        if not isinstance(value, list) or not value:
            got = "an empty array" if value == [] else _typename(value)
            raise InputError(f'must be a non-empty array like ["12 mg", "10 mg"], got {got}')
        out = []
        for i, v in enumerate(value):
            try:
                out.append(one(v, where))
            except RegimenError as exc:
                raise InputError(f"item {i}: {exc.what}") from None
        return tuple(out)

    return check


def _days_value(allow_zero: bool) -> Callable[[Any, str], int]:
    def check(value: Any, where: str) -> int:
        q = _quantity(DURATION)(value, where)
        days = magnitude(q, "d")
        if not float(days).is_integer():
            raise InputError(f"must be a whole number of days, got {value!r}")
        if days == 0 and not allow_zero:
            raise InputError(f"must be at least 1 d, got {value!r}")
        if days > 3650:
            raise InputError(f"{value!r} is beyond any plausible interval (limit 3650 d)")
        return int(days)

    return check


_DAYS_RE = re.compile(r"^\s*([0-9]+)\s*(?:-\s*([0-9]+))?\s*$")


def _day_list(value: Any, where: str) -> tuple[int, ...]:
    """``"1-14"``, ``"1, 8, 15"``, ``"1-3, 8"`` or an array of whole numbers."""
    days: list[int] = []
    if isinstance(value, list):
        for v in value:
            days.append(_count(1, 365)(v, where))
    elif isinstance(value, str):
        for part in value.split(","):
            m = _DAYS_RE.match(part)
            if m is None:
                raise InputError(f'must be day numbers like "1-14" or "1, 8", got {value!r}')
            lo = int(m.group(1))
            hi = int(m.group(2) or lo)
            if lo < 1 or hi < lo:
                raise InputError(f"bad day range {part.strip()!r}; days count from 1, low to high")
            if hi > 365:
                raise InputError(f"day {hi} is beyond any cycle (limit 365)")
            days.extend(range(lo, hi + 1))
    else:
        raise InputError(f'must be day numbers like "1-14" or [1], got {_typename(value)}')
    if not days:
        raise InputError("needs at least one day")
    if len(set(days)) != len(days):
        raise InputError("lists a day twice")
    return tuple(days)


def _grade_range(value: Any, where: str) -> tuple[int, int]:
    """``"2"``, ``"3-4"``, or a whole number."""
    if isinstance(value, int) and not isinstance(value, bool):
        lo = hi = value
    elif isinstance(value, str) and (m := _DAYS_RE.match(value)) is not None:
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
    else:
        raise InputError(f'must be a grade like "2" or a range like "3-4", got {value!r}')
    if not 0 <= lo <= hi <= 5:
        raise InputError(f"grades run 0-5, low to high; got {value!r}")
    return lo, hi


def _term(value: Any, where: str) -> RuleTarget:
    text = _text(value, where)
    target = rule_target(text)
    if target is None:
        raise InputError(f"unknown adverse-event term {text!r} (use a CTCAE term or 'any')")
    return target


def _enum(cls: Any) -> Callable[[Any, str], Any]:
    def check(value: Any, where: str) -> Any:
        if isinstance(value, str):
            for member in cls:
                if member.value == value:
                    return member
        choices = ", ".join(repr(m.value) for m in cls)
        raise InputError(f"must be one of {choices}, got {value!r}")

    return check


def _choice(choices: Sequence[str]) -> Callable[[Any, str], str]:
    def check(value: Any, where: str) -> str:
        if value not in choices:
            raise InputError(f"must be one of {', '.join(map(repr, choices))}, got {value!r}")
        return str(value)

    return check


class _AlreadyReported(RegimenError):
    """A follow-on problem of one already reported (e.g. a source key when the whole
    ``sources`` table is missing): not repeated."""


def _source_ref(sources: dict[str, Source]) -> Callable[[Any, str], Source]:
    def check(value: Any, where: str) -> Source:
        key = _text(value, where)
        if not sources:
            raise _AlreadyReported("sources table missing")
        if key not in sources:
            known = ", ".join(sources) or "none"
            raise InputError(f"unknown source {key!r} (sources: {known})")
        return sources[key]

    return check


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
    problems: list[tuple[str, str]] = []
    rows = list(_csv_rows(text, where))
    if not rows:
        raise LoadError(where, [("", "is empty; expected a header 'date,term,grade'")])
    header_line, header = rows[0]
    names = [h.strip().lower() for h in header]
    missing = [c for c in AE_COLUMNS if c not in names]
    unknown = [n for n in names if n not in AE_COLUMNS + AE_OPTIONAL]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column {', '.join(repr(m) for m in missing)}")
        if unknown:
            parts.append(f"unknown column {', '.join(repr(u) for u in unknown)}")
        raise LoadError(
            where,
            [
                (
                    f"line {header_line}",
                    "; ".join(parts) + " (expected date,term,grade[,note][,course])",
                )
            ],
        )
    if len(rows) - 1 > MAX_AE_ROWS:
        raise LoadError(where, [("", f"has more than {MAX_AE_ROWS} rows")])
    course_ids = [c.id for c in regimen.courses]
    events: list[AdverseEvent] = []
    seen: set[tuple[dt.date, str, str | None]] = set()
    last_date: dt.date | None = None
    for line, row in rows[1:]:
        loc = f"line {line}"
        if len(row) != len(names):
            problems.append((loc, f"has {len(row)} fields; the header has {len(names)}"))
            continue
        cell = dict(zip(names, (c.strip() for c in row), strict=True))
        try:
            date = parse_date(cell["date"], loc)
        except RegimenError as exc:
            problems.append((loc, exc.what))
            continue
        if start is not None and date < start:
            problems.append(
                (loc, f"{date.isoformat()} is before the plan's start ({start.isoformat()})")
            )
            continue
        term = cell["term"]
        if not term:
            problems.append((loc, "term is empty"))
            continue
        bad = [k for k in ("term", "note", "course") if _CONTROL.search(cell.get(k, ""))]
        if bad:
            # The term and the note are printed in every output: no terminal or calendar control.
            problems.append((loc, f"{bad[0]} holds a control or bidirectional-override character"))
            continue
        grade_text = cell["grade"]
        if not re.fullmatch(r"-?\d+", grade_text):
            problems.append((loc, f"grade must be a whole number 0-5, got {grade_text!r}"))
            continue
        grade = int(grade_text)
        if not 0 <= grade <= 5:
            problems.append((loc, f"grade must be 0-5 (CTCAE), got {grade}"))
            continue
        course = cell.get("course") or None
        if course is not None and course not in course_ids:
            problems.append(
                (
                    loc,
                    f"course {course!r} is not a course of {regimen.id} "
                    f"(courses: {', '.join(course_ids)})",
                )
            )
            continue
        resolved = resolve_term(term)
        if resolved is None:
            near = closest(term)
            hint = f"; closest CTCAE terms: {', '.join(near)}" if near else ""
            problems.append(
                (
                    loc,
                    f"unknown adverse-event term {term!r}: not a CTCAE v5.0 term or a known "
                    f"synonym{hint} (CTCAE's '... - Other, specify' terms log anything else)",
                )
            )
            continue
        if not resolved.grade_defined(grade):
            name = resolved.ctcae_term or resolved.key
            problems.append(
                (
                    loc,
                    f"CTCAE v5.0 defines no grade {grade} for {name} "
                    f"({resolved.defined_grades_text()}; 0 records recovery)",
                )
            )
            continue
        event = AdverseEvent(date, term, grade, resolved, course, cell.get("note", ""), line)
        key = (date, event.resolved.key, course)
        if key in seen:
            problems.append((loc, f"duplicate row: {term} on {date.isoformat()} already recorded"))
            continue
        seen.add(key)
        if last_date is not None and date < last_date:
            problems.append(
                (
                    loc,
                    f"rows must be in date order; {date.isoformat()} comes after "
                    f"{last_date.isoformat()}",
                )
            )
            continue
        last_date = date
        events.append(event)
    if problems:
        raise LoadError(where, problems)
    return tuple(events)


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

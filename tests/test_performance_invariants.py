"""The speed-ups of issue 11 change no output, and the costs they remove stay removed.

Each shortcut is checked against the plain computation it replaces (pint's constructor, the
token-by-token fold, :func:`uuid.uuid5`, :func:`make_dose` per dose); linearity is checked by
counting work, never by timing, so a busy machine cannot fail these tests.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from regimen import drug_report
from regimen.drugs import DrugCourse
from regimen.errors import UnitError
from regimen.export import ics
from regimen.loading import load_regimen
from regimen.radiobiology import bed, bed_per_fraction
from regimen.radiotherapy import Phase
from regimen.schedule import Event, build_plan
from regimen.units import (
    AMOUNT,
    DOSE,
    DOSE_RATE,
    DURATION,
    checked_magnitude,
    format_quantity,
    magnitude,
    quantity,
    registry,
    require,
    unit_symbol,
)

UNITS = ("Gy", "cGy", "mg", "mcg", "g", "d", "wk", "Gy/d", "cGy/d")
KIND = {
    "Gy": DOSE,
    "cGy": DOSE,
    "mg": AMOUNT,
    "mcg": AMOUNT,
    "g": AMOUNT,
    "d": DURATION,
    "wk": DURATION,
    "Gy/d": DOSE_RATE,
    "cGy/d": DOSE_RATE,
}


# --- units ---------------------------------------------------------------------------------


@given(st.sampled_from(UNITS), st.floats(min_value=1e-4, max_value=1e6))
def test_quantity_is_what_pints_constructor_makes(unit: str, value: float) -> None:
    fast = quantity(value, unit)
    slow = registry().Quantity(value, unit)
    assert type(fast) is type(slow)
    assert vars(fast) == vars(slow)
    assert fast == slow and repr(fast) == repr(slow)
    assert format_quantity(fast) == format_quantity(slow)
    assert (fast * 2).to_base_units() == (slow * 2).to_base_units()


def test_quantity_still_refuses_a_unit_regimen_does_not_accept() -> None:
    with pytest.raises(UnitError, match="'lb' is not one regimen accepts"):
        quantity(1, "lb")


@given(st.sampled_from(UNITS), st.sampled_from(UNITS), st.floats(1e-4, 1e6))
def test_checked_magnitude_is_require_then_magnitude(have: str, want: str, value: float) -> None:
    q = quantity(value, have)
    try:
        expected: Any = magnitude(require(q, KIND[want], "x"), want)
    except UnitError as exc:
        expected = str(exc)
    try:
        got: Any = checked_magnitude(q, KIND[want], want, "x")
    except UnitError as exc:
        got = str(exc)
    assert got == expected


def test_checked_magnitude_refuses_a_bare_number_as_require_does() -> None:
    with pytest.raises(UnitError, match="needs a unit"):
        checked_magnitude(2.0, DOSE, "Gy", "dose per fraction")


def test_unit_symbol_memo_is_bounded() -> None:
    """Arithmetic makes new unit containers: the id-keyed memo must not grow without end."""
    from regimen import units

    q = quantity(2, "Gy")
    for i in range(1, 600):
        assert unit_symbol(q * i / i) == "Gy"
    assert len(units._SYMBOLS) <= units._MAX_SYMBOLS


def test_bed_checks_alpha_beta_once_and_sums_the_per_phase_terms() -> None:
    """bed() no longer re-checks alpha/beta per phase; the sum is the per-phase formula's."""
    phases = (
        Phase(fractions=10, dose_per_fraction=quantity(400, "cGy")),
        Phase(fractions=3, dose_per_fraction=quantity(7, "Gy")),
    )
    ab = quantity(10, "Gy")
    per = [p.fractions * bed_per_fraction(p.dose_per_fraction, ab) for p in phases]
    # 10 x 4 (1 + 4/10) + 3 x 7 (1 + 7/10) = 56 + 35.7 (Fowler 1989)
    assert bed(phases, ab).gy == pytest.approx(91.7, abs=1e-12)
    assert bed(phases, ab).gy == sum(per)


# --- iCalendar writer ----------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\\.|.", re.DOTALL)


def _fold_by_tokens(line: str) -> str:
    """RFC 5545 3.1 folding as first written: tokens (a backslash escape or one character)
    added while the part stays within 75 octets (74 after the first line's)."""
    if len(line.encode("utf-8")) <= 75:
        return line
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for token in _TOKEN_RE.findall(line):
        n = len(token.encode("utf-8"))
        if size + n > limit and current:
            parts.append("".join(current))
            current, size, limit = [], 0, 74
        current.append(token)
        size += n
    parts.append("".join(current))
    return "\r\n ".join(parts)


@given(
    st.lists(
        st.sampled_from(["a", "\\", "n", ";", ",", " ", "\\\\", "é", "中", "😀"]), max_size=300
    ).map("".join)
)
def test_fold_cuts_where_the_token_walk_cuts(line: str) -> None:
    assert ics.fold(line) == _fold_by_tokens(line)


@given(st.text(alphabet=st.sampled_from(["x", "\\", "n", ";"]), min_size=70, max_size=300))
def test_ascii_fold_never_splits_an_escape_and_keeps_75_octets(line: str) -> None:
    folded = ics.fold(line)
    parts = folded.split("\r\n ")
    assert "".join(parts) == line
    assert len(parts[0]) <= 75 and all(len(p) <= 74 for p in parts[1:])
    assert folded == _fold_by_tokens(line)


@given(st.text(max_size=60), st.text(max_size=20))
def test_uid_is_uuid5(regimen_id: str, plan_id: str) -> None:
    key = f"{regimen_id}|{plan_id}|anlotinib|dose/1/1"
    try:
        expected = f"{uuid.uuid5(ics.UID_NAMESPACE, key)}@regimen"
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            ics._uid(key)
        return
    assert ics._uid(key) == expected


def test_content_line_memo_is_bounded() -> None:
    for i in range(5000):
        ics.content_line("UID", f"{i}@regimen")
    info = ics._content_line.cache_info()
    assert info.maxsize is not None and info.currsize <= info.maxsize


# --- drug_summary: linear in cycles ----------------------------------------------------------


@attrs.frozen
class _CountingEvent(Event):
    """An event that counts how often its cycle number is read."""

    reads: list[int] = attrs.field(factory=list, eq=False, repr=False)

    def __getattribute__(self, name: str) -> Any:
        if name == "cycle":
            object.__getattribute__(self, "reads").append(1)
        return object.__getattribute__(self, name)


def _counted_summary(cycles: int) -> tuple[int, int]:
    """(reads of an event's cycle number, events) in one drug_summary of ``cycles`` cycles."""
    plan = build_plan(load_regimen("anlotinib-sts"), dt.date(2022, 1, 3), cycles=cycles)
    reads: list[int] = []
    events = tuple(
        _CountingEvent(**{f.name: getattr(e, f.name) for f in attrs.fields(Event)}, reads=reads)
        for e in plan.events
    )
    counted = attrs.evolve(plan, events=events)
    drug_report.drug_summary(counted, "anlotinib")
    return len(reads), len(events)


def test_regression_drug_summary_reads_each_dose_a_bounded_number_of_times() -> None:
    """It went over every dose once per cycle: 60 cycles of 14 doses read a cycle number
    60 x 840 = 50,400 times. Now each event's is read a bounded number of times."""
    for cycles in (6, 60, 300):
        reads, events = _counted_summary(cycles)
        assert reads <= 2 * events + 10, (cycles, reads, events)


def test_regression_make_dose_runs_once_per_course_and_dose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Dispensing made every dose up from the strengths again (84 times for 6 cycles)."""
    calls: list[object] = []
    real = drug_report.make_dose

    def counting(dose: Any, strengths: Any) -> Any:
        calls.append(dose)
        return real(dose, strengths)

    monkeypatch.setattr(drug_report, "make_dose", counting)
    monkeypatch.setattr(drug_report, "_MADE_DOSES", {})
    reg = load_regimen("anlotinib-sts")
    course = reg.course("anlotinib")
    assert isinstance(course, DrugCourse) and course.strengths
    first = drug_report.drug_summary(build_plan(reg, dt.date(2022, 1, 3), cycles=60), "anlotinib")
    assert len(calls) == 1  # one dose level in use: 12 mg
    again = drug_report.drug_summary(build_plan(reg, dt.date(2023, 1, 2), cycles=60), "anlotinib")
    assert len(calls) == 1
    # 12 mg a day from one 12 mg capsule, 14 days a cycle, for each of the 60 cycles
    assert [(d.cycle, format_quantity(d.strength), d.count) for d in first.dispense] == [
        (c, "12 mg", 14) for c in range(1, 61)
    ]
    assert again.dispense == first.dispense

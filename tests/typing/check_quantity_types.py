"""What mypy --strict checks about quantities: read by the type checker, never run.

CI's ``.venv/bin/mypy`` checks this module (``[tool.mypy] files`` in pyproject.toml); pytest
never imports it (``conftest.py`` beside it ignores it), and every check is inside a function
that nothing calls.

How it asserts
--------------
* A line that must be a type error ends in ``# type: ignore[<code>]``. ``mypy --strict`` turns
  on ``warn_unused_ignores``, so if that line ever stopped being an error (say ``bed`` took
  ``Any`` again), the ignore would be unused and mypy would fail on it: the ignore *is* the
  assertion. The error code is named, so another error on the line is not hidden.
* A line without an ignore must type-check clean, and ``assert_type`` pins the type mypy infers
  (a mismatch is an error).

What the units layer gives mypy (``regimen.units``)
---------------------------------------------------
``Quantity`` is pint's typed class ``pint.Quantity[float]`` (pint ships ``py.typed``), so a bare
``float`` or ``int`` is not a quantity. ``Dose`` (Gy, cGy), ``Amount`` (mg, mcg, g),
``Duration`` (d, wk) and ``DoseRate`` (Gy/d, cGy/d) are ``NewType``s of it that exist for the
checker only: at run time they are the same pint objects, with no wrapper and no cost.
``quantity()``, ``to_unit()`` and ``unit_symbol()`` pick the kind from a literal unit, and
``parse_quantity()`` and ``require()`` from a literal kind (``DOSE``, ``AMOUNT``, ...).
"""

from __future__ import annotations

from typing import assert_type

from regimen import radiobiology as rb
from regimen.drugs import make_dose
from regimen.radiotherapy import Phase, parse_expression
from regimen.rt_report import TimeCorrection, bed_report, isoeffect_report
from regimen.units import (
    AMOUNT,
    DOSE,
    DOSE_RATE,
    DURATION,
    Amount,
    Dose,
    DoseRate,
    DoseUnit,
    Duration,
    Quantity,
    parse_quantity,
    quantity,
    require,
    to_unit,
    unit_symbol,
)


def correct_calls_type_check(text: str, value: object) -> None:
    phases = parse_expression("25x2Gy")
    alpha_beta = quantity(10, "Gy")
    assert_type(alpha_beta, Dose)
    assert_type(quantity(12, "mg"), Amount)
    assert_type(quantity(21, "d"), Duration)
    assert_type(quantity(0.9, "Gy/d"), DoseRate)
    assert_type(parse_quantity(text, DOSE), Dose)
    assert_type(parse_quantity(text, AMOUNT), Amount)
    assert_type(require(value, DURATION), Duration)
    assert_type(require(value, DOSE_RATE), DoseRate)
    assert_type(to_unit(alpha_beta, "cGy"), Dose)
    assert_type(unit_symbol(alpha_beta), DoseUnit)
    b = rb.bed(phases, alpha_beta)
    rb.bed(phases, parse_quantity(text, DOSE), "lq-l", quantity(600, "cGy"))
    assert_type(b.value, Dose)
    assert_type(rb.eqd(b, quantity(200, "cGy")), Dose)
    assert_type(rb.physical_dose(phases), Dose)
    assert_type(rb.dose_per_fraction_for_bed(b, 25), Dose)
    rb.fractions_for_bed(b, quantity(3, "Gy"))
    rb.time_corrected_bed(b, quantity(38, "d"), quantity(4, "wk"), quantity(0.9, "Gy/d"))
    rb.k_from_dprolif(quantity(0.5, "Gy/d"), alpha_beta)
    Phase(25, quantity(2, "Gy"))
    bed_report(phases, [alpha_beta, quantity(3, "Gy")], reference_dose=quantity(2, "Gy"))
    isoeffect_report(phases, alpha_beta, fractions=5)
    TimeCorrection(quantity(38, "d"), quantity(28, "d"), k=quantity(0.9, "Gy/d"))
    make_dose(quantity(20, "mg"), [quantity(12, "mg"), quantity(8, "mg")])
    # Any kind is a Quantity (formatting, JSON and magnitude take any kind).
    any_kind: list[Quantity] = [alpha_beta, quantity(12, "mg"), quantity(21, "d")]
    assert any_kind


def bare_numbers_are_type_errors(b: rb.Bed, count: int) -> None:
    """A float, an int or a magnitude where a quantity is due."""
    phases = parse_expression("25x2Gy")
    ab = quantity(10, "Gy")
    rb.bed(phases, 10.0)  # type: ignore[arg-type]
    rb.bed(phases, 10)  # type: ignore[arg-type]
    rb.bed(phases, ab.magnitude)  # type: ignore[arg-type]
    rb.bed(phases, ab, "lq-l", 6.0)  # type: ignore[arg-type]
    rb.bed_per_fraction(2.0, ab)  # type: ignore[arg-type]
    rb.eqd(b, 2.0)  # type: ignore[arg-type]
    rb.fractions_for_bed(b, count)  # type: ignore[arg-type]
    rb.k_from_dprolif(0.5, ab)  # type: ignore[arg-type]
    rb.time_corrected_bed(b, 38, 28, 0.9)  # type: ignore[arg-type]
    Phase(25, 2.0)  # type: ignore[arg-type]
    alpha_betas: tuple[float, ...] = (10.0, 3.0)
    bed_report(phases, alpha_betas)  # type: ignore[arg-type]
    isoeffect_report(phases, 10.0, fractions=count)  # type: ignore[arg-type]
    make_dose(20.0, [quantity(12, "mg")])  # type: ignore[arg-type]
    dose: Dose = 2.0  # type: ignore[assignment]
    amount: Quantity = 12  # type: ignore[assignment]
    assert dose and amount


def kinds_are_not_mixed(text: str) -> None:
    """A drug amount, a duration or a dose rate where a dose is due, and the other way round."""
    phases = parse_expression("25x2Gy")
    rb.bed(phases, quantity(12, "mg"))  # type: ignore[arg-type]
    rb.bed(phases, parse_quantity(text, DURATION))  # type: ignore[arg-type]
    Phase(25, parse_quantity(text, AMOUNT))  # type: ignore[arg-type]
    make_dose(quantity(2, "Gy"), [quantity(12, "mg")])  # type: ignore[arg-type]
    make_dose(quantity(20, "mg"), [quantity(12, "cGy")])  # type: ignore[list-item]
    rb.k_from_dprolif(quantity(0.5, "Gy"), quantity(10, "Gy"))  # type: ignore[arg-type]
    TimeCorrection(quantity(38, "d"), quantity(28, "d"), k=quantity(0.9, "Gy"))  # type: ignore[arg-type]
    TimeCorrection(quantity(38, "Gy"), quantity(28, "d"), k=quantity(0.9, "Gy/d"))  # type: ignore[arg-type]
    # Not caught: a unit of another kind falls to the generic overload (UnitError at run time).
    to_unit(quantity(12, "mg"), "Gy")
    dose: Dose = quantity(12, "mg")  # type: ignore[assignment]
    # A kind-less Quantity (a dynamic unit string) is not taken as a dose without a check:
    rb.bed(phases, quantity(10, text))  # type: ignore[arg-type]
    rb.bed(phases, require(quantity(10, text), DOSE))  # ...require() is that check
    assert dose


def body_size_kinds_are_not_mixed() -> None:
    """A height where a weight is due, a bare number where a creatinine is due, a weight where
    a clearance is due (the calculators of regimen.bodysize)."""
    from regimen.bodysize import bsa_report, calvert_report, crcl_report

    height, weight = quantity(170, "cm"), quantity(70, "kg")
    bsa_report(height, weight)  # the right kinds check clean
    bsa_report(weight, height)  # type: ignore[arg-type]
    bsa_report(170, 70)  # type: ignore[arg-type]
    crcl_report(60, "female", weight, 1.2)  # type: ignore[arg-type]
    crcl_report(60, "female", quantity(12, "mg"), quantity(1.2, "mg/dL"))  # type: ignore[arg-type]
    calvert_report(6, gfr=weight)  # type: ignore[arg-type]
    calvert_report(6, gfr=quantity(125, "mL/min"))

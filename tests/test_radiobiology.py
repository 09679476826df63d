"""regimen.radiobiology: boundaries, refusals and their messages (found by mutation testing).

The published-value and property suites pin the LQ arithmetic; this module pins what they left
loose: the exact boundaries the module docstrings state (a dose "greater than zero", a
reference dose that "must not exceed" d_T, a correction that "would use up the whole BED",
fractions "exceeding 6 Gy"), every refusal and the one-line message the CLI prints for it
(``error: <where>: <what>``, see regimen.errors), and the LQ-L branches of the solvers.

Numbers are hand-computed from the equations in the regimen.radiobiology docstrings:
BED = n d (1 + d/(a/b)) [Fowler1989]; LQ-L above d_T: d_T (1 + d_T/(a/b)) +
(1 + 2 d_T/(a/b)) (d - d_T) [Astrahan2008]; EQDx = BED / (1 + x/(a/b)) [Bentzen2012];
n = BED / (d (1 + d/(a/b))) [Joiner2018]; BED_T = BED - K (T - T_k) [Fowler1989];
K = Dprolif (1 + 2/(a/b)) [Joiner2018]. See docs/testing.md for the mutation score.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from regimen import radiobiology as rb
from regimen.errors import InputError, UnitError
from regimen.radiotherapy import Phase, parse_expression
from regimen.units import magnitude, quantity


class RawPhase(NamedTuple):
    """A Fractionation that skips Phase's own validation: radiobiology must check its input."""

    fractions: int
    dose_per_fraction: Any


def gy(value: float) -> Any:
    return quantity(value, "Gy")


def hand(value: float) -> Any:
    return pytest.approx(value, rel=1e-12, abs=1e-12)


def lq_l(expr: str, ab: float, dt: Any) -> rb.Bed:
    return rb.bed(parse_expression(expr), gy(ab), model="lq-l", transition_dose=dt)


# ---------------------------------------------------------------------------------------------
# Doses must be finite and greater than zero ("_gy"), and say which input was wrong


@pytest.mark.parametrize("bad", [0.0, -2.0, float("inf"), float("nan")])
def test_dose_per_fraction_must_be_finite_and_positive(bad):
    with pytest.raises(InputError) as err:
        rb.bed_per_fraction(gy(bad), gy(10))
    assert err.value.where == "dose per fraction"
    assert err.value.what == f"must be greater than zero, got {bad:g} Gy"


def test_physical_dose_sums_phases_in_gy_whatever_their_unit():
    # [Li2025] seed case: 10 x 400 cGy + 3 x 700 cGy = 61 Gy; a RawPhase in Gy adds 2 x 2 Gy.
    phases = [*parse_expression("10x400cGy + 3x700cGy"), RawPhase(2, gy(2))]
    assert magnitude(rb.physical_dose(phases), "Gy") == hand(65.0)


def test_eqd2_of_an_lq_bed():
    # [Bentzen2012]: 3 x 700 cGy at a/b 10: BED 21 x 1.7 = 35.7 Gy; EQD2 = 35.7/1.2 = 29.75 Gy.
    b = rb.bed(parse_expression("3x700cGy"), gy(10))
    assert magnitude(rb.eqd(b), "Gy") == hand(29.75)


def test_physical_dose_refuses_a_non_positive_dose_per_fraction():
    # Phase already refuses 0 Gy; the arithmetic does not rely on it (Fractionation protocol).
    with pytest.raises(InputError) as err:
        rb.physical_dose([RawPhase(5, gy(2)), RawPhase(3, gy(-1))])
    assert str(err.value) == "dose per fraction: must be greater than zero, got -1 Gy"


def test_physical_dose_names_the_field_of_a_dose_in_the_wrong_unit():
    with pytest.raises(UnitError) as err:
        rb.physical_dose([RawPhase(5, quantity(2, "mg"))])
    assert err.value.where == "dose per fraction"


@pytest.mark.parametrize(
    ("call", "where"),
    [
        (lambda: rb.bed_per_fraction(quantity(2, "mg"), gy(10)), "dose per fraction"),
        (lambda: rb.bed_per_fraction(gy(2), quantity(10, "mg")), "alpha/beta"),
        (
            lambda: rb.bed_per_fraction(gy(8), gy(10), "lq-l", quantity(6, "mg")),
            "transition dose",
        ),
        (lambda: rb.k_from_dprolif(quantity(0.6, "Gy"), gy(10)), "Dprolif"),
    ],
)
def test_a_dose_in_a_drug_unit_is_refused_naming_the_field(call, where):
    with pytest.raises(UnitError) as err:
        call()
    assert err.value.where == where


@pytest.mark.parametrize("bad", [0.0, -3.0])
def test_alpha_beta_must_be_greater_than_zero(bad):
    with pytest.raises(InputError) as err:
        rb.bed(parse_expression("30x2Gy"), gy(bad))
    assert str(err.value) == f"alpha/beta: must be greater than zero, got {bad:g} Gy"


def test_transition_dose_must_be_greater_than_zero():
    with pytest.raises(InputError) as err:
        rb.bed_per_fraction(gy(8), gy(10), "lq-l", gy(0))
    assert str(err.value) == "transition dose: must be greater than zero, got 0 Gy"


def test_reference_dose_must_be_greater_than_zero():
    b = rb.bed(parse_expression("30x2Gy"), gy(10))
    with pytest.raises(InputError) as err:
        rb.eqd(b, gy(0))
    assert str(err.value) == "reference dose: must be greater than zero, got 0 Gy"


# ---------------------------------------------------------------------------------------------
# Model choice: LQ-L needs d_T, LQ refuses one


def test_lq_l_without_transition_dose_is_refused():
    with pytest.raises(InputError) as err:
        rb.bed(parse_expression("3x20Gy"), gy(10), model="lq-l")
    assert str(err.value) == "the LQ-L model needs a transition dose (--transition-dose)"


def test_transition_dose_with_plain_lq_is_refused():
    with pytest.raises(InputError) as err:
        rb.bed_per_fraction(gy(20), gy(10), transition_dose=gy(6))
    assert str(err.value) == "a transition dose only applies to the LQ-L model (--model lq-l)"


# ---------------------------------------------------------------------------------------------
# Adding BEDs: only on the same alpha/beta, model and transition dose


def test_lq_l_beds_with_different_transition_doses_cannot_be_added():
    # Same a/b and model, d_T 6 Gy vs 8 Gy: the two BEDs are on different dose-response curves.
    with pytest.raises(InputError) as err:
        lq_l("3x20Gy", 10, gy(6)) + lq_l("3x20Gy", 10, gy(8))
    assert str(err.value) == (
        "BED values for different alpha/beta or models cannot be added (10 Gy lq-l vs 10 Gy lq-l)"
    )


def test_lq_l_beds_with_the_same_transition_dose_add_up():
    # 3 x 20 Gy at a/b 10, d_T 6 Gy: 121.2 Gy ([Astrahan2008] by hand, as in the published
    # suite); 2 x 20 Gy more: 80.8 Gy; together 202 Gy, d_T 600 cGy being the same basis.
    total = lq_l("3x20Gy", 10, gy(6)) + lq_l("2x20Gy", 10, quantity(600, "cGy"))
    assert total.gy == hand(202.0)
    assert total.model == "lq-l"


def test_transition_doses_differing_only_by_float_rounding_are_the_same_basis():
    # 0.1 + 0.2 Gy is 0.30000000000000004 as a float, 30 cGy converts exactly to 0.3 Gy.
    # Below both d_T the BED is plain LQ: 10 x 0.2 Gy at a/b 10 = 2 (1.02) = 2.04 Gy each.
    a = lq_l("10x0.2Gy", 10, gy(0.1 + 0.2))
    b = lq_l("10x0.2Gy", 10, quantity(30, "cGy"))
    assert (a + b).gy == hand(4.08)
    assert (b + a).gy == hand(4.08)


def test_alpha_beta_tolerance_only_absorbs_float_noise():
    # The same a/b in cGy and Gy is one basis (units convert exactly), but a/b values that
    # differ by one part in 10^10 are two different numbers and their BEDs do not add.
    phases = parse_expression("30x2Gy")
    same = rb.bed(phases, gy(3)) + rb.bed(phases, quantity(300, "cGy"))
    assert same.gy == hand(200.0)  # 2 x 60 (1 + 2/3)
    with pytest.raises(InputError):
        rb.bed(phases, gy(3)) + rb.bed(phases, gy(3 * (1 + 1e-10)))


def test_transition_dose_tolerance_only_absorbs_float_noise():
    # Likewise for d_T: 6 Gy and 6 Gy x (1 + 1e-10) are two different LQ-L curves.
    with pytest.raises(InputError):
        lq_l("3x20Gy", 10, gy(6)) + lq_l("3x20Gy", 10, gy(6 * (1 + 1e-10)))


def test_adding_lq_to_lq_l_names_both_models_in_the_message():
    lq = rb.bed(parse_expression("30x2Gy"), gy(3))
    with pytest.raises(InputError) as err:
        lq + lq_l("30x2Gy", 3, gy(6))
    assert str(err.value) == (
        "BED values for different alpha/beta or models cannot be added (3 Gy lq vs 3 Gy lq-l)"
    )


# ---------------------------------------------------------------------------------------------
# EQDx under LQ-L: the reference dose may equal d_T but not exceed it


def test_eqd2_under_lq_l_is_allowed_when_transition_dose_is_2_gy():
    # d_T = 2 Gy = x: "must not exceed" allows equality. 3 x 20 Gy, a/b 10, d_T 2 Gy:
    # per fraction 2 (1.2) + (1 + 0.4)(18) = 2.4 + 25.2 = 27.6; BED 82.8; EQD2 = 82.8/1.2 = 69.
    b = lq_l("3x20Gy", 10, gy(2))
    assert b.gy == hand(82.8)
    assert magnitude(rb.eqd(b), "Gy") == hand(69.0)
    assert magnitude(rb.eqd(b, quantity(200, "cGy")), "Gy") == hand(69.0)


def test_reference_dose_above_transition_dose_message():
    b = lq_l("3x20Gy", 10, gy(6))
    with pytest.raises(InputError) as err:
        rb.eqd(b, gy(8))
    assert str(err.value) == (
        "the reference dose (8 Gy) must not exceed the LQ-L transition dose (6 Gy)"
    )


# ---------------------------------------------------------------------------------------------
# Isoeffect solves


def test_fractions_for_an_lq_l_target_use_the_lq_l_curve():
    # Target 3 x 10 Gy, a/b 10, d_T 6 Gy: per fraction 6 (1.6) + 2.2 (4) = 18.4; BED 55.2 Gy.
    # In 8 Gy fractions (LQ-L): 9.6 + 2.2 (2) = 14.0 per fraction, n = 55.2/14 = 3.942857...
    # (plain LQ would give 8 (1.8) = 14.4 per fraction and 3.8333...).
    target = lq_l("3x10Gy", 10, gy(6))
    s = rb.fractions_for_bed(target, gy(8))
    assert s.exact == hand(55.2 / 14.0)
    assert (s.rounded, s.rounding) == (4, "up")


def test_fractions_rounding_down_and_exact():
    # 30 x 2 Gy at a/b 10: BED 72 Gy. In 2.5 Gy fractions: 72 / (2.5 x 1.25) = 23.04 -> 23, down.
    # In 2 Gy fractions: exactly 30.
    target = rb.bed(parse_expression("30x2Gy"), gy(10))
    down = rb.fractions_for_bed(target, gy(2.5))
    assert down.exact == hand(23.04)
    assert (down.rounded, down.rounding) == (23, "down")
    exact = rb.fractions_for_bed(target, gy(2))
    assert (exact.rounded, exact.rounding) == (30, "exact")


def test_exact_means_within_a_billionth_of_a_fraction_not_relative():
    # "exact" is an absolute tolerance of 1e-9 fractions: a target worth 100.0000001 fractions
    # of 2 Gy (a/b 10: 2.4 Gy BED each) is 1e-7 fractions short of 100 and rounds down.
    target = rb.Bed(value=gy(2.4 * 100.0000001), alpha_beta=gy(10))
    s = rb.fractions_for_bed(target, gy(2))
    assert (s.rounded, s.rounding) == (100, "down")


def test_fractions_never_round_below_one():
    # 1 x 2 Gy at a/b 10 (BED 2.4 Gy) in 10 Gy fractions (BED 20 Gy each): 0.12 -> 1, up.
    target = rb.bed(parse_expression("1x2Gy"), gy(10))
    s = rb.fractions_for_bed(target, gy(10))
    assert s.exact == hand(0.12)
    assert (s.rounded, s.rounding) == (1, "up")


def test_one_fraction_is_a_valid_solve():
    # 30 x 2 Gy at a/b 10 = 72 Gy BED in a single fraction: d = (a/b)/2 (sqrt(1 + 4 BED /
    # (n a/b)) - 1) = 5 (sqrt(29.8) - 1) [Joiner2018]; check it by putting it back into BED.
    target = rb.bed(parse_expression("30x2Gy"), gy(10))
    d = magnitude(rb.dose_per_fraction_for_bed(target, 1), "Gy")
    assert d == hand(5 * (29.8**0.5 - 1))
    assert d * (1 + d / 10) == hand(72.0)


def test_a_bare_number_cannot_be_added_to_a_bed():
    b = rb.bed(parse_expression("30x2Gy"), gy(10))
    with pytest.raises(TypeError):
        b + 72.0  # a BED without its alpha/beta


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "25"])
def test_dose_per_fraction_solve_needs_a_whole_number_of_fractions(bad):
    target = rb.bed(parse_expression("30x2Gy"), gy(10))
    with pytest.raises(InputError) as err:
        rb.dose_per_fraction_for_bed(target, bad)
    assert str(err.value) == f"fractions: must be a whole number of at least 1, got {bad!r}"


def test_dose_per_fraction_solve_is_lq_only():
    target = lq_l("3x20Gy", 10, gy(6))
    with pytest.raises(InputError) as err:
        rb.dose_per_fraction_for_bed(target, 5)
    assert str(err.value) == "solving the dose per fraction is only implemented for the LQ model"


# ---------------------------------------------------------------------------------------------
# Overall-time correction


def test_k_from_dprolif_in_cgy_per_day():
    # K = Dprolif (1 + 2/(a/b)) [Joiner2018]: 60 cGy/d at a/b 10 = 0.6 x 1.2 = 0.72 Gy/d.
    assert magnitude(rb.k_from_dprolif(quantity(60, "cGy/d"), gy(10)), "Gy/d") == hand(0.72)


@pytest.mark.parametrize(
    ("args", "where", "value"),
    [
        ((-1, 28, 0.9), "overall time", "-1"),
        ((46, -1, 0.9), "kickoff time", "-1"),
        ((46, 28, -0.5), "K", "-0.5"),
        ((float("inf"), 28, 0.9), "overall time", "inf"),
        ((46, 28, float("nan")), "K", "nan"),
    ],
)
def test_time_correction_refuses_negative_or_non_finite_inputs(args, where, value):
    b = rb.bed(parse_expression("35x2Gy"), gy(10))
    t, tk, k = args
    with pytest.raises(InputError) as err:
        rb.time_corrected_bed(b, quantity(t, "d"), quantity(tk, "d"), quantity(k, "Gy/d"))
    assert str(err.value) == f"{where}: must not be negative, got {value}"


@pytest.mark.parametrize(
    ("args", "where"),
    [
        ((quantity(46, "Gy"), quantity(28, "d"), quantity(0.9, "Gy/d")), "overall time"),
        ((quantity(46, "d"), quantity(28, "Gy"), quantity(0.9, "Gy/d")), "kickoff time"),
        ((quantity(46, "d"), quantity(28, "d"), quantity(0.9, "Gy")), "K"),
    ],
)
def test_time_correction_names_the_input_in_a_wrong_unit(args, where):
    b = rb.bed(parse_expression("35x2Gy"), gy(10))
    with pytest.raises(UnitError) as err:
        rb.time_corrected_bed(b, *args)
    assert err.value.where == where


def test_time_correction_that_uses_up_exactly_the_whole_bed_is_refused():
    # 30 x 2 Gy at a/b 10: BED 72 Gy. K 1 Gy/d over T - T_k = 72 d removes exactly 72 Gy:
    # a BED_T of 0 is not a treatment, so it is refused like a larger loss.
    b = rb.bed(parse_expression("30x2Gy"), gy(10))
    with pytest.raises(InputError) as err:
        rb.time_corrected_bed(b, quantity(100, "d"), quantity(28, "d"), quantity(1, "Gy/d"))
    assert str(err.value) == (
        "overall time: the repopulation correction K x (T - T_k) = 72 Gy would use up the "
        "whole BED (72 Gy); check T, T_k and K"
    )
    # One day less leaves 1 Gy.
    left = rb.time_corrected_bed(b, quantity(99, "d"), quantity(28, "d"), quantity(1, "Gy/d"))
    assert left.gy == hand(1.0)


# ---------------------------------------------------------------------------------------------
# The LQ warning threshold: "exceeds 6 Gy"


def test_lq_warning_flags_only_fractions_above_6_gy():
    # [Li2025] seed case 10 x 400 cGy + 3 x 700 cGy: only the 7 Gy boost is flagged; a 6 Gy
    # (600 cGy) fraction is at, not above, the threshold.
    phases = parse_expression("10x400cGy + 5x600cGy + 3x700cGy")
    flagged = rb.above_lq_threshold(phases)
    assert [str(p) for p in flagged] == ["3 x 700 cGy"]
    assert rb.above_lq_threshold(parse_expression("5x6Gy")) == []
    assert rb.above_lq_threshold([Phase(1, quantity(601, "cGy"))]) == [
        Phase(1, quantity(601, "cGy"))
    ]


def test_lq_warning_checks_the_doses_it_reads():
    with pytest.raises(InputError) as err:
        rb.above_lq_threshold([RawPhase(1, gy(-7))])
    assert str(err.value) == "dose per fraction: must be greater than zero, got -7 Gy"

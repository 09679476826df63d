"""Property tests for regimen.radiobiology: invariants of the LQ / LQ-L arithmetic.

Strategies stay in clinically sane ranges: 1-60 fractions, 0.5-25 Gy per fraction, alpha/beta
0.5-20 Gy. Hypothesis keeps no example database (``database=None``) so running the suite leaves
no files behind.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from regimen import radiobiology as rb
from regimen.errors import InputError
from regimen.radiotherapy import Phase
from regimen.units import magnitude, quantity

SETTINGS = settings(max_examples=60, deadline=None, database=None)

fractions = st.integers(min_value=1, max_value=60)
dose_gy = st.floats(min_value=0.5, max_value=25.0, allow_nan=False, allow_infinity=False)
dose_cgy = st.integers(min_value=50, max_value=2500)
alpha_beta = st.floats(min_value=0.5, max_value=20.0, allow_nan=False, allow_infinity=False)
alpha_beta_cgy = st.integers(min_value=50, max_value=2000)
transition = st.floats(min_value=0.5, max_value=25.0, allow_nan=False, allow_infinity=False)
phase_specs = st.lists(st.tuples(fractions, dose_gy), min_size=1, max_size=4)
days = st.floats(min_value=0.0, max_value=100.0, allow_nan=False, allow_infinity=False)
k_rate = st.floats(min_value=0.0, max_value=2.0, allow_nan=False, allow_infinity=False)


def gy(value: float):
    return quantity(value, "Gy")


def phases_of(specs) -> tuple[Phase, ...]:
    return tuple(Phase(n, gy(d)) for n, d in specs)


def physical(phases) -> float:
    return magnitude(rb.physical_dose(phases), "Gy")


def eqd_gy(b: rb.Bed, reference=None) -> float:
    return magnitude(rb.eqd(b, reference), "Gy")


# ---------------------------------------------------------------------------------------------
# EQD2 / BED basics


@SETTINGS
@given(counts=st.lists(fractions, min_size=1, max_size=4), ab=alpha_beta, in_cgy=st.booleans())
def test_eqd2_is_physical_dose_for_two_gray_fractions(counts, ab, in_cgy):
    per = quantity(200, "cGy") if in_cgy else gy(2)
    phases = tuple(Phase(n, per) for n in counts)
    b = rb.bed(phases, gy(ab))
    assert eqd_gy(b) == pytest.approx(physical(phases), rel=1e-12)
    assert physical(phases) == pytest.approx(2.0 * sum(counts), rel=1e-15)


@SETTINGS
@given(n=fractions, d=dose_gy, ab=alpha_beta)
def test_eqd_at_the_schedules_own_fraction_size_is_the_physical_dose(n, d, ab):
    # EQD_x with x = d undoes the fraction-size weighting exactly (Bentzen 2012 definition).
    phases = (Phase(n, gy(d)),)
    assert eqd_gy(rb.bed(phases, gy(ab)), gy(d)) == pytest.approx(n * d, rel=1e-12)


@SETTINGS
@given(specs=phase_specs, ab=alpha_beta, dt=st.one_of(st.none(), transition))
def test_bed_is_at_least_the_physical_dose(specs, ab, dt):
    phases = phases_of(specs)
    model = "lq" if dt is None else "lq-l"
    b = rb.bed(phases, gy(ab), model=model, transition_dose=None if dt is None else gy(dt))
    assert b.gy >= physical(phases)
    assert b.gy > physical(phases)  # every fraction has d > 0 and a/b finite


@SETTINGS
@given(n=fractions, d=dose_gy, ab=alpha_beta)
def test_bed_is_linear_in_the_number_of_fractions(n, d, ab):
    one = rb.bed((Phase(1, gy(d)),), gy(ab)).gy
    assert rb.bed((Phase(n, gy(d)),), gy(ab)).gy == pytest.approx(n * one, rel=1e-12)


@SETTINGS
@given(specs=phase_specs, ab=alpha_beta, data=st.data())
def test_phase_order_does_not_change_bed_or_total(specs, ab, data):
    phases = phases_of(specs)
    shuffled = tuple(data.draw(st.permutations(phases)))
    # math.fsum is correctly rounded, so the sums are identical, not merely close.
    assert rb.bed(shuffled, gy(ab)).gy == rb.bed(phases, gy(ab)).gy
    assert physical(shuffled) == physical(phases)


@SETTINGS
@given(specs=st.lists(st.tuples(fractions, dose_cgy), min_size=1, max_size=4), ab=alpha_beta_cgy)
def test_cgy_and_gy_give_bit_identical_results(specs, ab):
    in_cgy = tuple(Phase(n, quantity(c, "cGy")) for n, c in specs)
    in_gy = tuple(Phase(n, quantity(c / 100, "Gy")) for n, c in specs)
    ab_cgy, ab_gy = quantity(ab, "cGy"), quantity(ab / 100, "Gy")
    assert physical(in_cgy) == physical(in_gy)
    bed_cgy = rb.bed(in_cgy, ab_cgy)
    assert bed_cgy.gy == rb.bed(in_gy, ab_gy).gy
    assert bed_cgy.gy == rb.bed(in_cgy, ab_gy).gy == rb.bed(in_gy, ab_cgy).gy
    assert eqd_gy(bed_cgy) == eqd_gy(rb.bed(in_gy, ab_gy))


@SETTINGS
@given(specs=phase_specs, ab=alpha_beta)
def test_reference_200_cgy_is_exactly_2_gy(specs, ab):
    b = rb.bed(phases_of(specs), gy(ab))
    default = eqd_gy(b)
    assert eqd_gy(b, quantity(200, "cGy")) == default
    assert eqd_gy(b, gy(2)) == default


# ---------------------------------------------------------------------------------------------
# Isoeffect solves


@SETTINGS
@given(n=fractions, d=dose_gy, ab=alpha_beta)
def test_fractions_for_bed_recovers_the_fraction_count(n, d, ab):
    target = rb.bed((Phase(n, gy(d)),), gy(ab))
    sol = rb.fractions_for_bed(target, gy(d))
    assert sol.exact == pytest.approx(n, rel=1e-12)
    assert sol.rounded == n
    assert sol.rounding == "exact"


@SETTINGS
@given(n=fractions, d=dose_gy, new_d=dose_gy, ab=alpha_beta)
def test_fractions_for_bed_inverts_n_d_1_plus_d_over_ab(n, d, new_d, ab):
    target = rb.bed((Phase(n, gy(d)),), gy(ab))
    sol = rb.fractions_for_bed(target, gy(new_d))
    # n' d' (1 + d'/(a/b)) == BED
    assert sol.exact * new_d * (1 + new_d / ab) == pytest.approx(target.gy, rel=1e-12)
    assert sol.rounded >= 1
    assert abs(sol.rounded - sol.exact) <= 0.5 or sol.rounded == 1
    if not math.isclose(sol.rounded, sol.exact, rel_tol=0, abs_tol=1e-9):
        assert sol.rounding == ("up" if sol.rounded > sol.exact else "down")


@SETTINGS
@given(n=fractions, d=dose_gy, m=fractions, ab=alpha_beta)
def test_dose_per_fraction_for_bed_round_trip(n, d, m, ab):
    target = rb.bed((Phase(n, gy(d)),), gy(ab))
    new_d = magnitude(rb.dose_per_fraction_for_bed(target, m), "Gy")
    assert new_d > 0
    assert m * rb.bed_per_fraction(gy(new_d), gy(ab)) == pytest.approx(target.gy, rel=1e-12)
    same = magnitude(rb.dose_per_fraction_for_bed(target, n), "Gy")
    assert same == pytest.approx(d, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# Overall-time correction


@SETTINGS
@given(specs=phase_specs, ab=alpha_beta, t=days, tk=days, k=k_rate)
def test_time_correction_never_increases_bed(specs, ab, t, tk, k):
    b = rb.bed(phases_of(specs), gy(ab))
    lost = k * max(0.0, t - tk)
    if lost >= b.gy:
        # a correction that would use up the whole BED is refused, never returned as <= 0
        with pytest.raises(InputError, match="would use up the whole BED"):
            rb.time_corrected_bed(b, quantity(t, "d"), quantity(tk, "d"), quantity(k, "Gy/d"))
        return
    corrected = rb.time_corrected_bed(b, quantity(t, "d"), quantity(tk, "d"), quantity(k, "Gy/d"))
    assert 0 < corrected.gy <= b.gy
    assert corrected.gy == pytest.approx(b.gy - k * max(0.0, t - tk), rel=1e-12, abs=1e-12)
    assert (corrected.alpha_beta_gy, corrected.model) == (b.alpha_beta_gy, b.model)


@SETTINGS
@given(specs=phase_specs, ab=alpha_beta, t=days, extra=days, k=k_rate)
def test_time_correction_is_a_no_op_up_to_kickoff(specs, ab, t, extra, k):
    b = rb.bed(phases_of(specs), gy(ab))
    corrected = rb.time_corrected_bed(
        b, quantity(t, "d"), quantity(t + extra, "d"), quantity(k, "Gy/d")
    )
    assert corrected.gy == b.gy


# ---------------------------------------------------------------------------------------------
# Bed arithmetic


@SETTINGS
@given(specs=phase_specs, ab1=alpha_beta, ab2=alpha_beta)
def test_adding_beds_for_different_alpha_beta_raises(specs, ab1, ab2):
    # alpha/beta values within 1e-12 relative are the same ratio written two ways (e.g. cGy
    # and Gy that differ in the last bit), which Bed accepts on purpose
    assume(not math.isclose(ab1, ab2, rel_tol=1e-12))
    phases = phases_of(specs)
    with pytest.raises(InputError):
        rb.bed(phases, gy(ab1)) + rb.bed(phases, gy(ab2))


@SETTINGS
@given(a=phase_specs, b=phase_specs, ab=alpha_beta_cgy)
def test_adding_beds_for_the_same_alpha_beta_sums_them(a, b, ab):
    pa, pb = phases_of(a), phases_of(b)
    ab_gy = quantity(ab / 100, "Gy")
    total = rb.bed(pa, ab_gy) + rb.bed(pb, ab_gy)
    assert total.gy == pytest.approx(rb.bed(pa + pb, ab_gy).gy, rel=1e-12)
    # The same alpha/beta written in cGy (a whole number of cGy, so the conversion is exact)
    # is the same basis.
    mixed = rb.bed(pa, ab_gy) + rb.bed(pb, quantity(ab, "cGy"))
    assert mixed.gy == total.gy


@SETTINGS
@given(specs=phase_specs, ab=alpha_beta, dt=transition)
def test_adding_lq_and_lq_l_beds_raises(specs, ab, dt):
    phases = phases_of(specs)
    with pytest.raises(InputError):
        rb.bed(phases, gy(ab)) + rb.bed(phases, gy(ab), model="lq-l", transition_dose=gy(dt))


# ---------------------------------------------------------------------------------------------
# LQ-L (Astrahan 2008)


@SETTINGS
@given(d=dose_gy, dt=transition, ab=alpha_beta)
def test_lq_l_equals_lq_at_or_below_the_transition_dose(d, dt, ab):
    assume(d <= dt)
    lq = rb.bed_per_fraction(gy(d), gy(ab))
    lql = rb.bed_per_fraction(gy(d), gy(ab), "lq-l", gy(dt))
    assert lql == lq


@SETTINGS
@given(d=dose_gy, dt=transition, ab=alpha_beta)
def test_lq_l_is_below_lq_above_the_transition_dose(d, dt, ab):
    assume(d - dt > 1e-3)
    lq = rb.bed_per_fraction(gy(d), gy(ab))
    lql = rb.bed_per_fraction(gy(d), gy(ab), "lq-l", gy(dt))
    assert lql < lq
    # The gap is exactly the quadratic excess (d - d_T)^2 / (a/b).
    assert lq - lql == pytest.approx((d - dt) ** 2 / ab, rel=1e-9, abs=1e-9)


@SETTINGS
@given(dt=transition, ab=alpha_beta)
def test_lq_l_value_and_slope_are_continuous_at_the_transition_dose(dt, ab):
    h = 1e-5

    def f(d: float) -> float:
        return rb.bed_per_fraction(gy(d), gy(ab), "lq-l", gy(dt))

    at = f(dt)
    slope_lq = 1 + 2 * dt / ab
    # No jump: a step of h moves the value by about h times the slope, not more.
    assert abs(f(dt + h) - at) <= 1.01 * h * slope_lq
    assert abs(at - f(dt - h)) <= 1.01 * h * slope_lq
    right = (f(dt + 2 * h) - f(dt + h)) / h  # entirely on the linear branch
    left = (f(dt) - f(dt - h)) / h  # entirely on the quadratic branch
    assert right == pytest.approx(slope_lq, rel=1e-6)
    assert left == pytest.approx(slope_lq, abs=1e-3)
    assert right == pytest.approx(left, abs=1e-3)

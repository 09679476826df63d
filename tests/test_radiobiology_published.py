"""regimen.radiobiology pinned to published worked examples and tables.

Every expected number carries its source in a comment beside it. Where a source prints a
rounded figure the tolerance is half a unit in its last printed digit (``published(v, k)``);
where a value was derived here by hand from a cited equation, the comment says so and the
tolerance is tight (``hand(v)``). No number below is invented: if a row could not be traced to
a publication it is labelled "hand-computed" together with the equation it comes from.

Sources (full references; short tags are used in the comments):

[Li2025]      Li, Yu, Xu. Front Oncol 2025;15:1490941 (case report stating 400 cGy x 10 +
              700 cGy x 3, cumulative 6100 cGy). The BED/EQD2 figures are the arithmetic of
              that schedule under [Fowler1989] and [Bentzen2012], worked by hand.
[Fowler1989]  Fowler JF. The linear-quadratic formula and progress in fractionated
              radiotherapy. Br J Radiol 1989;62(740):679-694. BED = n d (1 + d/(a/b)) and the
              time term BED - K (T - Tk).
[Bentzen2012] Bentzen SM, Dorr W, Gahbauer R, et al. Bioeffect modeling and equieffective dose
              concepts in radiation oncology: terminology, quantities and units. Radiother
              Oncol 2012;105(2):266-268. EQDx = BED / (1 + x/(a/b)).
[Joiner]      Joiner MC, van der Kogel AJ (eds). Basic Clinical Radiobiology. CRC Press;
              chapter "Fractionation: the linear-quadratic approach" (isoeffect relation
              D2/D1 = (a/b + d1)/(a/b + d2); Dprolif to K conversion K = Dprolif (1 + 2/(a/b))).
[RadOnc2021]  Radiat Oncol 2021;16:73, doi:10.1186/s13014-021-01802-9, Table 3 "Biological
              equivalent dose (BED) and equivalent dose in 2 Gy per fraction (EQD2) for
              various SRS/HSRT radiation schedules" (PMC8051036; authors and title of the
              article not retrieved in this session, the table itself was read).
[Ritter2009]  Ritter M, Forman J, Kupelian P, Lawton C, Petereit D. Hypofractionation for
              prostate cancer. Cancer J 2009;15(1):1-6, doi:10.1097/PPO.0b013e3181976614,
              Table 2 "Phase I/II ultra-hypofractionation trials: schedules and equivalent total
              doses in 2 Gy fractions" (PMC3039916).
[ABS2012]     Viswanathan AN, Beriwal S, et al. American Brachytherapy Society consensus
              guidelines for locally advanced carcinoma of the cervix. Part II: high-dose-rate
              brachytherapy. Brachytherapy 2012;11(1):47-52, Table 1 (PMC3489267).
[Tamaki2015]  Tamaki T, Ohno T, Noda S, Kato S, Nakano T. Filling the gap in central shielding:
              three-dimensional analysis of the EQD2 dose in radiotherapy for cervical cancer
              with the central shielding technique. J Radiat Res 2015;56(5):804-810,
              doi:10.1093/jrr/rrv029 (PMC4576998), abstract: point-A EQD2 "previously
              reported to be 62 Gy, 64 Gy, 72 Gy and 84 Gy".
[SBRTch]      "Stereotactic Body Radiation Therapy (SBRT) or Alternative Fractionation
              Schedules", book chapter as reproduced at radiologykey.com/stereotactic-body-
              radiation-therapy-sbrt-or-alternative-fractionation-schedules: "a regimen of
              54 Gy in 3 fractions would have a BED of 18 x 3 x (1 + 18/10) or 151.2".
[Astrahan2008] Astrahan M. Some implications of linear-quadratic-linear radiation dose-response
              with regard to hypofractionation. Med Phys 2008;35(9):4161-4172. LQ-L: above the
              transition dose d_T, BED per fraction = d_T (1 + d_T/(a/b)) + (g/a)(d - d_T),
              with g/a = 1 + 2 d_T/(a/b) for a curve whose slope is continuous at d_T. The full
              text was not available in this session; the same equation, with the continuity
              condition derived explicitly, is restated by Voyant C & Julian D in the
              LQL-Equiv manuscript (github.com/cyrilvoyant/LQL-Equiv-web, paper/main.tex,
              equations "bed" and "continuity", which also give g/a = 5 when d_T = 2 a/b).
              All LQ-L expectations below are hand-computed from that equation.
[Withers1988] Withers HR, Taylor JMG, Maciejewski B. The hazard of accelerated tumor clonogen
              repopulation during radiotherapy. Acta Oncol 1988;27(2):131-146 (repopulation
              of about 0.6 Gy/day in 2-Gy equivalents after about 4 weeks in head and neck
              cancer). Parameter values quoted, not re-verified against the full text here.
"""

from __future__ import annotations

import pytest

from regimen import radiobiology as rb
from regimen.errors import InputError
from regimen.radiotherapy import Phase, parse_expression
from regimen.units import magnitude, quantity

# ---------------------------------------------------------------------------------------------
# helpers


def gy(value: float):
    return quantity(value, "Gy")


def bed_gy(expr: str, ab: float, **kwargs) -> float:
    return rb.bed(parse_expression(expr), gy(ab), **kwargs).gy


def eqd_gy(expr: str, ab: float, reference: float | None = None, **kwargs) -> float:
    b = rb.bed(parse_expression(expr), gy(ab), **kwargs)
    return magnitude(rb.eqd(b, None if reference is None else gy(reference)), "Gy")


def published(value: float, decimals: int):
    """A published figure printed to ``decimals`` places: half a unit in its last digit."""
    return pytest.approx(value, abs=0.5 * 10.0**-decimals + 1e-9)


def hand(value: float):
    """A value worked by hand from a cited equation (exact up to float rounding)."""
    return pytest.approx(value, rel=1e-9, abs=1e-9)


# ---------------------------------------------------------------------------------------------
# 1. The regimen's own seed case [Li2025]: 10 x 400 cGy + 3 x 700 cGy


def test_seed_case_total_dose():
    phases = parse_expression("10x400cGy + 3x700cGy")
    # [Li2025]: "cumulative 6100 cGy" = 61 Gy.
    assert magnitude(rb.physical_dose(phases), "Gy") == hand(61.0)
    assert magnitude(rb.physical_dose(phases), "cGy") == hand(6100.0)


@pytest.mark.parametrize(
    ("ab", "expected_bed", "expected_eqd2"),
    [
        # a/b 10, by hand ([Fowler1989] BED, [Bentzen2012] EQD2):
        # BED = 40(1 + 4/10) + 21(1 + 7/10) = 56 + 35.7 = 91.7 Gy; EQD2 = 91.7 / 1.2.
        (10.0, 91.7, 76.41666666666667),
        # a/b 3, by hand: BED = 40(1 + 4/3) + 21(1 + 7/3) = 93.333... + 70 = 163.333... Gy;
        # EQD2 = 163.333... / (5/3) = 98 Gy.
        (3.0, 163.33333333333334, 98.0),
    ],
)
def test_seed_case_bed_and_eqd2(ab, expected_bed, expected_eqd2):
    assert bed_gy("10x400cGy + 3x700cGy", ab) == hand(expected_bed)
    assert eqd_gy("10x400cGy + 3x700cGy", ab) == hand(expected_eqd2)


def test_seed_case_is_not_the_mean_dose_per_fraction_answer():
    # The quadratic term makes phase-by-phase BED differ from a mean-dose shortcut:
    # 13 x (61/13) Gy at a/b 10 gives 61 (1 + 4.6923/10) = 89.623 Gy, not 91.7 Gy (hand).
    mean_shortcut = 61.0 * (1 + (61.0 / 13) / 10.0)
    assert bed_gy("10x400cGy + 3x700cGy", 10.0) != pytest.approx(mean_shortcut, abs=1e-3)


# ---------------------------------------------------------------------------------------------
# 2. Definitions and isoeffect solves


def test_eqd2_of_two_gray_fractions_is_the_physical_dose():
    # By definition of EQD2 [Bentzen2012]: 60 Gy in 30 x 2 Gy has EQD2 = 60 Gy for any a/b.
    for ab in (1.5, 3.0, 10.0):
        assert eqd_gy("60 Gy/30", ab) == hand(60.0)


def test_reference_dose_in_cgy_equals_gy_exactly():
    # 50.4 Gy/28 (1.8 Gy fractions), a/b 10: EQD with reference 200 cGy is EQD2 exactly
    # (units convert exactly; [Bentzen2012] EQDx with x = 2 Gy). By hand:
    # BED = 50.4 x 1.18 = 59.472 Gy; EQD2 = 59.472 / 1.2 = 49.56 Gy.
    b = rb.bed(parse_expression("50.4 Gy/28"), gy(10))
    in_cgy = magnitude(rb.eqd(b, quantity(200, "cGy")), "Gy")
    in_gy = magnitude(rb.eqd(b, gy(2)), "Gy")
    assert in_cgy == in_gy
    assert in_gy == hand(49.56)


def test_fractions_of_3_gy_matching_30_x_2_gy_at_ab_3():
    # Isoeffect relation [Joiner]: D2 = D1 (a/b + d1)/(a/b + d2) = 60 (3 + 2)/(3 + 3) = 50 Gy,
    # i.e. 50/3 = 16.667 fractions of 3 Gy (hand-computed; regimen seed figure).
    target = rb.bed(parse_expression("30x2Gy"), gy(3))
    sol = rb.fractions_for_bed(target, gy(3))
    assert sol.exact == hand(50.0 / 3.0)
    assert round(sol.exact, 2) == 16.67
    assert (sol.rounded, sol.rounding) == (17, "up")


def test_dose_per_fraction_for_30_x_2_gy_in_25_fractions_at_ab_10():
    # BED10 of 30 x 2 Gy = 72 Gy [Fowler1989]; solving 25 d (1 + d/10) = 72 for the positive
    # root gives d = 5 (sqrt(1 + 4 x 2.88/10) - 1) = 2.33485 Gy (hand; regimen seed 2.3348 Gy).
    target = rb.bed(parse_expression("30x2Gy"), gy(10))
    d = magnitude(rb.dose_per_fraction_for_bed(target, 25), "Gy")
    assert d == hand(5.0 * ((1 + 4 * 2.88 / 10) ** 0.5 - 1))
    assert d == published(2.3348, 4)


# ---------------------------------------------------------------------------------------------
# 3. Stereotactic schedules


@pytest.mark.parametrize(
    ("expr", "bed10", "eqd2_10", "bed2", "eqd2_2"),
    [
        # [RadOnc2021] Table 3, row by row: BED Gy10, EQD10/2, BED Gy2, EQD2/2.
        ("30 Gy/5", 48, 40, 120, 60),  # [RadOnc2021] T3 row "30 Gy/5 fractions"
        ("25 Gy/5", 37.5, 31.25, 87.5, 43.75),  # [RadOnc2021] T3 row "25 Gy/5 fractions"
        ("27 Gy/3", 51.3, 42.75, 148.5, 74.25),  # [RadOnc2021] T3 row "27 Gy/3 fractions"
        ("24 Gy/3", 43.2, 36, 120, 60),  # [RadOnc2021] T3 row "24 Gy/3 fractions"
        ("1x20Gy", 60, 50, 220, 110),  # [RadOnc2021] T3 row "20 Gy/1 fraction"
        ("1x18Gy", 50.4, 42, 180, 90),  # [RadOnc2021] T3 row "18 Gy/1 fraction"
        ("1x16Gy", 41.6, 34.67, 144, 72),  # [RadOnc2021] T3 row "16 Gy/1 fraction"
        ("1x14Gy", 33.6, 28, 112, 56),  # [RadOnc2021] T3 row "14 Gy/1 fraction"
        ("1x12Gy", 26.4, 22, 84, 42),  # [RadOnc2021] T3 row "12 Gy/ 1 fraction"
    ],
)
def test_srs_hsrt_table(expr, bed10, eqd2_10, bed2, eqd2_2):
    # The table prints at most two decimals (34.67 is 34.666...).
    assert bed_gy(expr, 10) == published(bed10, 2)
    assert eqd_gy(expr, 10) == published(eqd2_10, 2)
    assert bed_gy(expr, 2) == published(bed2, 2)
    assert eqd_gy(expr, 2) == published(eqd2_2, 2)


def test_54_gy_in_3_fractions():
    # [SBRTch]: "54 Gy in 3 fractions would have a BED of 18 x 3 x (1 + 18/10) or 151.2".
    assert bed_gy("54 Gy/3", 10) == published(151.2, 1)


@pytest.mark.parametrize(
    ("expr", "bed10"),
    [
        # Commonly quoted SBRT figures for which no source could be located and read in this
        # session; hand-computed from BED = n d (1 + d/10) [Fowler1989]:
        ("3x20Gy", 180.0),  # 60 x (1 + 2.0) = 180 Gy10
        ("50 Gy/5", 100.0),  # 50 x (1 + 1.0) = 100 Gy10
        ("48 Gy/4", 105.6),  # 48 x (1 + 1.2) = 105.6 Gy10
    ],
)
def test_sbrt_hand_values(expr, bed10):
    assert bed_gy(expr, 10) == hand(bed10)


# ---------------------------------------------------------------------------------------------
# 4. Prostate hypofractionation, EQD2 at a/b 1.5 (tumour) and 3 (late effects) [Ritter2009]


@pytest.mark.parametrize(
    ("expr", "eqd2_ab15", "eqd2_ab3", "decimals"),
    [
        ("36.25 Gy/5", 90.6, 74.3, 1),  # [Ritter2009] T2, King et al (Stanford), 7.25 Gy x 5
        ("42.7 Gy/7", 92.7, 77.7, 1),  # [Ritter2009] T2, Widmark (Umea), 6.1 Gy x 7
        ("50 Gy/5", 164, 130, 0),  # [Ritter2009] T2, Timmerman (UTSW), 10 Gy x 5
        ("52.5 Gy/5", 180, 142, 0),  # [Ritter2009] T2, Timmerman (UTSW), 10.5 Gy x 5
        ("47.5 Gy/5", 149, None, 0),  # [Ritter2009] T2, Timmerman (UTSW), 9.5 Gy x 5 (a/b 1.5)
        ("35 Gy/5", None, 70, 0),  # [Ritter2009] T2, Tang et al (Toronto), 7 Gy x 5 (a/b 3)
        ("33.5 Gy/5", 78, None, 0),  # [Ritter2009] T2, Madsen et al (Virginia Mason), a/b 1.5
    ],
)
def test_prostate_hypofractionation_table(expr, eqd2_ab15, eqd2_ab3, decimals):
    if eqd2_ab15 is not None:
        assert eqd_gy(expr, 1.5) == published(eqd2_ab15, decimals)
    if eqd2_ab3 is not None:
        assert eqd_gy(expr, 3) == published(eqd2_ab3, decimals)


@pytest.mark.parametrize(
    ("expr", "ab", "printed", "exact", "unit_in_last_place"),
    [
        # Three cells of [Ritter2009] Table 2 are not the nearest rounding of the LQ value; the
        # exact LQ values below are hand-computed from EQD2 = D (d + a/b)/(2 + a/b). The printed
        # figure is within one unit in its last place of the exact value (truncation or typo).
        ("33.5 Gy/5", 3, 64.9, 64.99, 0.1),  # printed 64.9; 33.5 x 9.7/5 = 64.99
        ("35 Gy/5", 1.5, 85.1, 85.0, 0.1),  # printed 85.1; 35 x 8.5/3.5 = 85.0
        ("47.5 Gy/5", 3, 118, 118.75, 1.0),  # printed 118; 47.5 x 12.5/5 = 118.75
    ],
)
def test_prostate_table_cells_printed_off_by_rounding(expr, ab, printed, exact, unit_in_last_place):
    value = eqd_gy(expr, ab)
    assert value == hand(exact)
    assert abs(value - printed) < unit_in_last_place


# ---------------------------------------------------------------------------------------------
# 5. Multi-phase courses: external beam + HDR brachytherapy (summed phase by phase)


@pytest.mark.parametrize(
    ("hdr_fractions", "hdr_dose", "tumour", "oar_90", "oar_70"),
    [
        # [ABS2012] Table 1: EBRT 25 x 1.8 Gy + HDR to point A. Columns: EQD2 tumour (a/b 10);
        # EQD2 OAR with 90 % and 70 % of the HDR target dose (a/b 3), EBRT at full dose.
        (4, 7.0, 83.9, 90.1, 74.2),  # [ABS2012] T1 row "25 x 1.8 Gy | 4 x 7 Gy"
        (5, 6.0, 84.3, 88.6, 73.4),  # [ABS2012] T1 row "25 x 1.8 Gy | 5 x 6 Gy"
        (6, 5.0, 81.8, 83.7, 70.5),  # [ABS2012] T1 row "25 x 1.8 Gy | 6 x 5 Gy"
        (5, 5.5, 79.8, 82.6, 69.6),  # [ABS2012] T1 row "25 x 1.8 Gy | 5 x 5.5 Gy"
    ],
)
def test_cervix_ebrt_plus_hdr_table(hdr_fractions, hdr_dose, tumour, oar_90, oar_70):
    def course(fraction_of_hdr: float) -> tuple[Phase, ...]:
        return (
            Phase(25, gy(1.8)),
            Phase(hdr_fractions, gy(hdr_dose * fraction_of_hdr)),
        )

    def eqd2(phases: tuple[Phase, ...], ab: float) -> float:
        return magnitude(rb.eqd(rb.bed(phases, gy(ab))), "Gy")

    assert eqd2(course(1.0), 10) == published(tumour, 1)
    assert eqd2(course(0.9), 3) == published(oar_90, 1)
    assert eqd2(course(0.7), 3) == published(oar_70, 1)


@pytest.mark.parametrize(
    ("expr", "point_a_eqd2"),
    [
        # [Tamaki2015] abstract: Plans (30 + 20 + 24), (40 + 10 + 18), (40 + 10 + 24) and
        # (45 + 0 + 28) = whole pelvis / central-shield EBRT / ICBT, i.e. 30 Gy/15 + 20 Gy/10
        # + 24 Gy/4, 40 Gy/20 + 10 Gy/5 + 18 Gy/3, ...; point-A EQD2 "previously reported to be
        # 62 Gy, 64 Gy, 72 Gy and 84 Gy". Those figures are (hand check) the EQD2 of the
        # whole-pelvis and ICBT parts alone, the central-shield fields counting 0 Gy at point A,
        # which is how the phases are entered here.
        ("30 Gy/15 + 24 Gy/4", 62),  # [Tamaki2015]
        ("40 Gy/20 + 18 Gy/3", 64),  # [Tamaki2015]
        ("40 Gy/20 + 24 Gy/4", 72),  # [Tamaki2015]
        ("45 Gy/25 + 28 Gy/4", 84),  # [Tamaki2015]; also [ABS2012] T1 83.9
    ],
)
def test_cervix_point_a_previously_reported(expr, point_a_eqd2):
    assert eqd_gy(expr, 10) == published(point_a_eqd2, 0)


# ---------------------------------------------------------------------------------------------
# 6. Overall-time correction ([Fowler1989]: BED_T = BED - K (T - Tk) for T > Tk)


def test_k_from_withers_dprolif():
    # [Withers1988] ~0.6 Gy/day in 2-Gy equivalents; [Joiner] K = Dprolif (1 + 2/(a/b)):
    # 0.6 x 1.2 = 0.72 Gy10/day (hand).
    k = rb.k_from_dprolif(quantity(0.6, "Gy/d"), gy(10))
    assert magnitude(k, "Gy/d") == hand(0.72)


@pytest.mark.parametrize(
    ("overall_days", "kickoff_days", "k_gy_per_day", "expected_bed10"),
    [
        # 35 x 2 Gy, BED10 = 84 Gy. Inputs are illustrative (T = 46 d is the input here, not a
        # published overall time); expectations hand-computed from [Fowler1989]'s time term.
        (46, 21, 0.9, 84 - 0.9 * 25),  # K 0.9 Gy10/d, Tk 21 d (values as quoted for H&N): 61.5
        (46, 28, 0.72, 84 - 0.72 * 18),  # [Withers1988] Dprolif 0.6 -> K 0.72, Tk 28 d: 71.04
        (28, 28, 0.9, 84.0),  # T = Tk: no correction
        (20, 28, 0.9, 84.0),  # T < Tk: no correction
    ],
)
def test_time_corrected_bed(overall_days, kickoff_days, k_gy_per_day, expected_bed10):
    b = rb.bed(parse_expression("35x2Gy"), gy(10))
    corrected = rb.time_corrected_bed(
        b,
        quantity(overall_days, "d"),
        quantity(kickoff_days, "d"),
        quantity(k_gy_per_day, "Gy/d"),
    )
    assert corrected.gy == hand(expected_bed10)


def test_time_correction_in_eqd2_units_agrees_with_dprolif():
    # Consistency of [Joiner]'s conversion: subtracting K (T - Tk) in BED units and converting
    # to EQD2 equals subtracting Dprolif (T - Tk) from the EQD2. 70 - 0.6 x 18 = 59.2 Gy (hand).
    b = rb.bed(parse_expression("35x2Gy"), gy(10))
    k = rb.k_from_dprolif(quantity(0.6, "Gy/d"), gy(10))
    corrected = rb.time_corrected_bed(b, quantity(46, "d"), quantity(28, "d"), k)
    assert magnitude(rb.eqd(corrected), "Gy") == hand(70 - 0.6 * 18)


def test_time_correction_accepts_weeks_and_cgy_per_day():
    # Same as the first row above, written as 6 wk / 3 wk / 90 cGy/d: 84 - 0.9 x 21 = 65.1.
    b = rb.bed(parse_expression("35x2Gy"), gy(10))
    corrected = rb.time_corrected_bed(
        b, quantity(6, "wk"), quantity(3, "wk"), quantity(90, "cGy/d")
    )
    assert corrected.gy == hand(84 - 0.9 * 21)


# ---------------------------------------------------------------------------------------------
# 7. LQ-L [Astrahan2008], hand-computed from the published equation


@pytest.mark.parametrize(
    ("expr", "ab", "dt", "expected_bed", "expected_eqd2"),
    [
        # 3 x 20 Gy, a/b 10, d_T 6 Gy: per fraction 6 (1.6) + (1 + 1.2)(14) = 40.4;
        # BED = 121.2 Gy (LQ would give 180 Gy); EQD2 = 121.2/1.2 = 101 Gy.
        ("3x20Gy", 10, 6, 121.2, 101.0),
        # 5 x 10 Gy, a/b 3, d_T = 2 a/b = 6 Gy, slope g/a = 1 + 2(6)/3 = 5 (the LQL-Equiv
        # convention): per fraction 6 (3) + 5 (4) = 38; BED = 190 Gy; EQD2 = 190/(5/3) = 114.
        ("5x10Gy", 3, 6, 190.0, 114.0),
        # At the transition dose LQ-L equals LQ: 5 x 6 Gy, a/b 3, d_T 6 -> 30 (1 + 2) = 90 Gy.
        ("5x6Gy", 3, 6, 90.0, 54.0),
        # Below it too: 30 x 2 Gy, a/b 3, d_T 6 -> 60 (5/3) = 100 Gy; EQD2 = 60 Gy.
        ("30x2Gy", 3, 6, 100.0, 60.0),
    ],
)
def test_lq_l_hand_values(expr, ab, dt, expected_bed, expected_eqd2):
    kwargs = {"model": "lq-l", "transition_dose": gy(dt)}
    assert bed_gy(expr, ab, **kwargs) == hand(expected_bed)
    assert eqd_gy(expr, ab, **kwargs) == hand(expected_eqd2)


def test_lq_minus_lq_l_is_the_quadratic_excess_above_dt():
    # From [Astrahan2008]'s equation: LQ - LQ-L per fraction = (d - d_T)^2 / (a/b).
    # 20 Gy, a/b 10, d_T 6: 14^2/10 = 19.6 Gy per fraction; x 3 = 58.8 Gy (180 - 121.2).
    lq = bed_gy("3x20Gy", 10)
    lql = bed_gy("3x20Gy", 10, model="lq-l", transition_dose=gy(6))
    assert lq - lql == hand(58.8)


def test_lq_l_transition_dose_in_cgy():
    # d_T written as 600 cGy must give the same BED as 6 Gy (121.2 Gy, hand, see above).
    assert bed_gy("3x20Gy", 10, model="lq-l", transition_dose=quantity(600, "cGy")) == hand(121.2)


def test_lq_l_refuses_reference_dose_above_dt():
    # EQD_x under LQ-L is only the simple quotient while x <= d_T; the module refuses x > d_T.
    b = rb.bed(parse_expression("3x20Gy"), gy(10), model="lq-l", transition_dose=gy(6))
    with pytest.raises(InputError):
        rb.eqd(b, gy(8))

"""Cumulative and lifetime dose (issue 12, item 6): the ledger of a plan against a drug's
lifetime limit, counting prior exposure and warning at the first planned dose that would cross.

Expected values by hand from the issue and the doxorubicin regimen file: 75 mg/m2 on day 1 of
six 21-day cycles is 6 x 75 = 450 mg/m2 (issue 12 acceptance); with a prior 225 mg/m2 and a
cardiac-irradiation flag the limit is 400 mg/m2 and the running totals are 300, 375, 450 after
cycles 1, 2, 3: cycle 3 (day 1 on 2022-01-03 + 2 x 21 d = 2022-02-14) is the first to cross.
Reaching the limit exactly does not cross it ("should not exceed").
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regimen import app
from regimen.cumulative import applicable_limit, crossing_index, ledger
from regimen.loading import load_regimen
from regimen.measurements import Measurements
from regimen.units import format_quantity, magnitude, quantity

START = dt.date(2022, 1, 3)
BODY = {"height": quantity(170, "cm"), "weight": quantity(70, "kg"), "weight_on": START}


def _plan(regimen: str, cycles: int, **values: object):
    req = app.Request(
        load_regimen(regimen), START, cycles=cycles, measurements=Measurements(**BODY, **values)
    )
    return app.build(req).plan


def _m2(value: float):
    return quantity(value, "mg/m2")


def test_six_cycles_of_doxorubicin_are_450_mg_per_m2() -> None:
    # Issue 12 acceptance: 6 x 75 mg/m2 = 450 mg/m2; no prior given, limit 550 mg/m2 (no
    # flag), not crossed.
    book = _plan("doxorubicin", 6).cumulative[0]
    assert book.course == "doxorubicin" and book.unit == "mg/m2"
    assert format_quantity(book.total) == "450 mg/m2"
    assert format_quantity(book.planned) == "450 mg/m2"
    assert book.prior is None and book.prior_state == "not given"
    assert format_quantity(book.limit.dose) == "550 mg/m2"
    assert book.first_crossing is None


def test_prior_225_and_cardiac_irradiation_cross_400_at_cycle_3() -> None:
    # Issue 12 acceptance: prior 225 mg/m2 + cardiac flag -> limit 400 mg/m2; 225 + 75 + 75 =
    # 375 after cycle 2, 450 after cycle 3: cycle 3 day 1, 2022-02-14, is the first to cross.
    plan = _plan(
        "doxorubicin",
        6,
        prior={"doxorubicin": _m2(225)},
        flags=frozenset({"prior-cardiac-irradiation"}),
    )
    book = plan.cumulative[0]
    assert format_quantity(book.limit.dose) == "400 mg/m2"
    assert format_quantity(book.total) == "675 mg/m2"  # 225 + 450
    c = book.first_crossing
    assert (c.cycle, c.day, c.date) == (3, 1, dt.date(2022, 2, 14))
    assert format_quantity(c.total) == "450 mg/m2"
    assert any("cycle 3 day 1 on 2022-02-14" in w for w in plan.warnings)
    assert any(w.startswith("needs clinician review: doxorubicin lifetime limit 400 mg/m2")
               for w in plan.warnings)  # fmt: skip


def test_reaching_the_limit_exactly_does_not_cross() -> None:
    # 100 + 6 x 75 = 550: reaches 550 mg/m2 with the sixth dose, does not exceed it.
    plan = _plan("doxorubicin", 6, prior={"doxorubicin": _m2(100)})
    assert plan.cumulative[0].first_crossing is None
    # 101 + 450 = 551 > 550: the sixth dose (cycle 6, 2022-01-03 + 105 d = 2022-04-18) crosses.
    c = _plan("doxorubicin", 6, prior={"doxorubicin": _m2(101)}).cumulative[0].first_crossing
    assert (c.cycle, c.date) == (6, dt.date(2022, 4, 18))


def test_the_flag_that_lowers_the_limit_must_be_one_of_the_limits_flags() -> None:
    # A flag the limit does not name (renal impairment) leaves the 550 mg/m2 limit.
    plan = _plan("doxorubicin", 6, prior={"doxorubicin": _m2(225)},
                 flags=frozenset({"renal-impairment"}))  # fmt: skip
    book = plan.cumulative[0]
    assert format_quantity(book.limit.dose) == "550 mg/m2"
    # 225 + 75 x 5 = 600 > 550, 225 + 75 x 4 = 525: the fifth dose crosses.
    assert book.first_crossing.cycle == 5


def test_unknown_prior_makes_the_limit_uncheckable_and_says_so() -> None:
    plan = _plan("doxorubicin", 6, prior={"doxorubicin": None}, origin="zhao.toml")
    book = plan.cumulative[0]
    assert book.total is None and not book.checkable and book.first_crossing is None
    assert book.prior_state == "unknown"
    assert book.why == ("the prior doxorubicin exposure is unknown (zhao.toml)",)
    assert any("cannot be checked" in w and w.startswith("needs clinician review")
               for w in plan.warnings)  # fmt: skip


def test_prior_in_mg_cannot_be_counted_against_a_per_m2_limit() -> None:
    plan = _plan("doxorubicin", 6, prior={"doxorubicin": quantity(400, "mg")})
    book = plan.cumulative[0]
    assert book.total is None and book.prior is None
    assert "cannot be counted in mg/m2 (the BSA at the time is needed)" in book.why[0]


def test_a_drug_without_a_limit_is_summed_in_mg() -> None:
    # anlotinib-sts: 12 mg on days 1-14 of 21: 2 cycles = 12 x 14 x 2 = 336 mg, no limit.
    plan = app.build(app.Request(load_regimen("anlotinib-sts"), START, cycles=2)).plan
    book = ledger(plan, "anlotinib", Measurements())
    assert format_quantity(book.total) == "336 mg" and book.limit is None
    assert book.warnings() == []


def test_other_anthracycline_prior_does_not_count() -> None:
    # No conversion between anthracyclines: an epirubicin prior is not doxorubicin's.
    book = _plan("doxorubicin", 6, prior={"epirubicin": _m2(300)}).cumulative[0]
    assert book.prior_state == "not given" and format_quantity(book.total) == "450 mg/m2"


def test_applicable_limit_is_the_lowest_that_applies() -> None:
    reg = load_regimen("doxorubicin")
    limits = reg.course("doxorubicin").lifetime_limits
    assert magnitude(applicable_limit(limits, frozenset()).dose, "mg/m2") == 550
    for flag in ("prior-cardiac-irradiation", "prior-mediastinal-irradiation",
                 "concomitant-cardiotoxic-therapy"):  # fmt: skip
        assert magnitude(applicable_limit(limits, frozenset({flag})).dose, "mg/m2") == 400
    assert applicable_limit((), frozenset({"x"})) is None
    # Every bundled limit carries its source and says it is unconfirmed (see the file header).
    assert all(lim.source.kind.value == "label" and lim.unconfirmed for lim in limits)


@given(
    st.lists(st.integers(1, 200), min_size=1, max_size=30),
    st.integers(0, 600),
    st.integers(1, 1000),
)
def test_crossing_index_is_the_first_dose_over_the_limit(doses, prior, limit) -> None:
    qs = [_m2(d) for d in doses]
    i = crossing_index(qs, _m2(prior), _m2(limit))
    running = [prior + sum(doses[: k + 1]) for k in range(len(doses))]
    if i is None:
        assert all(t <= limit for t in running)
    else:
        assert running[i] > limit and all(t <= limit for t in running[:i])


def test_cumulative_in_dose_json(run) -> None:
    r = run("dose", "doxorubicin", "--start", "2022-01-03", "--cycles", "6",
            "--height", "170cm", "--weight", "70kg", "--format", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    cum = json.loads(r.stdout)["drugs"][0]["cumulative"]
    assert cum["total"] == {"value": 450, "unit": "mg/m2"}
    assert cum["prior"] is None and cum["prior_state"] == "not_given"
    assert cum["limit"] == {"value": 550, "unit": "mg/m2"}
    assert cum["first_crossing"] is None and cum["checkable"] is True
    assert cum["limit_confirmed"] is False and "550 mg/m2" in cum["limit_basis"]


def test_cumulative_in_dose_text(run) -> None:
    r = run("dose", "doxorubicin", "--start", "2022-01-03", "--cycles", "6",
            "--height", "170cm", "--weight", "70kg")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "  cumulative: 450 mg/m² (this plan 450 mg/m²; prior not given)" in r.stdout
    assert "  no planned dose crosses it" in r.stdout
    assert "counts this plan only" in r.stdout


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_calendar_shows_the_no_prior_warning(run, fmt) -> None:
    r = run("calendar", "doxorubicin", "--start", "2022-01-03", "--height", "170cm",
            "--weight", "70kg", "--format", fmt)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "no prior doxorubicin exposure was given" in r.stdout


LABEL = "source: Doxorubicin hydrochloride injection, FDA label [label]"


def test_crossing_warning_in_full() -> None:
    plan = _plan("doxorubicin", 6, prior={"doxorubicin": _m2(225)},
                 flags=frozenset({"prior-cardiac-irradiation"}))  # fmt: skip
    book = plan.cumulative[0]
    assert book.prior_state == "given" and format_quantity(book.prior) == "225 mg/m2"
    limit = book.limit
    assert limit.basis() == (
        "400 mg/m2 with prior-cardiac-irradiation or prior-mediastinal-irradiation or "
        f"concomitant-cardiotoxic-therapy ({LABEL}; unconfirmed: {limit.unconfirmed})"
    )
    assert book.warnings() == [
        f"needs clinician review: doxorubicin lifetime limit {limit.basis()}: cycle 3 day 1 "
        "on 2022-02-14 would bring the cumulative dose to 450 mg/m2 (prior 225 mg/m2), above "
        "the limit"
    ]


def test_warnings_without_prior_unknown_prior_and_unconfirmed_limit() -> None:
    book = _plan("doxorubicin", 2).cumulative[0]
    basis = book.limit.basis()
    assert basis == f"550 mg/m2 ({LABEL}; unconfirmed: {book.limit.unconfirmed})"
    assert book.warnings() == [
        "doxorubicin: no prior doxorubicin exposure was given (--prior doxorubicin=AMOUNT or a "
        f"patient file), so the cumulative 150 mg/m2 counts this plan only; lifetime limit {basis}"
    ]
    unknown = _plan("doxorubicin", 2, prior={"doxorubicin": None}, origin="p.toml").cumulative[0]
    assert unknown.warnings() == [
        f"needs clinician review: doxorubicin lifetime limit {basis} cannot be checked: the "
        "prior doxorubicin exposure is unknown (p.toml)"
    ]
    given = _plan("doxorubicin", 2, prior={"doxorubicin": _m2(0)}).cumulative[0]
    assert given.warnings() == [
        f"doxorubicin lifetime limit 550 mg/m2 is unconfirmed: {book.limit.unconfirmed}"
    ]


def test_a_confirmed_limit_given_a_prior_has_nothing_to_say() -> None:
    import attrs

    plan = _plan("doxorubicin", 2, prior={"doxorubicin": _m2(0)})
    book = attrs.evolve(plan.cumulative[0], limit=attrs.evolve(plan.cumulative[0].limit,
                                                                unconfirmed=""))  # fmt: skip
    assert book.warnings() == []
    assert book.limit.basis() == f"550 mg/m2 ({LABEL})"


def test_crossing_is_exact_in_decimals() -> None:
    # 450.001 exceeds 450.0004 (float sums and coarse rounding would both miss it), 75 x 6 =
    # 450 does not exceed 450.
    assert crossing_index([_m2(450.001)], _m2(0), _m2(450.0004)) == 0
    assert crossing_index([_m2(75)] * 6, _m2(0), _m2(450)) is None
    assert crossing_index([_m2(0.1)] * 3, _m2(0), _m2(0.3)) is None


FLAT_WITH_PER_M2_LIMIT = """
name = "test"
[sources.s]
kind = "label"
citation = "a label"
[[courses]]
id = "x"
type = "drug"
drug = "doxorubicin"
route = "intravenous"
frequency = "once every 21 days"
dose_levels = ["100 mg"]
dosing_days = "1"
cycle_length = "21 d"
cycles = 3
[[courses.lifetime_limits]]
dose = "550 mg/m2"
source = "s"
"""


def test_a_flat_course_cannot_be_counted_against_a_per_m2_limit() -> None:
    from regimen.loading import parse_regimen

    reg = parse_regimen(FLAT_WITH_PER_M2_LIMIT, "t.toml", "t")
    plan = app.build(app.Request(reg, START)).plan
    book = plan.cumulative[0]
    assert book.total is None and book.first_crossing is None
    assert book.why == (
        "x is dosed in mg: its doses cannot be counted in mg/m2 without the BSA on each day",
    )


def test_a_bsa_drug_without_a_limit_is_summed_in_mg() -> None:
    # gemcitabine-docetaxel, 2 cycles: gemcitabine 4 x 1636.3 mg = 6545.2 mg; docetaxel 2 x
    # 181.8 mg = 363.6 mg (the doses given, to 0.1 mg; no lifetime limit in the file).
    plan = _plan("gemcitabine-docetaxel", 2)
    books = {b.course: b for b in plan.cumulative}
    assert format_quantity(books["gemcitabine"].total) == "6545.2 mg"
    assert format_quantity(books["docetaxel"].total) == "363.6 mg"
    assert books["gemcitabine"].unit == "mg" and books["gemcitabine"].limit is None


def test_show_lists_limits_lab_rules_and_shared_cycles(run) -> None:
    """``regimen show`` (for protocol authors) lists each lifetime limit with its source and
    whether it is confirmed, each lab rule, and a start that shares another course's cycles."""
    r = run("show", "doxorubicin")
    assert r.exit_code == 0, r.stderr
    assert f"  lifetime limit: 550 mg/m2 ({LABEL}; unconfirmed: " in r.stdout
    assert "  lifetime limit: 400 mg/m2 with prior-cardiac-irradiation or " in r.stdout
    r = run("show", "gemcitabine-docetaxel")
    assert r.exit_code == 0, r.stderr
    assert (
        "  lab rule: day 8, results within 1 d: ANC at least 1.5 10^9/L: full dose; otherwise: "
        "hold this day's dose (the cycle goes on) [label: docetaxel-label]"
    ) in r.stdout
    assert "  starts with gemcitabine and shares its cycles" in r.stdout


FLAT_WITH_MG_LIMIT = FLAT_WITH_PER_M2_LIMIT.replace('dose = "550 mg/m2"', 'dose = "250 mg"')


def test_a_crossing_without_prior_exposure_says_no_prior() -> None:
    # 100 mg day 1 of 3 cycles against 250 mg: 100, 200, 300 -> cycle 3 (2022-01-03 + 42 d =
    # 2022-02-14) crosses; no prior was given, so the warning names none.
    from regimen.loading import parse_regimen

    reg = parse_regimen(FLAT_WITH_MG_LIMIT, "t.toml", "t")
    book = app.build(app.Request(reg, START)).plan.cumulative[0]
    assert book.unit == "mg" and format_quantity(book.total) == "300 mg"
    assert book.warnings() == [
        "needs clinician review: doxorubicin lifetime limit 250 mg (source: s [label]): cycle 3 "
        "day 1 on 2022-02-14 would bring the cumulative dose to 300 mg, above the limit"
    ]


def test_every_reason_a_limit_cannot_be_checked_is_given() -> None:
    # A flat course against a per-m2 limit, and a prior that is unknown: both reasons, joined.
    from regimen.loading import parse_regimen

    reg = parse_regimen(FLAT_WITH_PER_M2_LIMIT, "t.toml", "t")
    plan = app.build(app.Request(reg, START)).plan
    book = ledger(plan, "x", Measurements(prior={"doxorubicin": None}, origin="p.toml"))
    assert book.warnings() == [
        "needs clinician review: doxorubicin lifetime limit 550 mg/m2 (source: s [label]) cannot "
        "be checked: x is dosed in mg: its doses cannot be counted in mg/m2 without the BSA on "
        "each day; the prior doxorubicin exposure is unknown (p.toml)"
    ]


def test_a_lab_reduced_day_counts_its_percentage_of_the_level() -> None:
    # A day given at 50% of 136.4 mg (75 mg/m2) counts 37.5 mg/m2, not 75 (nor 150).
    import attrs

    from regimen.cumulative import _administered

    plan = _plan("doxorubicin", 1)
    course = plan.regimen.course("doxorubicin")
    e = next(e for e in plan.events if e.kind == "dose")
    half = attrs.evolve(e, dose=quantity(68.2, "mg"), level_dose=e.dose, lab_percent=50)
    assert format_quantity(_administered(course, half, "mg/m2")) == "37.5 mg/m2"
    assert format_quantity(_administered(course, e, "mg/m2")) == "75 mg/m2"
    assert format_quantity(_administered(course, half, "mg")) == "68.2 mg"

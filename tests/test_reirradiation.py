"""regimen.reirradiation and ``regimen reirradiation``: cumulative dose across courses.

Every expected value comes from a source or is derived by hand from the written formulas
(BED = n d (1 + d/(alpha/beta)), EQD2 = BED / (1 + 2 Gy/(alpha/beta)); Fowler 1989, Bentzen
2012), never from running the code:

* issue 13's acceptance: Zhao et al. 2022's pelvic course, 50.4 Gy in 28 fractions, plus a
  hypothetical 5 x 6 Gy at alpha/beta 3 Gy: 50.4 x (1.8 + 3)/(2 + 3) = 48.384 Gy and
  30 x (6 + 3)/5 = 54 Gy, cumulative EQD2 102.384 Gy, with no recovery.
* Nieder et al. 2006 (IJROBP 66(5):1446-1449, abstract): "50 Gy given in single daily fractions
  of 2 Gy is equivalent to a BED of 100 Gy(2) or 75 Gy(4)"; limits 98 Gy2 per course, 135.5 Gy2
  cumulative, at least 6 months apart (Gy2: BED at alpha/beta 2 Gy).
* HyTEC, Sahgal et al. 2021 (IJROBP 110(1):124-136, abstract): re-irradiation SBRT in 1 to 5
  fractions, thecal sac EQD2 (alpha/beta 2 Gy) Dmax at most 25 Gy for the SBRT course and 70 Gy
  cumulative, SBRT share of the cumulative at most 0.5, at least 5 months apart.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from regimen import reirradiation as ri
from regimen.cli import cli
from regimen.errors import InputError, RegimenError
from regimen.export import reirradiation as out
from regimen.patient import PartialDate, load_patient
from regimen.radiotherapy import parse_expression
from regimen.units import quantity
from tests.helpers import ROOT, one_error_line

DATA = ROOT / "tests" / "data" / "reirradiation"
INVALID = ROOT / "tests" / "data" / "invalid"
ZHAO = ROOT / "examples" / "zhao-2022-reirradiation.toml"
ZHAO_HISTORY = ROOT / "examples" / "zhao-2022.toml"


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["reirradiation", *args], catch_exceptions=False)


def _json(*args: str) -> dict[str, Any]:
    r = _run(*args, "--format", "json")
    assert r.exit_code == 0, r.stderr
    data: dict[str, Any] = json.loads(r.stdout)
    return data


def _gy(q: dict[str, Any]) -> float:
    assert q["unit"] == "Gy", q
    return float(q["value"])


def _record(*courses: str, ab: float = 2.0) -> ri.Record:
    """A record of ``DATE=EXPR`` courses at ``ab`` Gy."""
    found = [ri.course_option(c) for c in courses]
    return ri.Record("spinal cord", quantity(ab, "Gy"), "Dmax", ri.in_date_order(found, "--course"))


# --- 1. per-course BED and EQD2, pinned to sources and hand derivations ----------------------

PER_COURSE = [
    # (expression, alpha/beta [Gy], BED [Gy], EQD2 [Gy], where the numbers come from)
    ("25x2Gy", 2, 100.0, 50.0, "Nieder 2006 abstract: 50 Gy in 2 Gy fractions = 100 Gy2"),
    ("25x2Gy", 4, 75.0, 50.0, "Nieder 2006 abstract: 50 Gy in 2 Gy fractions = 75 Gy4"),
    ("50.4 Gy/28", 3, 80.64, 48.384, "issue 13: 50.4 x (1.8 + 3)/(2 + 3) = 48.384"),
    ("5x6Gy", 3, 90.0, 54.0, "issue 13: 30 x (6 + 3)/5 = 54"),
    ("30x2Gy", 10, 72.0, 60.0, "Bentzen 2012: EQD2 of 2 Gy fractions is the physical dose"),
    ("10x3Gy", 2, 75.0, 37.5, "by hand: 30 x (1 + 3/2) = 75; 75 / 2"),
    ("1x9Gy", 2, 49.5, 24.75, "by hand: 9 x (1 + 9/2) = 49.5; 49.5 / 2"),
    # phase by phase (Fowler 1989), never from a mean dose per fraction:
    # 40 x (1 + 4/3) = 93.333...; 21 x (1 + 7/3) = 70; 163.333... / (5/3) = 98
    ("10x400cGy + 3x700cGy", 3, 163.33333333, 98.0, "by hand, phase by phase"),
]


@pytest.mark.parametrize(("expr", "ab", "bed", "eqd2", "why"), PER_COURSE)
def test_course_bed_and_eqd2_match_the_written_values(
    expr: str, ab: float, bed: float, eqd2: float, why: str
) -> None:
    report = ri.reirradiation_report(_record(f"2020-01-06={expr}", ab=ab))
    (course,) = report.courses
    assert course.bed.gy == pytest.approx(bed, abs=1e-6), why
    assert course.eqd2.magnitude == pytest.approx(eqd2, abs=1e-6), why


def test_acceptance_zhao_course_plus_5x6_gy_is_102_38_gy_with_no_recovery() -> None:
    """Issue 13: 50.4 Gy/28 + 5 x 6 Gy at alpha/beta 3 Gy: cumulative EQD2 102.38 Gy, and the
    output says no recovery was applied."""
    r = _run("--course", "2012-12=50.4Gy/28", "--course", "2015-09=5x6Gy", "--alpha-beta", "3Gy")
    assert r.exit_code == 0, r.stderr
    assert "EQD2 = 48.38 Gy + 54 Gy = 102.38 Gy" in r.stdout
    assert "No recovery applied" in r.stdout
    data = _json(
        "--course", "2012-12=50.4Gy/28", "--course", "2015-09=5x6Gy", "--alpha-beta", "3Gy"
    )
    assert _gy(data["cumulative"]["eqd2"]) == pytest.approx(102.384, abs=1e-9)
    assert _gy(data["cumulative"]["eqd2_with_recovery"]) == pytest.approx(102.384, abs=1e-9)
    assert _gy(data["cumulative"]["bed"]) == pytest.approx(80.64 + 90, abs=1e-9)
    assert [c["recovery"] for c in data["courses"]] == [None, None]
    assert data["recovery_applied"] is False


def test_the_zhao_example_record_gives_the_acceptance_value() -> None:
    data = _json(str(ZHAO))
    assert _gy(data["alpha_beta"]) == 3
    assert [c["date"] for c in data["courses"]] == ["2012-12", "2015-09"]
    assert [_gy(c["eqd2"]) for c in data["courses"]] == pytest.approx([48.384, 54])
    assert _gy(data["cumulative"]["eqd2"]) == pytest.approx(102.384, abs=1e-9)
    assert data["checks"] == [] and data["budget"] is None


def test_the_zhao_example_says_its_second_course_is_hypothetical() -> None:
    text = ZHAO.read_text(encoding="utf-8")
    assert "HYPOTHETICAL" in text and "no patient" in text.lower()
    record = ri.parse_record(text, str(ZHAO))
    assert "hypothetical" in record.courses[1].name
    shown = _run(str(ZHAO)).stdout
    assert "Record note: Course 2 is hypothetical" in shown
    assert "Note: HYPOTHETICAL: not in the paper" in shown


def test_the_patient_history_gives_the_same_first_course() -> None:
    """The Zhao history file's pelvic line (50.4 Gy, 28 fractions) read with --patient."""
    data = _json(
        "--patient", str(ZHAO_HISTORY), "--site", "pelvis", "--alpha-beta", "3Gy",
        "--course", "2015-09=5x6Gy",
    )  # fmt: skip
    assert [c["date"] for c in data["courses"]] == ["2012-12", "2015-09"]
    assert _gy(data["cumulative"]["eqd2"]) == pytest.approx(102.384, abs=1e-9)
    assert data["origin"] == "--patient"


def test_text_shows_every_formula_with_its_numbers() -> None:
    r = _run(str(ZHAO), "--recovery", "postoperative pelvic radiotherapy=0.25:more than 2 years")
    text = r.stdout
    assert "BED = n x d x (1 + d / (α/β)) = 28 x 1.8 Gy x (1 + 1.8 Gy / 3 Gy) = 80.64 Gy" in text
    assert "EQD2 = BED / (1 + 2 Gy / (α/β)) = 80.64 Gy / (1 + 2 Gy / 3 Gy) = 48.38 Gy" in text
    assert "BED = 80.64 Gy + 90 Gy = 170.64 Gy" in text
    # 48.384 x 0.75 + 54 = 90.288 (by hand)
    assert "48.38 Gy x (1 - 0.25) + 54 Gy x (1 - 0) = 90.29 Gy" in text
    assert "more than 2 years" in text


def test_a_multi_phase_course_is_summed_phase_by_phase_in_text() -> None:
    r = _run("--course", "2022-05-16=10x400cGy + 3x700cGy", "--alpha-beta", "3Gy")
    assert "BED = 93.33 Gy + 70 Gy = 163.33 Gy" in r.stdout
    assert "700 cGy per fraction is above 6 Gy" in r.stdout  # plain LQ warning


def test_the_dose_to_the_structure_comes_from_metric_dose() -> None:
    """40 Gy/20 prescribed, cord D0.03cc 36 Gy: d = 1.8 Gy, BED(2) = 68.4 Gy, EQD2 34.2 Gy."""
    path = str(DATA / "cord-metric-dose.toml")
    data = _json(path)
    assert _gy(data["courses"][0]["bed"]) == pytest.approx(68.4)
    assert _gy(data["courses"][0]["eqd2"]) == pytest.approx(34.2)
    assert data["courses"][0]["phases"][0]["dose_per_fraction"] == {"value": 2, "unit": "Gy"}
    text = _run(path).stdout
    assert "d = metric dose / n = 36 Gy / 20 = 1.8 Gy per fraction" in text
    assert "Dose metric: D0.03 cm³" in text
    assert not re.search(r"\d\s*cc\b", text)  # ISMP: cc is written cm³


# --- 2. recovery: only as stated ---------------------------------------------------------------


def test_stated_recovery_is_applied_to_its_course_only() -> None:
    """25% of the first course recovered: 48.384 x 0.75 + 54 = 90.288 Gy (by hand); the plain
    sum stays 102.384 Gy."""
    data = _json(
        "--course", "2012-12=50.4Gy/28", "--course", "2015-09=5x6Gy", "--alpha-beta", "3Gy",
        "--recovery", "2012-12=0.25:more than 2 years",
    )  # fmt: skip
    assert _gy(data["cumulative"]["eqd2_with_recovery"]) == pytest.approx(90.288, abs=1e-9)
    assert _gy(data["cumulative"]["eqd2"]) == pytest.approx(102.384, abs=1e-9)
    assert _gy(data["cumulative"]["bed_with_recovery"]) == pytest.approx(80.64 * 0.75 + 90)
    assert [c["recovery"] for c in data["courses"]] == [0.25, None]
    assert data["courses"][0]["recovery_reason"] == "more than 2 years"
    assert data["recovery_applied"] is True


def test_the_interval_is_shown_and_never_turned_into_recovery() -> None:
    """2012-12 to 2015-09: from 2012-12-31 to 2015-09-01 is 974 d, from 2012-12-01 to
    2015-09-30 is 1033 d (by hand); 32 to 33 whole months."""
    data = _json(
        "--course", "2012-12=50.4Gy/28", "--course", "2015-09=5x6Gy", "--alpha-beta", "3Gy"
    )
    gap = data["courses"][1]["interval_from_previous"]
    assert gap == {"days_min": 974, "days_max": 1033, "months_min": 32, "months_max": 33}
    assert data["courses"][0]["interval_from_previous"] is None
    assert data["recovery_applied"] is False


@pytest.mark.parametrize(
    ("text", "fraction", "reason"),
    [
        ("2012-12=0.25:more than 2 years", 0.25, "more than 2 years"),
        ("2012-12=0:none expected", 0.0, "none expected"),
        ("2012-12=1:full", 1.0, "full"),
        ("a=b=0.5:reason: with a colon", None, None),  # a course named "a"; fraction "b=0.5"
        ("postoperative pelvic radiotherapy=0.5:x = y", 0.5, "x = y"),
    ],
)
def test_recovery_option_is_read_strictly(
    text: str, fraction: float | None, reason: str | None
) -> None:
    if fraction is None:
        with pytest.raises(InputError, match="must be a number from 0 to 1"):
            ri.parse_recovery(text)
        return
    got = ri.parse_recovery(text)
    assert (got.fraction, got.reason) == (fraction, reason)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2012-12=1.5:long", "must be from 0 to 1"),
        ("2012-12=-0.1:long", "must be from 0 to 1"),
        ("2012-12=25%:long", "not a percentage"),
        ("2012-12=0.25", "needs its reason"),
        ("2012-12=0.25:  ", "needs its reason"),
        ("=0.25:x", "write COURSE=FRACTION"),
        ("2012-12=٠.٥:x", "must be a number"),
        ("2012-12=0.25:bad\x1b[31m", "escape"),
    ],
)
def test_recovery_option_refusals(text: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        ri.parse_recovery(text)


def test_recovery_above_1_is_refused_on_the_command_line() -> None:
    r = _run(str(ZHAO), "--recovery", "postoperative pelvic radiotherapy=1.01:more than 2 years")
    assert "fraction must be from 0 to 1" in one_error_line(r)


def test_recovery_may_name_the_latest_course_only_when_budgeting() -> None:
    args = ["--course", "2019-03-04=10x3Gy", "--alpha-beta", "2Gy"]
    r = _run(*args, "--recovery", "2019-03-04=0.5:x")
    assert "is the latest course" in one_error_line(r)
    data = _json(
        *args, "--recovery", "2019-03-04=0.5:x", "--budget-fractions", "5", "--limit", "60Gy"
    )
    # 37.5 x 0.5 = 18.75 used; EQD2 left 41.25, BED left 82.5 at alpha/beta 2: d^2 + 2d - 33 = 0
    assert data["budget"]["dose_per_fraction_exact"]["value"] == pytest.approx(-1 + math.sqrt(34))


# --- 3. constraint sets ------------------------------------------------------------------------


def _checks(report: ri.ReirradiationReport) -> dict[str, ri.CheckResult]:
    return {c.limit.text: c for c in report.checks}


def test_nieder_limits_are_bed_at_alpha_beta_2_as_the_source_writes_them() -> None:
    s = ri.CONSTRAINT_SETS["nieder-2006"]
    assert s.alpha_beta_gy == 2
    values = {(lim.kind, lim.quantity): lim.value for lim in s.limits}
    assert values == {
        ("course", "bed"): 98,
        ("cumulative", "bed"): 135.5,
        ("interval", "months"): 6,
    }
    # Gy2 is BED: 98 Gy2 and 135.5 Gy2 are EQD2 49 Gy and 67.75 Gy (BED / (1 + 2/2))
    assert "49 Gy" in s.notes[0] and "67.75 Gy" in s.notes[0]
    assert "17084560" in s.citation


def test_hytec_limits_are_the_abstracts() -> None:
    s = ri.CONSTRAINT_SETS["hytec-spine-sbrt"]
    values = {(lim.kind, lim.quantity): lim.value for lim in s.limits}
    assert values == {
        ("reirradiation", "eqd2"): 25,
        ("cumulative", "eqd2"): 70,
        ("ratio", "ratio"): 0.5,
        ("interval", "months"): 5,
    }
    assert s.max_fractions == 5 and "10.1016/j.ijrobp.2019.09.038" in s.citation


def test_nieder_each_course_limit_98_gy2() -> None:
    """24 x 2 Gy is 96 Gy2 (within); 25 x 2 Gy is 100 Gy2 (Nieder's own example: beyond 98)."""
    ok = _checks(ri.reirradiation_report(_record("2010-01-04=24x2Gy"), checks=["nieder-2006"]))
    assert ok["each course at most 98 Gy2 (BED, α/β 2 Gy)"].passed
    over = _checks(ri.reirradiation_report(_record("2010-01-04=25x2Gy"), checks=["nieder-2006"]))
    check = over["each course at most 98 Gy2 (BED, α/β 2 Gy)"]
    assert not check.passed and check.value == pytest.approx(100)


def test_nieder_cumulative_limit_135_5_gy2() -> None:
    """96 + 36 = 132 Gy2 is within 135.5; 96 + 40 = 136 Gy2 is not (2 Gy fractions, by hand)."""
    name = "cumulative at most 135.5 Gy2 (BED, α/β 2 Gy)"
    ok = ri.reirradiation_report(
        _record("2010-01-04=24x2Gy", "2012-01-02=9x2Gy"), checks=["nieder-2006"]
    )
    assert _checks(ok)[name].passed and _checks(ok)[name].value == pytest.approx(132)
    over = ri.reirradiation_report(
        _record("2010-01-04=24x2Gy", "2012-01-02=10x2Gy"), checks=["nieder-2006"]
    )
    assert not _checks(over)[name].passed and _checks(over)[name].value == pytest.approx(136)


@pytest.mark.parametrize(
    ("second", "passed"),
    [("2010-07-04", True), ("2010-07-03", False), ("2010-08", True), ("2010-07", False)],
)
def test_nieder_interval_at_least_6_months(second: str, passed: bool) -> None:
    """From 2010-01-04, 6 calendar months end on 2010-07-04. A second course dated 2010-07
    (known to the month) may be 2010-07-01: not confirmed, so not passed."""
    report = ri.reirradiation_report(
        _record("2010-01-04=10x2Gy", f"{second}=5x2Gy"), checks=["nieder-2006"]
    )
    check = _checks(report)["at least 6 months between courses"]
    assert check.passed is passed
    if second == "2010-07":
        assert "not confirmed" in check.detail


def test_nieder_recomputes_at_alpha_beta_2_and_says_so() -> None:
    """At alpha/beta 3 Gy the record's BED of 25 x 2 Gy is 83.33 Gy; Nieder's check uses 100 Gy2."""
    report = ri.reirradiation_report(_record("2010-01-04=25x2Gy", ab=3), checks=["nieder-2006"])
    assert _checks(report)["each course at most 98 Gy2 (BED, α/β 2 Gy)"].value == pytest.approx(100)
    assert any("recomputed" in n and "2 Gy" in n for n in report.notes)


def test_hytec_example_within_every_limit() -> None:
    """30 Gy/10 then 9 Gy x 1 at alpha/beta 2: EQD2 37.5 + 24.75 = 62.25 Gy (within 70), SBRT
    24.75 Gy (within 25), share 24.75/62.25 = 0.3976 (within 0.5), 26 months apart (by hand)."""
    data = _json(str(DATA / "spine-hytec.toml"), "--check", "hytec-spine-sbrt")
    checks = {c["name"].split(": ", 1)[1]: c for c in data["checks"]}
    assert all(c["passed"] for c in checks.values()), checks
    assert checks["cumulative at most 70 Gy EQD2 (α/β 2 Gy)"]["value"]["value"] == pytest.approx(
        62.25
    )
    sbrt = checks["re-irradiation (SBRT) course at most 25 Gy EQD2 (α/β 2 Gy)"]
    assert sbrt["value"] == {"value": 24.75, "unit": "Gy"} and sbrt["limit"]["value"] == 25
    ratio = checks["SBRT EQD2 at most 0.5 of the cumulative EQD2"]
    assert ratio["value"] == {"value": pytest.approx(24.75 / 62.25), "unit": "1"}
    interval = checks["at least 5 months before re-irradiation"]
    assert interval["value"] == {"value": 26, "unit": "mo"} and interval["limit"]["value"] == 5
    for c in checks.values():
        assert set(c) >= {"name", "passed", "limit", "value", "source"}
        assert "Sahgal" in c["source"]
    # the plain LQ warning only (HyTEC's own EQD2s are LQ): no warning about the setting
    assert data["warnings"] == [
        "spine SBRT: 9 Gy per fraction is above 6 Gy, where the plain LQ model may "
        "overestimate effect"
    ]


def test_hytec_sbrt_course_above_25_gy_eqd2_fails() -> None:
    """10 Gy x 1 at alpha/beta 2: BED 10 x 6 = 60 Gy, EQD2 30 Gy, above 25 Gy."""
    report = ri.reirradiation_report(
        _record("2019-03-04=10x3Gy", "2021-05-10=1x10Gy"), checks=["hytec-spine-sbrt"]
    )
    check = _checks(report)["re-irradiation (SBRT) course at most 25 Gy EQD2 (α/β 2 Gy)"]
    assert not check.passed and check.value == pytest.approx(30)


def test_hytec_warns_when_the_course_or_metric_is_not_its_setting() -> None:
    report = ri.reirradiation_report(
        ri.Record(
            "pelvis",
            quantity(3, "Gy"),
            "prescription",
            ri.in_date_order(
                [ri.course_option("2012-12=50.4Gy/28"), ri.course_option("2015-09=10x3Gy")],
                "--course",
            ),
        ),
        checks=["hytec-spine-sbrt"],
    )
    assert any("1 to 5 fractions" in w and "has 10" in w for w in report.warnings)
    assert any("Pmax" in w and "prescription" in w for w in report.warnings)


def test_limits_needing_two_courses_are_not_checked_on_one() -> None:
    report = ri.reirradiation_report(_record("2019-03-04=10x3Gy"), checks=["hytec-spine-sbrt"])
    assert [c.limit.kind for c in report.checks] == ["cumulative"]
    assert any("only one course" in n for n in report.notes)


def test_unknown_check_is_a_one_line_error() -> None:
    r = _run(str(ZHAO), "--check", "quantec-cord")
    assert one_error_line(r) == (
        "error: --check: unknown constraint set 'quantec-cord' (known: nieder-2006, "
        "hytec-spine-sbrt)"
    )


def test_user_limit_is_checked_on_the_sum_with_recovery() -> None:
    data = _json(str(ZHAO), "--limit", "100Gy")
    (check,) = data["checks"]
    assert check["passed"] is False and _gy(check["value"]) == pytest.approx(102.384)
    data = _json(
        str(ZHAO), "--limit", "100Gy",
        "--recovery", "postoperative pelvic radiotherapy=0.25:more than 2 years",
    )  # fmt: skip
    assert data["checks"][0]["passed"] is True  # 90.288 Gy


# --- 4. the budget -----------------------------------------------------------------------------


def test_budget_exact_solution_is_not_rounded_away() -> None:
    """Prior 25 x 2 Gy (EQD2 50 Gy, alpha/beta 2); limit 100 Gy EQD2: BED left 100 Gy for 25
    fractions, d (1 + d/2) = 4, d^2 + 2d - 8 = 0, d = 2 Gy exactly (by hand)."""
    report = ri.reirradiation_report(
        _record("2010-01-04=25x2Gy"), budget_fractions=25, limit=quantity(100, "Gy")
    )
    assert report.budget is not None
    assert report.budget.dose_per_fraction == 2.0
    assert report.budget.total_dose == 50.0
    assert report.budget.cumulative_eqd2 == pytest.approx(100)


def test_budget_is_rounded_down_to_0_01_gy() -> None:
    """After the Zhao course (EQD2 48.384 Gy at 3 Gy), limit 100 Gy, 5 fractions: BED left
    51.616 x 5/3 = 86.0267 Gy; d = 1.5 (sqrt(1 + 4 x 17.2053 / 3) - 1) = 5.8393 Gy (by hand),
    given as 5.83 Gy."""
    data = _json("--course", "2012-12=50.4Gy/28", "--alpha-beta", "3Gy",
                 "--budget-fractions", "5", "--limit", "100Gy")  # fmt: skip
    b = data["budget"]
    assert b["dose_per_fraction_exact"]["value"] == pytest.approx(5.83935, abs=1e-5)
    assert b["dose_per_fraction"] == {"value": 5.83, "unit": "Gy"}
    assert b["total_dose"] == {"value": 29.15, "unit": "Gy"}
    assert b["rounding"] == "down to 0.01 Gy" and b["available"] is True
    assert _gy(b["cumulative_eqd2"]) <= 100
    text = _run("--course", "2012-12=50.4Gy/28", "--alpha-beta", "3Gy",
                "--budget-fractions", "5", "--limit", "100Gy").stdout  # fmt: skip
    assert "5.83 Gy (5.8393 Gy rounded down to 0.01 Gy, so no limit is exceeded)" in text


def test_budget_keeps_the_smallest_dose_over_nieder_limits() -> None:
    """After 10 x 3 Gy (75 Gy2), 5 fractions: each course 98 Gy2 gives d = -1 + sqrt(40.2) =
    5.3403 Gy; cumulative 135.5 - 75 = 60.5 Gy2 gives d = -1 + sqrt(25.2) = 4.0200 Gy, which
    binds: 4.01 Gy (by hand)."""
    report = ri.reirradiation_report(
        _record("2019-03-04=10x3Gy"), checks=["nieder-2006"], budget_fractions=5
    )
    b = report.budget
    assert b is not None
    by_name = {c.name.split(": ", 1)[1]: c.dose_per_fraction for c in b.constraints}
    assert by_name["each course at most 98 Gy2 (BED, α/β 2 Gy)"] == pytest.approx(
        -1 + math.sqrt(40.2)
    )
    assert by_name["cumulative at most 135.5 Gy2 (BED, α/β 2 Gy)"] == pytest.approx(
        -1 + math.sqrt(25.2)
    )
    assert b.binding.name == "nieder-2006: cumulative at most 135.5 Gy2 (BED, α/β 2 Gy)"
    assert b.dose_per_fraction == 4.01


def test_budget_hytec_single_fraction_after_30_gy_in_10() -> None:
    """After 30 Gy/10 (EQD2 37.5 Gy at 2 Gy), one SBRT fraction: 25 Gy EQD2 = 50 Gy BED gives
    d = -1 + sqrt(101) = 9.0499 Gy; cumulative 70 gives -1 + sqrt(131); ratio 0.5 gives
    -1 + sqrt(151). The SBRT limit binds: 9.04 Gy (by hand)."""
    report = ri.reirradiation_report(
        _record("2019-03-04=10x3Gy"), checks=["hytec-spine-sbrt"], budget_fractions=1
    )
    b = report.budget
    assert b is not None
    exact = sorted(c.dose_per_fraction for c in b.constraints)
    assert exact == pytest.approx([-1 + math.sqrt(x) for x in (101, 131, 151)])
    assert b.dose_per_fraction == 9.04 and "25 Gy" in b.binding.name


def test_budget_with_nothing_left() -> None:
    report = ri.reirradiation_report(
        _record("2010-01-04=25x2Gy", "2012-01-02=20x2Gy"),
        checks=["nieder-2006"],
        budget_fractions=5,
    )
    b = report.budget
    assert b is not None and not b.available and b.dose_per_fraction == 0
    text = out.render_text(report)
    assert "nothing is left" in text and "No further dose" in text


@pytest.mark.parametrize("fractions", [1, 3, 5, 10, 25])
@pytest.mark.parametrize("limit", [55.0, 70.0, 99.99, 120.0])
def test_budget_never_exceeds_the_limit(fractions: int, limit: float) -> None:
    report = ri.reirradiation_report(
        _record("2012-12=50.4Gy/28", ab=3), budget_fractions=fractions, limit=quantity(limit, "Gy")
    )
    b = report.budget
    assert b is not None
    d = b.dose_per_fraction
    assert b.cumulative_eqd2 <= limit + 1e-9
    assert d <= b.dose_per_fraction_exact < d + 0.01 + 1e-9


# --- 5. ordering, dates and intervals ----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (dt.date(2012, 12, 1), dt.date(2013, 6, 1), 6),
        (dt.date(2013, 8, 31), dt.date(2014, 2, 28), 6),  # a month after Aug 31 ends Feb 28
        (dt.date(2013, 8, 31), dt.date(2014, 2, 27), 5),
        (dt.date(2020, 1, 15), dt.date(2020, 1, 20), 0),
    ],
)
def test_whole_months(start: dt.date, end: dt.date, months: int) -> None:
    assert ri.whole_months(start, end) == months


def test_interval_of_exact_dates() -> None:
    gap = ri.interval(PartialDate(2019, 3, 4), PartialDate(2021, 5, 10))
    assert (gap.days_min, gap.days_max, gap.months_min) == (798, 798, 26)
    assert ri.interval_text(gap) == "798 d (26 whole months)"


def test_course_options_are_sorted_and_may_not_share_a_date() -> None:
    rec = _record("2015-09=5x6Gy", "2012-12=50.4Gy/28")
    assert [str(c.date) for c in rec.courses] == ["2012-12", "2015-09"]
    with pytest.raises(InputError, match="which came first is not known"):
        _record("2012-12=50.4Gy/28", "2012-12-05=5x6Gy")
    with pytest.raises(InputError, match="which came first is not known"):
        _record("2012-12-05=50.4Gy/28", "2012-12-05=5x6Gy")


def test_a_record_lists_courses_in_date_order() -> None:
    text = (INVALID / "reirradiation" / "date-out-of-order.toml").read_text(encoding="utf-8")
    with pytest.raises(RegimenError, match=r"courses\[1\]\.date: 2018-05-10 is not after"):
        ri.parse_record(text, "x.toml")


def test_missing_alpha_beta_is_refused() -> None:
    rec = ri.Record("cord", None, "Dmax", (ri.course_option("2012-12=50.4Gy/28"),))
    with pytest.raises(InputError, match="--alpha-beta: is required"):
        ri.reirradiation_report(rec)
    r = _run("--course", "2012-12-01=28x1.8Gy")
    assert one_error_line(r) == (
        "error: --alpha-beta: is required: the alpha/beta of the endpoint (or --late-tissue NAME)"
    )


def test_patient_line_without_fractions_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        '[[lines]]\ntype = "radiotherapy"\ntreatment = "pelvic RT"\nstart = "2012-12"\n'
        'site = "pelvis"\ntotal_dose = "50.4 Gy"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"lines\[0\] \(pelvic RT\): fractions not given"):
        ri.courses_from_patient(load_patient(path), "pelvis", str(path))


# --- 6. the record file, the corpus and the contract ------------------------------------------


def test_valid_records_load() -> None:
    for path in [*sorted(DATA.glob("*.toml")), ZHAO, INVALID / "reirradiation" / "cord.toml"]:
        record = ri.parse_record(path.read_text(encoding="utf-8"), str(path))
        assert record.courses, path


def test_every_reirradiation_corpus_file_is_used() -> None:
    cases = tomllib.loads((INVALID / "cases.toml").read_text(encoding="utf-8"))["case"]
    used = {a for c in cases for a in c["args"]}
    files = {f"reirradiation/{p.name}" for p in (INVALID / "reirradiation").iterdir()}
    assert files - used == set()
    ours = [c for c in cases if c["id"].startswith("reirradiation/")]
    assert len(ours) >= 30


def test_json_contract() -> None:
    data = _json(
        str(ZHAO), "--check", "nieder-2006", "--budget-fractions", "5", "--limit", "110Gy",
        "--recovery", "postoperative pelvic radiotherapy=0.25:more than 2 years",
    )  # fmt: skip
    assert {"alpha_beta", "courses", "cumulative", "checks", "budget"} <= set(data)
    assert set(data["courses"][0]) >= {"date", "bed", "eqd2", "recovery"}
    assert set(data["cumulative"]) >= {"bed", "eqd2", "eqd2_with_recovery"}
    for check in data["checks"]:
        assert set(check) >= {"name", "passed", "limit", "value", "source"}
        assert isinstance(check["passed"], bool)
    assert set(data["budget"]) >= {"fractions", "dose_per_fraction", "binding", "constraints"}


@pytest.mark.parametrize(
    "args",
    [
        [str(ZHAO)],
        [str(ZHAO), "--check", "nieder-2006", "--check", "hytec-spine-sbrt",
         "--budget-fractions", "5", "--limit", "110Gy"],
        [str(DATA / "spine-hytec.toml"), "--check", "hytec-spine-sbrt"],
    ],
)  # fmt: skip
def test_text_is_safe_notation(args: list[str]) -> None:
    text = _run(*args).stdout
    assert not re.search(r"\b\d+\.0+ ?(Gy|cGy)\b", text)  # no trailing zero
    assert not re.search(r"(?<![\w.])\.\d+ ?(Gy|cGy)", text)  # no naked decimal
    assert "<=" not in text and ">=" not in text and "->" not in text


def test_parse_expression_phases_are_the_prescription() -> None:
    course = ri.course_option("2022-05-16=10x400cGy + 3x700cGy")
    assert course.prescription == parse_expression("10x400cGy + 3x700cGy")
    assert course.label == "2022-05-16" and course.fractions == 13


def test_late_tissue_preset_gives_the_alpha_beta_and_says_so(run) -> None:
    # rectum-late preset: alpha/beta 3 Gy; the Zhao course 28 x 1.8 Gy: EQD2 = 50.4 x (1.8 + 3)
    # / (2 + 3) = 48.384 Gy, the same as --alpha-beta 3Gy.
    r = run("reirradiation", "--course", "2012-12=50.4Gy/28", "--late-tissue", "rectum-late",
            "--format", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["alpha_beta"] == {"value": 3, "unit": "Gy"}
    assert data["cumulative"]["eqd2"]["value"] == pytest.approx(48.384)
    text = run("reirradiation", "--course", "2012-12=50.4Gy/28", "--late-tissue", "rectum-late")
    assert "Endpoint: Rectum, late effects (preset rectum-late: alpha/beta 3 Gy," in text.stdout
    bad = run("reirradiation", "--course", "2012-12=50.4Gy/28", "--late-tissue", "hnscc")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: --late-tissue: hnscc is a tumour preset;")
    both = run("reirradiation", "--course", "2012-12=50.4Gy/28", "--late-tissue", "rectum-late",
               "--alpha-beta", "3Gy")  # fmt: skip
    assert both.exit_code == 2 and both.stderr.startswith("error: --alpha-beta: give the")

"""``regimen gap``: gap compensation (issue 13, item 4), every number worked out by hand.

The case (tests/data/gap/): 35 x 2 Gy, Monday to Friday, from Monday 2026-10-05. The log
(missed-week.csv) delivers 2026-10-05..10-30 (20 fractions) and misses the week
2026-11-02..11-06 (5 fractions); 15 fractions remain from 2026-11-07. Tumour: preset hnscc
(alpha/beta 10 Gy; Dprolif 0.6 Gy/d of EQD2 and T_k 28 d, Withers 1988). Late tissue: preset
rectum-late (alpha/beta 3 Gy, repair half-time 1.5 h).

Plan: 7 weeks of 5 weekdays = 35 fractions, last on Friday 2026-11-20; T (elapsed) =
2026-11-20 - 2026-10-05 = 26 + 20 = 46 d.
  tumour BED = 35 x 2 x (1 + 2/10) = 84 Gy; EQD2 = 84 / 1.2 = 70 Gy;
  EQD2_T = 70 - 0.6 x (46 - 28) = 70 - 10.8 = 59.2 Gy; BED_T = 59.2 x 1.2 = 71.04 Gy.
  late BED = 70 x (1 + 2/3) = 116.6667 Gy; EQD2 = 70 Gy.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from regimen.cli import cli
from regimen.units import unsafe_notation

DATA = Path(__file__).resolve().parent / "data" / "gap"
REGIMEN = str(DATA / "rt-35x2.toml")
LOG = str(DATA / "missed-week.csv")
BASE = ["gap", REGIMEN, "--start", "2026-10-05", "--rt-log", LOG]
TISSUES = ["--tissue", "hnscc", "--late-tissue", "rectum-late"]


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), prog_name="regimen", catch_exceptions=False)


def _gap(*extra: str, log: str = LOG) -> dict[str, Any]:
    args = ["gap", REGIMEN, "--start", "2026-10-05", "--rt-log", log, *TISSUES, *extra]
    r = _run(*args, "--format", "json")
    assert r.exit_code == 0, r.stderr
    data: dict[str, Any] = json.loads(r.stdout)
    return data


def _option(data: dict[str, Any], method: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [o for o in data["options"] if o["method"] == method]
    assert len(found) == 1
    return found[0]


def _v(q: dict[str, Any]) -> float:
    return float(q["value"])


def _weekdays(first: str, last: str) -> list[str]:
    import datetime as dt

    out = []
    d = dt.date.fromisoformat(first)
    while d <= dt.date.fromisoformat(last):
        if d.weekday() < 5:
            out.append(d.isoformat())
        d += dt.timedelta(days=1)
    return out


def test_plan_worked_by_hand() -> None:
    """See the module docstring: last fraction 2026-11-20, T = 46 d, EQD2_T 59.2 Gy."""
    plan = _gap()["plan"]
    assert plan["first_fraction"] == "2026-10-05"
    assert plan["last_fraction"] == "2026-11-20"
    assert plan["fractions"] == _weekdays("2026-10-05", "2026-11-20")
    assert plan["overall_time"] == {"value": 46, "unit": "d"}
    assert plan["convention"] == "elapsed"
    assert _v(plan["tumour"]["bed"]) == pytest.approx(84)
    assert _v(plan["tumour"]["eqd2"]) == pytest.approx(70)
    assert _v(plan["tumour"]["eqd2_t"]) == pytest.approx(59.2)
    assert _v(plan["tumour"]["bed_t"]) == pytest.approx(71.04)
    assert _v(plan["late"]["bed"]) == pytest.approx(350 / 3)
    assert _v(plan["late"]["eqd2"]) == pytest.approx(70)


def test_acceptance_twice_daily_ends_on_the_planned_date_without_tumour_loss() -> None:
    """Issue 13 acceptance.

    After the gap the treatment days left up to 2026-11-20 are 11-09..11-13 and 11-16..11-20:
    10 days for 15 fractions, so 15 - 10 = 5 days need two fractions: the first five,
    2026-11-09..11-13 (10 fractions), then one a day 11-16..11-20 (5). Last fraction
    2026-11-20, T = 46 d as planned; the tumour gets 35 x 2 Gy (full repair assumed), so its
    EQD2_T is the plan's 59.2 Gy: change 0.

    Late tissue, 6 h apart, T1/2 = 1.5 h: theta = 2^(-6/1.5) = 2^-4 = 0.0625 = H_2.
    BED = 25 x 2 x (1 + 2/3) + 10 x 2 x (1 + 2 x 1.0625 / 3)
        = 83.3333 + 20 x 1.708333 = 83.3333 + 34.1667 = 117.5 Gy,
    the plan's 116.6667 Gy plus the incomplete-repair cost 5 days x 2 fractions x 2 Gy x 2 Gy x
    0.0625 / 3 Gy = 0.8333 Gy; EQD2 = 117.5 / (5/3) = 70.5 Gy: change +0.5 Gy.
    """
    data = _gap()
    bid = _option(data, "twice-daily")
    days = ["2026-11-09", "2026-11-10", "2026-11-11", "2026-11-12", "2026-11-13"]
    assert bid["available"] is True and bid["why"] is None
    assert bid["twice_daily_days"] == days
    assert bid["fractions"] == [d for d in days for _ in (1, 2)] + _weekdays(
        "2026-11-16", "2026-11-20"
    )
    assert [s["session"] for s in bid["schedule"][:2]] == [1, 2]
    assert bid["last_fraction"] == "2026-11-20"
    assert bid["overall_time"] == {"value": 46, "unit": "d"}
    assert _v(bid["tumour"]["eqd2_t"]) == pytest.approx(59.2)
    assert _v(bid["tumour"]["delta_eqd2_t"]) == pytest.approx(0, abs=1e-9)
    assert bid["incomplete_repair"]["h"] == pytest.approx(0.0625)
    assert bid["incomplete_repair"]["interval"] == {"value": 6, "unit": "h"}
    assert bid["incomplete_repair"]["repair_half_time"] == {"value": 1.5, "unit": "h"}
    assert _v(bid["late"]["bed"]) == pytest.approx(117.5)
    assert _v(bid["late"]["bed"]) - 350 / 3 == pytest.approx(5 * 2 * 2 * 2 * 0.0625 / 3)
    assert _v(bid["late"]["eqd2"]) == pytest.approx(70.5)
    assert _v(bid["late"]["delta_eqd2"]) == pytest.approx(0.5)


def test_acceptance_text_shows_the_formulas_with_numbers() -> None:
    r = _run(*BASE, *TISSUES)
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert "3. twice-daily: Two fractions a day: available" in out
    assert "exp(-ln 2 x 6 h / 1.5 h) = 0.0625" in out
    assert "10 x 2 Gy x 2 Gy x 0.0625 / 3 Gy = 0.83 Gy" in out
    assert "70 Gy - 0.6 Gy/d x max(0, 46 d - 28 d) = 59.2 Gy (change from the plan: 0 Gy)" in out
    assert "= 70.5 Gy (change from the plan: +0.5 Gy)" in out
    assert "secondary sources" in out and "Hendry" in out
    for line in out.splitlines():
        assert unsafe_notation(line) is None, line
        for bad in ("<=", ">=", "->"):
            assert bad not in line, line


def test_options_come_in_ranked_order() -> None:
    methods = [o["method"] for o in _gap()["options"]]
    assert methods == [
        "weekend",
        "holiday",
        "twice-daily",
        "higher-dose",
        "extra-fractions",
        "none",
    ]


def test_none_carries_on_to_2026_11_27() -> None:
    """15 fractions on the weekdays from 11-09: 11-09..11-13, 11-16..11-20, 11-23..11-27.
    T = 53 d; EQD2_T = 70 - 0.6 x (53 - 28) = 55 Gy (change -4.2 Gy); late unchanged."""
    none = _option(_gap(), "none")
    assert none["available"] is True
    assert none["fractions"] == _weekdays("2026-11-09", "2026-11-27")
    assert none["overall_time"] == {"value": 53, "unit": "d"}
    assert _v(none["tumour"]["eqd2_t"]) == pytest.approx(55)
    assert _v(none["tumour"]["delta_eqd2_t"]) == pytest.approx(-4.2)
    assert _v(none["late"]["delta_eqd2"]) == pytest.approx(0, abs=1e-9)


def test_weekend_needs_allow_weekends() -> None:
    weekend = _option(_gap(), "weekend")
    assert weekend["available"] is False
    assert weekend["why"] == "no weekend treatment allowed: give --allow-weekends"
    assert weekend["fractions"] == [] and weekend["tumour"] is None


def test_weekend_days_are_too_few_for_a_whole_missed_week() -> None:
    """Weekend days between the gap and 11-20: 11-07, 11-08, 11-14, 11-15 (4) for 5 missed
    fractions: 14 days for 15 fractions, so the weekend option cannot end on 11-20. Treating on
    every weekend day it ends on Saturday 11-21: T = 47 d, EQD2_T = 70 - 0.6 x 19 = 58.6 Gy."""
    weekend = _option(_gap("--allow-weekends"), "weekend")
    assert weekend["available"] is False and weekend["closest"] is True
    assert "the 4 weekend days from 2026-11-07" in weekend["why"]
    assert "2026-11-21, 1 d late" in weekend["why"]
    assert weekend["extra_days"] == [
        "2026-11-07",
        "2026-11-08",
        "2026-11-14",
        "2026-11-15",
        "2026-11-21",
    ]
    assert weekend["last_fraction"] == "2026-11-21"
    assert weekend["overall_time"]["value"] == 47
    assert _v(weekend["tumour"]["eqd2_t"]) == pytest.approx(58.6)


def test_weekend_makes_up_two_missed_days() -> None:
    """missed-two.csv: 20 delivered, 11-02 and 11-03 missed; 15 remain from 11-04. Weekdays
    11-04..11-20 are 13, so 2 weekend days are needed: the first two, 11-07 and 11-08; the
    course ends on 11-20 with T = 46 d and the plan's EQD2_T and late EQD2."""
    weekend = _option(_gap("--allow-weekends", log=str(DATA / "missed-two.csv")), "weekend")
    assert weekend["available"] is True
    assert weekend["extra_days"] == ["2026-11-07", "2026-11-08"]
    assert weekend["last_fraction"] == "2026-11-20"
    assert len(weekend["fractions"]) == 15
    assert _v(weekend["tumour"]["delta_eqd2_t"]) == pytest.approx(0, abs=1e-9)
    assert _v(weekend["late"]["delta_eqd2"]) == pytest.approx(0, abs=1e-9)


def test_holiday_needs_a_holiday_calendar_and_allow_holidays() -> None:
    assert _option(_gap(), "holiday")["why"].startswith("no public holidays are known")
    data = _gap("--holidays", "GB")
    assert _option(data, "holiday")["why"] == (
        "no holiday treatment allowed: give --allow-holidays"
    )


def test_real_calendar_us_holidays() -> None:
    """--holidays US: Columbus Day (Monday 2026-10-12) and Veterans Day (Wednesday 11-11) are
    not treatment days, so the plan's 35 fractions end two weekdays later, on Tuesday 11-24
    (T = 50 d). The log delivers 10-12, a holiday: needs --allow-holidays. Holiday option: the
    days after the gap that are not treatment days are public holidays on a weekday (11-11)
    and, with --allow-weekends, weekend days; in date order 11-07, 11-08, 11-11, 11-14 make up
    the 4 fractions (15 remaining, 11 treatment days 11-09..11-24)."""
    data = _gap("--holidays", "US", "--allow-holidays", "--allow-weekends")
    assert data["plan"]["last_fraction"] == "2026-11-24"
    assert data["plan"]["overall_time"]["value"] == 50
    holiday = _option(data, "holiday")
    assert holiday["available"] is True
    assert holiday["extra_days"] == ["2026-11-07", "2026-11-08", "2026-11-11", "2026-11-14"]
    assert holiday["last_fraction"] == "2026-11-24"
    weekend = _option(data, "weekend")
    assert weekend["extra_days"] == ["2026-11-07", "2026-11-08", "2026-11-14", "2026-11-15"]
    assert weekend["last_fraction"] == "2026-11-24"


def test_higher_dose_rounds_down_to_the_late_limit() -> None:
    """10 treatment days left (11-09..11-20), T = 46 d. Tumour BED needed from them:
    (59.2 + 0.6 x 18) x 1.2 - 20 x 2 x 1.2 = 84 - 48 = 36 Gy; 10 d (1 + d/10) = 36:
    d^2 + 10 d - 36 = 0, d = (-10 + sqrt(244)) / 2 = 2.8102 Gy, rounded up 2.82 Gy. Late EQD2
    with 2.82 Gy: (66.6667 + 28.2 x 1.94) / (5/3) = 121.3747 x 0.6 = 72.8248 Gy, above the plan's
    70 Gy, so the late-isoeffective dose: 10 d (1 + d/3) = 116.6667 - 66.6667 = 50,
    d^2 + 3 d - 15 = 0, d = (-3 + sqrt(69)) / 2 = 2.6533 Gy, rounded down to 2.65 Gy.
    Tumour: BED = 48 + 26.5 x 1.265 = 81.5225 Gy, EQD2 = 67.9354, EQD2_T = 57.1354 Gy (change
    -2.0646 Gy); late BED = 66.6667 + 26.5 x (1 + 2.65/3) = 116.575 Gy, EQD2 69.945 Gy."""
    hd = _option(_gap(), "higher-dose")
    assert hd["available"] is True
    assert hd["fractions"] == _weekdays("2026-11-09", "2026-11-20")
    dpf = hd["dose_per_fraction"]
    assert _v(dpf["tumour_isoeffective"]) == pytest.approx((-10 + math.sqrt(244)) / 2)
    assert _v(dpf["tumour_isoeffective_rounded_up"]) == pytest.approx(2.82)
    assert _v(dpf["late_eqd2_if_rounded_up"]) == pytest.approx((200 / 3 + 28.2 * 1.94) * 0.6)
    assert _v(dpf["late_isoeffective"]) == pytest.approx((-3 + math.sqrt(69)) / 2)
    assert _v(dpf["value"]) == pytest.approx(2.65)
    assert dpf["rounding"] == "down"
    assert all(s["dose"] == {"value": 2.65, "unit": "Gy"} for s in hd["schedule"])
    assert _v(hd["tumour"]["eqd2_t"]) == pytest.approx(57.1354, abs=1e-4)
    assert _v(hd["tumour"]["delta_eqd2_t"]) == pytest.approx(-2.0646, abs=1e-4)
    assert _v(hd["late"]["bed"]) == pytest.approx(116.575)
    assert _v(hd["late"]["eqd2"]) == pytest.approx(69.945)


def test_higher_dose_rounds_up_when_the_late_tissue_allows() -> None:
    """Tumour alpha/beta 1.4 Gy (below the late 3 Gy): plan BED = 70 x (1 + 2/1.4) = 170 Gy,
    given 40 x (1 + 2/1.4) = 97.1429 Gy, needed 170 - 97.1429 = 72.8571 Gy (T unchanged) in 10
    fractions: d^2 / 1.4 + d = 7.28571, d^2 + 1.4 d - 10.2 = 0, d = (-1.4 + sqrt(42.76)) / 2 =
    2.5696 Gy, rounded up to 2.57 Gy. Late EQD2 = (66.6667 + 25.7 x (1 + 2.57/3)) x 0.6 =
    68.63 Gy, not above 70 Gy: rounded up, tumour not lost."""
    hd = _option(_gap("--tumour-alpha-beta", "1.4Gy"), "higher-dose")
    dpf = hd["dose_per_fraction"]
    assert _v(dpf["tumour_isoeffective"]) == pytest.approx((-1.4 + math.sqrt(42.76)) / 2)
    assert _v(dpf["value"]) == pytest.approx(2.57)
    assert dpf["rounding"] == "up" and dpf["late_isoeffective"] is None
    assert _v(hd["late"]["eqd2"]) == pytest.approx((200 / 3 + 25.7 * (1 + 2.57 / 3)) * 0.6)
    assert _v(hd["tumour"]["delta_eqd2_t"]) >= 0


def test_extra_fractions_iterate_on_real_dates() -> None:
    """From the 'none' schedule (last 11-27, T 53, EQD2_T 55 Gy), each added 2 Gy fraction
    adds 2 Gy of EQD2 and 0.6 Gy/d of repopulation per day T grows:
    +1 on Mon 11-30 (T 56): 72 - 0.6 x 28 = 55.2; +2 on 12-01 (T 57): 74 - 17.4 = 56.6;
    +3 on 12-02 (T 58): 76 - 18 = 58; +4 on 12-03 (T 59): 78 - 18.6 = 59.4, at least 59.2.
    4 extra fractions, last 2026-12-03; late EQD2 = 39 x 2 = 78 Gy (change +8 Gy)."""
    ex = _option(_gap(), "extra-fractions")
    assert ex["available"] is True
    assert ex["added_fractions"] == 4
    assert ex["fractions"][-4:] == ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03"]
    assert ex["last_fraction"] == "2026-12-03"
    assert ex["overall_time"]["value"] == 59
    assert _v(ex["tumour"]["eqd2_t"]) == pytest.approx(59.4)
    assert _v(ex["tumour"]["delta_eqd2_t"]) == pytest.approx(0.2)
    assert _v(ex["late"]["eqd2"]) == pytest.approx(78)
    assert _v(ex["late"]["delta_eqd2"]) == pytest.approx(8)


def test_max_bid_days_too_few() -> None:
    """Three twice-daily days (11-09..11-11) instead of five: 6 + 9 single fractions on
    11-12, 11-13, 11-16..11-20, 11-23, 11-24: ends on Tuesday 11-24, 2 weekdays late."""
    bid = _option(_gap("--max-bid-days", "3"), "twice-daily")
    assert bid["available"] is False and bid["closest"] is True
    assert bid["why"].startswith("needs 5 twice-daily days")
    assert "--max-bid-days 3 allows 3" in bid["why"]
    assert bid["twice_daily_days"] == ["2026-11-09", "2026-11-10", "2026-11-11"]
    assert bid["last_fraction"] == "2026-11-24"


def test_twice_daily_needs_a_repair_half_time_never_a_default() -> None:
    """spinal-cord has no repair half-time: twice-daily is not offered; given, it is."""
    args = ["--tissue", "hnscc", "--late-tissue", "spinal-cord"]
    r = _run(*BASE, *args, "--format", "json")
    bid = _option(json.loads(r.stdout), "twice-daily")
    assert bid["available"] is False and "repair half-time" in bid["why"]
    assert bid["fractions"] == []
    r = _run(*BASE, *args, "--repair-half-time", "1.5h", "--format", "json")
    assert _option(json.loads(r.stdout), "twice-daily")["available"] is True


def test_interval_7_h_is_warned_and_uses_its_h() -> None:
    """7 h, T1/2 1.5 h: theta = 2^(-7/1.5) = 0.03937 = H_2."""
    data = _gap("--bid-interval", "7h")
    bid = _option(data, "twice-daily")
    assert bid["incomplete_repair"]["h"] == pytest.approx(2 ** (-7 / 1.5))
    assert any("7 h apart: less than 8 h" in w for w in data["warnings"])
    assert not any("less than 8 h" in w for w in _gap("--bid-interval", "8h")["warnings"])


def test_k_instead_of_dprolif_gives_the_same_eqd2_t() -> None:
    """K = 0.72 Gy/d of BED (= 0.6 x 1.2): BED_T = 84 - 0.72 x 18 = 71.04 Gy, EQD2_T 59.2 Gy."""
    data = _gap("--k", "0.72Gy/d")
    assert data["parameters"]["tumour"]["repopulation"]["name"] == "k"
    assert _v(data["plan"]["tumour"]["bed_t"]) == pytest.approx(71.04)
    assert _v(_option(data, "none")["tumour"]["eqd2_t"]) == pytest.approx(55)


def test_inclusive_convention_counts_both_ends() -> None:
    """T = 46 + 1 = 47 d: EQD2_T = 70 - 0.6 x 19 = 58.6 Gy."""
    data = _gap("--time-convention", "inclusive")
    assert data["plan"]["overall_time"]["value"] == 47
    assert data["convention"] == "inclusive"
    assert _v(data["plan"]["tumour"]["eqd2_t"]) == pytest.approx(58.6)


def test_json_fields() -> None:
    data = _gap()
    assert set(data) >= {"plan", "options", "parameters", "log", "ranking_source", "warnings"}
    assert data["log"] == {
        "last_row": "2026-11-06",
        "delivered": 20,
        "missed": 5,
        "given_without_row": 0,
        "remaining": 15,
    }
    assert data["parameters"]["tumour"]["preset"]["name"] == "hnscc"
    assert data["parameters"]["late"]["repair_half_time_preset"]["name"] == "rectum-late"
    for o in data["options"]:
        assert set(o) >= {
            "method",
            "available",
            "why",
            "fractions",
            "last_fraction",
            "overall_time",
            "tumour",
            "late",
        }
        if o["tumour"] is not None:
            assert set(o["tumour"]) >= {"bed_t", "eqd2_t", "delta_eqd2_t"}
            assert set(o["late"]) >= {"bed", "eqd2", "delta_eqd2"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["gap", REGIMEN, "--start", "2026-10-05", *TISSUES],
            "error: --rt-log: is required: gap compensation works from the treatment log "
            "(CSV date,status)",
        ),
        (
            ["gap", REGIMEN, "--rt-log", LOG, *TISSUES],
            "error: --start: is required: the date the course started (YYYY-MM-DD)",
        ),
        (
            [*BASE, "--tissue", "nope", "--late-tissue", "rectum-late"],
            "error: --tissue: unknown preset 'nope'; presets: ",
        ),
        (
            [*BASE, "--tissue", "rectum-late", "--late-tissue", "rectum-late"],
            "error: --tissue: rectum-late is a late preset; --tissue takes a tumour one: ",
        ),
        (
            [*BASE, *TISSUES, "--bid-interval", "4h"],
            "error: --bid-interval: 4 h between the fractions of a day is too short: at least "
            "6 h is needed for repair",
        ),
        (
            [*BASE, "--tissue", "nsclc", "--late-tissue", "rectum-late"],
            "error: --tissue: gap compensation needs the tumour's repopulation rate: give "
            "--dprolif or --k (preset nsclc gives none)",
        ),
        (
            [*BASE, "--tissue", "hnscc"],
            "error: --late-tissue: is required: a late-tissue preset, or --alpha-beta (and "
            "--repair-half-time)",
        ),
        (
            [*BASE, *TISSUES, "--k", "0.7Gy/d", "--dprolif", "0.6Gy/d"],
            "error: --k: give --dprolif or --k, not both (never converted)",
        ),
        (
            [
                "gap",
                REGIMEN,
                "--start",
                "2026-10-05",
                "--rt-log",
                str(DATA / "weekend-row.csv"),
                *TISSUES,
            ],
            f"error: {DATA / 'weekend-row.csv'}: line 7: 2026-10-10 is a Saturday, not a "
            "treatment day; add --allow-weekends to log a weekend fraction",
        ),
        (
            [*BASE, *TISSUES, "--holidays", "US"],
            f"error: {LOG}: line 7: 2026-10-12 is a public holiday",
        ),
    ],
    ids=[
        "no-rt-log",
        "no-start",
        "unknown-preset",
        "late-preset-as-tumour",
        "interval-4h",
        "preset-without-rate",
        "no-late-tissue",
        "k-and-dprolif",
        "weekend-row",
        "holiday-row",
    ],
)
def test_refusals_are_one_line(args: list[str], expected: str) -> None:
    r = _run(*args)
    assert r.exit_code == 2
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert lines[0].startswith(expected), lines[0]

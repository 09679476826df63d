"""Doses by body size (issue 12, items 2, 3, 4 and 7): per m2, per kg and by AUC, resolved into
mg before the engine runs, rounded by the regimen's own rule within a tolerance.

Every expected number is worked out by hand beside its source:

* Mosteller [Mosteller1987]: BSA = sqrt(height [cm] x weight [kg] / 3600); 170 cm, 70 kg is
  sqrt(11900 / 3600) = 1.818119 m2 (the issue: 1.818 m2).
* Cockcroft-Gault [Cockcroft1976]: CrCl = (140 - age) x weight / (72 x SCr), x 0.85 for women.
* Calvert [Calvert1989]: dose = AUC x (GFR + 25 mL/min); the FDA's carboplatin communication
  [FDA2010]: GFR capped at 125 mL/min, so AUC 6 gives at most 6 x (125 + 25) = 900 mg.
* Devine [Devine1974]: ideal weight 50 kg (male) + 2.3 kg per inch over 60 in; 177.8 cm = 70 in
  gives 73 kg; adjusted = ideal + 0.4 x (actual - ideal).
* HOPA [HOPA2018]: a rounded dose within 10% of the calculated one is acceptable (the default
  tolerance).
* NHS England national dose banding, single container (1 mg/mL) [NHSBands]: the row
  "From 2.50, To (A) 2.70, band dose 2.6 mg, variance 4% / -4%".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regimen.dosing import (
    DEFAULT_TOLERANCE_PERCENT,
    Band,
    BandTable,
    Rounding,
    nearest_units,
    parse_level,
    resolve,
    round_level,
    signed_percent,
)
from regimen.drugs import DrugCourse, make_dose, round_dose
from regimen.errors import InputError, RegimenError
from regimen.loading import parse_regimen
from regimen.measurements import Measurements
from regimen.units import TARGET_AUC, magnitude, quantity

DATA = Path(__file__).resolve().parent / "data" / "dosing"
CARBO = str(DATA / "carboplatin-auc.toml")
TRAS = str(DATA / "trastuzumab-vials.toml")
GEM = str(DATA / "gemcitabine-step.toml")
VINC = str(DATA / "vincristine-bands.toml")
START = ["--start", "2022-01-03", "--cycles", "1"]
BSA_170_70 = math.sqrt(170 * 70 / 3600)  # Mosteller: 1.818119 m2


def _json(run, *args: str) -> dict:
    r = run("calendar", *args, "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def _doses(data: dict, course: str) -> list[dict]:
    return [e for e in data["events"] if e["kind"] == "dose" and e["course"] == course]


def _load(path: str, **replace: str) -> object:
    text = Path(path).read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return parse_regimen(text, Path(path).name, Path(path).stem)


# --- AUC (Calvert with Cockcroft-Gault) ----------------------------------------------------


def _carbo_args(age: str, sex: str, weight: str, scr: str) -> list[str]:
    return [CARBO, *START, "--age", age, "--sex", sex, "--weight", weight, "--scr", scr]


def test_fda_maximum_dose_auc6_gfr_capped_at_125_is_900_mg(run) -> None:
    # CrCl (male, 50 y, 80 kg, SCr 0.5 mg/dL) = 90 x 80 / (72 x 0.5) = 200 mL/min, above the
    # FDA cap: GFR 125 mL/min; dose = 6 x (125 + 25) = 900 mg [FDA2010].
    data = _json(run, *_carbo_args("50", "male", "80kg", "0.5mg/dL"), "--start-dose",
                 "carboplatin=AUC6")  # fmt: skip
    e = _doses(data, "carboplatin")[0]
    assert e["dose"] == {"value": 900, "unit": "mg"}
    assert e["calculated_dose"] == {"value": 900, "unit": "mg"}
    b = e["basis"]
    assert b["kind"] == "auc" and b["formula"] == "calvert" and b["auc"] == 6
    assert b["gfr"]["unit"] == "mL/min" and b["gfr"]["value"] == pytest.approx(200)
    assert b["gfr_used"] == {"value": 125, "unit": "mL/min"}
    assert b["gfr_cap"] == {"value": 125, "unit": "mL/min"}
    assert b["capped"] is True
    assert e["deviation_percent"] == 0
    assert any("capped at 125 mL/min" in w for w in data["warnings"])


def test_auc5_gfr_100_is_625_mg(run) -> None:
    # CrCl = 90 x 80 / (72 x 1.0) = 100 mL/min (not capped); 5 x (100 + 25) = 625 mg.
    data = _json(run, *_carbo_args("50", "male", "80kg", "1mg/dL"))
    e = _doses(data, "carboplatin")[0]
    assert e["dose"] == {"value": 625, "unit": "mg"}
    assert e["basis"]["capped"] is False and e["basis"]["gfr_used"]["value"] == pytest.approx(100)


def test_auc5_woman_cockcroft_gault_factor(run) -> None:
    # CrCl = 80 x 60 / (72 x 0.8) x 0.85 = 70.8333 mL/min; 5 x 95.8333 = 479.1667 mg, given to
    # the nearest 0.1 mg (no rounding rule): 479.2 mg.
    e = _doses(_json(run, *_carbo_args("60", "female", "60kg", "0.8mg/dL")), "carboplatin")[0]
    assert e["calculated_dose"]["value"] == pytest.approx(479.1667, abs=1e-4)
    assert e["dose"] == {"value": 479.2, "unit": "mg"}
    assert e["rounding"]["kind"] == "nearest"


def test_no_gfr_cap_and_creatinine_floor() -> None:
    # gfr_cap = "none": the 200 mL/min of the first test is used: 6 x 225 = 1350 mg.
    reg = _load(CARBO, **{'start_level = "AUC 5"': 'start_level = "AUC 6"\ngfr_cap = "none"'})
    m = Measurements(weight=quantity(80, "kg"), sex="male", age=50, scr=quantity(0.5, "mg/dL"))
    out, _ = resolve(reg, m, dt.date(2022, 1, 3), {})
    course = out.course("carboplatin")
    assert isinstance(course, DrugCourse)
    assert magnitude(course.start_dose, "mg") == pytest.approx(1350)
    # scr_floor 0.7 mg/dL: (140 - 70) x 50 / (72 x 0.7) x 0.85 = 59.0278 mL/min (0.5 would give
    # 82.6389); AUC 5 x 84.0278 = 420.14 mg.
    reg = _load(
        CARBO, **{'start_level = "AUC 5"': 'start_level = "AUC 5"\nscr_floor = "0.7 mg/dL"'}
    )
    m = Measurements(weight=quantity(50, "kg"), sex="female", age=70, scr=quantity(0.5, "mg/dL"))
    course = resolve(reg, m, dt.date(2022, 1, 3), {})[0].course("carboplatin")
    assert isinstance(course, DrugCourse) and course.basis is not None
    level = course.basis.level(course, course.start_dose)
    assert magnitude(level.calculated, "mg") == pytest.approx(420.1389, abs=1e-4)
    assert magnitude(course.start_dose, "mg") == pytest.approx(420.1)


@pytest.mark.parametrize("missing", ["--scr", "--age", "--sex", "--weight"])
def test_missing_value_names_the_option(run, missing: str) -> None:
    args = {"--age": "50", "--sex": "male", "--weight": "80kg", "--scr": "1mg/dL"}
    del args[missing]
    argv = [a for k, v in args.items() for a in (k, v)]
    r = run("calendar", CARBO, *START, *argv)
    assert r.exit_code == 2
    assert r.stderr == (
        f"error: {missing}: needed for carboplatin (dosed by AUC, Calvert with Cockcroft-Gault)\n"
    )


def test_auc_start_dose_is_parsed_in_its_own_basis() -> None:
    assert parse_level("AUC5", TARGET_AUC) == quantity(5, "AUC")
    assert parse_level("auc 4.5", TARGET_AUC) == quantity(4.5, "AUC")
    with pytest.raises(RegimenError):
        parse_level("5", TARGET_AUC)


# --- per kg, whole vials --------------------------------------------------------------------


def test_weight_course_rounds_to_whole_vials(run) -> None:
    # 6 mg/kg x 68 kg = 408 mg; whole 150 mg and 420 mg vials make 300 or 420 mg nearby: 420 mg
    # (+2.9412%, within 10%).
    e = _doses(_json(run, TRAS, *START, "--weight", "68kg"), "trastuzumab")[0]
    assert e["calculated_dose"] == {"value": 408, "unit": "mg"}
    assert e["dose"] == {"value": 420, "unit": "mg"}
    assert e["deviation_percent"] == pytest.approx(100 * 12 / 408, abs=1e-6)
    b = e["basis"]
    assert b == {
        "kind": "weight",
        "per": {"value": 6, "unit": "mg/kg"},
        "weight_used": {"value": 68, "unit": "kg"},
        "weight_basis": "actual",
        "weight": {"value": 68, "unit": "kg"},
        "ideal_weight": None,
        "measured_on": "2022-01-03",
    }
    assert e["rounding"]["kind"] == "units"
    assert e["rounding"]["tolerance_percent"] == 10
    assert e["rounding"]["made_of"] == [{"size": {"value": 420, "unit": "mg"}, "count": 1}]
    assert e["rounding"]["needs_review"] is None


def test_weight_75kg_is_three_150_mg_vials(run) -> None:
    # 6 x 75 = 450 mg = 3 x 150 mg exactly.
    e = _doses(_json(run, TRAS, *START, "--weight", "75kg"), "trastuzumab")[0]
    assert e["dose"] == {"value": 450, "unit": "mg"} and e["deviation_percent"] == 0
    assert e["rounding"]["made_of"] == [{"size": {"value": 150, "unit": "mg"}, "count": 3}]


def test_start_dose_per_kg_outside_tolerance_needs_review_everywhere(run) -> None:
    # 4 mg/kg x 68 kg = 272 mg; the nearest whole vials make 300 mg (+10.29%), beyond 10%: the
    # dose falls back to 272 mg (nearest 0.1 mg) and says why in every output.
    args = [TRAS, *START, "--weight", "68kg", "--start-dose", "trastuzumab=4mg/kg"]
    data = _json(run, *args)
    e = _doses(data, "trastuzumab")[0]
    assert e["dose"] == {"value": 272, "unit": "mg"}
    r = e["rounding"]
    assert r["needs_review"] and "beyond the tolerance of 10%" in r["needs_review"]
    assert r["proposed"] == {"value": 300, "unit": "mg"}
    assert r["given_instead"]["step"] == {"value": 0.1, "unit": "mg"}
    assert any(
        w.startswith("needs clinician review: trastuzumab 4 mg/kg") for w in data["warnings"]
    )
    text = run("calendar", *args).stdout
    assert "NEEDS REVIEW" in text and "Warning: needs clinician review: trastuzumab" in text
    dose = run("dose", *args).stdout
    assert "NEEDS REVIEW" in dose


def test_adjusted_weight_devine() -> None:
    # Devine, 177.8 cm (70 in), male: 50 + 2.3 x 10 = 73 kg; adjusted for 100 kg:
    # 73 + 0.4 x 27 = 83.8 kg; 6 mg/kg x 83.8 = 502.8 mg. Whole vials: 450 mg (-10.5%) is the
    # nearest but beyond 10%: 502.8 mg, needs review.
    reg = _load(
        TRAS, **{'dose_basis = "weight"': 'dose_basis = "weight"\nweight_basis = "adjusted"'}
    )
    m = Measurements(height=quantity(177.8, "cm"), weight=quantity(100, "kg"), sex="male")
    course = resolve(reg, m, dt.date(2022, 1, 3), {})[0].course("trastuzumab")
    assert isinstance(course, DrugCourse) and course.basis is not None
    level = course.basis.level(course, course.start_dose)
    assert magnitude(level.calculated, "mg") == pytest.approx(502.8)
    assert level.proposed is not None and magnitude(level.proposed, "mg") == pytest.approx(450)
    assert magnitude(level.given, "mg") == pytest.approx(502.8) and level.review


def test_ideal_weight_needs_height_and_sex(run) -> None:
    path = (
        Path(TRAS)
        .read_text()
        .replace('dose_basis = "weight"', 'dose_basis = "weight"\nweight_basis = "ideal"')
    )
    reg = parse_regimen(path, "t.toml", "t")
    with pytest.raises(InputError) as info:
        resolve(reg, Measurements(weight=quantity(70, "kg")), dt.date(2022, 1, 3), {})
    assert info.value.where == "height" and "needed for trastuzumab (dosed per kg)" in str(
        info.value
    )


# --- per m2: a step, a cap, a band table ----------------------------------------------------


def test_issue_example_nearest_10_mg(run) -> None:
    # 900 mg/m2 x 1.818119 m2 = 1636.3068 mg -> 1640 mg: (1640 - 1636.3068) / 1636.3068 =
    # +0.2257% (the issue's "1636 mg -> 1640 mg (+0.2%, nearest 10 mg)").
    r = run("calendar", GEM, *START, "--height", "170cm", "--weight", "70kg")
    assert r.exit_code == 0, r.stderr
    assert (
        "gemcitabine 900 mg/m² x BSA 1.82 m² (Mosteller; 170 cm, 70 kg on 2022-01-03) = "
        "1636.31 mg, given as 1640 mg (+0.2257%, nearest 10 mg, within 10%), from cycle 1 day 1"
    ) in r.stdout
    assert "1640.0" not in r.stdout  # safe notation
    e = _doses(_json(run, GEM, *START, "--height", "170cm", "--weight", "70kg"), "gemcitabine")[0]
    assert e["dose"] == {"value": 1640, "unit": "mg"}
    assert e["calculated_dose"]["value"] == pytest.approx(900 * BSA_170_70, rel=1e-12)
    assert e["rounding"]["kind"] == "step" and e["rounding"]["step"] == {"value": 10, "unit": "mg"}
    assert e["deviation_percent"] == pytest.approx(0.2257, abs=5e-5)


def test_regimen_bsa_cap_is_printed_when_it_changes_the_dose(run) -> None:
    # Mosteller 190 cm, 100 kg = sqrt(19000 / 3600) = 2.2973 m2, capped at the regimen's 2 m2:
    # 900 x 2 = 1800 mg.
    args = [GEM, *START, "--height", "190cm", "--weight", "100kg"]
    e = _doses(_json(run, *args), "gemcitabine")[0]
    assert e["dose"] == {"value": 1800, "unit": "mg"}
    b = e["basis"]
    assert b["capped"] is True and b["bsa"] == {"value": 2, "unit": "m2"}
    assert b["bsa_calculated"]["value"] == pytest.approx(2.2973, abs=1e-4)
    assert b["bsa_cap_from"] == "the regimen"
    text = run("calendar", *args).stdout
    assert "x BSA 2 m² (capped at 2 m² by the regimen: 2.3 m² by Mosteller" in text
    assert "Warning: gemcitabine: the BSA is capped at 2 m² (the regimen)" in text
    # --bsa-cap replaces the regimen's cap: 2.2 m2 gives 900 x 2.2 = 1980 mg.
    e = _doses(_json(run, *args, "--bsa-cap", "2.2m2"), "gemcitabine")[0]
    assert e["dose"] == {"value": 1980, "unit": "mg"} and e["basis"]["bsa_cap_from"] == "--bsa-cap"
    # below the cap: no cap applied, nothing said
    data = _json(run, GEM, *START, "--height", "170cm", "--weight", "70kg")
    assert _doses(data, "gemcitabine")[0]["basis"]["capped"] is False
    assert not any("capped" in w for w in data["warnings"])


def test_nhs_band_row(run) -> None:
    # 1.4 mg/m2 x 1.818119 m2 = 2.5454 mg, in the NHS band "From 2.50, To (A) 2.70": 2.6 mg,
    # (2.6 - 2.5454) / 2.5454 = +2.146% (the band's variance is at most 4% [NHSBands]).
    e = _doses(_json(run, VINC, *START, "--height", "170cm", "--weight", "70kg"), "vincristine")[0]
    assert e["dose"] == {"value": 2.6, "unit": "mg"}
    r = e["rounding"]
    assert r["kind"] == "band" and r["table"] == "nhs-1mg-ml" and r["tolerance_percent"] == 5
    assert r["band"] == {
        "from": {"value": 2.5, "unit": "mg"},
        "to": {"value": 2.7, "unit": "mg"},
        "dose": {"value": 2.6, "unit": "mg"},
    }
    assert e["deviation_percent"] == pytest.approx(100 * (2.6 / (1.4 * BSA_170_70) - 1), abs=1e-6)


def test_dose_outside_every_band_needs_review(run) -> None:
    # 150 cm, 50 kg: sqrt(7500 / 3600) = 1.4434 m2; 1.4 x 1.4434 = 2.0207 mg, below the table's
    # first band (from 2.1 mg): 2 mg to the nearest 0.1 mg, needs review.
    data = _json(run, VINC, *START, "--height", "150cm", "--weight", "50kg")
    e = _doses(data, "vincristine")[0]
    assert e["dose"] == {"value": 2, "unit": "mg"}
    assert "outside every band of table nhs-1mg-ml" in e["rounding"]["needs_review"]
    assert e["rounding"]["band"] is None
    assert any("needs clinician review: vincristine" in w for w in data["warnings"])


def test_band_edges_follow_the_nhs_table() -> None:
    # "From >=" and "To (A) <": 2.5 mg is in the 2.6 mg band, 2.3 mg in the 2.4 mg band.
    mg = lambda v: quantity(v, "mg")  # noqa: E731
    table = BandTable(
        "t",
        (Band(mg(2.3), mg(2.5), mg(2.4)), Band(mg(2.5), mg(2.7), mg(2.6))),
        tolerance=5.0,
    )
    band = table.band_for(mg(2.5))
    assert band is not None and magnitude(band.dose, "mg") == 2.6
    band = table.band_for(mg(2.3))
    assert band is not None and magnitude(band.dose, "mg") == 2.4
    assert table.band_for(mg(2.7)) is None  # "To" is excluded: past the last band


def test_levels_that_round_to_the_same_dose_are_refused(run, tmp_path) -> None:
    # 1.4 and 1.38 mg/m2 x 1.818119 m2 = 2.5454 and 2.5090 mg: both in the 2.6 mg band.
    text = Path(VINC).read_text().replace('["1.4 mg/m2"]', '["1.4 mg/m2", "1.38 mg/m2"]')
    path = tmp_path / "vinc.toml"
    path.write_text(text)
    r = run("calendar", str(path), *START, "--height", "170cm", "--weight", "70kg")
    assert r.exit_code == 2
    assert r.stderr.startswith(
        "error: vincristine: the levels 1.4 mg/m2 and 1.38 mg/m2 come to 2.6 mg and 2.6 mg"
    )


def test_step_outside_tolerance_falls_back() -> None:
    # nearest 100 mg of 1636.3068 mg is 1600 mg (-2.22%), beyond a 2% tolerance: 1636.3 mg.
    reg = _load(
        GEM, **{'rounding = { step = "10 mg" }': 'rounding = { step = "100 mg", tolerance = "2%" }'}
    )
    m = Measurements(height=quantity(170, "cm"), weight=quantity(70, "kg"))
    course = resolve(reg, m, dt.date(2022, 1, 3), {})[0].course("gemcitabine")
    assert isinstance(course, DrugCourse) and course.basis is not None
    level = course.basis.level(course, course.start_dose)
    assert magnitude(level.given, "mg") == pytest.approx(1636.3)
    assert level.proposed is not None and magnitude(level.proposed, "mg") == 1600
    assert "beyond the tolerance of 2%" in level.review


def test_csv_has_the_calculated_dose_and_basis(run) -> None:
    r = run("calendar", GEM, *START, "--height", "170cm", "--weight", "70kg", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    doses = [row for row in rows if row["kind"] == "dose"]
    # A number in dose_unit (mg), as a spreadsheet reads it: 900 x sqrt(170 x 70 / 3600).
    expected = 900 * math.sqrt(170 * 70 / 3600)
    assert doses and all(row["dose_unit"] == "mg" for row in doses)
    assert all(float(row["calculated_dose"]) == pytest.approx(expected, abs=1e-6) for row in doses)
    assert doses[0]["dose_basis"].startswith("900 mg/m² x BSA 1.82 m² (Mosteller")
    assert all(row["calculated_dose"] == "" for row in rows if row["kind"] != "dose")


def test_flat_regimen_refuses_bsa_cap(run) -> None:
    r = run("calendar", "anlotinib-sts", "--start", "2022-01-03", "--bsa-cap", "2m2")
    assert r.exit_code == 2
    assert r.stderr.startswith("error: --bsa-cap: only applies to a regimen with a course dosed")


# --- rounding rules: properties ------------------------------------------------------------

MG = st.decimals(min_value=Decimal("1"), max_value=Decimal("5000"), places=3)
STEPS = st.sampled_from(["0.5", "1", "5", "10", "25", "50", "100"])


@given(MG, STEPS)
def test_step_rounding_is_idempotent(calc: Decimal, step: str) -> None:
    once = round_dose(quantity(calc, "mg"), Decimal(step))
    assert round_dose(once, Decimal(step)) == once


@given(MG, STEPS, st.sampled_from([None, 2.0, 5.0, 10.0]))
def test_rounded_dose_within_tolerance_or_flagged(
    calc: Decimal, step: str, tol: float | None
) -> None:
    rule = Rounding(step=quantity(Decimal(step), "mg"), tolerance=tol)
    calculated = quantity(calc, "mg")
    level = round_level(quantity(1, "mg/m2"), calculated, rule, "vial")
    limit = DEFAULT_TOLERANCE_PERCENT if tol is None else tol
    if level.review:
        assert level.given == round_dose(calculated)  # the fallback: nearest 0.1 mg
        assert (
            level.proposed is None
            or abs(100 * (magnitude(level.proposed, "mg") / float(calc) - 1)) > limit
        )
    else:
        assert abs(level.deviation_percent) <= limit + 1e-9


@given(MG, STEPS)
def test_deviation_sign_follows_the_rounding(calc: Decimal, step: str) -> None:
    level = round_level(
        quantity(1, "mg/m2"),
        quantity(calc, "mg"),
        Rounding(step=quantity(Decimal(step), "mg")),
        "vial",
    )
    given_mg = magnitude(level.given, "mg")
    if given_mg > float(calc):
        assert (
            level.deviation_percent > 0 and signed_percent(level.deviation_percent)[0] in "+0"
        )  # 0 when it rounds to 0
    elif given_mg < float(calc):
        assert level.deviation_percent < 0
    else:
        assert level.deviation_percent == 0


@given(
    st.integers(min_value=1, max_value=3000),
    st.sampled_from([(100, 20), (150, 420), (50,), (500, 100, 10)]),
)
def test_nearest_units_is_made_of_whole_units_and_nearest(
    calc: int, sizes: tuple[int, ...]
) -> None:
    units = [quantity(s, "mg") for s in sizes]
    got = nearest_units(quantity(calc, "mg"), units)
    assert got is not None
    value = magnitude(got, "mg")
    assert make_dose(got, units) is not None  # whole units make it
    # no amount of whole units is nearer (brute force over counts), ties to the lower
    amounts = {0}
    for _ in range(calc // min(sizes) + 2):
        amounts |= {a + s for a in amounts for s in sizes if a + s <= calc + max(sizes)}
    amounts.discard(0)
    best = min(amounts, key=lambda a: (abs(a - calc), a))
    assert value == best

"""regimen.bodysize and the ``bsa``, ``crcl`` and ``calvert`` commands, pinned to published values.

1. Published worked examples: every expected number carries its source beside it (short tags,
   full references below). A number worked by hand from a formula, not read in a publication,
   is marked "hand-computed" with the formula it comes from.
2. Refusals and their one-line messages (the CLI's bad-input corpus is in
   tests/data/invalid/cases.toml, run by tests/test_input_errors.py).
3. The text output shows each formula with its numbers; the JSON output keeps its contract
   (docs/design.md).
4. Invariants, drawn by Hypothesis.

Sources (tags used in the comments):

[Issue]        The issue that asked for the calculators: "Mosteller 170 cm / 70 kg = 1.818 m²,
               180 cm / 80 kg = 2.00 m²".
[Mosteller]    Mosteller RD. Simplified calculation of body-surface area. N Engl J Med
               1987;317:1098 (the formula sqrt(H cm x W kg / 3600); the letter has no table).
[GlobalRPh]    globalrph.com/bsa2.htm: the five BSA equations with their papers (DuBois 1916,
               Gehan & George 1970, Haycock 1978, Mosteller 1987); Boyd's gram form from
               harderworld.com/2013/03/13/here-we-go-again-2/ (Cross Cancer Institute BSA page).
[CalcDragon]   calcdragon.com/c/body-surface-area-calculator, worked result for 178 cm, 84 kg,
               all five formulas to 4 decimals.
[NumberBench]  numberbench.com/body-surface-area-calculator, "Worked example": 177.8 cm
               (5 ft 10 in), 72.6 kg (160 lb), all five formulas to 3 decimals.
[Calcipedia]   calcipedia.org/calculators/body-surface-area-calculator, worked result for
               170 cm, 70 kg, all five formulas to 2 decimals.
[Omni]         omnicalc-8ti.pages.dev/health/body-surface-area-calculator, "Worked Example":
               175 cm, 70 kg, Mosteller 1.845 m².
[MedEq]        medicalequations.com/body-surface-area/, "Mosteller example for a 170 cm, 70 kg
               adult": about 1.818 m².
[Devine]       Devine BJ. Gentamicin therapy. Drug Intell Clin Pharm 1974;8:650-655 (50 kg /
               45.5 kg + 2.3 kg per inch over 5 ft). Worked examples:
               [PrimeIBW] theprimecalculator.com/health/ideal-weight-calculator/formula (male,
               70 in: 73 kg); [Terican] terican.com/calculators/ideal-weight-calculator (male
               5 ft 10 in: 73 kg); [Manuel] manuelsweb.com/IBW.htm
               (formulas referenced from GlobalRPh: male 64 in 59.2 kg; female 64 in 54.7 kg,
               80 kg, adjusted 64.82 kg); [PrimeAdj] theprimecalculator.com/health/
               adult-dosing-weight/formula (male 70 in, 110 kg: adjusted 87.8 kg).
[NCCN]         NCCN Chemotherapy Order Templates, Appendix B "Carboplatin Dosing in Adults"
               (last updated December 9, 2020; as reproduced at scribd.com/document/521865483):
               Calvert and Cockcroft-Gault as written, "For a target AUC = 6, the maximum dose
               is 6 x 150 = 900 mg", AUC 5 = 750 mg, AUC 4 = 600 mg; adjusted body weight =
               IBW + 0.4 x (TBW - IBW); "Consider using a minimum Cr of 0.7 mg/dL".
[FDA2010]      FDA, "Carboplatin dosing" (communication to the oncology community, 2010,
               fda.gov/AboutFDA/CentersOffices/OfficeofMedicalProductsandTobacco/CDER/
               ucm228974.htm): "Maximum Carboplatin Dose (mg) = target AUC (mg·min/mL) x
               (150 mL/min)", "based on a GFR estimate that is capped at 125 mL/min".
[Calvert]      Calvert AH, Newell DR, Gumbrell LA, et al. Carboplatin dosage: prospective
               evaluation of a simple formula based on renal function. J Clin Oncol
               1989;7:1748-1756 (dose = AUC x (GFR + 25)). Worked values:
               [CCC] creatinineclearancecalculator.net/dosing/calvert/, table "Dose by Target
               AUC and GFR" and its worked example (AUC 5, GFR 90: 575 mg; GFR 140: 750 mg
               capped, 825 mg uncapped); [Gera] tools.gera.services/carboplatin-auc-dosing-
               calvert (AUC 5, GFR 90 mL/min: 575 mg).
[CG]           Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum
               creatinine. Nephron 1976;16:31-41. Worked values:
               [SGC-health] superglobalcalculator.com/formulas/health/creatinine-clearance
               (man 60 y, 80 kg, 1.2 mg/dL: 74.1 mL/min; woman 45 y, 65 kg, 0.9 mg/dL: "80.9",
               which is 80.999 truncated: 6175 / 64.8 x 0.85); [SGC-pharm]
               superglobalcalculator.com/formulas/pharmacology/creatinine-clearance (male 65 y,
               70 kg, 1.4 mg/dL: 52.1 mL/min; female 45 y, 60 kg, 0.9 mg/dL: 74.8 mL/min);
               [PrimeCG] theprimecalculator.com/health/creatinine-clearance/formula (male 50 y,
               80 kg, 1.0 mg/dL: 100 mL/min); [DrOracle] droracle.ai/articles/797449 (male
               70 y, 75 kg, 1.0 mg/dL: 72.9 mL/min).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regimen import bodysize as bs
from regimen.errors import InputError, UnitError
from regimen.units import (
    AMOUNT,
    CREATININE,
    LENGTH,
    MASS,
    format_quantity,
    magnitude,
    parse_quantity,
    quantity,
    unsafe_notation,
)
from tests.helpers import one_error_line


def cm(v: float) -> Any:
    return quantity(v, "cm")


def kg(v: float) -> Any:
    return quantity(v, "kg")


def mg_dl(v: float) -> Any:
    return quantity(v, "mg/dL")


def ml_min(v: float) -> Any:
    return quantity(v, "mL/min")


def inches(v: float) -> float:
    """Height in cm of ``v`` inches (1 in = 2.54 cm exactly)."""
    return v * 2.54


# =============================================================================================
# 1. Published worked examples

# ---------------------------------------------------------------------------------------------
# BSA: (height cm, weight kg, method, published value, tolerance = half the last digit shown)

#: 160 lb in kg (1 lb = 0.45359237 kg exactly).
LB_160 = 160 * 0.45359237

BSA_EXAMPLES = [
    (170, 70, "mosteller", 1.818, 0.0005),  # [Issue], [MedEq]
    (180, 80, "mosteller", 2.00, 0.005),  # [Issue]
    (175, 70, "mosteller", 1.845, 0.0005),  # [Omni]
    (170, 70, "dubois", 1.81, 0.005),  # [Calcipedia]
    (170, 70, "haycock", 1.83, 0.005),  # [Calcipedia]
    (170, 70, "gehan-george", 1.83, 0.005),  # [Calcipedia]
    (170, 70, "boyd", 1.83, 0.005),  # [Calcipedia]
    (178, 84, "mosteller", 2.0380, 0.00005),  # [CalcDragon]
    (178, 84, "dubois", 2.0218, 0.00005),  # [CalcDragon]
    (178, 84, "haycock", 2.0508, 0.00005),  # [CalcDragon]
    (178, 84, "gehan-george", 2.0509, 0.00005),  # [CalcDragon]
    (178, 84, "boyd", 2.0544, 0.00005),  # [CalcDragon]
    # [NumberBench]: the input is 160 lb (= 72.5747792 kg exactly; the page rounds it to 72.6)
    (177.8, LB_160, "mosteller", 1.893, 0.0005),  # [NumberBench]
    (177.8, LB_160, "dubois", 1.898, 0.0005),  # [NumberBench]
    (177.8, LB_160, "haycock", 1.895, 0.0005),  # [NumberBench]
    (177.8, LB_160, "gehan-george", 1.901, 0.0005),  # [NumberBench]
    (177.8, LB_160, "boyd", 1.897, 0.0005),  # [NumberBench]
]


@pytest.mark.parametrize(("h", "w", "method", "expected", "tol"), BSA_EXAMPLES)
def test_bsa_matches_published_examples(h, w, method, expected, tol):
    assert bs.bsa_m2(h, w, method) == pytest.approx(expected, abs=tol)
    report = bs.bsa_report(cm(h), kg(w), method)
    assert magnitude(report.bsa, "m2") == pytest.approx(expected, abs=tol)


def test_mosteller_is_the_default_and_the_issue_values_print_to_two_decimals():
    # [Issue]: 170 cm / 70 kg = 1.818 m² (1.82 at two decimals); 180 cm / 80 kg = 2.00 m²
    # (written "2 m2" in ISMP notation: no trailing zero).
    assert format_quantity(bs.bsa_report(cm(170), kg(70)).bsa, 2) == "1.82 m2"
    assert format_quantity(bs.bsa_report(cm(180), kg(80)).bsa, 2) == "2 m2"


def test_height_in_metres_is_the_same_as_in_centimetres():
    # 1.7 m = 170 cm exactly (units.py converts in decimal); [Issue] 1.818 m².
    h = parse_quantity("1.7 m", LENGTH, "--height")
    assert magnitude(bs.bsa_report(h, kg(70)).bsa, "m2") == bs.mosteller(170, 70)


# ---------------------------------------------------------------------------------------------
# Devine ideal body weight and the adjusted weight


@pytest.mark.parametrize(
    ("height_in", "sex", "expected"),
    [
        (70, "male", 73.0),  # [PrimeIBW], [Terican]
        # [Terican] also prints "45.5 + 2.3 x 10 = 68 kg" for a woman of 70 in: its own sum is
        # 68.5 kg (hand-computed), so that row is not used.
        (70, "female", 68.5),  # hand-computed, Devine: 45.5 + 2.3 x (70 - 60)
        (64, "male", 59.2),  # [Manuel]
        (64, "female", 54.7),  # [Manuel]
    ],
)
def test_devine_ideal_body_weight(height_in, sex, expected):
    assert bs.ideal_body_weight_kg(inches(height_in), sex) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("height_in", "sex", "actual", "expected"),
    [
        (64, "female", 80, 64.82),  # [Manuel]: 54.7 + 0.4 x (80 - 54.7)
        (70, "male", 110, 87.8),  # [PrimeAdj]: 73 + 0.4 x (110 - 73)
    ],
)
def test_adjusted_body_weight(height_in, sex, actual, expected):
    w = bs.dosing_weight(kg(actual), "adjusted", cm(inches(height_in)), sex)
    assert magnitude(w.used, "kg") == pytest.approx(expected, abs=1e-9)
    assert w.adjusted is not None and w.ideal is not None


def test_actual_weight_below_ideal_is_used_whatever_the_basis():
    # Decision (docs/design.md): never dose on a weight the patient does not have. Male 70 in,
    # ideal 73 kg [PrimeIBW]; actual 60 kg is below it, so 60 kg is used for ideal and adjusted.
    for basis in ("ideal", "adjusted"):
        w = bs.dosing_weight(kg(60), basis, cm(inches(70)), "male")
        assert magnitude(w.used, "kg") == 60 and w.below_ideal
    report = bs.bsa_report(cm(inches(70)), kg(60), "mosteller", "ideal", "male")
    assert any("below the ideal" in x for x in report.warnings)


# ---------------------------------------------------------------------------------------------
# Cockcroft-Gault


CG_EXAMPLES = [
    (60, "male", 80, 1.2, 74.1, 0.05),  # [SGC-health]
    (45, "female", 65, 0.9, 80.9, 0.1),  # [SGC-health] (80.999, printed truncated as 80.9)
    (65, "male", 70, 1.4, 52.1, 0.05),  # [SGC-pharm]
    (45, "female", 60, 0.9, 74.8, 0.05),  # [SGC-pharm]
    (50, "male", 80, 1.0, 100.0, 1e-9),  # [PrimeCG]
    (70, "male", 75, 1.0, 72.9, 0.05),  # [DrOracle]
]


@pytest.mark.parametrize(("age", "sex", "w", "scr", "expected", "tol"), CG_EXAMPLES)
def test_cockcroft_gault_matches_published_examples(age, sex, w, scr, expected, tol):
    assert bs.cockcroft_gault(age, w, scr, sex) == pytest.approx(expected, abs=tol)
    report = bs.crcl_report(age, sex, kg(w), mg_dl(scr))
    assert magnitude(report.crcl, "mL/min") == pytest.approx(expected, abs=tol)


def test_cockcroft_gault_in_umol_per_litre_uses_88_42():
    # [PrimeCG] male 50 y, 80 kg, 1.0 mg/dL: 100 mL/min. 1.0 mg/dL = 88.42 umol/L (the issue's
    # factor), so 88.42 umol/L gives exactly the same 100 mL/min (hand-computed conversion).
    scr = parse_quantity("88.42 umol/L", CREATININE, "--scr")
    report = bs.crcl_report(50, "male", kg(80), scr)
    assert magnitude(report.crcl, "mL/min") == pytest.approx(100.0, abs=1e-9)
    assert format_quantity(report.scr_used) == "1 mg/dL"


def test_creatinine_floor_replaces_a_lower_creatinine_only():
    # [NCCN] "Consider using a minimum Cr of 0.7 mg/dL". Hand-computed: male 50 y, 80 kg,
    # SCr 0.5 floored to 0.7: 90 x 80 / (72 x 0.7) = 142.857 mL/min.
    floored = bs.crcl_report(50, "male", kg(80), mg_dl(0.5), scr_floor=mg_dl(0.7))
    assert floored.floored and magnitude(floored.scr_used, "mg/dL") == 0.7
    assert magnitude(floored.crcl, "mL/min") == pytest.approx(7200 / 50.4, rel=1e-12)
    above = bs.crcl_report(50, "male", kg(80), mg_dl(1.0), scr_floor=mg_dl(0.7))
    assert not above.floored and magnitude(above.crcl, "mL/min") == pytest.approx(100.0)


def test_low_creatinine_without_a_floor_is_warned_about():
    report = bs.crcl_report(50, "male", kg(80), mg_dl(0.6))  # [NCCN] minimum 0.7 mg/dL
    assert any("--scr-floor 0.7mg/dL" in w for w in report.warnings)


# ---------------------------------------------------------------------------------------------
# Calvert


CALVERT_TABLE = [
    # [CCC] "Dose by Target AUC and GFR": (GFR mL/min, AUC, dose mg)
    (50, 4, 300),
    (50, 5, 375),
    (50, 6, 450),
    (75, 4, 400),
    (75, 5, 500),
    (75, 6, 600),
    (100, 4, 500),
    (100, 5, 625),
    (100, 6, 750),
    (90, 5, 575),  # [CCC] worked example, [Gera]
]


@pytest.mark.parametrize(("gfr", "auc", "dose"), CALVERT_TABLE)
def test_calvert_matches_published_table(gfr, auc, dose):
    assert bs.calvert_dose_mg(auc, gfr) == dose
    report = bs.calvert_report(auc, ml_min(gfr), cap=ml_min(125))
    assert magnitude(report.dose, "mg") == dose and not report.capped


@pytest.mark.parametrize(("auc", "dose"), [(6, 900), (5, 750), (4, 600)])  # [NCCN], [FDA2010]
def test_fda_cap_gives_auc_times_150(auc, dose):
    # An estimated GFR above 125 mL/min (male 40 y, 90 kg, SCr 0.6: 208.3 mL/min by [CG]) is
    # capped at 125 mL/min: maximum dose = AUC x 150 mL/min.
    estimate = bs.crcl_report(40, "male", kg(90), mg_dl(0.6))
    report = bs.calvert_report(auc, estimate=estimate, cap=ml_min(125))
    assert report.capped and magnitude(report.gfr_used, "mL/min") == 125
    assert magnitude(report.dose, "mg") == dose


def test_cap_and_no_cap_for_a_given_gfr_of_140():
    # [CCC]: AUC 5, GFR 140 mL/min: capped 750 mg, uncapped 825 mg.
    assert magnitude(bs.calvert_report(5, ml_min(140), cap=ml_min(125)).dose, "mg") == 750
    assert magnitude(bs.calvert_report(5, ml_min(140), cap=None).dose, "mg") == 825


def test_a_gfr_equal_to_the_cap_is_not_capped():
    # "capped at 125 mL/min": 125 itself is used as it is; [NCCN] AUC 6 -> 900 mg.
    report = bs.calvert_report(6, ml_min(125), cap=ml_min(125))
    assert not report.capped and magnitude(report.dose, "mg") == 900


# =============================================================================================
# 2. Refusals


@pytest.mark.parametrize(
    ("call", "where", "what"),
    [
        (lambda: bs.bsa_report(cm(20), kg(70)), "height", "20 cm is not a plausible height"),
        (lambda: bs.bsa_report(cm(170), kg(401)), "weight", "401 kg is not a plausible"),
        (lambda: bs.bsa_report(cm(70), kg(170)), "weight", "BMI of 346.9 kg/m2"),
        (lambda: bs.crcl_report(121, "male", kg(70), mg_dl(1)), "age", "121 years is over 120"),
        (lambda: bs.crcl_report(17, "male", kg(70), mg_dl(1)), "age", "is under 18"),
        (lambda: bs.crcl_report(40, None, kg(70), mg_dl(1)), "sex", "needed for"),
        (lambda: bs.crcl_report(40, "x", kg(70), mg_dl(1)), "sex", "must be female or male"),
        (lambda: bs.crcl_report(40, "male", kg(70), mg_dl(31)), "scr", "31 mg/dL is not"),
        (lambda: bs.calvert_report(0, ml_min(90)), "auc", "greater than zero"),
        (lambda: bs.calvert_report(10.5, ml_min(90)), "auc", "above 10"),
        (lambda: bs.calvert_report(5, ml_min(251)), "gfr", "251 mL/min is not"),
        (lambda: bs.calvert_report(5), "gfr", "give either a GFR"),
        (
            lambda: bs.dosing_weight(kg(70), "ideal", None, "male"),
            "height",
            "needed for the ideal body weight",
        ),
    ],
)
def test_implausible_input_is_refused_naming_the_field(call, where, what):
    with pytest.raises(InputError) as err:
        call()
    assert err.value.where == where
    assert what in err.value.what


def test_the_boundaries_are_accepted():
    # The ranges the module docstring states are inclusive.
    bs.crcl_report(18, "male", kg(70), mg_dl(0.1))
    bs.crcl_report(120, "female", kg(70), mg_dl(30))
    bs.bsa_report(cm(250), kg(400))
    bs.calvert_report(10, ml_min(250), cap=None)


def test_new_kinds_do_not_mix_with_drug_amounts():
    # A weight is not a drug amount and a dose is not a weight (units.py kinds).
    with pytest.raises(UnitError, match="is a body weight; a drug amount needs"):
        parse_quantity("12 kg", AMOUNT, "dose")
    with pytest.raises(UnitError, match="is a drug amount; a body weight needs kg"):
        parse_quantity("70 mg", MASS, "--weight")
    assert magnitude(parse_quantity("88.42 umol/L", CREATININE), "mg/dL") == 1.0
    assert magnitude(parse_quantity("1 mg/dL", CREATININE), "umol/L") == 88.42


# =============================================================================================
# 3. The commands


def test_bsa_text_shows_the_formula_with_its_numbers(run):
    r = run("bsa", "--height", "170cm", "--weight", "70kg")
    assert r.exit_code == 0, r.stderr
    assert "BSA (Mosteller; height in cm, weight in kg) = sqrt(height x weight / 3600)" in r.stdout
    assert "= sqrt(170 x 70 / 3600) = 1.82 m²" in r.stdout  # [Issue] 1.818 m²
    assert unsafe_notation(r.stdout) is None


def test_bsa_adjusted_text_and_json(run):
    # [Manuel]: female 64 in (162.56 cm), 80 kg: ideal 54.7 kg, adjusted 64.82 kg.
    args = ["bsa", "--height", "162.56cm", "--weight", "80kg", "--weight-basis", "adjusted"]
    r = run(*args, "--sex", "female")
    assert r.exit_code == 0, r.stderr
    assert "= 45.5 kg + 2.3 kg x (162.56 cm / 2.54 - 60) = 54.7 kg" in r.stdout
    assert "= 54.7 kg + 0.4 x (80 kg - 54.7 kg) = 64.82 kg" in r.stdout
    data = json.loads(run(*args, "--sex", "female", "--format", "json").stdout)
    assert set(data) == {
        "bsa",
        "method",
        "weight_basis",
        "weight_used",
        "height",
        "weight",
        "warnings",
    }
    assert data["weight_used"] == {"value": 64.82, "unit": "kg"}
    assert data["weight_basis"] == "adjusted" and data["method"] == "mosteller"
    assert data["height"] == {"value": 162.56, "unit": "cm"}
    # Hand-computed: sqrt(162.56 x 64.82 / 3600) [Mosteller].
    assert data["bsa"]["unit"] == "m2"
    assert data["bsa"]["value"] == pytest.approx(math.sqrt(162.56 * 64.82 / 3600), abs=1e-6)


def test_bsa_json_height_in_metres_is_written_in_cm(run):
    data = json.loads(run("bsa", "--height", "1.8m", "--weight", "80kg", "--format", "json").stdout)
    assert data["height"] == {"value": 180, "unit": "cm"}
    assert data["bsa"] == {"value": 2, "unit": "m2"}  # [Issue] 2.00 m²


def test_crcl_text_and_json(run):
    args = ["crcl", "--age", "60", "--sex", "male", "--weight", "80kg", "--scr", "1.2mg/dL"]
    r = run(*args)
    assert r.exit_code == 0, r.stderr
    assert (
        "(140 - age) x weight / (72 x SCr) = (140 - 60) x 80 kg / (72 x 1.2 mg/dL) = 74.1 mL/min"
    ) in r.stdout  # [SGC-health] 74.1 mL/min
    data = json.loads(run(*args, "--format", "json").stdout)
    assert set(data) == {"crcl", "formula", "weight_used", "scr_used", "warnings"}
    assert data["formula"] == "cockcroft-gault"
    assert data["crcl"]["unit"] == "mL/min"
    assert data["crcl"]["value"] == pytest.approx(74.1, abs=0.05)
    assert data["scr_used"] == {"value": 1.2, "unit": "mg/dL"}
    assert data["weight_used"] == {"value": 80, "unit": "kg"}


def test_crcl_female_and_umol_text(run):
    r = run("crcl", "--age", "45", "--sex", "female", "--weight", "60kg", "--scr", "79.578umol/L")
    assert r.exit_code == 0, r.stderr
    # 79.578 umol/L / 88.42 = 0.9 mg/dL (hand-computed); [SGC-pharm] 74.8 mL/min.
    assert "Serum creatinine 79.578 µmol/L = 79.578 / 88.42 = 0.9 mg/dL" in r.stdout
    assert "x 0.85 (female)" in r.stdout and "= 74.8 mL/min" in r.stdout


def test_calvert_text_and_json_with_the_fda_cap(run):
    args = ["calvert", "--auc", "6", "--age", "40", "--sex", "male", "--weight", "90kg"]
    r = run(*args, "--scr", "0.6mg/dL")
    assert r.exit_code == 0, r.stderr
    assert "GFR capped at 125 mL/min (FDA 2010)" in r.stdout
    # [NCCN] "For a target AUC = 6, the maximum dose is 6 x 150 = 900 mg".
    assert "= 6 x (125 mL/min + 25 mL/min) = 900 mg" in r.stdout
    data = json.loads(run(*args, "--scr", "0.6mg/dL", "--format", "json").stdout)
    assert set(data) == {"dose", "auc", "gfr", "gfr_used", "capped", "warnings"}
    assert data["dose"] == {"value": 900, "unit": "mg"}
    assert data["auc"] == 6 and data["capped"] is True
    assert data["gfr_used"] == {"value": 125, "unit": "mL/min"}
    # Hand-computed [CG]: 100 x 90 / (72 x 0.6) = 208.333 mL/min.
    assert data["gfr"]["value"] == pytest.approx(9000 / 43.2, abs=1e-6)


def test_calvert_given_gfr_and_no_cap(run):
    r = run("calvert", "--auc", "5", "--gfr", "140mL/min", "--no-gfr-cap", "--format", "json")
    data = json.loads(r.stdout)
    assert data["dose"] == {"value": 825, "unit": "mg"} and data["capped"] is False  # [CCC]
    r = run("calvert", "--auc", "5", "--gfr", "140mL/min", "--gfr-cap", "100mL/min")
    # Hand-computed [Calvert]: 5 x (100 + 25) = 625 mg.
    assert "= 5 x (100 mL/min + 25 mL/min) = 625 mg" in r.stdout


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["bsa", "--height", "70kg", "--weight", "70kg"],
            "error: --height: '70kg' is a body weight; a length needs cm or m",
        ),
        (
            ["crcl", "--age", "121", "--sex", "male", "--weight", "70kg", "--scr", "1mg/dL"],
            "error: --age: 121 years is over 120, not a plausible age",
        ),
        (
            ["calvert", "--auc", "6", "--gfr", "90mL/min", "--scr", "1mg/dL"],
            "error: --scr: only applies without --gfr (to estimate the GFR by Cockcroft-Gault)",
        ),
    ],
)
def test_bad_input_is_one_line_naming_the_option(run, args, error):
    assert one_error_line(run(*args)) == error


def test_no_patient_name_option():
    # The calculators take numbers only: no option can carry a name into an output.
    from regimen.cli import cli

    for name in ("bsa", "crcl", "calvert"):
        command = cli.commands[name]
        opts = {o for p in command.params for o in getattr(p, "opts", ())}
        assert not any("name" in o or "patient" in o for o in opts), opts


# =============================================================================================
# 4. Invariants


heights = st.floats(min_value=100, max_value=220)
weights = st.floats(min_value=30, max_value=200)


@given(st.floats(150, 200), st.floats(18, 35))
def test_every_bsa_method_agrees_within_five_percent_of_mosteller_for_adults(h, bmi):
    # "All five typically agree within 5% for adults" (calculators.im/body-surface-area-
    # calculator), here for heights 150 to 200 cm and BMI 18 to 35 kg/m2.
    w = bmi * (h / 100) ** 2
    ref = bs.mosteller(h, w)
    for method in bs.BSA_METHODS:
        assert bs.bsa_m2(h, w, method) == pytest.approx(ref, rel=0.05)


@given(heights, weights, st.sampled_from(bs.BSA_METHODS))
def test_bsa_grows_with_weight(h, w, method):
    assert bs.bsa_m2(h, w + 1, method) > bs.bsa_m2(h, w, method)


@given(st.floats(0.5, 10), st.floats(1, 250))
def test_capped_dose_never_exceeds_auc_times_150(auc, gfr):
    # [FDA2010] maximum dose = AUC x 150 mL/min.
    dose = magnitude(bs.calvert_report(auc, ml_min(gfr), cap=ml_min(125)).dose, "mg")
    assert dose <= auc * 150 * (1 + 1e-12)

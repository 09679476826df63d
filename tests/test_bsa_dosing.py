"""Body-surface-area dosing (issue 12, items 2, 3, 7 and part of 9).

A course with ``dose_basis = "bsa"`` gives its levels in mg/m2; ``calendar`` and ``dose`` take
``--height`` and ``--weight`` (measured on the start date) and dose each level x BSA in mg,
unrounded. Expected values come from the issue: Mosteller BSA of 170 cm, 70 kg is
sqrt(170 x 70 / 3600) = 1.81812 m2; 900 mg/m2 x 1.81812 m2 = 1636.3 mg and 100 mg/m2 x
1.81812 m2 = 181.8 mg.
"""

from __future__ import annotations

import json
import math

import pytest

from regimen.errors import LoadError
from regimen.loading import load_regimen, parse_regimen

ARGS = ["--start", "2022-01-03", "--cycles", "2", "--height", "170cm", "--weight", "70kg"]
BSA = math.sqrt(170 * 70 / 3600)


def _doses(run, *extra: str) -> dict[str, list[dict]]:
    r = run("calendar", "gemcitabine-docetaxel", *ARGS, *extra, "--format", "json")
    assert r.exit_code == 0, r.stderr
    out: dict[str, list[dict]] = {}
    for e in json.loads(r.stdout)["events"]:
        if e["kind"] == "dose":
            out.setdefault(e["course"], []).append(e)
    return out


def test_acceptance_calendar_json(run) -> None:
    doses = _doses(run)
    gem, doc = doses["gemcitabine"], doses["docetaxel"]
    assert [e["date"] for e in gem] == ["2022-01-03", "2022-01-10", "2022-01-24", "2022-01-31"]
    assert [e["date"] for e in doc] == ["2022-01-10", "2022-01-31"]
    # Given to the nearest 0.1 mg (no rounding rule in the file): 1636.3068 -> 1636.3 mg
    # (-0.00042%), 181.8119 -> 181.8 mg (-0.0065%), by hand from the numbers above.
    given = {900: (1636.3, -0.000417), 100: (181.8, -0.00653)}
    for events, per, mg in ((gem, 900, 1636.3), (doc, 100, 181.8)):
        for e in events:
            calc = e["calculated_dose"]
            assert calc["unit"] == "mg"
            assert calc["value"] == pytest.approx(mg, abs=0.05)
            assert calc["value"] == pytest.approx(per * BSA, rel=1e-12)  # unrounded BSA
            assert e["dose"] == {"value": given[per][0], "unit": "mg"}
            assert e["rounding"]["kind"] == "nearest"
            assert e["rounding"]["step"] == {"value": 0.1, "unit": "mg"}
            assert e["deviation_percent"] == pytest.approx(given[per][1], abs=1e-5)
            basis = e["basis"]
            assert basis["kind"] == "bsa"
            assert basis["per"] == {"value": per, "unit": "mg/m2"}
            assert basis["bsa"]["unit"] == "m2"
            assert basis["bsa"]["value"] == pytest.approx(1.81812, abs=5e-6)
            assert basis["method"] == "mosteller"
            assert basis["measured_on"] == "2022-01-03"


def test_flat_course_events_have_no_basis_fields(run) -> None:
    r = run(
        "calendar", "anlotinib-sts", "--start", "2022-01-03", "--cycles", "1", "--format", "json"
    )
    assert r.exit_code == 0, r.stderr
    for e in json.loads(r.stdout)["events"]:
        assert "calculated_dose" not in e and "basis" not in e


def test_text_calendar_shows_the_basis_line_once_per_course_and_level(run) -> None:
    r = run("calendar", "gemcitabine-docetaxel", *ARGS)
    assert r.exit_code == 0, r.stderr
    basis = "x BSA 1.82 m² (Mosteller; 170 cm, 70 kg on 2022-01-03) ="
    tail = "nearest 0.1 mg; the regimen gives no rounding rule)"
    gem = f"gemcitabine 900 mg/m² {basis} 1636.31 mg, given as 1636.3 mg (-0.0004%, {tail}"
    doc = f"docetaxel 100 mg/m² {basis} 181.81 mg, given as 181.8 mg (-0.0065%, {tail}"
    assert r.stdout.count(gem) == 1
    assert r.stdout.count(doc) == 1


def test_dose_text_shows_the_basis_of_the_start_level(run) -> None:
    r = run("dose", "gemcitabine-docetaxel", *ARGS, "--start-dose", "gemcitabine=675mg/m2")
    assert r.exit_code == 0, r.stderr
    # 675 x 1.81812 = 1227.23 mg, given as 1227.2 mg (nearest 0.1 mg)
    assert "gemcitabine 675 mg/m² x BSA 1.82 m² (Mosteller; 170 cm, 70 kg on 2022-01-03) = " in (
        r.stdout
    )
    assert "= 1227.23 mg, given as 1227.2 mg" in r.stdout
    assert "docetaxel 100 mg/m² x BSA 1.82 m²" in r.stdout


def test_start_dose_per_m2_starts_at_the_lower_level(run) -> None:
    doses = _doses(run, "--start-dose", "docetaxel=75mg/m2")
    assert doses["docetaxel"][0]["calculated_dose"]["value"] == pytest.approx(75 * BSA, rel=1e-12)
    assert doses["docetaxel"][0]["basis"]["per"] == {"value": 75, "unit": "mg/m2"}
    assert doses["gemcitabine"][0]["basis"]["per"] == {"value": 900, "unit": "mg/m2"}


def test_other_bsa_method(run) -> None:
    doses = _doses(run, "--bsa-method", "dubois")
    dubois = 0.007184 * 70**0.425 * 170**0.725  # DuBois and DuBois 1916
    gem = doses["gemcitabine"][0]
    assert gem["basis"]["method"] == "dubois"
    assert gem["calculated_dose"]["value"] == pytest.approx(900 * dubois, rel=1e-9)


@pytest.mark.parametrize(
    ("given", "missing"),
    [(["--height", "170cm"], "--weight"), (["--weight", "70kg"], "--height"), ([], "--height")],
)
def test_missing_measurement_is_a_one_line_error(run, given: list[str], missing: str) -> None:
    for command in ("calendar", "dose"):
        r = run(command, "gemcitabine-docetaxel", "--start", "2022-01-03", *given)
        assert r.exit_code == 2
        assert r.stderr == f"error: {missing}: needed for gemcitabine (dosed per m²)\n"


def test_measurements_for_a_flat_regimen_are_refused(run) -> None:
    r = run("calendar", "anlotinib-sts", "--start", "2022-01-03", "--weight", "70kg")
    assert r.exit_code == 2
    assert r.stderr.startswith("error: --weight: only applies to a regimen with a course dosed")


def test_implausible_height_names_the_option(run) -> None:
    r = run("calendar", "gemcitabine-docetaxel", "--start", "2022-01-03", "--height", "17cm",
            "--weight", "70kg")  # fmt: skip
    assert r.exit_code == 2
    assert r.stderr.startswith("error: --height: ")


def test_batch_refuses_a_bsa_regimen_with_a_row_error(run, tmp_path) -> None:
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("patient,regimen,start\np1,gemcitabine-docetaxel,2022-01-03\n")
    r = run("batch", str(cohort), "--output-dir", str(tmp_path / "out"), "--format", "json")
    assert r.exit_code == 1
    summary = (tmp_path / "out" / "summary.csv").read_text()
    assert "needed for gemcitabine (dosed per m²)" in summary


def test_model_keeps_per_m2_levels_and_basis() -> None:
    reg = load_regimen("gemcitabine-docetaxel")
    gem = reg.course("gemcitabine")
    assert gem.dose_basis == "bsa"  # type: ignore[union-attr]
    assert [str(q.units) for q in gem.dose_levels] == ["milligram / square_meter"] * 2  # type: ignore[union-attr]


SOURCES = '[sources.s]\nkind = "paper"\ncitation = "x"\n'
COURSE = """
[[courses]]
id = "gem"
type = "drug"
source = "s"
drug = "gemcitabine"
route = "intravenous"
frequency = "once daily"
dosing_days = "1, 8"
cycle_length = "21 d"
"""


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ('dose_levels = ["900 mg/m2"]', "add dose_basis"),
        ('dose_basis = "bsa"\ndose_levels = ["900 mg"]', "gives its levels in mg/m2"),
        ('dose_basis = "per-kg"\ndose_levels = ["900 mg"]', "must be one of 'flat', 'bsa'"),
        ('dose_basis = "bsa"\ndose_levels = ["675 mg/m2", "900 mg/m2"]', "strictly decreasing"),
        (
            'dose_basis = "bsa"\ndose_levels = ["900 mg/m2"]\nstrengths = ["200 mg"]',
            "not supported",
        ),
    ],
)
def test_regimen_file_dose_basis_errors(extra: str, problem: str) -> None:
    text = f'name = "t"\n{SOURCES}{COURSE}{extra}\n'
    with pytest.raises(LoadError) as info:
        parse_regimen(text, "t.toml", "t")
    assert problem in str(info.value)

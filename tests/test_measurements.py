"""The patient's values on calendar, dose and batch (issue 12, item 1).

Expected values are worked out by hand from the rules in regimen.measurements and the brief:

* the weight in force is the latest dated weight on or before the start date;
* the age is in whole years on the start date (a birthday counts on the day itself);
* a needed weight more than 30 d (or the regimen's ``weight_max_age``) before the start date is
  an error unless accepted, and then every output says so;
* a later cycle whose day 1 comes on or after a weight 10% or more away from cycle 1's weight
  is flagged for recalculation (62 kg against 70 kg: 8 / 70 = 11.43%, "11.4% below").
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from icalendar import Calendar

from regimen import measurements as ms
from regimen.errors import InputError
from regimen.loading import load_regimen, parse_regimen
from regimen.patient import FLAGS, PartialDate, Patient, load_patient, parse_patient
from regimen.units import LENGTH, MASS, magnitude, parse_quantity, unit_symbol
from tests.helpers import ROOT, one_error_line

PATIENTS = ROOT / "tests" / "data" / "patients"
LOSS = str(PATIENTS / "weight-loss.toml")
STALE = str(PATIENTS / "stale.toml")
START = dt.date(2022, 1, 3)
GT = ("calendar", "gemcitabine-docetaxel", "--start", "2022-01-03", "--cycles", "3")
STALE_NOTE = "weight of 2021-11-01 (63 d before the start) accepted as stale (--accept-stale)"
LOSS_WARNING = (
    "gemcitabine, docetaxel: cycle 3 (2022-02-14): weight 62 kg on 2022-02-10 is 11.4% below "
    "the 70 kg of cycle 1 (2022-01-03): recalculate the dose; needs clinician review"
)


def _patient(text: str) -> Patient:
    return parse_patient(text, "p.toml")


def _weights(*items: tuple[str, str]) -> str:
    return "".join(f'\n[[weights]]\ndate = {d}\nweight = "{w}"\n' for d, w in items)


def _kg(q: object) -> float:
    return magnitude(q, "kg")  # type: ignore[arg-type]


# --- age on the start date -----------------------------------------------------------------------


def test_age_in_whole_years_counts_the_birthday_on_the_day() -> None:
    born = dt.date(1977, 5, 10)
    assert ms.age_on(born, dt.date(2022, 5, 9)) == 44
    assert ms.age_on(born, dt.date(2022, 5, 10)) == 45
    leap = dt.date(2000, 2, 29)
    assert ms.age_on(leap, dt.date(2021, 2, 28)) == 20  # the birthday comes on 1 March
    assert ms.age_on(leap, dt.date(2021, 3, 1)) == 21


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"birth_date": PartialDate(1977, 5, 10)}, (44, 44)),
        # Born some day of 1977: 45 if born on 1 to 3 January, else 44, on 2022-01-03.
        ({"birth_date": PartialDate(1977)}, (44, 45)),
        # Born in May 1977: 44 on 2022-01-03 whatever the day.
        ({"birth_date": PartialDate(1977, 5)}, (44, 44)),
        # 45 on 2021-06-15: born 1975-06-16 to 1976-06-15, so 45 or 46 on 2022-01-03.
        ({"age": 45, "age_on": PartialDate(2021, 6, 15)}, (45, 46)),
        # 45 on the start date itself: 45.
        ({"age": 45, "age_on": PartialDate(2022, 1, 3)}, (45, 45)),
        # 45 some day of June 2021: born 1975-06-02 to 1976-06-30: 45 or 46.
        ({"age": 45, "age_on": PartialDate(2021, 6)}, (45, 46)),
        ({"age": 45}, None),  # an undated age says nothing about the start date
        ({}, None),
    ],
)
def test_age_range_on_the_start_date(fields: dict[str, object], expected: object) -> None:
    assert ms.age_range(Patient(**fields), START) == expected  # type: ignore[arg-type]


def test_exact_age_from_the_file() -> None:
    m = ms.from_patient(load_patient(LOSS), START, LOSS)
    assert m.age == 44 and m.age_range is None  # born 1977-05-10


def test_a_range_is_kept_when_no_dose_needs_the_age() -> None:
    m = ms.from_patient(_patient('birth_date = "1977"\n'), START, "p.toml")
    assert m.age is None and m.age_range == (44, 45)


def test_an_age_range_is_an_error_when_a_dose_needs_the_age(monkeypatch) -> None:
    monkeypatch.setitem(ms.BASIS_NEEDS, "bsa", ("height", "weight", "age"))
    text = 'birth_date = "1977"\nheight = "170 cm"\n' + _weights(("2022-01-03", "70 kg"))
    with pytest.raises(InputError) as exc:
        ms.from_patient(_patient(text), START, "p.toml", load_regimen("gemcitabine-docetaxel"))
    assert str(exc.value) == (
        "p.toml: birth_date: gives the age on the start date 2022-01-03 only as 44 to 45 (born "
        "1977); gemcitabine (dosed per m²) needs the age in whole years: give the full date"
    )


def test_an_undated_age_is_an_error_when_a_dose_needs_it(monkeypatch) -> None:
    monkeypatch.setitem(ms.BASIS_NEEDS, "bsa", ("height", "weight", "age"))
    text = 'age = 45\nheight = "170 cm"\n' + _weights(("2022-01-03", "70 kg"))
    with pytest.raises(InputError) as exc:
        ms.from_patient(_patient(text), START, "p.toml", load_regimen("gemcitabine-docetaxel"))
    assert str(exc.value).startswith("p.toml: age: 45 is not dated")


# --- the values in force on the start date -------------------------------------------------------


def test_values_in_force_on_the_start_date() -> None:
    m = ms.from_patient(load_patient(LOSS), START, LOSS, load_regimen("gemcitabine-docetaxel"))
    # Weights of 2021-12-01 (72 kg), 2022-01-03 (70 kg), 2022-02-10 (62 kg): 70 kg is in force.
    assert _kg(m.weight) == 70 and m.weight_on == START
    assert [(w.date.isoformat(), _kg(w.weight)) for w in m.weights] == [
        ("2021-12-01", 72),
        ("2022-01-03", 70),
        ("2022-02-10", 62),
    ]
    assert magnitude(m.height, "cm") == 170  # type: ignore[arg-type]
    assert m.sex == "female"
    # Creatinine of 2021-12-01, 2021-12-28 and 2022-01-05: the 2021-12-28 value (80 umol/L).
    assert m.scr_on == dt.date(2021, 12, 28)
    assert unit_symbol(m.scr) == "umol/L" and magnitude(m.scr, "umol/L") == 80  # type: ignore[arg-type]
    assert m.flags == frozenset({"prior-cardiac-irradiation"})
    assert m.origin == LOSS and m.notes == ()


def test_a_weight_dated_after_the_start_is_not_used_for_it() -> None:
    text = 'height = "170 cm"\n' + _weights(("2021-12-20", "70 kg"), ("2022-01-04", "90 kg"))
    m = ms.from_patient(_patient(text), START, "p.toml", load_regimen("gemcitabine-docetaxel"))
    assert _kg(m.weight) == 70 and m.weight_on == dt.date(2021, 12, 20)


def test_prior_exposure_from_the_file_and_the_command_line() -> None:
    m = ms.from_patient(
        load_patient(LOSS),
        START,
        LOSS,
        prior=["epirubicin=300mg/m2", "ADM2=unknown"],
        flags=["heart-failure"],
    )
    assert magnitude(m.prior["doxorubicin"], "mg/m2") == 225  # type: ignore[arg-type]
    assert m.prior["cyclophosphamide"] is None  # "unknown" in the file
    assert magnitude(m.prior["epirubicin"], "mg/m2") == 300  # type: ignore[arg-type]
    assert m.prior["adm2"] is None
    assert m.flags == frozenset({"prior-cardiac-irradiation", "heart-failure"})


def test_an_anthracycline_line_of_unknown_dose_makes_the_prior_unknown() -> None:
    text = '[[lines]]\ntype = "systemic"\ntreatment = "ADM/DTIC"\ndrugs = ["ADM"]\ncycles = 3\n'
    assert ms.from_patient(_patient(text), START, "p.toml").prior == {"doxorubicin": None}


def test_prior_given_in_the_file_and_on_the_command_line_is_refused(run) -> None:
    line = one_error_line(run(*GT, "--patient", LOSS, "--prior", "doxorubicin=100mg/m2"))
    assert line == (
        f"error: --prior doxorubicin: the patient file {LOSS} already records prior doxorubicin "
        "(225 mg/m2); give it in one place"
    )


def test_quick_check_options_are_taken_as_measured_on_the_start_date() -> None:
    m = ms.from_options(
        load_regimen("gemcitabine-docetaxel"),
        START,
        height=parse_quantity("170cm", LENGTH),
        weight=parse_quantity("70kg", MASS),
        prior=["ADM=unknown", "epirubicin=300 mg"],
        flags=["prior-cardiac-irradiation"],
    )
    assert m.weight_on == START and [w.date for w in m.weights] == [START]
    assert m.origin == "options"
    assert m.prior["doxorubicin"] is None  # ADM is doxorubicin
    assert magnitude(m.prior["epirubicin"], "mg") == 300  # type: ignore[arg-type]
    assert m.flags == frozenset({"prior-cardiac-irradiation"})


# --- missing values ------------------------------------------------------------------------------


def test_missing_height_names_the_value_and_the_file() -> None:
    with pytest.raises(InputError) as exc:
        ms.from_patient(
            _patient(_weights(("2022-01-03", "70 kg"))),
            START,
            "p.toml",
            load_regimen("gemcitabine-docetaxel"),
        )
    assert str(exc.value) == (
        "p.toml: height: not in the patient file; gemcitabine (dosed per m²) needs the height"
    )


def test_no_weight_at_all() -> None:
    with pytest.raises(InputError) as exc:
        ms.from_patient(
            _patient('height = "170 cm"\n'), START, "p.toml", load_regimen("gemcitabine-docetaxel")
        )
    assert str(exc.value) == (
        "p.toml: weights: no weight in the patient file; gemcitabine (dosed per m²) needs the "
        "weight"
    )


def test_a_flat_regimen_needs_nothing_from_the_file() -> None:
    m = ms.from_patient(_patient('sex = "male"\n'), START, "p.toml", load_regimen("anlotinib-sts"))
    assert m.sex == "male" and m.weight is None


# --- stale weight --------------------------------------------------------------------------------


@pytest.mark.parametrize(("date", "stale"), [("2021-12-04", False), ("2021-12-03", True)])
def test_a_weight_is_stale_after_30_days(date: str, stale: bool) -> None:
    # 2021-12-04 is 30 d before 2022-01-03 (the limit itself: accepted); 2021-12-03 is 31 d.
    text = 'height = "170 cm"\n' + _weights((date, "70 kg"))
    reg = load_regimen("gemcitabine-docetaxel")
    if not stale:
        assert ms.from_patient(_patient(text), START, "p.toml", reg).notes == ()
        return
    with pytest.raises(InputError) as exc:
        ms.from_patient(_patient(text), START, "p.toml", reg)
    assert str(exc.value) == (
        "p.toml: weights: the latest weight (70 kg on 2021-12-03) is 31 d older than the start "
        "date 2022-01-03; the limit is 30 d (weigh the patient, or give --accept-stale)"
    )


def test_the_regimen_may_set_its_own_limit() -> None:
    path = ROOT / "regimens" / "gemcitabine-docetaxel.toml"
    text = path.read_text(encoding="utf-8").replace(
        "\nnotes = [", '\nweight_max_age = "14 d"\nnotes = [', 1
    )
    reg = parse_regimen(text, "gt14.toml", "gt14")
    assert reg.weight_max_age == 14
    patient = _patient('height = "170 cm"\n' + _weights(("2021-12-19", "70 kg")))
    with pytest.raises(InputError) as exc:  # 15 d before the start
        ms.from_patient(patient, START, "p.toml", reg)
    assert "is 15 d older than the start date 2022-01-03; the limit is 14 d (the regimen's " in str(
        exc.value
    )
    assert (
        ms.from_patient(patient, START, "p.toml", load_regimen("gemcitabine-docetaxel")).notes == ()
    )


def test_a_stale_weight_is_an_error_on_the_command_line(run) -> None:
    assert one_error_line(run(*GT, "--patient", STALE)) == (
        f"error: {STALE}: weights: the latest weight (70 kg on 2021-11-01) is 63 d older than "
        "the start date 2022-01-03; the limit is 30 d (weigh the patient, or give --accept-stale)"
    )


def test_an_accepted_stale_weight_is_said_by_every_output(run, tmp_path: Path) -> None:
    args = (*GT, "--patient", STALE, "--accept-stale")
    text = run(*args)
    assert text.exit_code == 0, text.stderr
    assert f"Warning: {STALE_NOTE}" in text.stdout
    data = json.loads(run(*args, "--format", "json").stdout)
    assert STALE_NOTE in data["warnings"]
    assert all(e["basis"]["measured_on"] == "2021-11-01" for e in data["events"] if "basis" in e)
    html = run(*args, "--format", "html").stdout
    assert f"<li>{STALE_NOTE}</li>" in html
    ics = run(*args, "--format", "ics", "--generated-at", "2022-01-01T00:00:00Z").stdout
    events = Calendar.from_ical(ics).walk("VEVENT")
    assert f"- {STALE_NOTE}" in str(events[0].get("DESCRIPTION")).splitlines()  # once, first
    assert not any(STALE_NOTE in str(e.get("DESCRIPTION")) for e in events[1:])
    dose = json.loads(
        run("dose", *args[1:], "--format", "json").stdout  # same options on dose
    )
    assert STALE_NOTE in dose["warnings"]
    dose_text = run("dose", *args[1:]).stdout
    assert f"Warning: {STALE_NOTE}" in dose_text


def test_a_regimen_without_a_body_size_course_ignores_the_weights(run) -> None:
    r = run(
        "calendar", "anlotinib-sts", "--start", "2022-01-03", "--patient", STALE, "--format", "json"
    )
    assert r.exit_code == 0, r.stderr
    assert STALE_NOTE not in json.loads(r.stdout)["warnings"]


# --- weight change since cycle 1 -----------------------------------------------------------------


def test_a_weight_change_of_10_percent_flags_the_later_cycle(run) -> None:
    r = run(*GT, "--patient", LOSS, "--format", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    # Cycle 2 (2022-01-24) comes before the 62 kg of 2022-02-10: only cycle 3 is flagged.
    assert [w for w in data["warnings"] if "recalculate" in w] == [LOSS_WARNING]
    # The BSA is computed once, from the weight of the start date: every cycle keeps the dose.
    gem = {
        e["dose"]["value"]
        for e in data["events"]
        if e["course"] == "gemcitabine" and e["kind"] == "dose"
    }
    assert gem == {1636.3}


@pytest.mark.parametrize(
    ("later", "flagged"),
    [
        ("63 kg", "weight 63 kg on 2022-02-10 is 10% below"),  # 7 / 70 = 10% exactly
        ("63.1 kg", None),  # 6.9 / 70 = 9.86%
        ("77 kg", "weight 77 kg on 2022-02-10 is 10% above"),
        ("80 kg", "weight 80 kg on 2022-02-10 is 14.3% above"),  # 10 / 70 = 14.29%
    ],
)
def test_weight_change_threshold(run, tmp_path: Path, later: str, flagged: str | None) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        'height = "170 cm"\n' + _weights(("2022-01-03", "70 kg"), ("2022-02-10", later))
    )
    r = run(*GT, "--patient", str(path), "--format", "json")
    assert r.exit_code == 0, r.stderr
    found = [w for w in json.loads(r.stdout)["warnings"] if "recalculate" in w]
    if flagged is None:
        assert found == []
    else:
        assert len(found) == 1 and flagged in found[0]
        assert found[0].startswith("gemcitabine, docetaxel: cycle 3 (2022-02-14): ")


# --- command line --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            ("--patient", LOSS, "--height", "170cm"),
            "error: --height: give the height in the patient file or on the command line, not both",
        ),
        (
            ("--height", "170cm", "--weight", "70kg", "--age", "50"),
            "error: --age: only applies to a regimen with a course dosed by AUC (none in "
            "gemcitabine-docetaxel)",
        ),
        (
            ("--height", "170cm", "--weight", "70kg", "--flag", "smoker"),
            "error: --flag: unknown flag 'smoker'; allowed: " + ", ".join(FLAGS),
        ),
        (
            ("--patient", str(PATIENTS / "missing.toml")),
            None,
        ),
    ],
)
def test_command_line_errors_are_one_line(
    run, extra: tuple[str, ...], expected: str | None
) -> None:
    line = one_error_line(run(*GT, *extra))
    if expected is not None:
        assert line == expected
    else:
        assert "missing.toml" in line


def test_prior_and_flag_reach_the_measurements(monkeypatch, run) -> None:
    seen: list[ms.Measurements] = []
    real = ms.with_warnings

    def spy(plan, m):  # type: ignore[no-untyped-def]
        seen.append(m)
        return real(plan, m)

    monkeypatch.setattr("regimen.app.with_warnings", spy)
    r = run(
        "dose", "gemcitabine-docetaxel", "--start", "2022-01-03", "--height", "170cm",
        "--weight", "70kg", "--prior", "doxorubicin=225mg/m2",
        "--flag", "prior-cardiac-irradiation",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert seen[0].flags == frozenset({"prior-cardiac-irradiation"})
    assert magnitude(seen[0].prior["doxorubicin"], "mg/m2") == 225  # type: ignore[arg-type]


# --- batch ---------------------------------------------------------------------------------------


def _batch(run, tmp_path: Path, rows: str) -> tuple[int, str]:
    (tmp_path / "p.toml").write_text((PATIENTS / "weight-loss.toml").read_text())
    (tmp_path / "stale.toml").write_text((PATIENTS / "stale.toml").read_text())
    (tmp_path / "not-toml.toml").write_text("this is = = not toml\n")
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("patient,regimen,start,cycles,patient_file\n" + rows)
    r = run("batch", str(cohort), "--output-dir", str(tmp_path / "out"), "--format", "json")
    return r.exit_code, (tmp_path / "out" / "summary.csv").read_text()


def test_batch_takes_the_patient_file_column(run, tmp_path: Path) -> None:
    code, summary = _batch(run, tmp_path, "A,gemcitabine-docetaxel,2022-01-03,3,p.toml\n")
    assert code == 0, summary
    data = json.loads((tmp_path / "out" / "A.json").read_text())
    assert LOSS_WARNING in data["warnings"]
    assert {e["basis"]["measured_on"] for e in data["events"] if "basis" in e} == {"2022-01-03"}


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            "B,gemcitabine-docetaxel,2022-01-03,3,",
            "patient_file: is empty; the height and weight are needed for gemcitabine (dosed per "
            "m²): give a patient file",
        ),
        (
            "C,gemcitabine-docetaxel,2022-01-03,3,stale.toml",
            "stale.toml: weights: the latest weight (70 kg on 2021-11-01) is 63 d older than the "
            "start date 2022-01-03; the limit is 30 d (weigh the patient)",
        ),
        (
            "D,gemcitabine-docetaxel,2022-01-03,3,../p.toml",
            "patient_file ../p.toml: may not contain '..'",
        ),
        (
            "E,gemcitabine-docetaxel,2022-01-03,3,not-toml.toml",
            "not-toml.toml: is not a patient file (not valid TOML)",
        ),
    ],
)
def test_batch_row_errors(run, tmp_path: Path, row: str, error: str) -> None:
    code, summary = _batch(run, tmp_path, row + "\n")
    assert code == 1
    assert f"line 2: {error}" in summary


def test_batch_flat_regimen_needs_no_patient_file(run, tmp_path: Path) -> None:
    code, summary = _batch(run, tmp_path, "F,anlotinib-sts,2022-01-03,2,\n")
    assert code == 0, summary


def test_prior_exposure_and_flag_from_a_patient_file_reach_the_ledger(run, tmp_path: Path) -> None:
    # Issue 12's acceptance in its patient-file form: 225 mg/m2 before, the cardiac-irradiation
    # flag (limit 400 mg/m2), 75 mg/m2 a cycle: 300, 375, then 450 at cycle 3, the first above.
    path = tmp_path / "dox.toml"
    path.write_text(
        'height = "170 cm"\nflags = ["prior-cardiac-irradiation"]\n'
        + _weights(("2022-01-03", "70 kg"))
        + '\n[[exposures]]\ndrug = "doxorubicin"\namount = "225 mg/m2"\n'
    )
    args = ("dose", "doxorubicin", "--start", "2022-01-03", "--cycles", "6", "--format", "json")
    r = run(*args, "--patient", str(path))
    assert r.exit_code == 0, r.stderr
    (drug,) = json.loads(r.stdout)["drugs"]
    assert drug["cumulative"]["first_crossing"]["cycle"] == 3
    assert drug["cumulative"]["prior"] == {"value": 225, "unit": "mg/m2"}


def test_regression_measurements_import_keeps_help_light() -> None:
    # Defect: Measurements was an attrs class and the application imports it at start-up, so
    # `regimen --help` imported attrs (tests/test_startup.py failed at 037f7a7).
    import subprocess
    import sys

    probe = "import sys, regimen.app; print('attrs' in sys.modules)"
    out = subprocess.run(  # noqa: S603 - our own interpreter and a fixed probe
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"

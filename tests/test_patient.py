"""The patient file and ``regimen history`` (issue 12, items 1 and 10).

Expected values come from the issue text and from Zhao et al. 2022 (examples/zhao-2022.toml):
pelvic radiotherapy 50.4 Gy in 28 fractions in December 2012; ADM/DTIC x 3 with no doses given,
so the doxorubicin ledger is unknown; anlotinib 12 mg from 2018-09-20.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from regimen.cli import cli
from regimen.errors import LoadError
from regimen.patient import (
    PartialDate,
    anthracycline_ledger,
    load_patient,
    parse_patient,
    radiotherapy_ledger,
)
from regimen.units import format_quantity
from tests.helpers import ROOT

ZHAO = ROOT / "examples" / "zhao-2022.toml"


def test_zhao_history_prints_every_unknown_and_exits_0() -> None:
    r = CliRunner().invoke(cli, ["history", str(ZHAO)], catch_exceptions=False)
    assert r.exit_code == 0
    assert "pelvis: 50.4 Gy in 28 fractions (2012-12)" in r.stdout
    assert "doxorubicin: unknown" in r.stdout
    assert "cumulative dose not given in the record" in r.stdout
    assert "2012-12-01" not in r.stdout  # a partial date is never given a day
    assert " 0 mg" not in r.stdout


def test_zhao_json_shape() -> None:
    r = CliRunner().invoke(cli, ["history", str(ZHAO), "--format", "json"])
    data = json.loads(r.stdout)
    rt = data["ledgers"]["radiotherapy"][0]
    assert rt["name"] == "pelvis" and rt["total"] == {"value": 50.4, "unit": "Gy"}
    assert rt["fractions"] == 28 and rt["dates"] == ["2012-12"]
    dox = data["ledgers"]["anthracyclines"][0]
    assert dox["name"] == "doxorubicin" and dox["total"] is None and dox["unknown_because"]
    assert data["lines"][2]["start"] is None and data["lines"][2]["cycles"] == 6
    assert data["patient"]["age"] == 45 and "name" not in data["patient"]


def test_ledgers_sum_known_mg_per_m2_and_keep_unknown() -> None:
    text = """
sex = "male"
[[exposures]]
drug = "doxorubicin"
amount = "225 mg/m2"
[[lines]]
type = "systemic"
treatment = "AC"
start = "2019-03"
drugs = ["doxorubicin", "cyclophosphamide"]
cycles = 4
[[lines.doses]]
drug = "doxorubicin"
cumulative = "240 mg/m2"
"""
    (entry,) = anthracycline_ledger(parse_patient(text, "p.toml"))
    assert entry.total is not None and format_quantity(entry.total) == "465 mg/m2"
    unknown = parse_patient(text.replace('"225 mg/m2"', '"unknown"'), "p.toml")
    (entry,) = anthracycline_ledger(unknown)
    assert entry.total is None and entry.recorded is not None
    assert format_quantity(entry.recorded) == "240 mg/m2"


def test_radiotherapy_without_fractions_is_unknown_not_zero() -> None:
    text = (
        '[[lines]]\ntype = "radiotherapy"\ntreatment = "RT"\nsite = "chest"\ntotal_dose = "30 Gy"\n'
    )
    (entry,) = radiotherapy_ledger(parse_patient(text, "p.toml"))
    assert entry.fractions is None and any("fractions" in w for w in entry.why)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('mrn = "123"', "mrn: identifies the patient"),
        ('[[labs]]\ndate = "2022-01-03"\ntest = "anc"\nvalue = "1.5 /uL"', "write 10^9/L"),
        ('[[labs]]\ndate = "2022-01"\ntest = "alt"\nvalue = "30 U/L"', "to the day"),
        ('age = 45\nbirth_date = "1970"', "not both"),
        ('[[exposures]]\ndrug = "epirubicin"\namount = "0 mg/m2"', "greater than zero"),
    ],
)
def test_bad_patient_files_are_refused(text: str, message: str) -> None:
    with pytest.raises(LoadError) as exc:
        parse_patient(text, "p.toml")
    assert message in str(exc.value)


def test_partial_dates_print_as_written() -> None:
    assert str(PartialDate(2012, 12)) == "2012-12" and str(PartialDate(2015)) == "2015"


def test_labs_and_weights_load_with_units() -> None:
    text = """
[[weights]]
date = 2022-01-03
weight = "58 kg"
[[labs]]
date = "2022-01-03"
test = "creatinine"
value = "70 umol/L"
"""
    patient = parse_patient(text, "p.toml")
    assert format_quantity(patient.weights[0].weight) == "58 kg"
    assert patient.labs[0].unit == "umol/L"
    assert load_patient(ZHAO).sex == "female"

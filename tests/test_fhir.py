"""FHIR R4 export (``calendar --format fhir``, ``show --format fhir``), ``check-fhir`` and the
``codes`` table of regimen files (issue 14, items 1, 2, 3 and 6).

Expected values come from the FHIR R4 specification (required value sets), the extension
definitions cited in regimen/export/fhir.py and the regimen files themselves; the golden files
in tests/golden/fhir/ are reviewed like code (rewrite them with ``--update-golden``).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from regimen.loading import bundled_ids, parse_regimen
from tests.helpers import one_error_line

GOLDEN = Path(__file__).parent / "golden" / "fhir"
START = "2022-05-16"
#: Courses dosed per m2 need a height and a weight.
BODY = {
    "gemcitabine-docetaxel": ["--height", "170cm", "--weight", "70kg"],
    "doxorubicin": ["--height", "170cm", "--weight", "70kg"],
}
#: Two rows every bundled regimen can read: a CTCAE term and its resolution.
AE_LOG = "date,term,grade\n2022-05-26,Fatigue,2\n2022-06-05,Fatigue,0\n"
UCUM = "http://unitsofmeasure.org"


def _calendar(run: Any, tmp_path: Path, rid: str, *extra: str, ae: bool = False) -> str:
    args = ["calendar", rid, "--start", START, "--cycles", "2", *BODY.get(rid, [])]
    if ae:
        log = tmp_path / "ae.csv"
        log.write_text(AE_LOG, encoding="utf-8")
        args += ["--ae-log", str(log)]
    r = run(*args, "--format", "fhir", *extra)
    assert r.exit_code == 0, r.stderr
    return str(r.stdout)


def _resources(text: str, kind: str) -> list[dict[str, Any]]:
    data = json.loads(text)
    return [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == kind]


@pytest.mark.parametrize("ae", [False, True], ids=["plain", "ae-log"])
@pytest.mark.parametrize("rid", bundled_ids())
def test_every_bundled_regimen_passes_check_fhir_and_the_r4b_models(
    run, tmp_path: Path, rid: str, ae: bool
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    text = _calendar(run, tmp_path, rid, ae=ae)
    Bundle.model_validate(json.loads(text))
    out = tmp_path / "plan.json"
    out.write_text(text, encoding="utf-8")
    r = run("check-fhir", str(out))
    assert (r.exit_code, r.stdout, r.stderr) == (0, f"{out}: ok\n", "")
    data = json.loads(text)
    assert data["type"] == "collection"
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds[:2] == ["PlanDefinition", "CarePlan"]
    assert kinds.count("AdverseEvent") == (2 if ae else 0)


@pytest.mark.parametrize("rid", bundled_ids())
def test_golden(run, tmp_path: Path, update_golden: bool, rid: str) -> None:
    text = _calendar(run, tmp_path, rid, ae=True)
    golden = GOLDEN / f"{rid}.json"
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), (
        f"{golden.name} differs; review the diff and rerun with --update-golden if intended"
    )


def test_same_inputs_give_the_same_bytes(run, tmp_path: Path) -> None:
    first = _calendar(run, tmp_path, "lms-rt-anlotinib", ae=True)
    second = _calendar(run, tmp_path, "lms-rt-anlotinib", ae=True)
    assert first == second
    assert '"timestamp"' not in first


def test_generated_at_is_the_only_timestamp(run, tmp_path: Path) -> None:
    text = _calendar(run, tmp_path, "anlotinib-sts", "--generated-at", "2022-05-16T10:00:00+02:00")
    assert json.loads(text)["timestamp"] == "2022-05-16T08:00:00Z"


def test_plan_id_changes_the_ids_and_is_never_written(run, tmp_path: Path) -> None:
    plain = json.loads(_calendar(run, tmp_path, "anlotinib-sts"))
    other = _calendar(run, tmp_path, "anlotinib-sts", "--plan-id", "secret-42")
    assert "secret-42" not in other
    assert json.loads(other)["entry"][1]["fullUrl"] != plain["entry"][1]["fullUrl"]
    # The PlanDefinition is the regimen's, whatever the plan: the same id.
    assert json.loads(other)["entry"][0]["fullUrl"] == plain["entry"][0]["fullUrl"]


def test_subject_only_when_given(run, tmp_path: Path) -> None:
    plain = _calendar(run, tmp_path, "lms-rt-anlotinib", ae=True)
    assert '"reference": "Patient/' not in plain
    assert "Patient/" not in plain
    given = _calendar(run, tmp_path, "lms-rt-anlotinib", "--subject", "Patient/123", ae=True)
    data = json.loads(given)
    with_subject = [e["resource"] for e in data["entry"] if "subject" in e["resource"]]
    assert len(with_subject) == len(data["entry"]) - 1  # all but the PlanDefinition
    assert all(r["subject"] == {"reference": "Patient/123"} for r in with_subject)


@pytest.mark.parametrize(
    "subject",
    ["patient 123", "Observation/1", "Patient/1\x07", "ftp://example.org/Patient/1", "Patient/"],
)
def test_bad_subject_is_one_line(run, subject: str) -> None:
    r = run("calendar", "anlotinib-sts", "--start", START, "--format", "fhir", "--subject", subject)
    assert r.exit_code == 2
    assert one_error_line(r).startswith("error: --subject: ")


def test_absolute_subject_url(run, tmp_path: Path) -> None:
    url = "https://fhir.example.org/r4/Patient/abc-1"
    data = json.loads(_calendar(run, tmp_path, "anlotinib-sts", "--subject", url))
    assert data["entry"][1]["resource"]["subject"] == {"reference": url}


def test_subject_only_with_fhir(run) -> None:
    r = run("calendar", "anlotinib-sts", "--start", START, "--subject", "Patient/1")
    assert r.exit_code == 2
    assert one_error_line(r) == "error: --subject: only applies with --format fhir"


def test_careplan_instantiates_the_plan_definition_over_the_plan_dates(run, tmp_path: Path) -> None:
    text = _calendar(run, tmp_path, "lms-rt-anlotinib")
    (pd,) = _resources(text, "PlanDefinition")
    (cp,) = _resources(text, "CarePlan")
    assert cp["instantiatesCanonical"] == [pd["url"]]
    assert (cp["status"], cp["intent"]) == ("draft", "plan")
    # 10 + 3 weekday fractions from Monday 2022-05-16 end on Wednesday 2022-06-01; anlotinib
    # starts the day after (the file's gap = "1 d"); cycle 2 day 14 is 21 + 13 days later.
    assert cp["period"] == {"start": "2022-05-16", "end": "2022-07-06"}
    requests = _resources(text, "MedicationRequest") + _resources(text, "ServiceRequest")
    assert len(cp["activity"]) == len(requests)


def test_plan_definition_days_of_cycle_and_levels(run) -> None:
    r = run("show", "anlotinib-sts", "--format", "fhir")
    assert r.exit_code == 0, r.stderr
    pd = json.loads(r.stdout)
    assert pd["resourceType"] == "PlanDefinition"
    (action,) = pd["action"]
    (ext,) = action["extension"]
    assert ext["url"] == "http://hl7.org/fhir/StructureDefinition/timing-daysOfCycle"
    assert [d["valueInteger"] for d in ext["extension"]] == list(range(1, 15))
    assert {d["url"] for d in ext["extension"]} == {"day"}
    levels = [d["display"] for d in action["documentation"] if "dose level" in d["display"]]
    assert levels == ["dose level 1 (start): 12 mg", "dose level 2: 10 mg", "dose level 3: 8 mg"]
    assert action["timingTiming"]["repeat"]["period"] == 21
    assert all(a["type"] == "citation" for a in pd["relatedArtifact"])
    assert "meta" not in pd  # no profile claimed


def test_show_fhir_is_the_plan_definition_of_the_calendar(run, tmp_path: Path) -> None:
    for rid in ("gemcitabine-docetaxel", "lms-rt-anlotinib"):
        shown = json.loads(run("show", rid, "--format", "fhir").stdout)
        (pd,) = _resources(_calendar(run, tmp_path, rid), "PlanDefinition")
        assert pd == shown


def test_bsa_plan_definition_keeps_levels_per_m2(run) -> None:
    pd = json.loads(run("show", "gemcitabine-docetaxel", "--format", "fhir").stdout)
    docs = [d["display"] for d in pd["action"][0]["documentation"]]
    assert docs[:2] == ["dose level 1 (start): 900 mg/m2", "dose level 2: 675 mg/m2"]


def test_medication_requests_split_at_held_days_and_dose_changes(run, tmp_path: Path) -> None:
    # Anlotinib 12 mg days 1-14; a grade 3 hand-foot skin reaction on cycle 1 day 9 holds it
    # (local rule: hold until grade 1 or better, then one level lower); grade 1 on day 14.
    log = tmp_path / "hfsr.csv"
    log.write_text(
        "date,term,grade\n2022-05-24,hand-foot skin reaction,3\n"
        "2022-05-29,hand-foot skin reaction,1\n",
        encoding="utf-8",
    )
    r = run(
        "calendar", "anlotinib-sts", "--start", START, "--cycles", "2", "--ae-log", str(log),
        "--format", "fhir",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    mrs = _resources(r.stdout, "MedicationRequest")
    spans = []
    for mr in mrs:
        (dosage,) = mr["dosageInstruction"]
        repeat = dosage["timing"]["repeat"]
        dose = dosage["doseAndRate"][0]["doseQuantity"]
        assert (dose["system"], dose["code"], dose["unit"]) == (UCUM, "mg", "mg")
        assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (1, 1, "d")
        bounds = repeat["boundsPeriod"]
        spans.append((bounds["start"], bounds["end"], dose["value"], repeat["count"]))
    # cycle 1: days 1-8 at 12 mg (16-23 May), held 24-28 May, days 14 at 10 mg (29 May);
    # cycle 2: days 1-14 at 10 mg from 6 June.
    assert spans == [
        ("2022-05-16", "2022-05-23", 12, 8),
        ("2022-05-29", "2022-05-29", 10, 1),
        ("2022-06-06", "2022-06-19", 10, 14),
    ]
    assert all((m["status"], m["intent"]) == ("draft", "plan") for m in mrs)


def test_days_1_and_8_are_one_request_every_7_days(run, tmp_path: Path) -> None:
    text = _calendar(run, tmp_path, "gemcitabine-docetaxel")
    gem = [
        m for m in _resources(text, "MedicationRequest")
        if m["medicationCodeableConcept"]["text"] == "gemcitabine"
    ]  # fmt: skip
    repeat = gem[0]["dosageInstruction"][0]["timing"]["repeat"]
    assert repeat["boundsPeriod"] == {"start": "2022-05-16", "end": "2022-05-23"}
    assert (repeat["count"], repeat["frequency"], repeat["period"]) == (2, 1, 7)


def test_service_request_per_phase_with_fraction_dates(run, tmp_path: Path) -> None:
    text = _calendar(run, tmp_path, "lms-rt-anlotinib")
    srs = _resources(text, "ServiceRequest")
    assert len(srs) == 2  # IMRT 10 x 400 cGy, boost 3 x 700 cGy
    ext = srs[0]["extension"][0]
    assert ext["url"].endswith("/codexrt-radiotherapy-fractions-prescribed")
    assert [s["extension"][0]["valuePositiveInt"] for s in srs] == [10, 3]
    imrt = srs[0]["occurrenceTiming"]["event"]
    assert imrt[:6] == [
        "2022-05-16", "2022-05-17", "2022-05-18", "2022-05-19", "2022-05-20", "2022-05-23"
    ]  # fmt: skip
    assert srs[1]["occurrenceTiming"]["event"] == ["2022-05-30", "2022-05-31", "2022-06-01"]
    assert "400 cGy" in srs[0]["note"][0]["text"]


def test_adverse_event_term_meddra_and_grade(run, tmp_path: Path) -> None:
    text = _calendar(run, tmp_path, "anlotinib-sts", ae=True)
    first, resolved = _resources(text, "AdverseEvent")
    assert first["actuality"] == "actual"
    assert first["date"] == "2022-05-26"
    coding = first["event"]["coding"][0]
    # NCI's CTCAE v5.0 publishes Fatigue with MedDRA code 10016256.
    assert coding == {
        "system": "http://terminology.hl7.org/CodeSystem/mdr",
        "code": "10016256",
        "display": "Fatigue",
    }
    (grade,) = first["extension"]
    assert grade["url"] == (
        "http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/ae-grade"
    )
    assert grade["valueCodeableConcept"]["coding"][0]["code"] == "C41339"  # grade 2
    assert "severity" not in first
    assert resolved["outcome"]["coding"][0]["code"] == "resolved"  # grade 0
    assert "coding" not in resolved["extension"][0]["valueCodeableConcept"]


# --- codes ------------------------------------------------------------------------------------


def test_codes_carried_into_fhir_and_json(run, tmp_path: Path) -> None:
    text = _calendar(run, tmp_path, "gemcitabine-docetaxel")
    gem = _resources(text, "MedicationRequest")[0]["medicationCodeableConcept"]
    assert gem["coding"] == [
        {"system": "http://www.whocc.no/atc", "code": "L01BC05"},
        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "12574"},
    ]
    r = run(
        "calendar", "lms-rt-anlotinib", "--start", START, "--cycles", "1", "--format", "json"
    )  # fmt: skip
    assert json.loads(r.stdout)["codes"] == {"anlotinib": {"rxnorm": None}}


def test_anlotinib_says_no_rxnorm_code(run, tmp_path: Path) -> None:
    text = _calendar(run, tmp_path, "anlotinib-sts")
    mr = _resources(text, "MedicationRequest")[0]
    assert mr["note"] == [{"text": "anlotinib: no RxNorm code"}]
    assert "coding" not in mr["medicationCodeableConcept"]
    pd = _resources(text, "PlanDefinition")[0]
    assert {"type": "documentation", "display": "anlotinib: no RxNorm code"} in pd["action"][0][
        "documentation"
    ]


REGIMEN = """
name = "x"
[sources.a]
kind = "paper"
citation = "c"
[[courses]]
id = "a"
type = "drug"
drug = "a"
route = "oral"
frequency = "once daily"
dose_levels = ["12 mg"]
dosing_days = "1-14"
cycle_length = "21 d"
"""


@pytest.mark.parametrize(
    ("codes", "problem"),
    [
        ('{ atc = "L01BC5" }', "courses[0].codes.atc: 'L01BC5' is not a 7-character ATC code"),
        ('{ ncit = "1234" }', "courses[0].codes.ncit: '1234' is not an NCI Thesaurus code"),
        ("{ rxnorm = 12574 }", "courses[0].codes.rxnorm: must be a string, got an integer"),
        ('{ snomed = "404684004" }', "courses[0].codes.snomed: '404684004' is not a SNOMED CT"),
        ('{ rxnrom = "1" }', "courses[0].codes.rxnrom: unknown code system (did you mean"),
        ('"L01BC05"', "courses[0].codes: must be a table like"),
    ],
)
def test_codes_shape_is_checked(codes: str, problem: str) -> None:
    from regimen.errors import RegimenError

    with pytest.raises(RegimenError) as info:
        parse_regimen(REGIMEN + f"codes = {codes}\n", "x.toml", "x")
    assert problem in str(info.value)


def test_codes_read_with_their_check_digit() -> None:
    reg = parse_regimen(
        REGIMEN + 'codes = { snomed = "404684003", rxnorm = "none", hemonc = "12" }\n', "x", "x"
    )
    codes = reg.drugs[0].codes
    assert codes.given() == [("hemonc", "12"), ("rxnorm", "none"), ("snomed", "404684003")]
    assert codes.to_json() == {"hemonc": "12", "rxnorm": None, "snomed": "404684003"}


# --- check-fhir -------------------------------------------------------------------------------


def test_broken_bundle_one_line_per_finding(run, tmp_path: Path) -> None:
    data = json.loads(_calendar(run, tmp_path, "anlotinib-sts"))
    broken = copy.deepcopy(data)
    entries = broken["entry"]
    assert entries[2]["resource"]["resourceType"] == "MedicationRequest"
    entries[2]["resource"]["status"] = "foo"
    dose = entries[3]["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
    dose["code"] = "milligram"
    entries[1]["resource"]["activity"][0]["reference"]["reference"] = (
        "urn:uuid:00000000-0000-0000-0000-000000000000"
    )
    entries.append(copy.deepcopy(entries[0]))
    n = len(entries) - 1
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    r = run("check-fhir", str(path))
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        f"{path}: entry[2].resource.status: 'foo' is not a MedicationRequest status",
        f"{path}: entry[3].resource.dosageInstruction[0].doseAndRate[0].doseQuantity.code: "
        "'milligram' is not a UCUM unit regimen writes",
        f"{path}: entry[1].resource.activity[0].reference.reference: "
        "'urn:uuid:00000000-0000-0000-0000-000000000000' does not resolve inside the Bundle",
        f"{path}: entry[{n}].fullUrl: {entries[0]['fullUrl']!r} is also entry[0]'s",
    ]


def test_model_findings_are_lines_too(run, tmp_path: Path) -> None:
    data = json.loads(_calendar(run, tmp_path, "anlotinib-sts"))
    del data["entry"][2]["resource"]["subject"]
    data["type"] = "pile"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    r = run("check-fhir", str(path))
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert f"{path}: entry[2].resource.subject: Field required" in lines
    assert f"{path}: type: 'pile' is not a Bundle type" in lines


def test_a_single_resource_is_checked_too(run, tmp_path: Path) -> None:
    pd = run("show", "lms-rt-anlotinib", "--format", "fhir").stdout
    path = tmp_path / "pd.json"
    path.write_text(pd, encoding="utf-8")
    r = run("check-fhir", str(path))
    assert (r.exit_code, r.stdout) == (0, f"{path}: ok\n")


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"{", "is not JSON (line 1, column 2)"), (b"[1]", "is not a FHIR resource (a JSON object)")],
)
def test_check_fhir_bad_input_is_one_line(
    run, tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content)
    r = run("check-fhir", str(path))
    assert r.exit_code == 2
    assert one_error_line(r) == f"error: {path}: {problem}"


def test_check_fhir_without_the_extra_names_it(run, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "fhir.resources.R4B", None)  # import fails
    path = tmp_path / "pd.json"
    path.write_text(run("show", "anlotinib-sts", "--format", "fhir").stdout, encoding="utf-8")
    r = run("check-fhir", str(path))
    assert r.exit_code == 2
    line = one_error_line(r)
    assert line.startswith("error: check-fhir: ") and "install regimen[fhir]" in line


def test_help_imports_neither_the_fhir_exporter_nor_fhir_resources() -> None:
    probe = (
        "import sys\nfrom click.testing import CliRunner\nfrom regimen.cli import cli\n"
        "r = CliRunner().invoke(cli, ['--help'])\nassert r.exit_code == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith(('fhir', 'pydantic', "
        "'regimen.export.fhir', 'regimen.fhircheck'))))\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and a fixed probe
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


def test_batch_writes_fhir(run, tmp_path: Path) -> None:
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("patient,regimen,start\np1,anlotinib-sts,2022-05-16\n", encoding="utf-8")
    out = tmp_path / "out"
    r = run("batch", str(cohort), "--output-dir", str(out), "--format", "fhir")
    assert r.exit_code == 0, r.stderr
    written = out / "p1.fhir"
    assert json.loads(written.read_text(encoding="utf-8"))["resourceType"] == "Bundle"
    r = run("check-fhir", str(written))
    assert r.exit_code == 0, r.stderr

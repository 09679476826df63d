"""The published JSON Schemas (issue 14 item 4): ``regimen schema NAME``, the schemas themselves
(valid draft 2020-12, whole in themselves, closed), and that the check the whole suite runs on
every JSON document it produces through the command line (tests/schema_check.py, installed by
tests/conftest.py) really runs and really fails a document that breaks the contract.
"""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from jsonschema import Draft202012Validator

from regimen.export import schema as schemas
from tests import schema_check
from tests.helpers import README_AE_LOG, one_error_line

Run = Callable[..., Result]

ROOT = Path(__file__).resolve().parents[1]
GAP = ROOT / "tests" / "data" / "gap"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

#: One command line per schema (the README's and the docs' examples where they give one).
COMMANDS: dict[str, list[str]] = {
    "list": ["list"],
    "bed": ["bed", "25x2Gy + 3x3Gy", "--alpha-beta", "10Gy", "--alpha-beta", "3Gy"],
    "isoeffect": ["isoeffect", "25x2Gy", "--fractions", "5", "--alpha-beta", "3Gy"],
    "calendar": ["calendar", "anlotinib-sts", "--start", "2022-01-03", "--cycles", "2"],
    "dose": ["dose", "lms-rt-anlotinib", "--start", "2022-05-16"],
    "gap": [
        "gap",
        str(GAP / "rt-35x2.toml"),
        "--start",
        "2026-10-05",
        "--rt-log",
        str(GAP / "missed-week.csv"),
        "--tissue",
        "hnscc",
        "--late-tissue",
        "rectum-late",
    ],
    "reirradiation": [
        "reirradiation",
        "--course",
        "2012-12-01=28x1.8Gy",
        "--course",
        "2020-06-01=5x5Gy",
        "--alpha-beta",
        "2Gy",
    ],
    "bsa": ["bsa", "--height", "170cm", "--weight", "70kg"],
    "crcl": ["crcl", "--age", "60", "--sex", "female", "--weight", "70kg", "--scr", "1mg/dL"],
    "calvert": ["calvert", "--auc", "5", "--gfr", "100mL/min"],
    "history": ["history", str(ROOT / "examples" / "zhao-2022.toml")],
    "presets-list": ["presets", "list"],
    "presets-show": ["presets", "show", "hnscc"],
}


def _json(run: Run, name: str, *extra: str) -> Any:
    result = run(*COMMANDS[name], "--format", "json", *extra)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


# --- the schemas ---------------------------------------------------------------------------


def test_one_schema_file_per_name_shipped_in_the_package() -> None:
    folder = resources.files("regimen").joinpath("schemas")
    shipped = sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))
    assert shipped == sorted(f"{name}.json" for name in schemas.NAMES)
    assert set(COMMANDS) == set(schemas.NAMES)


def test_schemas_are_package_data() -> None:
    """pyproject ships the folder (the wheel test in test_packaging builds with this table)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    assert "regimen.schemas" in setuptools["packages"]
    assert setuptools["package-data"]["regimen.schemas"] == ["*.json"]
    assert any(
        d.startswith("jsonschema") for d in config["project"]["optional-dependencies"]["test"]
    )


@pytest.mark.parametrize("name", schemas.NAMES)
def test_each_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = schemas.load(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DRAFT
    assert schema["$id"] == f"urn:regimen:schema:{name}"  # a URN: nothing to fetch
    assert schema["title"].startswith("regimen ") and "--format json" in schema["title"]
    assert len(schema["description"]) > 20


@pytest.mark.parametrize("name", schemas.NAMES)
def test_each_schema_is_whole_in_itself(name: str) -> None:
    """Every $ref points inside the file: a validator needs no network and no other file."""
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    schema = schemas.load(name)
    walk(schema)
    assert refs and all(r.startswith("#/$defs/") for r in refs)
    assert all(r.removeprefix("#/$defs/") in schema["$defs"] for r in refs)


def test_the_ucum_quantity_is_one_shared_definition() -> None:
    """The issue's quantity, {"value": number, "unit": string}, closed, the same in every file."""
    expected = {
        "type": "object",
        "properties": {"value": {"type": "number"}, "unit": {"type": "string", "minLength": 1}},
        "required": ["value", "unit"],
        "additionalProperties": False,
    }
    for name in schemas.NAMES:
        quantity = dict(schemas.load(name)["$defs"]["quantity"])
        quantity.pop("title"), quantity.pop("description")
        assert quantity == expected, name
    shared = ("quantity", "quantity_or_null", "days", "date", "preset_or_null")
    first = schemas.load("calendar")["$defs"]
    for name in schemas.NAMES:
        defs = schemas.load(name)["$defs"]
        assert {k: defs[k] for k in shared} == {k: first[k] for k in shared}, name


@pytest.mark.parametrize("name", schemas.NAMES)
def test_every_object_is_closed(name: str) -> None:
    """The contract is closed: a field the schema does not name is a change to the schema too
    (a map keyed by course id, ``codes``, constrains each value instead)."""
    open_objects: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and node.get("additionalProperties", True) is True:
                open_objects.append(path)
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}/{i}")

    walk(schemas.load(name), "")
    assert open_objects == []


# --- regimen schema ------------------------------------------------------------------------


@pytest.mark.parametrize("name", schemas.NAMES)
def test_schema_command_prints_the_shipped_schema(run: Run, name: str) -> None:
    result = run("schema", name)
    assert result.exit_code == 0
    assert result.stdout == schemas.text(name)
    Draft202012Validator.check_schema(json.loads(result.stdout))


def test_schema_calendar_prints_valid_json_schema(run: Run) -> None:
    """Issue 14's acceptance: `regimen schema calendar` prints valid JSON Schema."""
    result = run("schema", "calendar")
    schema = json.loads(result.stdout)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DRAFT
    assert {"regimen", "start", "events", "decisions", "status"} <= set(schema["required"])


def test_schema_list(run: Run) -> None:
    result = run("schema", "--list")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == list(schemas.NAMES)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("schema", "shows"), "unknown schema 'shows'; the schemas are: bed, bsa, calendar"),
        (("schema",), "give a NAME (bed, bsa, calendar"),
        (("schema", "bed", "--list"), "give a NAME or --list, not both"),
    ],
)
def test_schema_refusals_are_one_line(run: Run, args: tuple[str, ...], expected: str) -> None:
    line = one_error_line(run(*args))
    assert line.startswith("error: schema: ")
    assert expected in line


def test_show_has_no_json_output(run: Run) -> None:
    """`show` is text only: no schema, and --format json is refused."""
    assert schemas.command_schema(["show", "anlotinib-sts", "--format", "json"]) is None
    assert run("show", "anlotinib-sts", "--format", "json").exit_code == 2


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["bed", "10x2Gy", "--format", "json"], "bed"),
        (["bed", "10x2Gy", "--format=json"], "bed"),
        (["bed", "10x2Gy"], None),
        (["bed", "10x2Gy", "--format", "text"], None),
        (["presets", "list", "--format", "json"], "presets-list"),
        (["presets", "show", "hnscc", "--format", "json"], "presets-show"),
        (
            ["calendar", "x", "--start", "2022-01-03", "--format", "json", "-o", "a.json"],
            "calendar",
        ),
        (["calendar", "x", "--start", "2022-01-03", "--format", "ics"], None),
        (["batch", "c.csv", "--output-dir", "o", "--format", "json"], "calendar"),
        (["batch", "c.csv", "--output-dir", "o"], None),
        (["check-ics", "a.ics"], None),
        (["schema", "bed"], None),
    ],
)
def test_command_schema(args: list[str], expected: str | None) -> None:
    assert schemas.command_schema(args) == expected


# --- the suite-wide check --------------------------------------------------------------------


@pytest.mark.parametrize("name", schemas.NAMES)
def test_each_output_is_checked_against_its_schema(run: Run, name: str) -> None:
    """Every schema has at least one document of its command checked here (and it passes: a
    mismatch fails the run itself)."""
    before = schema_check.CHECKED[name]
    document = _json(run, name)
    assert schema_check.CHECKED[name] == before + 1
    assert schema_check.problems(name, document) == []


def test_calendar_with_decisions_holds_and_review(run: Run, tmp_path: Path) -> None:
    log = tmp_path / "ae.csv"
    log.write_text(README_AE_LOG, encoding="utf-8")
    data = _json(run, "calendar", "--ae-log", str(log))
    assert {e["kind"] for e in data["events"]} == {"dose", "held"}
    assert data["decisions"]
    assert schema_check.problems("calendar", data) == []


def test_output_file_is_checked(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    before = schema_check.CHECKED["calendar"]
    result = run(*COMMANDS["calendar"], "--format", "json", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert schema_check.CHECKED["calendar"] == before + 1


def test_batch_json_files_are_checked(run: Run, tmp_path: Path) -> None:
    cohort = tmp_path / "cohort.csv"
    cohort.write_text(
        "patient,regimen,start\nP1,anlotinib-sts,2022-01-03\nP2,lms-rt-anlotinib,2022-05-16\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    before = schema_check.CHECKED["calendar"]
    result = run("batch", str(cohort), "--output-dir", str(out), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert schema_check.CHECKED["calendar"] == before + 2


# --- broken documents fail -------------------------------------------------------------------


def test_a_missing_required_key_fails(run: Run) -> None:
    data = _json(run, "calendar")
    del data["start"]
    assert any(
        "'start' is a required property" in p for p in schema_check.problems("calendar", data)
    )
    bed = _json(run, "bed")
    del bed["results"][0]["eqd2"]
    assert schema_check.problems("bed", bed)


def test_a_wrong_unit_type_fails(run: Run) -> None:
    data = _json(run, "calendar")
    broken = copy.deepcopy(data)
    broken["events"][0]["dose"]["unit"] = 12
    found = schema_check.problems("calendar", broken)
    assert found and all(p.startswith("events/0/dose") for p in found)
    broken = copy.deepcopy(data)
    broken["events"][0]["dose"]["value"] = "12"  # a number, never a string
    assert schema_check.problems("calendar", broken)
    bsa = _json(run, "bsa")
    bsa["bsa"] = 1.82  # a quantity, never a bare number
    assert schema_check.problems("bsa", bsa)


def test_an_unknown_field_or_value_fails(run: Run) -> None:
    data = _json(run, "calendar")
    assert schema_check.problems("calendar", {**data, "patient": "Jane"})
    broken = copy.deepcopy(data)
    broken["events"][0]["kind"] = "pill"
    assert schema_check.problems("calendar", broken)
    broken = copy.deepcopy(data)
    broken["start"] = "3 January 2022"
    assert schema_check.problems("calendar", broken)


def test_a_mismatch_fails_the_test_that_produced_it() -> None:
    with pytest.raises(pytest.fail.Exception, match="does not match the published bsa schema"):
        schema_check.check_text("bsa", '{"bsa": 1.82}', "stdout of `regimen bsa`")
    with pytest.raises(pytest.fail.Exception, match="not JSON"):
        schema_check.check_text("bsa", "BSA 1.82 m2", "stdout of `regimen bsa`")

"""The regimen-file loader: one declaration per table, sources kept on the models, key paths
built from segments, limits taken from the model modules (issue 11, item 1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from regimen import drugs, loading, modification, radiotherapy
from regimen.drugs import DrugCourse, FieldError
from regimen.errors import LoadError
from regimen.loading import MULTILINE_KEYS, parse_regimen
from regimen.units import quantity

LMS = (loading._bundled_folder() / "lms-rt-anlotinib.toml").read_text(encoding="utf-8")


def _problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(LoadError) as info:
        parse_regimen(text, "r.toml", "r")
    return list(info.value.problems)


def _variant(old: str, new: str) -> str:
    assert LMS.count(old) == 1, old
    return LMS.replace(old, new)


def test_source_of_courses_and_phases_reaches_the_models() -> None:
    regimen = parse_regimen(LMS, "r.toml", "r")
    rt, drug = regimen.courses
    assert isinstance(rt, radiotherapy.RadiotherapyCourse) and isinstance(drug, DrugCourse)
    assert rt.source is regimen.sources["li2025"]
    assert [p.source for p in rt.phases] == [regimen.sources["li2025"]] * 2
    assert drug.source is regimen.sources["li2025"]
    assert drug.label_source is regimen.sources["label"]


def test_a_course_without_a_source_has_none() -> None:
    text = _variant('name = "Anlotinib"\nsource = "li2025"\n', 'name = "Anlotinib"\n')
    assert parse_regimen(text, "r.toml", "r").courses[1].source is None


@pytest.mark.parametrize(
    ("old", "template", "key", "limit", "message"),
    [
        (
            "fractions = 10",
            "fractions = {n}",
            "courses[0].phases[0].fractions",
            radiotherapy.MAX_FRACTIONS,
            "must be between 1 and {limit}, got {n}",
        ),
        (
            'cycle_length = "21 d"',
            'cycle_length = "21 d"\ncycles = {n}',
            "courses[1].cycles",
            drugs.MAX_CYCLES,
            "must be between 1 and {limit}, got {n}",
        ),
        (
            'dosing_days = "1-14"',
            'dosing_days = "1-{n}"\ncycle_length = "{limit} d"',
            "courses[1].dosing_days",
            drugs.MAX_CYCLE_LENGTH,
            "day {n} is beyond any cycle (limit {limit})",
        ),
        (
            'grades = "3"',
            'grades = "3-{n}"',
            "courses[1].rules[4].grades",
            modification.MAX_GRADE,
            "grades run 0-{limit}, low to high; got '3-{n}'",
        ),
    ],
)
def test_each_declared_limit_is_the_model_constant(
    old: str, template: str, key: str, limit: int, message: str
) -> None:
    """At the model's limit the value is accepted; one above, the message names that limit."""
    at_limit = _variant(old, template.format(n=limit, limit=limit))
    if key.endswith("dosing_days"):  # the file's own cycle_length follows; drop it
        at_limit = at_limit.replace('cycle_length = "21 d"\n', "", 1)
    keys = [k for k, _ in _problems_or_none(at_limit)]
    assert key not in keys
    above = at_limit.replace(
        template.format(n=limit, limit=limit), template.format(n=limit + 1, limit=limit)
    )
    assert (key, message.format(n=limit + 1, limit=limit)) in _problems(above)


def _problems_or_none(text: str) -> list[tuple[str, str]]:
    try:
        parse_regimen(text, "r.toml", "r")
    except LoadError as exc:
        return list(exc.problems)
    return []


def test_the_loader_retypes_no_model_limit() -> None:
    """The limits the models own (200 fractions, 1000 cycles, 365-day cycles, grades 0-5) are
    imported, never written again in the loader."""
    code = Path(loading.__file__).read_text("utf-8")
    assert re.findall(r"(?<![\w.])(200|1000|365)(?![\w.])", code) == []
    assert not re.search(r"0-5|<= 5|, 5\)", code)


def test_multiline_keys_come_from_the_declarations() -> None:
    """The texts docs/design.md calls multi-line: descriptions, notes, patient texts, citations,
    reviews. Every other text is one line."""
    assert {
        "description",
        "notes",
        "instruction",
        "missed_dose",
        "when_to_call",
        "note",
        "citation",
        "review",
        "unconfirmed",
    } == MULTILINE_KEYS


def test_key_paths_are_formatted_from_segments() -> None:
    assert loading._key_path(("courses", 1, "rules", 0, "grades")) == "courses[1].rules[0].grades"
    assert loading._key_path(("notes", 2)) == "notes[2]"
    assert loading._key_path(()) == ""


def test_a_model_error_lands_at_its_field() -> None:
    """A drug course's own check names its field; the message is the one it always was."""
    with pytest.raises(FieldError) as info:
        DrugCourse(
            id="x",
            drug="x",
            route="oral",
            frequency="once daily",
            dose_levels=(quantity(10, "mg"), quantity(12, "mg")),
            dosing_days=(1,),
            cycle_length=21,
        )
    assert info.value.field == "dose_levels"
    assert str(info.value).startswith("x.dose_levels: dose levels must be strictly decreasing")


def test_regression_a_bad_course_id_does_not_call_every_other_key_unknown() -> None:
    """Before: a bad id (or type) made every other key of the course 'unknown key; allowed:
    type, id' (21 spurious problems for the anlotinib course)."""
    problems = _problems(_variant('id = "anlotinib"', 'id = "Anlotinib"'))
    assert problems == [
        (
            "courses[1].id",
            "must be lower-case letters, digits, '-' or '_' (e.g. 'anlotinib'), got 'Anlotinib'",
        )
    ]


def test_regression_a_bad_course_type_does_not_call_every_other_key_unknown() -> None:
    problems = _problems(_variant('type = "drug"', 'type = "drgu"'))
    assert problems == [
        ("courses[1].type", "must be one of 'radiotherapy', 'drug', got 'drgu'"),
    ]


def test_a_key_no_course_type_knows_is_still_flagged_when_the_type_is_bad() -> None:
    text = _variant('type = "drug"', 'type = "drgu"\ncolour = "red"')
    keys = [k for k, _ in _problems(text)]
    assert keys == ["courses[1].type", "courses[1].colour"]


def test_regression_a_reference_to_a_source_with_its_own_problem_is_not_repeated() -> None:
    """Before: a source entry with a bad required value was dropped, and every course and phase
    citing it got 'unknown source' as well."""
    text = _variant('kind = "paper"', 'kind = "papre"')
    message = "must be one of 'paper', 'label', 'consensus', 'protocol', 'local', got 'papre'"
    assert _problems(text) == [("sources.li2025.kind", message)]


def test_same_cycle_needs_two_drug_courses() -> None:
    from regimen.errors import LoadError
    from regimen.loading import parse_regimen
    from tests.helpers import ROOT

    text = (ROOT / "regimens" / "lms-rt-anlotinib.toml").read_text("utf-8")
    old = 'start = { after = "radiotherapy", gap = "1 d",'
    assert old in text
    text = text.replace(old, 'start = { with = "radiotherapy", same_cycle = true,')
    with pytest.raises(LoadError) as info:
        parse_regimen(text, "x.toml", "x")
    assert "courses[1].start.same_cycle: only applies to two drug courses" in str(info.value)

"""Safe notation (ISMP) in every output a person reads, for every bundled regimen and format.

ISMP's List of Error-Prone Abbreviations, Symbols, and Dose Designations: never a trailing zero
("12.0 mg"), always a leading zero ("0.5 mg"), no "qd", "QOD", "U", "ug".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from regimen.loading import bundled_ids
from regimen.units import unsafe_notation

TRAILING = re.compile(r"\b\d+\.0+ ?(mg|mcg|g|Gy|cGy)\b")
NAKED = re.compile(r"(?<![\w.])\.\d+ ?(mg|mcg|g|Gy|cGy)\b")


def _body(rid: str) -> list[str]:
    """--height and --weight for a regimen with a course dosed per m² (issue 12), else none."""
    from regimen.app import per_area_courses
    from regimen.loading import load_regimen

    return ["--height", "170cm", "--weight", "70kg"] if per_area_courses(load_regimen(rid)) else []


def _check(text: str, where: str) -> None:
    assert not TRAILING.search(text), (where, TRAILING.search(text))
    assert not NAKED.search(text), (where, NAKED.search(text))
    for line in text.splitlines():
        problem = unsafe_notation(line)
        assert problem is None, (where, problem, line)


@pytest.mark.parametrize("rid", bundled_ids())
@pytest.mark.parametrize("fmt", ["text", "csv", "ics", "html"])
def test_calendar_outputs(run, tmp_path: Path, rid: str, fmt: str) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "date,term,grade\n2022-06-10,hypertension,3\n2022-06-12,hypertension,1\n", encoding="utf-8"
    )
    r = run(
        "calendar",
        rid,
        "--start",
        "2022-05-16",
        "--cycles",
        "3",
        "--ae-log",
        str(log),
        "--format",
        fmt,
        *(["--with-drug-names"] if fmt == "ics" else []),
        *_body(rid),
    )
    assert r.exit_code == 0, r.stderr
    text = r.stdout.replace("\r\n ", "").replace("\n ", "")  # unfold iCalendar lines
    if fmt == "html":  # only what a person reads: drop the stylesheet and the tags
        text = re.sub(r"<style>.*?</style>", "", text, flags=re.S)
        text = re.sub(r"<[^>]+>", "\n", text)
    _check(text, f"{rid} {fmt}")


@pytest.mark.parametrize("rid", bundled_ids())
def test_dose_and_show(run, rid: str) -> None:
    for argv in (
        ["show", rid],
        ["dose", rid, "--start", "2022-05-16", "--cycles", "2", *_body(rid)],
    ):
        r = run(*argv)
        assert r.exit_code == 0, r.stderr
        _check(r.stdout, " ".join(argv))


@pytest.mark.parametrize(
    "expr", ["10x400cGy + 3x700cGy", "50.4 Gy/28", "28 x 1.8 Gy", "5 x 0.5 Gy", "1 x 20 Gy"]
)
def test_arithmetic_text(run, expr: str) -> None:
    for argv in (
        ["bed", expr],
        ["isoeffect", expr, "--fractions", "10", "--alpha-beta", "3Gy"],
        ["isoeffect", expr, "--dose-per-fraction", "2Gy", "--alpha-beta", "10Gy"],
    ):
        r = run(*argv)
        assert r.exit_code == 0, r.stderr
        _check(r.stdout, " ".join(argv))


def test_formatter_examples() -> None:
    from regimen.units import format_quantity, quantity

    assert format_quantity(quantity(12.0, "mg")) == "12 mg"
    assert format_quantity(quantity(0.5, "mg")) == "0.5 mg"
    assert format_quantity(quantity(0.25, "mcg")) == "0.25 mcg"
    assert format_quantity(quantity(400.0, "cGy")) == "400 cGy"
    assert unsafe_notation("12 mg qd") == "error-prone abbreviation 'qd'"
    assert unsafe_notation("5 U of insulin") == "error-prone abbreviation 'U'"
    assert unsafe_notation("take .5 mg") == "missing leading zero in '.5 mg'"


def test_unsafe_notation_catches_a_trailing_zero() -> None:
    assert unsafe_notation("take 12.0 mg") == "trailing zero in '12.0 mg'"

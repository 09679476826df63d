"""Regimen files: bundled files validate; strict loading reports every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from regimen.loading import bundled_ids, load_regimen
from tests.helpers import one_error_line

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted(str(p) for p in (ROOT / "regimens").glob("*.toml"))
LMS = (ROOT / "regimens" / "lms-rt-anlotinib.toml").read_text(encoding="utf-8")


def test_bundled_ids_match_folder() -> None:
    assert bundled_ids() == sorted(Path(p).stem for p in BUNDLED)
    assert set(bundled_ids()) >= {
        "lms-rt-anlotinib",
        "anlotinib-sts",
        "anlotinib-pembrolizumab",
        "pelvic-postop-rt",
    }


def test_validate_bundled_ok(run) -> None:
    r = run("validate", *BUNDLED)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.count(": ok") == len(BUNDLED)


def test_every_bundled_file_cites_sources() -> None:
    for rid in bundled_ids():
        reg = load_regimen(rid)
        assert reg.sources, rid
        assert any(s.kind.value == "paper" for s in reg.sources.values()), rid


def _variant(tmp_path: Path, old: str, new: str, name: str = "variant.toml") -> str:
    assert old in LMS
    path = tmp_path / name
    path.write_text(LMS.replace(old, new, 1), encoding="utf-8")
    return str(path)


def test_declared_total_mismatch_exits_1(run, tmp_path: Path) -> None:
    path = _variant(tmp_path, 'declared_total = "6100 cGy"', 'declared_total = "6000 cGy"')
    r = run("validate", path)
    assert r.exit_code == 1
    assert "declared_total: declares 6000 cGy but the phases add up to 6100 cGy" in r.stderr


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "cycle_length =",
            "cycle_lenght =",
            "courses[1].cycle_lenght: unknown key (did you mean 'cycle_length'?)",
        ),
        (
            "fractions = 10",
            "fractions = 2.7",
            "courses[0].phases[0].fractions: must be a whole number, got 2.7",
        ),
        (
            'dose_per_fraction = "400 cGy"',
            "dose_per_fraction = 400",
            "courses[0].phases[0].dose_per_fraction: needs a unit (Gy or cGy), got the bare "
            "number 400",
        ),
        (
            "fractions = 10",
            "fractions = true",
            "courses[0].phases[0].fractions: must be a whole number, got a boolean",
        ),
        (
            'dose_per_fraction = "400 cGy"',
            'dose_per_fraction = "400 furlong"',
            "courses[0].phases[0].dose_per_fraction: unknown unit 'furlong' in '400 furlong'; an "
            "absorbed dose needs Gy or cGy",
        ),
        (
            'dose_levels = ["12 mg", "10 mg", "8 mg"]',
            'dose_levels = ["12 mg", "14 mg"]',
            "courses[1].dose_levels: dose levels must be strictly decreasing (no re-escalation), "
            "got 12 mg, 14 mg",
        ),
    ],
)
def test_strict_loading_errors(run, tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = _variant(tmp_path, old, new)
    line = one_error_line(run("validate", path))
    assert line.startswith(f"error: {path}: {expected}")


def test_all_problems_reported_at_once(run, tmp_path: Path) -> None:
    path = tmp_path / "many.toml"
    path.write_text(
        LMS.replace("fractions = 10", "fractions = 2.7").replace("cycle_length", "cycle_lenght"),
        encoding="utf-8",
    )
    line = one_error_line(run("validate", str(path)))
    assert "phases[0].fractions" in line and "cycle_lenght" in line


def test_toml_syntax_error_keeps_line_and_column(run, tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\ncourses = [\n', encoding="utf-8")
    line = one_error_line(run("validate", str(path)))
    assert line.startswith(f"error: {path}: line ")
    assert "column" in line and "TOML syntax error" in line

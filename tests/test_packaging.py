"""The bundled regimen files ship inside the wheel, so a bundled id resolves after install."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_regimens_and_units(tmp_path: Path) -> None:
    pytest.importorskip("build")
    result = subprocess.run(  # noqa: S603 - a fixed command with our own interpreter
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path),
         str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    wheel = next(tmp_path.glob("regimen-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for rid in ("lms-rt-anlotinib", "anlotinib-sts", "anlotinib-pembrolizumab", "pelvic-postop-rt"):
        assert f"regimen/regimens/{rid}.toml" in names
    assert "regimen/units.txt" in names
    assert "regimen/py.typed" in names
    for data in ("ctcae-v5.0.csv", "ae_synonyms.toml", "term_groups.toml", "README.md"):
        assert f"regimen/data/{data}" in names
    # No build warning that a data folder is missing from the package list.
    assert "BuildBackendWarning" not in result.stderr


def test_editable_install_resolves_bundled_ids() -> None:
    from regimen.loading import bundled_ids, load_regimen

    for rid in bundled_ids():
        assert load_regimen(rid).id == rid

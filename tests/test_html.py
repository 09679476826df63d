"""The printable HTML calendar, rendered by headless Chromium as a person would print it.

Chromium (Debian's ``chromium``) prints the page to PDF: one page per month of the plan. A
screenshot must not be blank. Locally these tests skip when Chromium is missing; under CI
(CI=true) a missing browser is a failure, since .ci/run installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is missing under CI; .ci/run should have installed it")
    pytest.skip("chromium is not installed (apt-get install chromium)")
    raise AssertionError  # unreachable


def _html(run, tmp_path: Path, *argv: str) -> Path:
    out = tmp_path / "plan.html"
    r = run("calendar", *argv, "--format", "html", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    return out


def _pages(pdf: Path) -> int:
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo:
        info = subprocess.run(  # noqa: S603 - a fixed tool on our own file
            [pdfinfo, str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        m = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
        assert m is not None, info
        return int(m.group(1))
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def _print(chromium: str, html: Path, tmp_path: Path) -> Path:
    pdf = tmp_path / "plan.pdf"
    subprocess.run(  # noqa: S603
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--print-to-pdf={pdf}",
            "--no-pdf-header-footer",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return pdf


def test_html_is_self_contained(run, tmp_path: Path) -> None:
    text = _html(run, tmp_path, "lms-rt-anlotinib", "--start", "2022-05-16", "--cycles", "2")
    page = text.read_text(encoding="utf-8")
    assert "<style>" in page
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page
    assert "<script" not in page
    assert "May 2022" in page and "July 2022" in page
    assert "before breakfast" in page and "12 hours" in page
    assert "10.3389/fonc.2025.1490941" in page


def test_html_chinese_words(run, tmp_path: Path) -> None:
    page = _html(
        run, tmp_path, "anlotinib-sts", "--start", "2022-05-16", "--cycles", "1", "--lang", "zh"
    ).read_text(encoding="utf-8")
    assert "治疗日历" in page and "2022年5月" in page and 'lang="zh-CN"' in page


@pytest.mark.slow
@pytest.mark.parametrize("paper", ["Letter", "A4"])
@pytest.mark.parametrize(
    ("argv", "months"),
    [
        (["lms-rt-anlotinib", "--start", "2022-05-16", "--cycles", "6"], 5),  # May-Sep 2022
        (["anlotinib-sts", "--start", "2018-09-20", "--cycles", "3", "--lang", "zh"], 3),
    ],
)
def test_pdf_has_one_page_per_month(
    run, tmp_path: Path, argv: list[str], months: int, paper: str
) -> None:
    chromium = _chromium()
    html = _html(run, tmp_path, *argv)
    if paper == "A4":  # Chromium prints Letter by default; a print shop's A4 is taller, narrower
        text = html.read_text(encoding="utf-8").replace("@page{", "@page{size:A4;", 1)
        html.write_text(text, encoding="utf-8")
    pdf = _print(chromium, html, tmp_path)
    assert _pages(pdf) == months


@pytest.mark.slow
def test_screenshot_is_not_blank(run, tmp_path: Path) -> None:
    chromium = _chromium()
    html = _html(run, tmp_path, "lms-rt-anlotinib", "--start", "2022-05-16", "--cycles", "2")
    png = tmp_path / "shot.png"
    subprocess.run(  # noqa: S603
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={png}",
            "--window-size=1100,1400",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # A blank white 1100x1400 PNG compresses to a few kilobytes; a calendar is far larger.
    assert len(data) > 30_000

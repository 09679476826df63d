"""The printable HTML calendar, rendered by headless Chromium as a person would print it.

Chromium (Debian's ``chromium``) prints the page to PDF: one page per month of the plan. A
screenshot must not be blank. Locally these tests skip when Chromium is missing; under CI
(CI=true) a missing browser is a failure, since .ci/run installs it.
"""

from __future__ import annotations

import html as html_lib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

MONTHS_EN = [
    "January 2022", "February 2022", "March 2022", "April 2022", "May 2022", "June 2022",
    "July 2022", "August 2022", "September 2022", "October 2022", "November 2022",
    "December 2022",
]  # fmt: skip

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
    out.unlink(missing_ok=True)
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


def _page_texts(pdf: Path) -> list[str]:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext is missing under CI; .ci/run installs poppler-utils")
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    texts = []
    for n in range(1, _pages(pdf) + 1):
        texts.append(
            subprocess.run(  # noqa: S603 - a fixed tool on our own file
                [pdftotext, "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
    return texts


BODY_170_70 = ["--height", "170cm", "--weight", "70kg"]

COMBO_LOG = (  # two holds, two reductions: two drugs on most days, a 6-week January 2022
    "date,term,grade\n2022-01-05,hypertension,3\n2022-01-07,hypertension,1\n"
    "2022-01-26,hand-foot skin reaction,3\n2022-01-29,hand-foot skin reaction,1\n"
)


@pytest.mark.slow
@pytest.mark.parametrize("paper", ["Letter", "A4"])
@pytest.mark.parametrize("size", ["normal", "large"])
@pytest.mark.parametrize(
    ("argv", "months"),
    [
        (["lms-rt-anlotinib", "--start", "2022-05-16", "--cycles", "6"], MONTHS_EN[4:9]),
        (
            ["anlotinib-sts", "--start", "2018-09-20", "--cycles", "3", "--lang", "zh"],
            ["2018年9月", "2018年10月", "2018年11月"],
        ),
        (
            ["anlotinib-pembrolizumab", "--start", "2022-01-03", "--cycles", "3", "--log"],
            ["January 2022", "February 2022"],
        ),
        (  # continuous daily dosing, 28-day cycles: 84 days from 2022-01-03 to 2022-03-27
            ["pazopanib", "--start", "2022-01-03", "--cycles", "3"],
            ["January 2022", "February 2022", "March 2022"],
        ),
        (  # dosed per m2: the dose-basis lines lengthen the instructions page; the last
            # dose is cycle 3 day 8 (2022-02-21)
            ["gemcitabine-docetaxel", "--start", "2022-01-03", "--cycles", "3", *BODY_170_70],
            ["January 2022", "February 2022"],
        ),
        (  # six 21-day cycles from 2022-01-03: the last dose, cycle 6 day 1, is 2022-04-18
            # (the grid runs to the month of the last dose, as for every regimen)
            ["doxorubicin", "--start", "2022-01-03", *BODY_170_70],
            ["January 2022", "February 2022", "March 2022", "April 2022"],
        ),
        (  # continuous daily dosing, 28-day cycles: 56 days from 2022-01-03 to 2022-02-27
            ["everolimus", "--start", "2022-01-03", "--cycles", "2"],
            ["January 2022", "February 2022"],
        ),
    ],
    ids=[
        "rt-then-drug",
        "zh",
        "two-drugs",
        "pazopanib",
        "per-m2-basis",
        "doxorubicin",
        "everolimus",
    ],
)
def test_pdf_has_one_page_per_month(
    run, tmp_path: Path, argv: list[str], months: list[str], paper: str, size: str
) -> None:
    """Each month's grid on a page of its own, whole, in order, between the instructions
    page(s) and the dose changes and sources, normal and large print, A4 and Letter."""
    chromium = _chromium()
    if "--log" in argv:
        log = tmp_path / "log.csv"
        log.write_text(COMBO_LOG, encoding="utf-8")
        argv = [a if a != "--log" else "--ae-log" for a in argv] + [str(log)]
    if size == "large":
        argv = [*argv, "--large-print"]
    html = _html(run, tmp_path, *argv)
    if paper == "A4":  # Chromium prints Letter by default; a print shop's A4 is taller, narrower
        text = html.read_text(encoding="utf-8").replace("@page{", "@page{size:A4;", 1)
        html.write_text(text, encoding="utf-8")
    pages = _page_texts(_print(chromium, html, tmp_path))
    with_month = [[m for m in months if m in page] for page in pages]
    month_pages = [i for i, found in enumerate(with_month) if found]
    assert [with_month[i] for i in month_pages] == [[m] for m in months], with_month
    # Consecutive pages: no overflow page (a grid cut in two) between two months.
    first = month_pages[0]
    assert month_pages == list(range(first, first + len(months)))
    assert first >= 1  # the instructions come first
    assert len(pages) > month_pages[-1] + 1  # the dose changes and sources come last
    # The last row of each month (its last day's number) is on the month's own page.
    for i in month_pages:
        assert re.search(r"\b(28|29|30|31)\b", pages[i]), pages[i]


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


# -- what the page says ----------------------------------------------------------------------


def _page(run, tmp_path: Path, *argv: str, log: str | None = None) -> str:
    extra: list[str] = []
    if log is not None:
        path = tmp_path / "log.csv"
        path.write_text(log, encoding="utf-8")
        extra = ["--ae-log", str(path)]
    return _html(run, tmp_path, *argv, *extra).read_text(encoding="utf-8")


def _visible(page: str) -> str:
    """What a person reads: no stylesheet, no tags, entities decoded, one line per element."""
    text = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    text = re.sub(r"<[^>]+>", "\n", text)
    return "\n".join(line for line in html_lib.unescape(text).splitlines() if line.strip())


def _instructions(page: str) -> str:
    """The text of the Instructions part (up to the next heading)."""
    m = re.search(r">(Instructions|用药说明)</h[23]>(.*?)<h[123]", page, flags=re.S)
    assert m is not None
    return _visible(m.group(2))


SECOND_REDUCTION = (
    # Local policy (regimens/anlotinib-sts.toml): any adverse event grade 3 holds until grade 1
    # or lower, then resumes one level lower: 12 mg, then 10 mg, then 8 mg.
    "date,term,grade\n2022-01-05,hypertension,3\n2022-01-07,hypertension,1\n"
    "2022-01-26,hand-foot skin reaction,3\n2022-01-29,hand-foot skin reaction,1\n"
)


def test_regression_instructions_state_the_dose_in_force_not_the_start_dose(run, tmp_path):
    page = _page(
        run, tmp_path, "anlotinib-sts", "--start", "2022-01-03", "--cycles", "3",
        log=SECOND_REDUCTION,
    )  # fmt: skip
    text = _instructions(page)
    # Cycle 1: days 1-2 (01-03, 01-04) at 12 mg, held from 01-05 (day 3), resumed on 01-07
    # (day 5) one level lower. Cycle 2 (from 01-24): held on 01-26 (day 3), resumed on 01-29
    # (day 6) at 8 mg. Cycle 3: 8 mg throughout.
    assert (
        "Cycle 1: 12 mg once daily, days 1 to 2; on hold, do not take: days 3 to 4; "
        "10 mg once daily, days 5 to 14"
    ) in text
    assert (
        "Cycle 2: 10 mg once daily, days 1 to 2; on hold, do not take: days 3 to 5; "
        "8 mg once daily, days 6 to 14"
    ) in text
    assert "Cycle 3: 8 mg once daily, days 1 to 14" in text
    # The grid agrees: every dose of cycle 3 is 8 mg.
    cells = dict(re.findall(r'<td data-date="([0-9-]+)">(.*?)</td>', page))
    assert all("8 mg" in cells[f"2022-02-{d:02d}"] for d in range(14, 28))


@pytest.mark.parametrize(
    "log",
    [
        # Bleeding grade 3-4: stop permanently (2023 Chinese expert consensus); the grade 1 row
        # after it changes nothing.
        "date,term,grade\n2022-01-07,epistaxis,3\n2022-01-12,epistaxis,1\n",
        # Any other adverse event grade 4: discontinue (local policy).
        "date,term,grade\n2022-01-07,hypertension,4\n",
    ],
    ids=["bleeding-grade-3", "grade-4"],
)
def test_regression_instructions_say_stopped_after_a_discontinuation(run, tmp_path, log):
    page = _page(run, tmp_path, "anlotinib-sts", "--start", "2022-01-03", "--cycles", "3", log=log)
    text = _instructions(page)
    # 01-03 to 01-06 are days 1 to 4; the drug stops on 01-07 (day 5).
    assert "Cycle 1: 12 mg once daily, days 1 to 4" in text
    assert "Stopped on 2022-01-07: do not take any more." in text
    after = text.split("Stopped on 2022-01-07")[1]
    assert " mg" not in after.split("If you miss a dose")[0]
    assert "Cycle 2" not in text and "Cycles" not in text


def test_regression_lang_zh_translates_patient_texts(run, tmp_path):
    page = _page(
        run, tmp_path, "anlotinib-pembrolizumab", "--start", "2022-01-03", "--cycles", "2",
        "--lang", "zh", log=SECOND_REDUCTION,
    )  # fmt: skip
    text = _visible(page)
    # The regimen file's Chinese texts (anlotinib)...
    assert "安罗替尼" in text and "帕博利珠单抗" in text
    assert "口服，早餐前服用，每21天为一个周期" in text
    assert "漏服怎么办：如果漏服一次，且距离下一次服药不足12小时" in text
    assert "何时联系医院：出现以下情况请立即联系医院：任何出血" in text
    # ...the tool's own words: frequencies, routes, dose decisions...
    assert "第1周期：12 mg，每日一次，第1至2天" in text
    # pembrolizumab, intravenous on day 1 of 21-day cycles, reads as an infusion (issue 12)
    assert "每21天为一个周期，每周期第1天静脉输注一次" in text
    assert "剂量由12 mg调整为10 mg" in text
    # ...and no English of the tool's own: the English shown is the regimen file's, marked as
    # untranslated, and the citations of the sources.
    assert "of 21-day cycles（本方案文件未提供中文译文）" in text  # the regimen's name
    ours = text.split("\n参考文献\n")[0].replace(page.split("<title>")[1].split("</title>")[0], "")
    for term in ("hypertension", "hand-foot skin reaction"):  # the AE log's words
        ours = ours.replace(term, "")
    ours = re.sub(r"\n[^\n]*（本方案文件未提供中文译文）", "", ours)
    for english in ("once daily", "oral", "before breakfast", "Take your dose", "Cycle 1"):
        assert english not in ours, english
    assert not re.search(r"[A-Za-z]{3,}", ours.replace("mg", "")), ours
    # Pembrolizumab has no Chinese instruction in the file: English, visibly marked.
    assert "as a 30-minute infusion in the day unit（本方案文件未提供中文译文）" in text
    assert "or a rash.（本方案文件未提供中文译文）" in text


def test_every_frequency_route_and_decision_has_words_in_both_languages() -> None:
    from regimen.drugs import FREQUENCIES
    from regimen.export.words import DECISION, FREQUENCY_ZH, TEXT, Words
    from regimen.modification import DecisionKind

    assert set(FREQUENCIES) <= set(FREQUENCY_ZH)
    assert FREQUENCY_ZH["once daily"] == "每日一次"
    assert FREQUENCY_ZH["twice daily"] == "每日两次"
    assert FREQUENCY_ZH["every other day"] == "隔日一次"
    assert Words("zh").frequency("once every 21 days") == "每21天一次"
    assert Words("zh").route("oral") == "口服" and Words("zh").route("intravenous") == "静脉"
    assert set(TEXT["en"]) == set(TEXT["zh"])
    for lang in ("en", "zh"):
        assert {k.value for k in DecisionKind} <= set(DECISION[lang])
    assert Words("en").days((1, 2, 3, 8, 15)) == "days 1 to 3, 8 and 15"
    assert Words("zh").days((1, 2, 3, 8, 15)) == "第1至3、8、15天"
    assert Words("en").days((1,)) == "day 1"


SYMBOLS = ("<=", ">=", "->", "=>", "~")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    "rid", ["anlotinib-sts", "anlotinib-pembrolizumab", "lms-rt-anlotinib", "pelvic-postop-rt"]
)
def test_regression_patient_text_uses_words_not_symbols(run, tmp_path, rid, lang):
    log = SECOND_REDUCTION + "2022-02-20,epistaxis,2\n2022-03-20,epistaxis,4\n"
    page = _page(run, tmp_path, rid, "--start", "2022-01-03", "--lang", lang, log=log)
    text = _visible(page)
    for symbol in SYMBOLS:
        assert symbol not in text, symbol
    assert not re.search(r"\b\d+\.0 ?(mg|Gy|cGy)\b", text)
    if rid.startswith("anlotinib"):
        changed = {"en": "dose changed from 12 mg to 10 mg", "zh": "剂量由12 mg调整为10 mg"}
        assert changed[lang] in text
    if rid == "lms-rt-anlotinib":
        assert {"en": "10 fractions of 400 cGy", "zh": "400 cGy，共10次"}[lang] in text


def _font_sizes_pt(css: str) -> list[float]:
    sizes = []
    for value, unit in re.findall(r"font-size:\s*([0-9.]+)(px|pt)", css):
        sizes.append(float(value) * (0.75 if unit == "px" else 1.0))
    return sizes


def test_regression_print_size_is_readable(run, tmp_path):
    page = _page(run, tmp_path, "anlotinib-sts", "--start", "2022-01-03", "--cycles", "1")
    css = re.search(r"<style>(.*?)</style>", page, flags=re.S)
    assert css is not None
    normal = re.sub(r"(body)?\.large[^{]*\{[^}]*\}", "", css.group(1))
    # Normal print: nothing below 10 pt, body text 11 pt, on screen and on paper.
    assert min(_font_sizes_pt(normal)) >= 10
    assert re.search(r"body\{[^}]*font-size:11pt", normal)
    print_rules = re.findall(r"@media print\{(.*?)\}\s*$", normal, flags=re.S | re.M)
    assert all(min(_font_sizes_pt(r), default=99) >= 10 for r in print_rules)
    # Large print: body text, legend and the whole grid at 14 pt at least.
    large = _page(
        run, tmp_path, "anlotinib-sts", "--start", "2022-01-03", "--cycles", "1", "--large-print"
    )
    assert '<body class="large">' in large
    rules = re.findall(r"([^{}]*\.large[^{]*)\{([^}]*)\}", large)
    sized = {sel.strip(): _font_sizes_pt(body) for sel, body in rules if "font-size" in body}
    assert min(size for sizes in sized.values() for size in sizes) >= 14
    covered = " ".join(sized)
    for selector in ("body.large", ".large .legend", ".large .month td", ".large .num"):
        assert selector in covered, selector


def test_input_text_stays_escaped(run, tmp_path):
    bundled = Path(__file__).parents[1] / "regimens" / "anlotinib-sts.toml"
    text = bundled.read_text(encoding="utf-8")
    text = text.replace(
        'instruction = "before breakfast"', 'instruction = "<script>alert(1)</script>"', 1
    )
    text = text.replace('instruction_zh = "早餐前服用"', 'instruction_zh = "<script>x</script>"')
    regimen = tmp_path / "evil.toml"
    regimen.write_text(text, encoding="utf-8")
    log = "date,term,grade,note\n2022-01-05,hypertension,3,<script>alert(2)</script>\n"
    for lang in ("en", "zh"):
        page = _page(
            run, tmp_path, str(regimen), "--start", "2022-01-03", "--cycles", "1",
            "--lang", lang, log=log,
        )  # fmt: skip
        assert "<script" not in page
        assert "&lt;script&gt;" in page
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page  # the AE-log note is shown


def test_regimen_file_chinese_texts_are_checked_like_the_english(run, tmp_path):
    from tests.helpers import one_error_line

    bundled = Path(__file__).parents[1] / "regimens" / "anlotinib-sts.toml"
    text = bundled.read_text(encoding="utf-8")
    for bad, key in (
        ('instruction_zh = "早餐前服用"', "instruction_zh = 3"),
        ('missed_dose_zh = "', 'missed_dose_zh = "12 mg qd '),
        ('drug_zh = "安罗替尼"', 'drug_zh = ""'),
    ):
        path = tmp_path / "r.toml"
        path.write_text(text.replace(bad, key, 1), encoding="utf-8")
        r = run("show", str(path))
        line = one_error_line(r)
        assert key.split(" ")[0] in line, line

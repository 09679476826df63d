"""The bundled pazopanib and everolimus regimens (issue 12, item 9), infusion wording and the
dose basis in HTML and iCalendar (issue 12, item 7).

Expected values are worked out by hand from the regimen files' rules, which restate the labels
(VOTRIENT: 800 mg once daily, soft-tissue sarcoma reductions 600 mg then 400 mg; AFINITOR: 10 mg
once daily, reductions about 50%: 5 mg then 2.5 mg), and from docs/dose-modification.md:
a hold starts on the AE date (that day held) and ends on the date of the recovery row (that
day's dose given); "resume lower" at the lowest level discontinues on the AE date; a maximum
hold with no recovery row discontinues on hold start + D days. Continuous dosing is laid out as
28-day cycles of days 1-28: from 2022-01-03, cycle 1 runs to 2022-01-30 and cycle 2 from
2022-01-31 to 2022-02-27.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
from pathlib import Path

import pytest

from regimen.export.words import Words
from regimen.loading import bundled_ids, load_regimen, parse_regimen
from tests.helpers import khal_config, khal_import, khal_list

START = ["--start", "2022-01-03"]
BODY = ["--height", "170cm", "--weight", "70kg"]
REGIMEN_DIR = Path(__file__).parents[1] / "regimens"


def _days(first: str, last: str) -> list[str]:
    a, b = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(a + dt.timedelta(days=i)).isoformat() for i in range((b - a).days + 1)]


def _plan(run, rid: str, *extra: str, log: str | None = None, tmp_path: Path | None = None):
    argv = ["calendar", rid, *START, "--cycles", "2", *extra, "--format", "json"]
    if log is not None:
        assert tmp_path is not None
        path = tmp_path / "log.csv"
        path.write_text(log, encoding="utf-8")
        argv += ["--ae-log", str(path)]
    r = run(*argv)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def _doses(plan: dict) -> dict[str, float]:
    return {e["date"]: e["dose"]["value"] for e in plan["events"] if e["kind"] == "dose"}


def _held(plan: dict) -> list[str]:
    return [e["date"] for e in plan["events"] if e["kind"] == "held"]


# --- the files load, validate and lay out as written ------------------------------------------


@pytest.mark.parametrize("rid", ["pazopanib", "everolimus"])
def test_bundled_and_valid(run, rid: str) -> None:
    assert rid in bundled_ids()
    load_regimen(rid)
    r = run("validate", str(REGIMEN_DIR / f"{rid}.toml"))
    assert r.exit_code == 0, r.stdout + r.stderr


@pytest.mark.parametrize("rid", ["pazopanib", "everolimus"])
def test_every_rule_names_its_source_and_kind(rid: str) -> None:
    """Every rule rests on a source of a stated kind; a rule the label text did not confirm
    says UNCONFIRMED in its review text, so none of its decisions is presented as settled."""
    (course,) = load_regimen(rid).drugs
    assert course.rules
    for rule in course.rules:
        assert rule.source.kind.value in ("label", "consensus", "protocol", "local")
        if "UNCONFIRMED" in rule.review:
            assert rule.review.startswith("UNCONFIRMED") or "UNCONFIRMED:" in rule.review


@pytest.mark.parametrize(
    ("rid", "mg", "levels", "strengths", "tablets"),
    [
        # VOTRIENT: 800 mg = four 200 mg tablets once daily; 28 days x 4 = 112 tablets a cycle.
        ("pazopanib", 800, [800, 600, 400], [200], "112 x 200 mg tablets"),
        # AFINITOR: 10 mg once daily from one 10 mg tablet; 28 a cycle.
        ("everolimus", 10, [10, 5, 2.5], [10, 7.5, 5, 2.5], "28 x 10 mg tablets"),
    ],
)
def test_two_cycles_by_hand(run, rid, mg, levels, strengths, tablets) -> None:
    (course,) = load_regimen(rid).drugs
    assert [float(q.magnitude) for q in course.dose_levels] == levels
    assert [float(q.magnitude) for q in course.strengths] == strengths
    assert (course.route, course.frequency, course.cycle_length) == ("oral", "once daily", 28)
    plan = _plan(run, rid)
    doses = _doses(plan)
    assert sorted(doses) == _days("2022-01-03", "2022-02-27")  # every day, 56 days
    assert set(doses.values()) == {mg}
    labels = {e["date"]: (e["cycle"], e["day"]) for e in plan["events"]}
    assert labels["2022-01-03"] == (1, 1)
    assert labels["2022-01-30"] == (1, 28)
    assert labels["2022-01-31"] == (2, 1)
    assert labels["2022-02-27"] == (2, 28)
    text = run("calendar", rid, *START, "--cycles", "2").stdout
    assert f"2022-01-31 Mon  {rid}: cycle 2 day 1: {mg} mg oral once daily" in text
    dose = run("dose", rid, *START, "--cycles", "2").stdout
    assert f"cycle 1: {tablets}" in dose
    assert f"planned:   {mg * 56:g} mg over 56 dosing days (2 cycles)" in dose


# --- adverse-event scenarios, worked out from the files' rules ---------------------------------


def _decisions(plan: dict) -> list[tuple[str, str, bool]]:
    return [(d["date"], d["action"], d["needs_review"]) for d in plan["decisions"]]


def test_pazopanib_hypertensive_crisis_discontinues(run, tmp_path) -> None:
    # Hypertension grade 4 (hypertensive crisis): discontinue (label, 2011): no dose from the
    # AE date; doses 01-03 to 01-09 given. A settled label rule: no review.
    plan = _plan(run, "pazopanib", log="date,term,grade\n2022-01-10,hypertension,4\n",
                 tmp_path=tmp_path)  # fmt: skip
    assert _decisions(plan) == [("2022-01-10", "discontinue", False)]
    assert plan["decisions"][0]["source"] == {"key": "label2011", "kind": "label"}
    assert sorted(_doses(plan)) == _days("2022-01-03", "2022-01-09")


def test_pazopanib_bleed_grade_2_resumes_at_600_mg_for_review(run, tmp_path) -> None:
    # Bleeding grade 2: hold until grade 1 or lower, resume one level lower (800 -> 600 mg);
    # the rule is UNCONFIRMED against the current label: its decisions need review.
    log = "date,term,grade\n2022-01-10,epistaxis,2\n2022-01-14,epistaxis,1\n"
    plan = _plan(run, "pazopanib", log=log, tmp_path=tmp_path)
    assert _decisions(plan) == [("2022-01-10", "hold", True), ("2022-01-14", "resume", True)]
    assert _held(plan) == _days("2022-01-10", "2022-01-13")
    doses = _doses(plan)
    assert all(doses[d] == 800 for d in _days("2022-01-03", "2022-01-09"))
    assert all(doses[d] == 600 for d in _days("2022-01-14", "2022-02-27"))


def test_pazopanib_bleed_grade_2_at_400_mg_discontinues(run, tmp_path) -> None:
    # At 400 mg, the lowest level, "resume lower" discontinues on the AE date (the label: stop
    # if the second reduction is not tolerated).
    log = "date,term,grade\n2022-01-10,epistaxis,2\n"
    plan = _plan(run, "pazopanib", "--start-dose", "pazopanib=400mg", log=log,
                 tmp_path=tmp_path)  # fmt: skip
    assert _decisions(plan) == [("2022-01-10", "discontinue", True)]
    assert set(_doses(plan).values()) == {400}
    assert max(_doses(plan)) == "2022-01-09"


def test_pazopanib_unlisted_event_is_no_rule_for_review(run, tmp_path) -> None:
    # No rule covers hypertension grade 3 (the label's row was not confirmed): dose unchanged,
    # listed for review.
    plan = _plan(run, "pazopanib", log="date,term,grade\n2022-01-10,hypertension,3\n",
                 tmp_path=tmp_path)  # fmt: skip
    assert _decisions(plan) == [("2022-01-10", "no rule", True)]
    assert set(_doses(plan).values()) == {800} and len(_doses(plan)) == 56
    assert plan["needs_review"][0]["date"] == "2022-01-10"


def test_everolimus_stomatitis_grade_3_resumes_at_5_mg(run, tmp_path) -> None:
    # Stomatitis (CTCAE Mucositis oral) grade 3: hold until grade 1 or lower, resume about 50%
    # lower (10 -> 5 mg). Label rule: no review.
    log = "date,term,grade\n2022-01-10,stomatitis,3\n2022-01-13,stomatitis,1\n"
    plan = _plan(run, "everolimus", log=log, tmp_path=tmp_path)
    assert _decisions(plan) == [("2022-01-10", "hold", False), ("2022-01-13", "resume", False)]
    assert _held(plan) == _days("2022-01-10", "2022-01-12")
    doses = _doses(plan)
    assert doses["2022-01-09"] == 10 and doses["2022-01-13"] == 5 and doses["2022-02-27"] == 5


def test_everolimus_stomatitis_grade_2_resumes_at_the_same_dose(run, tmp_path) -> None:
    # Grade 2 (a first occurrence): hold until grade 1 or lower, resume at the same dose; a
    # recurrence would resume lower, which the rules cannot tell: review.
    log = "date,term,grade\n2022-01-10,stomatitis,2\n2022-01-12,stomatitis,0\n"
    plan = _plan(run, "everolimus", log=log, tmp_path=tmp_path)
    assert _decisions(plan) == [("2022-01-10", "hold", True), ("2022-01-12", "resume", True)]
    assert _held(plan) == ["2022-01-10", "2022-01-11"]
    assert set(_doses(plan).values()) == {10}


def test_everolimus_pneumonitis_grade_2_without_recovery_stops_after_4_weeks(run, tmp_path):
    # Pneumonitis grade 2: hold, maximum 28 days: no recovery row by 2022-01-10 + 28 d =
    # 2022-02-07, so discontinued on 2022-02-07. Held days: the rest of cycle 1 (01-10 to
    # 01-30); the hold is still in force on cycle 2's planned day 1 (01-31), which waits for
    # the hold to end, so cycle 2 never starts: no event from 01-31.
    plan = _plan(run, "everolimus", log="date,term,grade\n2022-01-10,pneumonitis,2\n",
                 tmp_path=tmp_path)  # fmt: skip
    assert _decisions(plan) == [("2022-01-10", "hold", True), ("2022-02-07", "discontinue", True)]
    assert _held(plan) == _days("2022-01-10", "2022-01-30")
    assert max(e["date"] for e in plan["events"]) == "2022-01-30"
    assert max(_doses(plan)) == "2022-01-09"


def test_everolimus_metabolic_grade_2_continues(run, tmp_path) -> None:
    plan = _plan(run, "everolimus", log="date,term,grade\n2022-01-10,hyperglycemia,2\n",
                 tmp_path=tmp_path)  # fmt: skip
    assert _decisions(plan) == [("2022-01-10", "continue", False)]
    assert len(_doses(plan)) == 56


def test_everolimus_other_grade_3_at_2_5_mg_discontinues_for_review(run, tmp_path) -> None:
    # Any other event grade 3 resumes one level lower; at 2.5 mg, the lowest level, that
    # discontinues on the AE date (alternate-day dosing cannot be laid out): review.
    plan = _plan(run, "everolimus", "--start-dose", "everolimus=2.5mg",
                 log="date,term,grade\n2022-01-10,diarrhea,3\n", tmp_path=tmp_path)  # fmt: skip
    assert _decisions(plan) == [("2022-01-10", "discontinue", True)]
    assert max(_doses(plan)) == "2022-01-09"


def test_everolimus_neutropenia_grade_3_resumes_at_grade_2(run, tmp_path) -> None:
    # Neutrophil count decreased grade 3: hold until grade 2 or lower, resume at the same dose;
    # UNCONFIRMED row: review.
    log = "date,term,grade\n2022-01-10,neutrophil count decreased,3\n"
    log += "2022-01-12,neutrophil count decreased,2\n"
    plan = _plan(run, "everolimus", log=log, tmp_path=tmp_path)
    assert _decisions(plan) == [("2022-01-10", "hold", True), ("2022-01-12", "resume", True)]
    assert set(_doses(plan).values()) == {10}


# --- infusion wording -----------------------------------------------------------------------

GEM_DOC = ["gemcitabine-docetaxel", *START, "--cycles", "2", *BODY]


def test_regression_intravenous_course_reads_as_an_infusion_in_text(run) -> None:
    r = run("calendar", *GEM_DOC)
    assert r.exit_code == 0, r.stderr
    assert (
        "docetaxel: cycle 1 day 8: 181.8 mg as one intravenous infusion on day 8 of each "
        "21-day cycle, as an infusion in the day unit, after the day 8 gemcitabine"
    ) in r.stdout
    assert (
        "gemcitabine: cycle 1 day 1: 1636.3 mg as one intravenous infusion a day on days 1 "
        "and 8 of each 21-day cycle, as a 90-minute infusion in the day unit"
    ) in r.stdout
    assert "once every 21 days" not in r.stdout and "intravenous once daily" not in r.stdout
    shown = run("show", "gemcitabine-docetaxel").stdout
    assert "100 mg/m2 as one intravenous infusion on day 8 of each 21-day cycle" in shown


def _visible(page: str) -> str:
    text = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    text = re.sub(r"<[^>]+>", "\n", text)
    return "\n".join(line for line in html_lib.unescape(text).splitlines() if line.strip())


def _html(run, tmp_path: Path, *argv: str) -> str:
    out = tmp_path / "plan.html"
    r = run("calendar", *argv, "--format", "html", "-o", str(out), "--force")
    assert r.exit_code == 0, r.stderr
    return out.read_text(encoding="utf-8")


def test_regression_intravenous_course_reads_as_an_infusion_in_html(run, tmp_path) -> None:
    text = _visible(_html(run, tmp_path, *GEM_DOC))
    assert "as one intravenous infusion on day 8 of each 21-day cycle, as an infusion in" in text
    assert "as one intravenous infusion a day on days 1 and 8 of each 21-day cycle" in text
    assert "Cycles 1 to 2: 181.8 mg per infusion, day 8" in text
    assert "Cycles 1 to 2: 1636.3 mg per infusion, days 1 and 8" in text
    assert "once every 21 days" not in text and "once daily" not in text
    zh = _visible(_html(run, tmp_path, *GEM_DOC, "--lang", "zh"))
    assert "每21天为一个周期，每周期第8天静脉输注一次" in zh
    assert "每21天为一个周期，每周期第1、8天各静脉输注一次" in zh
    assert "第1至2周期：每次181.8 mg，第8天" in zh
    assert "每21天一次" not in zh and "每日一次" not in zh


def test_infusion_words_only_for_one_intravenous_dose_a_day() -> None:
    def course(route: str, frequency: str, days: str, instruction: str = ""):
        instruction = f'instruction = "{instruction}"' if instruction else ""
        text = f"""
name = "t"
[sources.s]
kind = "label"
citation = "c"
[[courses]]
id = "d"
type = "drug"
source = "s"
drug = "d"
route = "{route}"
frequency = "{frequency}"
{instruction}
dose_levels = ["10 mg"]
dosing_days = "{days}"
cycle_length = "21 d"
"""
        (c,) = parse_regimen(text, "t.toml", "t").drugs
        return c

    en, zh = Words("en"), Words("zh")
    assert en.infusion(course("oral", "once daily", "1-14")) is None
    assert en.infusion(course("intravenous", "twice daily", "1")) is None
    assert en.infusion(course("intravenous", "every other day", "1-7")) is None
    bolus = course("intravenous", "once every 21 days", "1", "as an intravenous injection")
    assert en.infusion(bolus) == "as one intravenous injection on day 1 of each 21-day cycle"
    assert zh.infusion(bolus) == "每21天为一个周期，每周期第1天静脉注射一次"
    five = course("intravenous", "once daily", "1-5")
    assert en.infusion(five) == (
        "as one intravenous infusion a day on days 1 to 5 of each 21-day cycle"
    )
    for words in (en, zh):  # safe notation: words, no abbreviations or symbols
        for c in (bolus, five):
            text = words.infusion(c) or ""
            assert not re.search(r"\b(qd|QD|IV|q\d+d)\b|<=|>=|->", text), text


# --- the dose basis in HTML and iCalendar -----------------------------------------------------

GEM_LINE = "gemcitabine 900 mg/m² x BSA 1.82 m² (Mosteller; 170 cm, 70 kg on 2022-01-03)"
DOC_LINE = "docetaxel 100 mg/m² x BSA 1.82 m² (Mosteller; 170 cm, 70 kg on 2022-01-03)"


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-print"])
def test_regression_html_shows_the_dose_basis(run, tmp_path, large: bool) -> None:
    extra = ["--large-print"] if large else []
    page = _html(run, tmp_path, *GEM_DOC, *extra)
    m = re.search(r">Instructions</h2>(.*?)</section>", page, flags=re.S)
    assert m is not None
    text = _visible(m.group(1))  # near the instructions, on their page
    assert "How the dose was worked out:" in text
    assert GEM_LINE in text and DOC_LINE in text
    zh = _visible(_html(run, tmp_path, *GEM_DOC, *extra, "--lang", "zh"))
    assert "剂量计算依据：" in zh
    assert re.search(re.escape(GEM_LINE) + r".*（仅有英文原文）", zh)
    flat = _visible(_html(run, tmp_path, "pazopanib", *START, "--cycles", "2"))
    assert "How the dose was worked out" not in flat


def _vevents(data: str) -> list[dict[str, str]]:
    unfolded = data.replace("\r\n ", "")
    out = []
    for block in unfolded.split("BEGIN:VEVENT\r\n")[1:]:
        props: dict[str, str] = {}
        for line in block.split("END:VEVENT")[0].split("\r\n"):
            if ":" in line:
                name, value = line.split(":", 1)
                props.setdefault(name.split(";")[0], value)
        out.append(props)
    return out


def _unescape(value: str) -> str:
    return value.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")


def test_regression_ics_dose_description_has_the_basis_of_its_level(run, tmp_path) -> None:
    out = tmp_path / "plan.ics"
    argv = [*GEM_DOC, "--start-dose", "gemcitabine=675mg/m2", "--with-drug-names"]
    r = run("calendar", *argv, "--format", "ics", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    data = out.read_bytes().decode("utf-8")  # CRLF kept
    assert "Dose basis: gemcitabine 675 mg/m² x BSA 1.82 m²" in data.replace("\r\n ", "")
    doses = [e for e in _vevents(data) if "mg:" in e["SUMMARY"]]
    assert len(doses) == 6  # gemcitabine days 1 and 8, docetaxel day 8, two cycles
    for event in doses:
        desc = _unescape(event["DESCRIPTION"])
        basis = [line for line in desc.split("\n") if line.startswith("Dose basis: ")]
        if event["SUMMARY"].startswith("Gemcitabine"):
            # 675 mg/m2 x 1.81812 m2 = 1227.23 mg, given as 1227.2 mg
            assert basis == [basis[0]] and "gemcitabine 675 mg/m²" in basis[0]
            assert "given as 1227.2 mg" in basis[0]
        else:
            assert basis == [basis[0]] and "docetaxel 100 mg/m²" in basis[0]
    # the escaped text still passes the linter
    check = run("check-ics", str(out), "--events", str(len(_vevents(data))))
    assert check.exit_code == 0, check.stdout + check.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "argv",
    [
        ["pazopanib", *START, "--cycles", "2"],
        ["everolimus", *START, "--cycles", "2"],
        GEM_DOC,
    ],
    ids=["pazopanib", "everolimus", "gemcitabine-docetaxel"],
)
def test_khal_reads_back(run, tmp_path, argv: list[str]) -> None:
    out = tmp_path / "plan.ics"
    r = run("calendar", *argv, "--format", "ics", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    plan = json.loads(run("calendar", *argv, "--format", "json").stdout)
    base = khal_config(tmp_path, ["plan"])
    khal_import(base, out, "plan")
    lines = khal_list(base, "2022-01-01", "2022-03-31", "{start-date} {title}")
    assert sorted(x.split()[0] for x in lines) == sorted(e["date"] for e in plan["events"])

"""A printable patient calendar: one self-contained HTML page, a month grid per month.

Inline CSS, no scripts, no network. Each day cell shows the fraction or the cycle and day with
the dose; held days and rest days are marked in words and symbols, not colour alone, so the
page reads in black and white; a dose change is flagged where it happens. The print stylesheet
puts one month on each page and fits both A4 and US Letter. ``lang="zh"`` gives the
patient-facing words in Chinese (the clinical content - doses, sources - is unchanged).
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape

from regimen.drugs import DrugCourse
from regimen.schedule import DayKind, DayState, Event, Plan
from regimen.units import format_quantity

WORDS = {
    "en": {
        "title": "Treatment calendar",
        "weekdays": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        "months": tuple(pycal.month_name[1:]),
        "legend": "Legend",
        "rt": "Radiotherapy",
        "dose": "Take your dose",
        "held": "HELD: do not take",
        "on_hold": "on hold",
        "waiting": "On hold: the next cycle waits for your doctor's go-ahead",
        "stopped": "Stopped on {date}: do not take",
        "rest": "Rest day (no dose)",
        "change": "Dose changed",
        "instructions": "Instructions",
        "missed": "If you miss a dose",
        "call": "When to call the clinic",
        "sources": "Sources",
        "notes": "Notes",
        "cycle_day": "C{cycle} D{day}",
        "fraction": "RT {n} of {total}",
        "how": "{dose} {route} {frequency}",
        "start": "Start",
        "decisions": "Dose changes",
        "month_fmt": "{month} {year}",
    },
    "zh": {
        "title": "治疗日历",
        "weekdays": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
        "months": tuple(f"{m}月" for m in range(1, 13)),
        "legend": "图例",
        "rt": "放疗",
        "dose": "按时服药",
        "held": "暂停：今天不服药",
        "on_hold": "暂停中",
        "waiting": "暂停中：下一周期等待医生确认后开始",
        "stopped": "已于{date}停药：不要服用",
        "rest": "休息日（不服药）",
        "change": "剂量已调整",
        "instructions": "用药说明",
        "missed": "漏服怎么办",
        "call": "何时联系医院",
        "sources": "参考文献",
        "notes": "说明",
        "cycle_day": "第{cycle}周期 第{day}天",
        "fraction": "放疗 第{n}/{total}次",
        "how": "{dose} {route} {frequency}",
        "start": "开始",
        "decisions": "剂量调整",
        "month_fmt": "{year}年{month}",
    },
}

CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans","Noto Sans CJK SC","Source Han Sans SC","PingFang SC",
 "Microsoft YaHei",Arial,sans-serif;color:#000;margin:16px;font-size:12px}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:0 0 6px}
h3{font-size:13px;margin:10px 0 4px}
.meta{margin:0 0 10px}
table.month{border-collapse:collapse;width:100%;table-layout:fixed}
.month th{border:1px solid #000;padding:3px;background:#eee;font-size:11px}
.month td{border:1px solid #000;vertical-align:top;height:26mm;padding:2px 3px;font-size:10px}
.month td.out{background:#f4f4f4;color:#999}
.num{font-weight:bold;font-size:11px}
.item{margin-top:2px;padding:1px 2px}
.fraction{border:1.5px solid #000}
.dose{border:1px solid #000;border-radius:6px}
.held{border:1.5px dashed #000;font-weight:bold}
.rest{color:#555;font-style:italic}
.change{font-weight:bold}
.legend span{display:inline-block;margin:2px 8px 2px 0;padding:1px 4px}
section.page{break-after:page;page-break-after:always}
section.page:last-of-type{break-after:auto;page-break-after:auto}
@page{margin:10mm}
.footer{font-size:10px}
.footer li{margin:1px 0}
@media print{body{margin:0;font-size:10px}.month td{height:19mm;font-size:9px}
 .footer{font-size:8.5px}h1{font-size:16px}h2{font-size:14px}}
"""


def _months(first: dt.date, last: dt.date) -> list[tuple[int, int]]:
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _item(plan: Plan, e: Event, words: Mapping[str, Sequence[str]], changed: bool) -> str:
    if e.kind == "fraction":
        label = str(words["fraction"]).format(n=e.fraction, total=e.fractions_total)
        dose = format_quantity(e.dose) if e.dose is not None else ""
        return f'<div class="item fraction">&#9632; {escape(label)}<br>{escape(dose)}</div>'
    label = str(words["cycle_day"]).format(cycle=e.cycle, day=e.day)
    course = plan.regimen.course(e.course)
    name = course.drug.capitalize() if isinstance(course, DrugCourse) else e.course
    dose = format_quantity(e.dose) if e.dose is not None else ""
    mark = f' <span class="change">&#9660; {escape(str(words["change"]))}</span>' if changed else ""
    return (
        f'<div class="item dose" data-course="{escape(e.course)}" data-state="dose">&#9679; '
        f"{escape(label)}<br>{escape(name)} {escape(dose)}{mark}</div>"
    )


def _state_item(state: DayState, words: Mapping[str, Sequence[str]]) -> str:
    """A drug course's day that is not a dose: held, rest, waiting, stopped (None: nothing)."""
    kind = state.kind
    attrs_ = f'data-course="{escape(state.course)}" data-state="{escape(kind.value)}"'
    if kind is DayKind.HELD:
        label = str(words["cycle_day"]).format(cycle=state.cycle, day=state.day)
        return (
            f'<div class="item held" {attrs_}>&#10005; {escape(label)}<br>'
            f"{escape(str(words['held']))}</div>"
        )
    if kind in (DayKind.REST, DayKind.REST_ON_HOLD):
        label = str(words["cycle_day"]).format(cycle=state.cycle, day=state.day)
        rest = escape(str(words["rest"]))
        if kind is DayKind.REST_ON_HOLD:
            rest += f"<br><b>{escape(str(words['on_hold']))}</b>"
        return f'<div class="item rest" {attrs_}>{escape(label)}<br>{rest}</div>'
    if kind is DayKind.WAITING:
        return f'<div class="item held" {attrs_}>&#10005; {escape(str(words["waiting"]))}</div>'
    if kind is DayKind.STOPPED:
        since = state.since.isoformat() if state.since else ""
        text = str(words["stopped"]).format(date=since)
        return f'<div class="item held" {attrs_}>&#9632; {escape(text)}</div>'
    return ""


def render(plan: Plan, lang: str = "en", large_print: bool = False) -> str:
    """The plan as one self-contained printable HTML page."""
    words = WORDS[lang]
    reg = plan.regimen
    by_date: dict[dt.date, list[Event]] = {}
    for e in plan.events:
        by_date.setdefault(e.date, []).append(e)
    changed = plan.dose_changes()
    drug_ids = [c.id for c in reg.drugs]

    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{escape(str(words['title']))}: {escape(reg.name)}</title>",
        f"<style>{CSS}</style></head><body>",
    ]
    first = plan.first_date or plan.start
    last = plan.last_date or plan.start
    months = _months(first, last)
    legend = (
        f'<p class="legend"><b>{escape(str(words["legend"]))}:</b> '
        f'<span class="fraction">&#9632; {escape(str(words["rt"]))}</span>'
        f'<span class="dose">&#9679; {escape(str(words["dose"]))}</span>'
        f'<span class="held">&#10005; {escape(str(words["held"]))}</span>'
        f'<span class="rest">{escape(str(words["rest"]))}</span>'
        f'<span class="change">&#9660; {escape(str(words["change"]))}</span></p>'
    )
    for i, (year, month) in enumerate(months):
        parts.append('<section class="page">')
        if i == 0:
            parts.append(f"<h1>{escape(str(words['title']))}</h1>")
            parts.append(
                f'<p class="meta">{escape(reg.name)}<br>'
                f"{escape(str(words['start']))}: {plan.start.isoformat()}</p>"
            )
        month_name = str(words["months"][month - 1])
        parts.append(
            f"<h2>{escape(str(words['month_fmt']).format(month=month_name, year=year))}</h2>"
        )
        parts.append(legend)
        parts.append('<table class="month"><thead><tr>')
        parts += [f"<th>{escape(w)}</th>" for w in words["weekdays"]]
        parts.append("</tr></thead><tbody>")
        for week in pycal.Calendar(firstweekday=0).monthdatescalendar(year, month):
            parts.append("<tr>")
            for day in week:
                if day.month != month:
                    parts.append('<td class="out"></td>')
                    continue
                cell = [f'<div class="num">{day.day}</div>']
                for e in by_date.get(day, []):
                    if e.kind != "held":  # held days come from the day state below
                        cell.append(_item(plan, e, words, (day, e.course) in changed))
                for cid in drug_ids:
                    item = _state_item(plan.day_state(cid, day), words)
                    if item:
                        cell.append(item)
                parts.append(f'<td data-date="{day.isoformat()}">{"".join(cell)}</td>')
            parts.append("</tr>")
        parts.append("</tbody></table>")
        if i == len(months) - 1:
            parts.append(_footer(plan, words))
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _footer(plan: Plan, words: Mapping[str, Sequence[str]]) -> str:
    reg = plan.regimen
    out = [f'<div class="footer"><h3>{escape(str(words["instructions"]))}</h3><ul>']
    for c in reg.drugs:
        how = f"{format_quantity(c.start_dose)} {c.route} {c.frequency}"
        if c.instruction:
            how += f", {c.instruction}"
        out.append(
            f"<li><b>{escape(c.drug.capitalize())}</b>: {escape(how)}; "
            f"{escape(c.dosing_days_text())}.</li>"
        )
        if c.missed_dose:
            out.append(f"<li>{escape(str(words['missed']))}: {escape(c.missed_dose)}</li>")
        if c.when_to_call:
            out.append(f"<li>{escape(str(words['call']))}: {escape(c.when_to_call)}</li>")
    for rt in reg.radiotherapy:
        phases = " + ".join(f"{p.technique}: {p}" for p in rt.phases)
        out.append(f"<li><b>{escape(str(words['rt']))}</b>: {escape(phases)}</li>")
    out.append("</ul>")
    if plan.decisions:
        out.append(f"<h3>{escape(str(words['decisions']))}</h3><ul>")
        for d in plan.decisions:
            after = format_quantity(d.dose_after) if d.dose_after is not None else "no dose"
            out.append(
                f"<li>{d.date.isoformat()}: {escape(d.course)}: {escape(d.action)}, "
                f"{escape(after)}. {escape(d.reason)}</li>"
            )
        out.append("</ul>")
    if plan.notes:
        out.append(f"<h3>{escape(str(words['notes']))}</h3><ul>")
        out += [f"<li>{escape(n)}</li>" for n in plan.notes]
        out.append("</ul>")
    out.append(f"<h3>{escape(str(words['sources']))}</h3><ol>")
    for s in reg.sources.values():
        doi = f" doi:{escape(s.doi)}" if s.doi else ""
        out.append(f"<li>[{escape(s.kind.value)}] {escape(s.citation)}{doi}</li>")
    out.append("</ol></div>")
    return "\n".join(out)

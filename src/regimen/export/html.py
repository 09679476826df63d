"""A printable patient calendar: one self-contained HTML page, a month grid per month.

Inline CSS, no scripts, no network. Each day cell shows the fraction or the cycle and day with
the dose; held days and rest days are marked in words and symbols, not colour alone, so the
page reads in black and white; a dose change is flagged where it happens. The print stylesheet
puts one month on each page (the instructions follow on a page of their own) and fits both A4
and US Letter.

The exporter renders what the plan says - its events, day states (:meth:`Plan.day_state`),
cycles and decisions - and decides nothing clinical itself: the instructions give the dose of
each cycle as the plan lays it out, and "stopped" from the plan's discontinuation date.

Type sizes: body text 11 pt and the grid 10 pt (screen and print); ``large_print`` sets body
text, grid and legend at 14 pt. ``lang="zh"`` writes every word of the tool's own in Chinese
(see :mod:`regimen.export.words`); a regimen file's texts are its ``*_zh`` texts when given,
else the English with a visible note.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
from collections.abc import Sequence
from html import escape

from regimen.drugs import DrugCourse
from regimen.export.calendar import basis_lines
from regimen.export.words import Words
from regimen.modification import Decision, DecisionKind
from regimen.schedule import DayKind, DayState, Event, Plan
from regimen.units import Quantity, format_quantity, magnitude

CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans","Noto Sans CJK SC","Source Han Sans SC","PingFang SC",
 "Microsoft YaHei",Arial,sans-serif;color:#000;margin:16px;font-size:11pt;line-height:1.25}
h1{font-size:18pt;margin:0 0 2px}
h2{font-size:15pt;margin:0 0 4px}
h3{font-size:12pt;margin:10px 0 4px}
.meta{margin:0 0 6px}
.legend{margin:0 0 6px;font-size:10pt}
table.month{border-collapse:collapse;width:100%;table-layout:fixed}
.month tr{break-inside:avoid;page-break-inside:avoid}
.month th{border:1px solid #000;padding:2px;background:#eee;font-size:10pt}
.month td{border:1px solid #000;vertical-align:top;height:27mm;padding:2px 3px;font-size:10pt;
 line-height:1.15;overflow-wrap:break-word;hyphens:auto}
.month td.out{background:#f4f4f4}
.num{font-weight:bold;font-size:11pt}
.num .cd{font-weight:normal;font-size:10pt}
.q{white-space:nowrap}
.item{margin-top:2px;padding:1px 2px}
.fraction{border:1.5px solid #000}
.dose{border:1px solid #000;border-radius:6px}
.held{border:1.5px dashed #000;font-weight:bold}
.rest{color:#333;font-style:italic}
.change{font-weight:bold}
.legend span{display:inline-block;margin:1px 6px 1px 0;padding:0 4px}
section.page{break-after:page;page-break-after:always}
section.page:last-of-type{break-after:auto;page-break-after:auto}
.footer ul,.footer ol{margin:0 0 6px;padding-left:1.4em}
.footer li{margin:2px 0}
p.basis{margin:4px 0 0}
ul.basis{margin:0 0 4px}
.footer ul ul{margin:2px 0}
@page{margin:10mm}
@media print{body{margin:0}}
body.large{font-size:14pt;line-height:1.2}
.large h1{font-size:20pt}
.large h2{font-size:17pt}
.large h3{font-size:15pt}
.large .legend,.large .month th,.large .month td,.large .num,.large .num .cd{font-size:14pt}
.large .month td{height:18mm;padding:1px 2px;line-height:1.1}
.large .item{margin-top:1px;padding:0 1px}
"""


def _months(first: dt.date, last: dt.date) -> list[tuple[int, int]]:
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _fmt(q: Quantity | None) -> str:
    return format_quantity(q) if q is not None else ""


def _q(q: Quantity | None) -> str:
    """A dose, its number and unit kept on one line."""
    return f'<span class="q">{escape(_fmt(q))}</span>' if q is not None else ""


def _label(state: DayState, w: Words) -> str:
    return w("cycle_day", cycle=state.cycle, day=state.day) if state.cycle is not None else ""


#: A missed fraction (RT log), in each language of :class:`Words`.
MISSED = {"en": "missed", "zh": "未做"}


def _fraction_item(e: Event, w: Words) -> str:
    label = w("fraction", n=e.fraction, total=e.fractions_total)
    if e.status == "missed":
        why = f" ({escape(e.reason)})" if e.reason else ""
        missed = escape(MISSED.get(w.lang, MISSED["en"]))
        return f'<div class="item held missed">&#10005; {escape(label)}: <b>{missed}</b>{why}</div>'
    return f'<div class="item fraction">&#9632; {escape(label)}<br>{_q(e.dose)}</div>'


def _drug_item(state: DayState, w: Words, name: str, label: bool, changed: bool) -> str:
    """A drug course's day: dose, held, rest, waiting, stopped ("": nothing to show).

    ``name``: the drug's name, shown on every kind of day when the regimen has several drugs
    (always on a dose day); ``label``: the cycle and day inside the item (else the cell shows
    them once, for every drug)."""
    kind = state.kind
    attrs_ = f'data-course="{escape(state.course)}" data-state="{escape(kind.value)}"'
    cd = f"{escape(_label(state, w))}<br>" if label and state.cycle is not None else ""
    who = f"{escape(name)}{escape(w('colon'))}" if name else ""
    if kind is DayKind.DOSE:
        assert state.event is not None  # noqa: S101 - a dose day has its event
        mark = f' <span class="change">&#9660; {escape(w("change"))}</span>' if changed else ""
        dose = escape(_fmt(state.event.dose))
        return (
            f'<div class="item dose" {attrs_}>{cd}{escape(name)} '
            f'<span class="q">&#9679; {dose}</span>{mark}</div>'
        )
    if kind is DayKind.HELD:
        held = escape(w("held_named" if name else "held"))
        return f'<div class="item held" {attrs_}>{cd}{who}&#10005; {held}</div>'
    if kind in (DayKind.REST, DayKind.REST_ON_HOLD):
        rest = escape(w("rest_named" if name else "rest"))
        if kind is DayKind.REST_ON_HOLD:
            rest += f", <b>{escape(w('on_hold'))}</b>"
        return f'<div class="item rest" {attrs_}>{cd}{who}{rest}</div>'
    if kind is DayKind.WAITING:
        return f'<div class="item held" {attrs_}>{who}&#10005; {escape(w("waiting"))}</div>'
    if kind is DayKind.STOPPED:
        since = state.since.isoformat() if state.since else ""
        text = escape(w("stopped", date=since))
        return f'<div class="item held" {attrs_}>{who}&#9632; {text}</div>'
    return ""


def _cell(
    plan: Plan,
    day: dt.date,
    events: Sequence[Event],
    w: Words,
    changed: frozenset[tuple[dt.date, str]],
) -> str:
    """One day of the grid: the date, then each course's item."""
    drugs = plan.regimen.drugs
    states = [plan.day_state(c.id, day) for c in drugs]
    labels = {_label(s, w) for s in states if s.cycle is not None and _shown(s)}
    shared = len(labels) == 1
    head = f'<div class="num">{day.day}'
    if shared:
        head += f' <span class="cd">{escape(labels.pop())}</span>'
    cell = [head + "</div>"]
    cell += [_fraction_item(e, w) for e in events if e.kind == "fraction"]
    for course, state in zip(drugs, states, strict=True):
        several = len(drugs) > 1 or state.kind is DayKind.DOSE
        name = w.drug(course) if several else ""
        item = _drug_item(state, w, name, not shared, (day, course.id) in changed)
        if item:
            cell.append(item)
    return "".join(cell)


def _shown(state: DayState) -> bool:
    return state.kind in (DayKind.DOSE, DayKind.HELD, DayKind.REST, DayKind.REST_ON_HOLD)


def render(plan: Plan, lang: str = "en", large_print: bool = False) -> str:
    """The plan as one self-contained printable HTML page."""
    w = Words(lang)
    reg = plan.regimen
    by_date: dict[dt.date, list[Event]] = {}
    for e in plan.events:
        by_date.setdefault(e.date, []).append(e)
    changed = plan.dose_changes()

    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{escape(w('title') + w('colon') + reg.name)}</title>",
        f"<style>{CSS}</style></head>",
        '<body class="large">' if large_print else "<body>",
    ]
    first = plan.first_date or plan.start
    last = plan.last_date or plan.start
    legend = (
        f'<p class="legend"><b>{escape(w("legend") + w("colon"))}</b>'
        f'<span class="fraction">&#9632; {escape(w("rt"))}</span>'
        f'<span class="dose">&#9679; {escape(w("dose"))}</span>'
        f'<span class="held">&#10005; {escape(w("held"))}</span>'
        f'<span class="rest">{escape(w("rest"))}</span>'
        f'<span class="change">&#9660; {escape(w("change"))}</span></p>'
    )
    parts.append('<section class="page intro">')
    parts.append(f"<h1>{escape(w('title'))}</h1>")
    parts.append(
        f'<p class="meta">{escape(w.given(reg.name, ""))}<br>'
        f"{escape(w('start') + w('colon'))}{plan.start.isoformat()}</p>"
    )
    parts.append(_instructions(plan, w))
    parts.append("</section>")
    for year, month in _months(first, last):
        parts.append('<section class="page month">')
        parts.append(f"<h2>{escape(w.month(month, year))}</h2>")
        parts.append(legend)
        parts.append('<table class="month"><thead><tr>')
        parts += [f"<th>{escape(d)}</th>" for d in w.weekdays]
        parts.append("</tr></thead><tbody>")
        for week in pycal.Calendar(firstweekday=0).monthdatescalendar(year, month):
            parts.append("<tr>")
            for day in week:
                if day.month != month:
                    parts.append('<td class="out"></td>')
                    continue
                cell = _cell(plan, day, by_date.get(day, []), w, changed)
                parts.append(f'<td data-date="{day.isoformat()}">{cell}</td>')
            parts.append("</tr>")
        parts.append("</tbody></table>")
        parts.append("</section>")
    parts.append('<section class="page footer">')
    parts.append(_footer(plan, w))
    parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# -- the instructions: the dose of each cycle, as the plan lays it out ---------------------------


def _runs(events: Sequence[Event]) -> list[list[Event]]:
    """Consecutive dosing days of one cycle with the same state and dose."""
    runs: list[list[Event]] = []
    for e in events:
        key = (e.kind, magnitude(e.dose, "mg") if e.dose is not None else None)
        prev = runs[-1][-1] if runs else None
        if (
            prev is not None
            and (
                prev.kind,
                magnitude(prev.dose, "mg") if prev.dose is not None else None,
            )
            == key
        ):
            runs[-1].append(e)
        else:
            runs.append([e])
    return runs


def _cycle_lines(plan: Plan, course: DrugCourse, w: Words) -> list[str]:
    """One line per cycle (identical consecutive cycles as one line): the dose in force on its
    dosing days, days on hold, a moved day 1; then "stopped on" or "waiting" from the plan."""
    by_cycle: dict[int, list[Event]] = {}
    for e in plan.course_events(course.id):
        if e.cycle is not None:
            by_cycle.setdefault(e.cycle, []).append(e)
    cycles = sorted((c for c in plan.cycles if c.course == course.id), key=lambda c: c.number)
    groups: list[tuple[int, int, str]] = []  # first cycle, last cycle, what
    for cyc in cycles:
        what: list[str] = []
        if cyc.day1 != cyc.planned_day1:
            what.append(
                w("moved", planned=cyc.planned_day1.isoformat(), actual=cyc.day1.isoformat())
            )
        for run in _runs(sorted(by_cycle.get(cyc.number, []), key=lambda e: e.date)):
            lo, hi = run[0].day or 0, run[-1].day or 0
            run_days = [d for d in course.dosing_days if lo <= d <= hi]
            if run[0].kind == "dose":
                what.append(w.dose_run(course, _fmt(run[0].dose), run_days))
            else:
                what.append(w("held_run", days=w.days(run_days)))
        if not what:
            continue
        text = w("part_sep").join(what)
        if groups and groups[-1][2] == text and groups[-1][1] == cyc.number - 1:
            groups[-1] = (groups[-1][0], cyc.number, text)
        else:
            groups.append((cyc.number, cyc.number, text))
    lines = [
        (w("cycle_one", n=a) if a == b else w("cycle_range", a=a, b=b)) + w("colon") + text
        for a, b, text in groups
    ]
    outcome = plan.outcomes[course.id]
    if outcome.discontinued_on is not None:
        lines.append(w("stopped_line", date=outcome.discontinued_on.isoformat()))
    elif outcome.waiting_from is not None:
        n = cycles[-1].number + 1 if cycles else 1
        lines.append(w("waiting_line", n=n, date=outcome.waiting_from.isoformat()))
    return lines


def _basis(plan: Plan, course: DrugCourse, w: Words) -> str:
    """How each dose of a course dosed by body size was worked out (``basis_lines``: English
    only, so marked as such in Chinese); "" for a flat course."""
    lines = basis_lines(plan, course.id)
    if not lines:
        return ""
    note = "" if w.lang == "en" else w("english_only")
    items = "".join(f"<li>{escape(line + note)}</li>" for line in lines)
    return f'<p class="basis">{escape(w("basis") + w("colon"))}</p><ul class="basis">{items}</ul>'


def _instructions(plan: Plan, w: Words) -> str:
    """How to take each drug, cycle by cycle as the plan lays it out; radiotherapy."""
    reg = plan.regimen
    sep, colon = w("item_sep"), w("colon")
    out = [f'<h2>{escape(w("instructions"))}</h2><ul class="instructions">']
    for c in reg.drugs:
        infusion = w.infusion(c)
        head = [w.route(c.route)] if infusion is None else [infusion]
        if c.instruction:
            head.append(w.given(c.instruction, c.instruction_zh))
        if infusion is None:  # an infusion's words already name its cycle
            head.append(w("cycle_length", n=c.cycle_length))
        cycles = "".join(
            f'<li class="cycle">{escape(line)}</li>' for line in _cycle_lines(plan, c, w)
        )
        out.append(
            f'<li data-course="{escape(c.id)}"><b>{escape(w.drug(c))}</b>{escape(colon)}'
            f'{escape(sep.join(head))}<ul class="cycles">{cycles}</ul>{_basis(plan, c, w)}</li>'
        )
        if c.missed_dose:
            text = w.given(c.missed_dose, c.missed_dose_zh)
            out.append(
                f'<li class="missed">{escape(w("missed"))}{escape(colon)}{escape(text)}</li>'
            )
        if c.when_to_call:
            text = w.given(c.when_to_call, c.when_to_call_zh)
            out.append(f'<li class="call">{escape(w("call"))}{escape(colon)}{escape(text)}</li>')
    for rt in reg.radiotherapy:
        phases = w("part_sep").join(
            (p.technique or w("phase", n=k))
            + colon
            + w("fractions_of", n=p.fractions, dose=_fmt(p.dose_per_fraction))
            for k, p in enumerate(rt.phases, start=1)
        )
        out.append(f"<li><b>{escape(w('rt'))}</b>{escape(colon)}{escape(phases)}</li>")
    out.append("</ul>")
    return "\n".join(out)


def _footer(plan: Plan, w: Words) -> str:
    """Dose changes with their reasons, notes, sources."""
    reg = plan.regimen
    out: list[str] = []
    if plan.decisions:
        out.append(f'<h3>{escape(w("decisions"))}</h3><ul class="decisions">')
        out += [f"<li>{escape(_decision_text(plan, d, w))}</li>" for d in plan.decisions]
        out.append("</ul>")
    if plan.warnings:  # e.g. a stale weight accepted, a weight change since cycle 1
        names = {c.id: w.drug(c) for c in reg.drugs}
        out.append(f'<h3>{escape(w("warnings"))}</h3><ul class="warnings">')
        out += [f"<li>{escape(w.note(x, names, set()))}</li>" for x in plan.warnings]
        out.append("</ul>")
    if plan.notes:
        names = {c.id: w.drug(c) for c in reg.drugs}
        file_notes = {reg.start_rule(c.id).note for c in reg.courses} - {""}
        out.append(f"<h3>{escape(w('notes'))}</h3><ul>")
        out += [f"<li>{escape(w.note(n, names, file_notes))}</li>" for n in plan.notes]
        out.append("</ul>")
    out.append(f"<h3>{escape(w('sources'))}</h3><ol>")
    for s in reg.sources.values():
        doi = f" doi:{escape(s.doi)}" if s.doi else ""
        out.append(f"<li>[{escape(w.source_kind(s.kind))}] {escape(s.citation)}{doi}</li>")
    out.append("</ol>")
    return "\n".join(out)


def _decision_text(plan: Plan, d: Decision, w: Words) -> str:
    """A dose decision in the patient's words, from its kind, doses and AE row."""
    course = plan.regimen.course(d.course)
    name = w.drug(course) if isinstance(course, DrugCourse) else w("rt")
    fields: dict[str, object] = {
        "before": _fmt(d.dose_before),
        "after": _fmt(d.dose_after),
        "date": d.date.isoformat(),
        "cycle": "",
        "planned": "",
    }
    key: DecisionKind | str = d.kind
    if d.kind is DecisionKind.RESUME and (
        d.dose_before is not None
        and d.dose_after is not None
        and magnitude(d.dose_before, "mg") != magnitude(d.dose_after, "mg")
    ):
        key = "resume_changed"
    if d.kind is DecisionKind.DELAY:
        for c in plan.cycles:
            if c.course == d.course and c.day1 == d.date and c.planned_day1 != c.day1:
                fields.update(cycle=c.number, planned=c.planned_day1.isoformat())
    if d.kind is DecisionKind.CONTINUE and d.dose_after is None:
        key = DecisionKind.CONTINUE_HOLD
    colon = w("colon")
    text = f"{d.date.isoformat()}{colon}{name}{colon}"
    if d.event is not None:
        text += w("grade", term=d.event.term, grade=d.event.grade) + colon
    text += w.decision(key, **fields) + w("end")
    if d.source is not None:
        keys = list(plan.regimen.sources)
        title = d.source.title or d.source.key
        if d.source.key in keys:  # its number in the list of sources
            n = keys.index(d.source.key) + 1
            text += w("source", n=n, title=title, kind=w.source_kind(d.source.kind))
        else:
            text += w("source_plain", title=title)
    if d.event is not None and d.event.note:
        text += " " + w("note", note=d.event.note)
    if d.review:
        text += " " + w("review")
    return text

"""``regimen show``: a regimen described in plain text."""

from __future__ import annotations

from regimen.drugs import DrugCourse
from regimen.export.calendar import how_given
from regimen.export.words import Words
from regimen.radiotherapy import RadiotherapyCourse
from regimen.regimen import Regimen
from regimen.units import format_quantity


def _start(regimen: Regimen, course_id: str) -> str:
    rule = regimen.start_rule(course_id)
    if rule.after:
        text = f"starts {rule.gap} d after the last treatment day of {rule.after}"
        if rule.gap == 1:
            text = f"starts the day after the last treatment day of {rule.after}"
    elif rule.with_course:
        text = f"starts with {rule.with_course}"
        if rule.same_cycle:
            text += f" and shares its cycles (a day 1 of {rule.with_course} that moves moves it)"
    else:
        text = "starts on the plan's start date (--start)"
    return text + (f" ({rule.note})" if rule.note else "")


def describe(regimen: Regimen) -> str:
    """Every course, level, rule and source of ``regimen``."""
    out = [f"{regimen.id}: {regimen.name}"]
    if regimen.description:
        out += ["", " ".join(regimen.description.split())]
    for c in regimen.courses:
        out.append("")
        if isinstance(c, RadiotherapyCourse):
            out.append(f"[{c.id}] radiotherapy{': ' + c.name if c.name else ''}")
            for i, p in enumerate(c.phases, 1):
                out.append(
                    f"  phase {i}: {p.technique}, {p}, {p.per_day_text} ({p.treatment_days.value})"
                )
            out += [f"  warning: {w}" for w in c.warnings]
            if c.declared_total is not None:
                out.append(f"  declared total: {format_quantity(c.declared_total)}")
        elif isinstance(c, DrugCourse):
            out.append(
                f"[{c.id}] {c.drug}"
                + (f" ({c.name})" if c.name and c.name.lower() != c.drug else "")
            )
            levels = ", then ".join(format_quantity(q) for q in c.dose_levels)
            infusion = Words("en").infusion(c)  # names the days and the cycle itself
            out.append(
                f"  {format_quantity(c.start_dose)} {how_given(c)}"
                + (f", {c.dosing_days_text()}" if infusion is None else "")
                + (
                    f", {c.cycles} cycles"
                    if c.cycles
                    else ", open-ended (6 cycles laid out unless --cycles N)"
                )
            )
            out.append(
                f"  dose levels: {levels}"
                if c.can_reduce
                else "  no dose reductions: held or discontinued only"
            )
            if c.strengths:
                out.append("  strengths: " + ", ".join(format_quantity(q) for q in c.strengths))
            if c.missed_dose:
                out.append(f"  missed dose: {c.missed_dose}")
            for r in c.rules:
                out.append(f"  rule: {r.describe()} [{r.source.kind.value}: {r.source.key}]")
            for lab in c.lab_rules:
                out.append(
                    f"  lab rule: {lab.describe()} [{lab.source.kind.value}: {lab.source.key}]"
                )
            for limit in c.lifetime_limits:
                out.append(f"  lifetime limit: {limit.basis()}")
        out.append(f"  {_start(regimen, c.id)}")
    if regimen.notes:
        out.append("")
        out.append("Notes:")
        out += [f"  - {n}" for n in regimen.notes]
    out.append("")
    out.append("Sources:")
    for s in regimen.sources.values():
        doi = f" doi:{s.doi}" if s.doi else ""
        out.append(f"  [{s.key}, {s.kind.value}] {s.citation}{doi}")
    return "\n".join(out) + "\n"

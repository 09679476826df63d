"""AE scenarios worked out by hand from the written rules, run against the program.

``tests/data/scenarios/ae_scenarios.toml`` was written from docs/dose-modification.md and the
regimens' rules alone, by someone who did not read the code, before the program was run on it
(its header lists the conventions chosen where the rules are silent). Each scenario gives, per
course, the doses and held days as runs of dates, the actual day 1s, the status and
discontinuation date, and the decisions in order; this file checks the plan against them.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest

from regimen.loading import load_regimen, parse_ae_log
from regimen.modification import DecisionKind
from regimen.schedule import Plan, build_plan
from regimen.units import AMOUNT, format_quantity, parse_quantity

DATA = Path(__file__).parent / "data" / "scenarios" / "ae_scenarios.toml"
SCENARIOS: list[dict[str, Any]] = tomllib.loads(DATA.read_text(encoding="utf-8"))["scenario"]


def _runs(items: list[tuple[dt.date, str]]) -> list[str]:
    """Consecutive dates with the same text as ``FIRST..LAST TEXT`` (or ``DATE TEXT``)."""
    out: list[str] = []
    run: list[tuple[dt.date, str]] = []
    for date, text in [*items, (dt.date.max, "\0")]:
        if run and (text != run[-1][1] or (date - run[-1][0]).days != 1):
            first, last = run[0][0], run[-1][0]
            span = first.isoformat() if first == last else f"{first}..{last}"
            out.append(f"{span} {run[0][1]}".rstrip())
            run = []
        run.append((date, text))
    return out


def _plan(s: dict[str, Any]) -> Plan:
    reg = load_regimen(s["regimen"])
    start = dt.date.fromisoformat(s["start"])
    rows = parse_ae_log(s["ae_log"].strip() + "\n", s["id"], reg, start)
    doses = {}
    if s.get("start_dose"):
        cid, _, value = s["start_dose"].partition("=")
        doses[cid] = parse_quantity(value, AMOUNT, "start_dose")
    return build_plan(reg, start, cycles=s["cycles"], start_doses=doses, adverse_events=rows)


def _decision(d: Any) -> str:
    text = f"{d.date.isoformat()} {d.action}"
    if d.kind in (DecisionKind.RESUME, DecisionKind.REDUCE) and d.dose_after is not None:
        text += f" {format_quantity(d.dose_after)}"
    return text


def _observed(plan: Plan, course: str) -> dict[str, Any]:
    events = plan.course_events(course)
    out: dict[str, Any] = {
        "decisions": [_decision(d) for d in plan.decisions if d.course == course],
    }
    if course in plan.outcomes:
        outcome = plan.outcomes[course]
        last = plan.last_date or plan.start
        out["doses"] = _runs(
            [(e.date, format_quantity(e.dose)) for e in events if e.kind == "dose" and e.dose]
        )
        out["held"] = _runs([(e.date, "") for e in events if e.kind == "held"])
        out["day1"] = [c.day1.isoformat() for c in plan.cycles if c.course == course]
        out["status"] = plan.status(course, last).value
        stop = outcome.discontinued_on
        out["discontinued_on"] = stop.isoformat() if stop else ""
    return out


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_scenario_worked_by_hand(scenario: dict[str, Any]) -> None:
    plan = _plan(scenario)
    for course, expect in scenario["expect"].items():
        observed = _observed(plan, course)
        wanted = {k: v for k, v in expect.items() if k in observed}
        assert {k: observed[k] for k in wanted} == wanted, scenario["worked"]
    assert len(plan.needs_review) == scenario.get("needs_review", 0)


def test_the_table_covers_what_the_issue_asks() -> None:
    """At least 40 scenarios, over every bundled regimen with an AE-driven drug course."""
    assert len(SCENARIOS) >= 40
    assert {s["regimen"] for s in SCENARIOS} == {
        "anlotinib-sts",
        "anlotinib-pembrolizumab",
        "lms-rt-anlotinib",
    }
    kinds = {
        d.split()[1] if d.split()[1] != "continue" else " ".join(d.split()[1:3])
        for s in SCENARIOS
        for e in s["expect"].values()
        for d in e.get("decisions", [])
    }
    for kind in ("hold", "resume", "discontinue", "delay", "waiting"):
        assert kind in kinds

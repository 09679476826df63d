"""Text and JSON renderings of ``regimen gap`` (:mod:`regimen.gap`).

Pure formatting: the text writes every formula with its numbers substituted, so a physicist can
paste it into a chart; the JSON follows the contract in docs/design.md.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from regimen.export.rt_report import origin_data
from regimen.gap import RANKING_SOURCE, Fraction, GapReport, Late, Option, Tumour
from regimen.rt_report import Origin
from regimen.rtlog import convention_formula
from regimen.units import format_number, format_quantity, quantity, to_json, to_unit

AB = "α/β"
#: Places for derived values (BED, EQD2) in text: 0.01 Gy.
PLACES = 2
JSON_PLACES = 10

TITLES = {
    "weekend": "Treat on weekend days",
    "holiday": "Treat on public holidays",
    "twice-daily": "Two fractions a day",
    "higher-dose": "A higher dose per fraction, fewer fractions",
    "extra-fractions": "Extra fractions, a longer overall time",
    "none": "No compensation (reference)",
}


def _gy(value: float, places: int = PLACES) -> str:
    return format_quantity(quantity(value, "Gy"), places)


def _signed(value: float) -> str:
    text = _gy(value)
    return text if text.startswith("-") or text.startswith("0 ") else f"+{text}"


def _cite(origin: Origin) -> str:
    return f" ({origin.text()})"


# ---------------------------------------------------------------------------------------------
# text


def _terms_text(tumour: Tumour | Late, ab: str) -> str:
    parts = []
    for t in tumour.terms:
        d = format_quantity(to_unit(t.dose, "Gy"), 4)
        if t.h:
            parts.append(f"{t.fractions} x {d} x (1 + {d} x (1 + {format_number(t.h, 4)}) / {ab})")
        else:
            parts.append(f"{t.fractions} x {d} x (1 + {d} / {ab})")
    return " + ".join(parts)


def _time_text(report: GapReport, last: dt.date, overall: int) -> str:
    plus = " + 1 d" if report.settings.convention == "inclusive" else ""
    return f"T = {last.isoformat()} - {report.first_fraction.isoformat()}{plus} = {overall} d"


def _tumour_lines(report: GapReport, tumour: Tumour, indent: str, delta: bool) -> list[str]:
    t = report.tissues
    ab = format_quantity(to_unit(t.tumour_alpha_beta, "Gy"), 4)
    rate = format_quantity(t.rate.value, 4)
    tk = format_quantity(t.kickoff)
    change = (
        f" (change from the plan: {_signed(tumour.eqd2_t - report.plan_tumour.eqd2_t)})"
        if delta
        else ""
    )
    lines = [
        f"{indent}tumour ({AB} = {ab}): BED = {_terms_text(tumour, ab)} = {_gy(tumour.bed)}; "
        f"EQD2 = BED / (1 + 2 Gy / {AB}) = {_gy(tumour.bed)} / (1 + 2 Gy / {ab}) = "
        f"{_gy(tumour.eqd2)}",
    ]
    span = f"max(0, {tumour.overall_time} d - {tk})"
    if t.rate.name == "dprolif":
        lines.append(
            f"{indent}  EQD2_T = EQD2 - Dprolif x max(0, T - T_k) = {_gy(tumour.eqd2)} - {rate} x "
            f"{span} = {_gy(tumour.eqd2_t)}{change}; BED_T = EQD2_T x (1 + 2 Gy / {AB}) = "
            f"{_gy(tumour.eqd2_t)} x (1 + 2 Gy / {ab}) = {_gy(tumour.bed_t)}"
        )
    else:
        lines.append(
            f"{indent}  BED_T = BED - K x max(0, T - T_k) = {_gy(tumour.bed)} - {rate} x {span} = "
            f"{_gy(tumour.bed_t)}; EQD2_T = BED_T / (1 + 2 Gy / {AB}) = {_gy(tumour.bed_t)} / "
            f"(1 + 2 Gy / {ab}) = {_gy(tumour.eqd2_t)}{change}"
        )
    return lines


def _late_lines(report: GapReport, late: Late, indent: str, delta: bool) -> list[str]:
    ab = format_quantity(to_unit(report.tissues.late_alpha_beta, "Gy"), 4)
    change = (
        f" (change from the plan: {_signed(late.eqd2 - report.plan_late.eqd2)})" if delta else ""
    )
    return [
        f"{indent}late tissue ({AB} = {ab}): BED = {_terms_text(late, ab)} = {_gy(late.bed)}; "
        f"EQD2 = BED / (1 + 2 Gy / {AB}) = {_gy(late.bed)} / (1 + 2 Gy / {ab}) = {_gy(late.eqd2)}"
        f"{change}"
    ]


def _dates_text(fractions: Sequence[Fraction]) -> str:
    """``2026-11-09 (2 fractions), 2026-11-10 (2 fractions), 2026-11-16`` with each dose when
    it differs from the first."""
    days: dict[dt.date, list[Fraction]] = {}
    for f in fractions:
        days.setdefault(f.date, []).append(f)
    parts = []
    for date, day in days.items():
        text = date.isoformat()
        if len(day) > 1:
            text += f" ({len(day)} fractions)"
        parts.append(text)
    return ", ".join(parts)


def _parameter_lines(report: GapReport) -> list[str]:
    t = report.tissues
    rate_name = "Dprolif (Gy/d of EQD2)" if t.rate.name == "dprolif" else "K (Gy/d of BED)"
    half = (
        f"repair half-time T1/2 = {format_quantity(t.repair_half_time)}{_cite(t.half_time_origin)}"
        if t.repair_half_time is not None
        else "no repair half-time (twice-daily fractions are not offered)"
    )
    s = report.settings
    return [
        "Parameters:",
        f"  tumour {AB} = {format_quantity(to_unit(t.tumour_alpha_beta, 'Gy'), 4)}"
        f"{_cite(t.tumour_origin)}",
        f"  repopulation: {rate_name} = {format_quantity(t.rate.value, 4)}{_cite(t.rate.origin)}; "
        f"T_k = {format_quantity(t.kickoff)}{_cite(t.kickoff_origin)}",
        f"  late tissue {AB} = {format_quantity(to_unit(t.late_alpha_beta, 'Gy'), 4)}"
        f"{_cite(t.late_origin)}; {half}",
        f"  overall time T ({s.convention}: {convention_formula(s.convention)}); the tumour's BED "
        "assumes full repair between fractions (its incomplete repair is not credited)",
        f"  allowed: weekend days {'yes' if s.allow_weekends else 'no (--allow-weekends)'}, "
        f"public holidays {'yes' if s.allow_holidays else 'no (--allow-holidays)'}, "
        "twice-daily days "
        + ("no limit" if s.max_bid_days is None else f"at most {s.max_bid_days}")
        + f", {format_quantity(s.bid_interval)} apart",
    ]


def _higher_lines(report: GapReport, o: Option) -> list[str]:
    hd = o.higher
    if hd is None:
        return []
    t = report.tissues
    ab = format_quantity(to_unit(t.tumour_alpha_beta, "Gy"), 4)
    lab = format_quantity(to_unit(t.late_alpha_beta, "Gy"), 4)
    rate, tk = format_quantity(t.rate.value, 4), format_quantity(t.kickoff)
    span = f"max(0, {hd.overall_time} d - {tk})"
    if t.rate.name == "dprolif":
        target = (
            f"(EQD2_T of the plan + Dprolif x max(0, T - T_k)) x (1 + 2 Gy / {ab}) - BED given = "
            f"({_gy(report.plan_tumour.eqd2_t)} + {rate} x {span}) x (1 + 2 Gy / {ab}) - "
            f"{_gy(hd.tumour_bed_given)} = {_gy(hd.tumour_bed_needed)}"
        )
    else:
        target = (
            f"BED_T of the plan + K x max(0, T - T_k) - BED given = "
            f"{_gy(report.plan_tumour.bed_t)} + {rate} x {span} - {_gy(hd.tumour_bed_given)} = "
            f"{_gy(hd.tumour_bed_needed)}"
        )
    solve = "d = (α/β / 2) x (sqrt(1 + 4 x BED / (n x α/β)) - 1)"
    lines = [
        f"  {hd.fractions} fractions on the treatment days left before the planned last date "
        f"(T = {hd.overall_time} d); tumour BED they must give = {target}",
        f"  tumour-isoeffective dose: {solve} with n = {hd.fractions}, α/β = {ab}: "
        f"{_gy(hd.tumour_exact, 4)}, rounded up to 0.01 Gy: {_gy(hd.tumour_rounded)}",
    ]
    if hd.rounding == "up":
        lines.append(
            f"  chosen: {_gy(hd.chosen)} per fraction, rounded up so the tumour dose is not "
            f"lost; the late EQD2 ({_gy(hd.late_eqd2_if_rounded_up)}) stays at or below the "
            f"plan's ({_gy(report.plan_late.eqd2)})"
        )
    else:
        assert hd.late_exact is not None and hd.late_bed_left is not None  # noqa: S101
        tumour = o.tumour
        loss = tumour.eqd2_t - report.plan_tumour.eqd2_t if tumour is not None else 0.0
        lines += [
            f"  {_gy(hd.tumour_rounded)} per fraction would raise the late EQD2 to "
            f"{_gy(hd.late_eqd2_if_rounded_up)}, above the plan's {_gy(report.plan_late.eqd2)}",
            f"  late BED left = late BED of the plan - late BED given = "
            f"{_gy(report.plan_late.bed)} - {_gy(hd.late_bed_given)} = {_gy(hd.late_bed_left)}; "
            f"late-isoeffective dose: {solve} with n = {hd.fractions}, α/β = {lab}: "
            f"{_gy(hd.late_exact, 4)}",
            f"  chosen: {_gy(hd.chosen)} per fraction, the late-isoeffective dose rounded down "
            f"to 0.01 Gy so the late EQD2 does not exceed the plan's; the tumour loses "
            f"{_gy(-loss)} of EQD2_T",
        ]
    return lines


def _repair_lines(report: GapReport, o: Option) -> list[str]:
    if o.h is None or not o.bid_days:
        return []
    t = report.tissues
    assert t.repair_half_time is not None  # noqa: S101 - twice-daily needs one
    dt_, half = format_quantity(report.settings.bid_interval), format_quantity(t.repair_half_time)
    h = format_number(o.h, 4)
    ab = format_quantity(to_unit(t.late_alpha_beta, "Gy"), 4)
    bid = [f for f in o.fractions if f.h]
    d = format_quantity(to_unit(bid[0].dose, "Gy"), 4) if bid else ""
    cost = o.repair_cost(t.late_ab)
    return [
        f"  twice-daily days: {len(o.bid_days)} ({', '.join(d.isoformat() for d in o.bid_days)}),"
        f" the two fractions {dt_} apart",
        f"  incomplete repair (Thames), late tissue: theta = exp(-ln 2 x dt / T1/2) = "
        f"exp(-ln 2 x {dt_} / {half}) = {h}; H_2 = (2 / 2) x (theta / (1 - theta)) x "
        f"(2 - (1 - theta^2) / (1 - theta)) = theta = {h}",
        f"  late BED added by incomplete repair = fractions on those days x d x d x H_2 / {AB} = "
        f"{len(bid)} x {d} x {d} x {h} / {ab} = {_gy(cost)}",
    ]


def _option_lines(report: GapReport, index: int, o: Option) -> list[str]:
    head = f"{index}. {o.method}: {TITLES[o.method]}"
    if o.available:
        lines = [f"{head}: available"]
    else:
        lines = [f"{head}: not available: {o.why}"]
        if not o.closest:
            return lines
        lines.append("  closest schedule, for comparison (misses the planned last date):")
    if o.extra_days:
        lines.append(f"  extra treatment days: {', '.join(d.isoformat() for d in o.extra_days)}")
    lines += _repair_lines(report, o)
    lines += _higher_lines(report, o)
    if o.added:
        d = format_quantity(to_unit(o.fractions[-1].dose, "Gy"), 4)
        lines.append(
            f"  {o.added} fractions of {d} added (each added treatment day lengthens T), "
            f"until the tumour EQD2_T is at least the plan's {_gy(report.plan_tumour.eqd2_t)}"
        )
    if o.fractions:
        lines.append(f"  {len(o.fractions)} fractions after the gap: {_dates_text(o.fractions)}")
    if o.last_fraction is not None and o.overall_time is not None:
        lines.append(
            f"  last fraction {o.last_fraction.isoformat()}; "
            f"{_time_text(report, o.last_fraction, o.overall_time)}"
        )
    if o.tumour is not None:
        lines += _tumour_lines(report, o.tumour, "  ", True)
    if o.late is not None:
        lines += _late_lines(report, o.late, "  ", True)
    return lines


def render_text(report: GapReport) -> str:
    """The report as text: parameters, the plan, the log and each option with its formulas."""
    plan_last = report.planned_last
    out = [
        f"Gap compensation: {report.regimen}, course {report.course} (RT log {report.log})",
        "",
        RANKING_SOURCE,
        "",
        *_parameter_lines(report),
        "",
        f"Plan: {len(report.planned)} fractions, {report.planned[0].date.isoformat()} to "
        f"{plan_last.isoformat()}; " + _time_text_planned(report),
        *_tumour_lines(report, report.plan_tumour, "  ", False),
        *_late_lines(report, report.plan_late, "  ", False),
        "",
        f"RT log up to {report.decision.isoformat()} (its last row): {report.delivered} "
        f"fractions delivered, {report.missed} missed"
        + (
            f", {report.unlogged} treatment days without a row taken as given"
            if report.unlogged
            else ""
        )
        + f"; {report.remaining} fractions remain from "
        f"{(report.decision + dt.timedelta(days=1)).isoformat()}",
        "",
        "Options, in ranked order:",
    ]
    for i, o in enumerate(report.options, start=1):
        out += _option_lines(report, i, o)
    for note in report.notes:
        out.append(f"Note: {note}")
    for warning in report.warnings:
        out.append(f"Warning: {warning}")
    return "\n".join(out) + "\n"


def _time_text_planned(report: GapReport) -> str:
    plus = " + 1 d" if report.settings.convention == "inclusive" else ""
    return (
        f"T = {report.planned_last.isoformat()} - {report.planned[0].date.isoformat()}{plus} = "
        f"{report.plan_tumour.overall_time} d"
    )


# ---------------------------------------------------------------------------------------------
# JSON


def _q(value: float) -> dict[str, object]:
    return to_json(quantity(value, "Gy"), JSON_PLACES)


def _tumour_data(report: GapReport, t: Tumour | None, delta: bool) -> dict[str, Any] | None:
    if t is None:
        return None
    data: dict[str, Any] = {
        "bed": _q(t.bed),
        "eqd2": _q(t.eqd2),
        "bed_t": _q(t.bed_t),
        "eqd2_t": _q(t.eqd2_t),
    }
    if delta:
        data["delta_eqd2_t"] = _q(t.eqd2_t - report.plan_tumour.eqd2_t)
    return data


def _late_data(report: GapReport, late: Late | None, delta: bool) -> dict[str, Any] | None:
    if late is None:
        return None
    data: dict[str, Any] = {"bed": _q(late.bed), "eqd2": _q(late.eqd2)}
    if delta:
        data["delta_eqd2"] = _q(late.eqd2 - report.plan_late.eqd2)
    return data


def _option_data(report: GapReport, o: Option) -> dict[str, Any]:
    hd = o.higher
    half = report.tissues.repair_half_time
    return {
        "method": o.method,
        "available": o.available,
        "why": o.why or None,
        "closest": o.closest,
        "fractions": [f.date.isoformat() for f in o.fractions],
        "schedule": [
            {
                "date": f.date.isoformat(),
                "session": f.session,
                "dose": to_json(to_unit(f.dose, "Gy"), JSON_PLACES),
            }
            for f in o.fractions
        ],
        "last_fraction": o.last_fraction.isoformat() if o.last_fraction else None,
        "overall_time": {"value": o.overall_time, "unit": "d"}
        if o.overall_time is not None
        else None,
        "tumour": _tumour_data(report, o.tumour, True),
        "late": _late_data(report, o.late, True),
        "extra_days": [d.isoformat() for d in o.extra_days],
        "twice_daily_days": [d.isoformat() for d in o.bid_days],
        "incomplete_repair": {
            "h": o.h,
            "interval": to_json(report.settings.bid_interval),
            "repair_half_time": to_json(half),
        }
        if o.h is not None and half is not None and o.bid_days
        else None,
        "added_fractions": o.added,
        "dose_per_fraction": {
            "value": _q(hd.chosen),
            "rounding": hd.rounding,
            "tumour_isoeffective": _q(hd.tumour_exact),
            "tumour_isoeffective_rounded_up": _q(hd.tumour_rounded),
            "late_eqd2_if_rounded_up": _q(hd.late_eqd2_if_rounded_up),
            "late_isoeffective": _q(hd.late_exact) if hd.late_exact is not None else None,
        }
        if hd is not None
        else None,
    }


def render_data(report: GapReport) -> dict[str, Any]:
    """The ``gap`` JSON object (docs/design.md)."""
    t, s = report.tissues, report.settings
    return {
        "regimen": report.regimen,
        "course": report.course,
        "rt_log": report.log,
        "ranking_source": RANKING_SOURCE,
        "convention": s.convention,
        "parameters": {
            "tumour": {
                "alpha_beta": to_json(t.tumour_alpha_beta),
                "preset": origin_data(t.tumour_origin),
                "repopulation": {
                    "name": t.rate.name,
                    "rate": to_json(t.rate.value),
                    "preset": origin_data(t.rate.origin),
                },
                "kickoff": to_json(t.kickoff),
                "kickoff_preset": origin_data(t.kickoff_origin),
            },
            "late": {
                "alpha_beta": to_json(t.late_alpha_beta),
                "preset": origin_data(t.late_origin),
                "repair_half_time": to_json(t.repair_half_time)
                if t.repair_half_time is not None
                else None,
                "repair_half_time_preset": origin_data(t.half_time_origin),
            },
        },
        "settings": {
            "allow_weekends": s.allow_weekends,
            "allow_holidays": s.allow_holidays,
            "max_bid_days": s.max_bid_days,
            "bid_interval": to_json(s.bid_interval),
        },
        "plan": {
            "fractions": [f.date.isoformat() for f in report.planned],
            "first_fraction": report.planned[0].date.isoformat(),
            "last_fraction": report.planned_last.isoformat(),
            "overall_time": {"value": report.plan_tumour.overall_time, "unit": "d"},
            "convention": s.convention,
            "tumour": _tumour_data(report, report.plan_tumour, False),
            "late": _late_data(report, report.plan_late, False),
        },
        "log": {
            "last_row": report.decision.isoformat(),
            "delivered": report.delivered,
            "missed": report.missed,
            "given_without_row": report.unlogged,
            "remaining": report.remaining,
        },
        "options": [_option_data(report, o) for o in report.options],
        "warnings": list(report.warnings),
        "notes": list(report.notes),
    }


def render_json(report: GapReport) -> str:
    """:func:`render_data` as indented JSON."""
    return json.dumps(render_data(report), indent=2, ensure_ascii=False) + "\n"

"""Text and JSON renderings of the radiotherapy arithmetic (``bed``, ``isoeffect``, ``dose``).

Pure formatting of reports computed in :mod:`regimen.rt_report`: the text form writes each
formula with the numbers substituted, so a protocol author can paste it into a chart.
"""

from __future__ import annotations

import json
from typing import Any

from regimen.rt_report import BedReport, BedResult, IncompleteRepair, IsoeffectReport, Origin
from regimen.units import Dose, Quantity, format_number, format_quantity, to_json, to_unit

AB = "α/β"
#: Places for derived values (BED, EQD) in text: 0.01 Gy = 1 cGy.
DERIVED_PLACES = 2
#: Places for numbers in JSON: enough to be exact to well below a cGy, and free of float noise.
JSON_PLACES = 10


def _gy(q: Dose, places: int = 4) -> str:
    return format_quantity(to_unit(q, "Gy"), places)


def _d(q: Dose) -> str:
    return _gy(q, DERIVED_PLACES)


def _model_name(report: BedReport) -> str:
    if report.model == "lq-l":
        assert report.transition_dose is not None  # noqa: S101 - lq-l always has one
        return (
            "linear-quadratic-linear (LQ-L, Astrahan 2008), transition dose d_T = "
            f"{_gy(report.transition_dose)}"
        )
    return "linear-quadratic (LQ)"


def _phase_name(report: BedReport, index: int) -> str:
    p = report.phases[index]
    return p.technique or f"Phase {index + 1}"


def _phase_repair_lines(report: BedReport) -> list[str]:
    """A regimen's phases of 2 or 3 fractions a day: each one's H_m with its numbers, or why
    the late-tissue results are not computed; tumours assume full repair."""
    if not report.several_a_day:
        return []
    out: list[str] = []
    for i, ir in enumerate(report.phase_repairs):
        if ir is not None:
            out += _h_lines(ir, f"{_phase_name(report, i)}: ")
    if report.not_computed:
        out.append(
            "Incomplete repair (Thames): results for tissue other than a tumour "
            + report.not_computed[0].why.replace("not computed: ", "are not computed: ")
        )
    out.append(
        "  Other tissue: its BED includes H_m where a phase gives several fractions a day. "
        "Tumour: full repair between fractions is assumed (no H_m), as for one a day"
    )
    return out


def _h_lines(ir: IncompleteRepair, name: str = "") -> list[str]:
    """H_m of ``ir`` with its numbers."""
    m, dt, half = (
        ir.fractions_per_day,
        format_quantity(ir.interval),
        format_quantity(ir.repair_half_time),
    )
    theta, h = format_number(ir.theta, 4), format_number(ir.h, 4)
    return [
        f"Incomplete repair (Thames): {name}{m} fractions a day, {dt} apart; repair half-time "
        f"T1/2 = {half} ({ir.half_time_origin.text()})",
        f"  theta = exp(-ln 2 x dt / T1/2) = exp(-ln 2 x {dt} / {half}) = {theta}",
        f"  H_m = (2 / m) x (theta / (1 - theta)) x (m - (1 - theta^m) / (1 - theta)) = "
        f"(2 / {m}) x ({theta} / (1 - {theta})) x ({m} - (1 - {theta}^{m}) / (1 - {theta})) "
        f"= {h}",
    ]


def _repair_lines(report: BedReport) -> list[str]:
    """Thames's H_m with its numbers (twice- or thrice-daily fractions)."""
    ir = report.repair
    if ir is None:
        return _phase_repair_lines(report)
    return [
        *_h_lines(ir),
        "  Other tissue: its BED includes H_m. Tumour: its BED is given without H_m (its own "
        "repair half-time is not known here), and with H_m beside it",
    ]


def _result_lines(report: BedReport, r: BedResult) -> list[str]:
    ab = _gy(r.alpha_beta)
    label = "tumour" if r.tissue == "tumour" else ""
    if r.origin.preset is not None:
        label = f"{label}; {r.origin.text()}" if label else r.origin.text()
    lines = [f"{AB} = {ab}" + (f" ({label})" if label else "")]
    h = format_number(report.repair.h, 4) if report.repair is not None else ""
    for i, t in enumerate(r.terms):
        p = t.phase
        n, d = p.fractions, _gy(p.dose_per_fraction)
        name = _phase_name(report, i)
        if t.repair is not None:
            h = format_number(t.repair.h, 4)
        if report.repair is not None or t.repair is not None:
            lines.append(
                f"  {name}: BED = n x d x (1 + d x (1 + H_m) / ({AB})) = {n} x {d} x "
                f"(1 + {d} x (1 + {h}) / {ab}) = {_d(t.bed)}"
            )
        elif t.linear:
            assert report.transition_dose is not None  # noqa: S101 - linear implies lq-l
            dt = _gy(report.transition_dose)
            lines.append(
                f"  {name}: BED = n x [d_T x (1 + d_T / ({AB})) + (1 + 2 d_T / ({AB})) x (d - d_T)]"
                f" = {n} x [{dt} x (1 + {dt} / {ab}) + (1 + 2 x {dt} / {ab}) x ({d} - {dt})]"
                f" = {_d(t.bed)}"
            )
        else:
            lines.append(
                f"  {name}: BED = n x d x (1 + d / ({AB})) = {n} x {d} x (1 + {d} / {ab})"
                f" = {_d(t.bed)}"
            )
    if len(r.terms) > 1:
        lines.append("  BED = " + " + ".join(_d(t.bed) for t in r.terms) + f" = {_d(r.bed.value)}")
    lines.append(
        f"  EQD2 = BED / (1 + 2 Gy / ({AB})) = {_d(r.bed.value)} / (1 + 2 Gy / {ab}) = {_d(r.eqd2)}"
    )
    if r.with_repair is not None and r.with_repair_eqd2 is not None:
        lines.append(
            f"  With H_m (if the tumour repaired like the late tissue): BED = sum of n x d x "
            f"(1 + d x (1 + {h}) / {ab}) = {_d(r.with_repair.value)}, EQD2 = "
            f"{_d(r.with_repair.value)} / (1 + 2 Gy / {ab}) = {_d(r.with_repair_eqd2)}"
        )
    if r.eqd is not None and report.reference_dose is not None:
        x = _gy(report.reference_dose)
        lines.append(
            f"  EQD(x = {x}) = BED / (1 + x / ({AB})) = {_d(r.bed.value)} / (1 + {x} / {ab})"
            f" = {_d(r.eqd)}"
        )
    if r.corrected is not None and report.time is not None and r.k is not None:
        big_t = format_quantity(report.time.overall_time)
        tk = format_quantity(report.time.kickoff_time)
        k = format_quantity(r.k, 4)
        rate_from = report.time.rate_origin.text()
        how = f" (K {k}, {rate_from})"
        if report.time.dprolif is not None:
            how = (
                f" (K = Dprolif x (1 + 2 Gy / ({AB})) = "
                f"{format_quantity(report.time.dprolif)} x (1 + 2 Gy / {ab}) = {k}; Dprolif "
                f"{format_quantity(report.time.dprolif)} in Gy/d of EQD2, {rate_from})"
            )
        tk_from = f"T_k {tk}, {report.time.kickoff_origin.text()}"
        if report.time.applies:
            lines.append(
                f"  Time-corrected BED = BED - K x (T - T_k) = {_d(r.bed.value)}"
                f" - {k} x ({big_t} - {tk}) = {_d(r.corrected.value)}{how}; {tk_from}"
            )
            if r.corrected_eqd2 is not None:
                lines.append(
                    f"  Time-corrected EQD2 = BED_T / (1 + 2 Gy / ({AB})) = "
                    f"{_d(r.corrected.value)} / (1 + 2 Gy / {ab}) = {_d(r.corrected_eqd2)}"
                )
            if r.corrected_eqd is not None and report.reference_dose is not None:
                x = _gy(report.reference_dose)
                lines.append(
                    f"  Time-corrected EQD(x = {x}) = BED_T / (1 + x / ({AB})) = "
                    f"{_d(r.corrected.value)} / (1 + {x} / {ab}) = {_d(r.corrected_eqd)}"
                )
        else:
            lines.append(
                f"  Time-corrected BED = BED = {_d(r.corrected.value)}: T = {big_t} is not "
                f"beyond T_k = {tk} ({report.time.kickoff_origin.text()}), so there is no "
                "repopulation correction"
            )
    return lines


def bed_text(report: BedReport, title: str = "") -> str:
    """The ``bed`` report as text, formulas with numbers substituted."""
    lines = [title] if title else []
    lines.append(
        "Fractionation: "
        + " + ".join(
            f"{p}"
            + (f" ({p.technique})" if p.technique else "")
            + (f", {p.per_day_text}" if p.fractions_per_day > 1 else "")
            for p in report.phases
        )
    )
    lines.append(
        "Total physical dose = "
        + " + ".join(f"{p.fractions} x {_gy(p.dose_per_fraction)}" for p in report.phases)
        + f" = {_gy(report.total_dose)}"
    )
    lines.append(f"Model: {_model_name(report)}")
    lines.extend(_repair_lines(report))
    for r in report.results:
        lines.append("")
        lines.extend(_result_lines(report, r))
        if report.time is not None and r.tissue != "tumour":
            lines.append(
                "  No repopulation correction: this alpha/beta is not given as a tumour's "
                "(--tumour-alpha-beta); correcting late-responding tissue for repopulation "
                "would understate its BED"
            )
    for nc in report.not_computed:
        label = f" ({nc.origin.text()})" if nc.origin.preset is not None else ""
        lines += ["", f"{AB} = {_gy(nc.alpha_beta)}{label}", f"  BED, EQD2: {nc.why}"]
    if report.warnings:
        lines.append("")
        lines.extend(f"Warning: {w}" for w in report.warnings)
    lines.append("")
    lines.append(
        f"BED and EQD are in Gy of their own {AB}; values for different {AB} are never added."
    )
    return "\n".join(lines) + "\n"


def _q(q: Quantity, unit: str | None = None) -> dict[str, object]:
    return to_json(to_unit(q, unit) if unit else q, JSON_PLACES)


def origin_data(origin: Origin) -> dict[str, Any] | None:
    """A preset used for a value, ``{"name", "source", "origin", "confirmed"}``; None if given."""
    if origin.preset is None:
        return None
    return {
        "name": origin.preset,
        "source": origin.source,
        "origin": origin.origin,
        "confirmed": origin.confirmed,
    }


def _repair_data(ir: IncompleteRepair) -> dict[str, Any]:
    return {
        "h": round(ir.h, JSON_PLACES),
        "fractions_per_day": ir.fractions_per_day,
        "interval": _q(ir.interval),
        "repair_half_time": _q(ir.repair_half_time),
        "repair_half_time_preset": origin_data(ir.half_time_origin),
    }


def _phase_data(report: BedReport, i: int) -> dict[str, Any]:
    """A phase in ``bed``/``dose`` JSON; one of 2 or 3 fractions a day adds them, its
    interval and ``incomplete_repair`` (null when no repair half-time was given)."""
    p = report.phases[i]
    item: dict[str, Any] = {
        "technique": p.technique,
        "fractions": p.fractions,
        "dose_per_fraction": _q(p.dose_per_fraction),
        "total_dose": _q(p.total_dose),
    }
    if p.fractions_per_day > 1 and p.interval is not None:
        ir = report.phase_repairs[i] if report.phase_repairs else None
        item["fractions_per_day"] = p.fractions_per_day
        item["interval"] = _q(p.interval)
        item["incomplete_repair"] = _repair_data(ir) if ir is not None else None
    return item


def bed_data(report: BedReport) -> dict[str, Any]:
    """The ``bed`` JSON contract (docs/design.md)."""
    results = []
    for r in report.results:
        item: dict[str, Any] = {
            "alpha_beta": _q(r.alpha_beta, "Gy"),
            "bed": _q(r.bed.value, "Gy"),
            "eqd2": _q(r.eqd2, "Gy"),
            "phases": [{"technique": t.phase.technique, "bed": _q(t.bed, "Gy")} for t in r.terms],
        }
        if r.eqd is not None and report.reference_dose is not None:
            item["eqd"] = {
                "reference_dose": _q(report.reference_dose, "Gy"),
                "dose": _q(r.eqd, "Gy"),
            }
        item["tissue"] = r.tissue
        item["preset"] = origin_data(r.origin)
        if report.repair is not None or report.several_a_day:
            item["incomplete_repair_applied"] = r.repair_applied
        if r.with_repair is not None and r.with_repair_eqd2 is not None:
            item["with_incomplete_repair"] = {
                "bed": _q(r.with_repair.value, "Gy"),
                "eqd2": _q(r.with_repair_eqd2, "Gy"),
            }
        if r.corrected is not None and r.k is not None:
            item["time_corrected_bed"] = _q(r.corrected.value, "Gy")
            if r.corrected_eqd2 is not None:
                item["time_corrected_eqd2"] = _q(r.corrected_eqd2, "Gy")
            if r.corrected_eqd is not None and "eqd" in item:
                item["eqd"]["time_corrected_dose"] = _q(r.corrected_eqd, "Gy")
            item["k"] = _q(r.k)
        results.append(item)
    for nc in report.not_computed:
        results.append(
            {
                "alpha_beta": _q(nc.alpha_beta, "Gy"),
                "bed": None,
                "eqd2": None,
                "why": nc.why,
                "tissue": nc.tissue,
                "preset": origin_data(nc.origin),
            }
        )
    data: dict[str, Any] = {
        "model": report.model,
        "phases": [_phase_data(report, i) for i in range(len(report.phases))],
        "total_dose": _q(report.total_dose, "Gy"),
        "results": results,
        "warnings": list(report.warnings),
    }
    if report.transition_dose is not None:
        data["transition_dose"] = _q(report.transition_dose, "Gy")
    if report.time is not None:
        data["overall_time"] = _q(report.time.overall_time)
        data["kickoff_time"] = _q(report.time.kickoff_time)
        data["kickoff_preset"] = origin_data(report.time.kickoff_origin)
        rate = report.time.dprolif if report.time.dprolif is not None else report.time.k
        assert rate is not None  # noqa: S101 - TimeCorrection holds exactly one
        data["repopulation_rate"] = {
            "name": "dprolif" if report.time.dprolif is not None else "k",
            "rate": _q(rate),
            "preset": origin_data(report.time.rate_origin),
        }
    if report.repair is not None:
        data["incomplete_repair"] = _repair_data(report.repair)
    return data


def bed_json(report: BedReport) -> str:
    """The ``bed`` report as JSON text."""
    return json.dumps(bed_data(report), indent=2, ensure_ascii=False) + "\n"


def isoeffect_data(report: IsoeffectReport) -> dict[str, Any]:
    """The ``isoeffect`` JSON contract (docs/design.md)."""
    return {
        "target": {
            "alpha_beta": _q(report.target.alpha_beta, "Gy"),
            "bed": _q(report.target.value, "Gy"),
        },
        "solved": report.solved,
        "dose_per_fraction": _q(report.dose_per_fraction),
        "fractions_exact": round(report.fractions_exact, JSON_PLACES),
        "fractions": report.fractions,
        "rounding": report.rounding,
        "total_dose": _q(report.total_dose, "Gy"),
        "rounded_bed": (
            _q(report.rounded_bed.value, "Gy") if report.rounded_bed is not None else None
        ),
        "warnings": list(report.warnings),
    }


def isoeffect_json(report: IsoeffectReport) -> str:
    """The ``isoeffect`` report as JSON text."""
    return json.dumps(isoeffect_data(report), indent=2, ensure_ascii=False) + "\n"


def isoeffect_text(report: IsoeffectReport) -> str:
    """The ``isoeffect`` report as text, with the formula substituted."""
    ab = _gy(report.target.alpha_beta)
    schedule = " + ".join(str(p) for p in report.phases)
    lines = [f"Target: {schedule}, BED = {_d(report.target.value)} at {AB} = {ab}"]
    if report.solved == "fractions":
        d = _gy(report.dose_per_fraction)
        lines.append(
            f"n = BED / (d x (1 + d / ({AB}))) = {_d(report.target.value)}"
            f" / ({d} x (1 + {d} / {ab}))"
            f" = {format_number(report.fractions_exact, 2)} fractions"
        )
        how = {
            "exact": "exactly",
            "up": "rounded up",
            "down": "rounded down",
        }[report.rounding]
        lines.append(
            f"Rounded to {report.fractions} fraction{'s' if report.fractions != 1 else ''} "
            f"({how}) of {d} = {_gy(report.total_dose)}"
        )
        if report.rounded_bed is not None:
            lines.append(
                f"BED of the rounded schedule = {report.fractions} x {d} x (1 + {d} / {ab}) = "
                f"{_d(report.rounded_bed.value)} (target {_d(report.target.value)})"
            )
    else:
        lines.append(
            f"d = ({AB} / 2) x (sqrt(1 + 4 BED / (n x ({AB}))) - 1) = ({ab} / 2) x (sqrt(1 + 4 x "
            f"{_d(report.target.value)} / ({report.fractions} x {ab})) - 1)"
            f" = {_gy(report.dose_per_fraction)} per fraction"
        )
        lines.append(
            f"{report.fractions} x {_gy(report.dose_per_fraction)} = {_gy(report.total_dose)}"
        )
    lines.extend(f"Warning: {w}" for w in report.warnings)
    return "\n".join(lines) + "\n"

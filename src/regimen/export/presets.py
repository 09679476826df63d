"""``regimen presets list|show``: the tissue presets as text or JSON (pure formatting)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from regimen.presets import Preset, Value
from regimen.units import format_number, format_quantity, to_json, unit_symbol

#: What each parameter is called in text, with its unit's meaning where it matters.
LABELS = {
    "alpha_beta": "alpha/beta",
    "dprolif": "Dprolif (Gy/d of EQD2)",
    "k": "K (Gy/d of BED)",
    "kickoff": "kick-off time T_k",
    "repair_half_time": "repair half-time",
}


def _interval_text(v: Value) -> str:
    if v.interval is None:
        return ""
    unit = unit_symbol(v.quantity)
    low, high = (format_number(x) for x in v.interval)
    return f" ({v.interval_kind} {low} to {high} {unit})"


def _value_line(name: str, v: Value) -> str:
    return f"{LABELS[name]}: {format_quantity(v.quantity)}{_interval_text(v)}: {v.cite()}"


def list_text(presets: Mapping[str, Preset]) -> str:
    """One line a preset: name, kind, alpha/beta and what else it gives."""
    lines = []
    for name, p in presets.items():
        others = [LABELS[n] for n, _ in p.values() if n != "alpha_beta"]
        extra = f"; also {', '.join(others)}" if others else ""
        ab = p.alpha_beta
        flag = "" if ab.confirmed else " (unconfirmed)"
        lines.append(
            f"{name} ({p.kind}): {p.title}; alpha/beta {format_quantity(ab.quantity)}{flag}{extra}"
        )
    lines.append("")
    lines.append("regimen presets show NAME: every value with its source.")
    return "\n".join(lines) + "\n"


def show_text(p: Preset) -> str:
    """A preset with every value, its interval, source, primary or secondary, and notes."""
    lines = [f"{p.name}: {p.title} ({p.kind})"]
    for name, v in p.values():
        lines.append(f"  {_value_line(name, v)}")
        if v.note:
            lines.append(f"    note: {v.note}")
    if p.note:
        lines.append(f"  note: {p.note}")
    lines.append("Sources:")
    seen: set[str] = set()
    for _, v in p.values():
        if v.source.key in seen:
            continue
        seen.add(v.source.key)
        lines.append(f"  {v.source.title}: {v.source.citation}")
        if v.source.note:
            lines.append(f"    how it was checked: {v.source.note}")
    return "\n".join(lines) + "\n"


def value_data(v: Value) -> dict[str, Any]:
    """One value in JSON: quantity, interval, source, origin and whether it was confirmed."""
    unit = unit_symbol(v.quantity)
    return {
        "value": to_json(v.quantity),
        "interval": (
            None
            if v.interval is None
            else {
                "kind": v.interval_kind,
                "low": {"value": v.interval[0], "unit": unit},
                "high": {"value": v.interval[1], "unit": unit},
            }
        ),
        "source": {
            "key": v.source.key,
            "title": v.source.title,
            "citation": v.source.citation,
            "doi": v.source.doi or None,
        },
        "origin": v.origin,
        "confirmed": v.confirmed,
        "note": v.note or None,
    }


def preset_data(p: Preset) -> dict[str, Any]:
    """A preset in JSON (docs/design.md): absent parameters are null."""
    data: dict[str, Any] = {"name": p.name, "title": p.title, "kind": p.kind}
    for name in LABELS:
        v = getattr(p, name)
        data[name] = None if v is None else value_data(v)
    data["note"] = p.note or None
    return data


def list_json(presets: Mapping[str, Preset]) -> str:
    """Every preset as JSON: ``{"presets": [...]}``."""
    body = {"presets": [preset_data(p) for p in presets.values()]}
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def show_json(p: Preset) -> str:
    """One preset as JSON."""
    return json.dumps(preset_data(p), indent=2, ensure_ascii=False) + "\n"

"""Tissue presets: alpha/beta, repopulation and repair parameters with their sources.

The presets ship as data (``regimen/data/presets.toml``), read strictly with the declarations
and the reader of :mod:`regimen.loading`. Every value carries its source, whether that source
is the primary one or a secondary one, and whether the value was confirmed against the source;
an unconfirmed value is said to be so wherever it is shown (:meth:`Value.cite`).

A tumour preset gives a repopulation rate either as Dprolif (Gy/d of EQD2) or as K (Gy/d of
BED), never both, and the two are never converted into each other here (see
:func:`regimen.radiobiology.k_from_dprolif`, which the report names when it converts).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

import attrs

from regimen.errors import InputError, LoadError
from regimen.loading import (
    SOURCE,
    Key,
    KeyPath,
    Table,
    _At,
    _boolean,
    _identifier,
    _key_path,
    _Named,
    _one_of,
    _Reader,
    _Ref,
    _Sub,
    _text,
    _toml_message,
)
from regimen.sources import Source
from regimen.units import DOSE, DOSE_RATE, DURATION, Kind, Quantity, magnitude, parse_quantity

Kind_ = Literal["tumour", "early", "late"]
KINDS: tuple[Kind_, ...] = ("tumour", "early", "late")
Origin = Literal["primary", "secondary"]
INTERVAL_KINDS = ("95% CI", "range", "interval as published")

#: The bundled file, inside the installed package.
PRESETS_FILE = "presets.toml"


@attrs.frozen
class Value:
    """One parameter of a preset: the quantity and where it comes from."""

    quantity: Quantity
    source: Source
    origin: Origin
    confirmed: bool
    #: The published interval around the value, in the value's unit: (low, high), or None.
    interval: tuple[float, float] | None = None
    interval_kind: str = ""
    note: str = ""

    def cite(self) -> str:
        """``Withers 1988 [primary]`` (``, unconfirmed`` when the value was not confirmed)."""
        text = f"{self.source.title or self.source.key} [{self.origin}]"
        return text if self.confirmed else f"{text}, unconfirmed"


@attrs.frozen
class Preset:
    """A tissue's parameters, each a :class:`Value` (None where the preset gives none)."""

    name: str
    title: str
    kind: Kind_
    alpha_beta: Value
    dprolif: Value | None = None
    k: Value | None = None
    kickoff: Value | None = None
    repair_half_time: Value | None = None
    note: str = ""

    def values(self) -> Iterator[tuple[str, Value]]:
        """``(parameter name, value)`` for every parameter the preset gives, in display order."""
        for name in ("alpha_beta", "dprolif", "k", "kickoff", "repair_half_time"):
            value = getattr(self, name)
            if value is not None:
                yield name, value


_INTERVAL_RE = re.compile(
    r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s+to\s+(-?[0-9]+(?:\.[0-9]+)?)\s*([A-Za-z/]+)\s*$"
)


def _interval(value: Any, at: _At) -> tuple[float, float, str]:
    """``"0.9 to 2.2 Gy"``: low, high and the unit (checked against the value by the table)."""
    text = _text(value, at)
    m = _INTERVAL_RE.match(text)
    if m is None:
        raise InputError(f'must be like "0.9 to 2.2 Gy", got {text!r}')
    low, high = float(m.group(1)), float(m.group(2))
    if low > high:
        raise InputError(f"the low end must come first, got {text!r}")
    return low, high, m.group(3)


def _value_check(kind: Kind) -> Any:
    return lambda value, at: parse_quantity(value, kind)


def _value_model(**fields: Any) -> Value:
    interval = fields.pop("interval")
    q = fields["quantity"]
    if interval is None:
        return Value(**fields)
    low, high, unit = interval
    if not low <= magnitude(q, unit) <= high:
        raise InputError(f"the value lies outside its interval {low:g} to {high:g} {unit}")
    return Value(**fields, interval=(low, high))


def _value_table(kind: Kind) -> Table:
    return Table(
        (
            Key("value", _value_check(kind), required=True, to="quantity"),
            Key("source", _Ref("sources", "source"), required=True),
            Key("origin", _one_of(("primary", "secondary")), required=True),
            Key("confirmed", _boolean, required=True),
            Key("interval", _interval),
            Key("interval_kind", _one_of(INTERVAL_KINDS), default=""),
            Key("note", _text, default=""),
        ),
        model=_value_model,
        check=_interval_check,
    )


def _interval_check(values: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    if (values.get("interval") is None) != (not values.get("interval_kind")):
        yield ("interval_kind",), "an interval and its kind go together"


def _value_key(name: str, kind: Kind, required: bool = False) -> Key:
    shape = 'must be a table like { value = "10 Gy", source = "...", origin = "primary", ... }'
    return Key(name, _Sub(_value_table(kind), shape), required=required)


def _preset_check(values: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    kind = values.get("kind")
    if values.get("dprolif") is not None and values.get("k") is not None:
        yield ("k",), "give Dprolif or K, not both (they are never converted silently)"
    rate = values.get("dprolif") is not None or values.get("k") is not None
    if rate != (values.get("kickoff") is not None):
        yield ("kickoff",), "a repopulation rate and its kick-off time go together"
    if kind != "tumour" and (rate or values.get("kickoff") is not None):
        yield ("kind",), "only a tumour preset has repopulation parameters"
    if kind == "tumour" and values.get("repair_half_time") is not None:
        yield ("repair_half_time",), "a tumour preset has no repair half-time here"


def _preset_model(key: str, **fields: Any) -> Preset:
    return Preset(name=key, **fields)


PRESET = Table(
    (
        Key("title", _text, required=True),
        Key("kind", _one_of(KINDS), required=True),
        _value_key("alpha_beta", DOSE, required=True),
        _value_key("dprolif", DOSE_RATE),
        _value_key("k", DOSE_RATE),
        _value_key("kickoff", DURATION),
        _value_key("repair_half_time", DURATION),
        Key("note", _text, default=""),
    ),
    model=_preset_model,
    check=_preset_check,
)


def _names_check(values: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    for name in values.get("presets") or {}:
        try:
            _identifier(name, None)  # type: ignore[arg-type]
        except InputError as exc:
            yield ("presets", name), exc.what


def _file_model(presets: dict[str, Any], **_: Any) -> dict[str, Preset]:
    return {name: preset for name, preset in presets.items() if preset is not None}


PRESETS_TABLE = Table(
    (
        Key("sources", _Named(SOURCE, "must be a table of [sources.KEY] tables"), required=True),
        Key("presets", _Named(PRESET, "must be a table of [presets.NAME] tables"), required=True),
    ),
    model=_file_model,
    check=_names_check,
)


def parse_presets(text: str, where: str) -> dict[str, Preset]:
    """Parse presets TOML text strictly; every problem at once as ``where: key.path: what``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LoadError(where, [("", _toml_message(exc, text))]) from None
    reader = _Reader()
    built = reader.table(data, (), PRESETS_TABLE)[1]
    if reader.problems or not isinstance(built, dict):
        raise LoadError(where, [(_key_path(p), m) for p, m in reader.problems])
    return dict(sorted(built.items()))


@cache
def bundled() -> Mapping[str, Preset]:
    """The presets shipped with the package, by name (read once)."""
    from regimen.loading import read_text

    path = Path(__file__).with_name("data") / PRESETS_FILE
    return parse_presets(read_text(path, "presets file"), f"regimen/data/{PRESETS_FILE}")


def get(name: str, where: str = "preset", kind: Kind_ | None = None) -> Preset:
    """The preset ``name``; an unknown name (or one of another kind) is a one-line error."""
    presets = bundled()
    preset = presets.get(name)
    if preset is None:
        raise InputError(f"unknown preset {name!r}; presets: {', '.join(presets)}", where=where)
    if kind is not None and preset.kind != kind:
        fitting = [n for n, p in presets.items() if p.kind == kind]
        raise InputError(
            f"{name} is {'an' if preset.kind == 'early' else 'a'} {preset.kind} preset; "
            f"{where} takes a {kind} one: {', '.join(fitting)}",
            where=where,
        )
    return preset


# ---------------------------------------------------------------------------------------------
# what the command line takes from a preset, and what the user's own options override


def origin_of(preset: Preset, value: Value) -> Any:
    """The :class:`regimen.rt_report.Origin` of a preset's value (for the reports)."""
    from regimen.rt_report import Origin

    return Origin(
        preset=preset.name,
        cite=value.cite(),
        source=value.source.title or value.source.key,
        origin=value.origin,
        confirmed=value.confirmed,
    )


@attrs.frozen
class Resolved:
    """Every parameter of ``bed`` / ``dose`` after presets and the user's options: each given
    option wins over the preset's value, and each value keeps its origin."""

    tumour_alpha_betas: tuple[Any, ...]
    tumour_origins: tuple[Any, ...]
    alpha_betas: tuple[Any, ...]
    other_origins: tuple[Any, ...]
    k: Any = None
    dprolif: Any = None
    rate_origin: Any = None
    kickoff: Any = None
    kickoff_origin: Any = None
    repair_half_time: Any = None
    half_time_origin: Any = None
    #: The preset whose parameters are missing where they are needed (for error messages).
    tissue: Preset | None = None
    late_tissue: Preset | None = None


def resolve(
    tissue: str | None,
    late_tissue: str | None,
    tumour_alpha_betas: tuple[Any, ...] = (),
    alpha_betas: tuple[Any, ...] = (),
    k: Any = None,
    dprolif: Any = None,
    kickoff: Any = None,
    repair_half_time: Any = None,
) -> Resolved:
    """Merge ``--tissue`` and ``--late-tissue`` presets with the options given.

    ``--tumour-alpha-beta`` replaces the tumour preset's alpha/beta, ``--alpha-beta`` the late
    preset's; ``--k`` or ``--dprolif`` replaces the preset's repopulation rate (whichever of
    the two it gives: they are never converted here), ``--kickoff`` its T_k, and
    ``--repair-half-time`` the late preset's repair half-time.
    """
    from regimen.rt_report import GIVEN

    t = get(tissue, "--tissue", "tumour") if tissue is not None else None
    late = get(late_tissue, "--late-tissue", "late") if late_tissue is not None else None
    tumour_abs, tumour_from = tuple(tumour_alpha_betas), (GIVEN,) * len(tumour_alpha_betas)
    if t is not None and not tumour_abs:
        tumour_abs, tumour_from = (t.alpha_beta.quantity,), (origin_of(t, t.alpha_beta),)
    other_abs, other_from = tuple(alpha_betas), (GIVEN,) * len(alpha_betas)
    if late is not None and not other_abs:
        other_abs, other_from = (late.alpha_beta.quantity,), (origin_of(late, late.alpha_beta),)
    rate_from = kickoff_from = half_from = GIVEN
    if k is None and dprolif is None and t is not None:
        if t.dprolif is not None:
            dprolif, rate_from = t.dprolif.quantity, origin_of(t, t.dprolif)
        elif t.k is not None:
            k, rate_from = t.k.quantity, origin_of(t, t.k)
    if kickoff is None and t is not None and t.kickoff is not None:
        kickoff, kickoff_from = t.kickoff.quantity, origin_of(t, t.kickoff)
    if repair_half_time is None and late is not None and late.repair_half_time is not None:
        repair_half_time = late.repair_half_time.quantity
        half_from = origin_of(late, late.repair_half_time)
    return Resolved(
        tumour_abs,
        tumour_from,
        other_abs,
        other_from,
        k,
        dprolif,
        rate_from,
        kickoff,
        kickoff_from,
        repair_half_time,
        half_from,
        t,
        late,
    )
